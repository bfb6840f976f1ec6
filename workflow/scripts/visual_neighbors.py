from neighborhoods import job, neighbor_summary, parquet, visual

with job.start(snakemake.log[0], threads=snakemake.threads):
    feature_ids, features = parquet.open_features(snakemake.input.features, snakemake.input.matrix)
    table = visual.visual_neighbors(
        features,
        feature_ids,
        parquet.read(snakemake.input.split, parquet.SPLIT),
        max_rank=snakemake.params.max_rank,
    )
    parquet.write(table, snakemake.output.table, parquet.NEIGHBORS)
    # L2 neighbors have no fill: a similarity of 0 there is a duplicate feature vector.
    images = parquet.read(snakemake.input.images, parquet.IMAGES)
    neighbor_summary.write(table, images, snakemake.params.depths, False, snakemake.output.summary)
