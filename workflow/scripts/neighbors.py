from neighborhoods import joblog, neighbors, seeds, tables

with joblog.to_file(snakemake.log[0]):
    table = neighbors.for_meta(
        snakemake.wildcards.meta,
        tables.read(snakemake.input.images, tables.IMAGES),
        tables.read(snakemake.input.split, tables.SPLIT),
        max_rank=snakemake.params.max_rank,
        seed=seeds.derive(snakemake.params.seed, int(snakemake.wildcards.k)),
    )
    tables.write(table, snakemake.output[0], tables.NEIGHBORS)
