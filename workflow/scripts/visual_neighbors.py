from neighborhoods import joblog, tables, visual

with joblog.to_file(snakemake.log[0]):
    feature_ids, features = tables.read_features(snakemake.input.features)
    table = visual.visual_neighbors(
        features,
        feature_ids,
        tables.read(snakemake.input.split, tables.SPLIT),
        max_rank=snakemake.params.max_rank,
    )
    tables.write(table, snakemake.output[0], tables.NEIGHBORS)
