from neighborhoods import joblog, neighbors, seeds, tables

with joblog.to_file(snakemake.log[0]):
    kind, tau = neighbors.parse_meta(snakemake.wildcards.meta)
    table = neighbors.metadata_neighbors(
        tables.read(snakemake.input.images, tables.IMAGES),
        tables.read(snakemake.input.split, tables.SPLIT),
        kind,
        tau=tau,
        max_rank=snakemake.params.max_rank,
        seed=seeds.derive(snakemake.params.seed, int(snakemake.wildcards.k)),
    )
    tables.write(table, snakemake.output[0], tables.NEIGHBORS)
