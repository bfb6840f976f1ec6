from neighborhoods import job, neighbor_summary, neighbors, parquet

with job.start(snakemake.log[0], threads=snakemake.threads):
    images = parquet.read(snakemake.input.images, parquet.IMAGES)
    table = neighbors.for_meta(
        snakemake.wildcards.meta,
        images,
        parquet.read(snakemake.input.split, parquet.SPLIT),
        max_rank=snakemake.params.max_rank,
        seed=snakemake.params.seed,
        k=int(snakemake.wildcards.k),
    )
    parquet.write(table, snakemake.output.table, parquet.NEIGHBORS)
    neighbor_summary.write(table, images, snakemake.params.depths, True, snakemake.output.summary)
