from neighborhoods import annotation, job, parquet, train
from neighborhoods.checkpoint import load

with job.start(snakemake.log[0]):
    saved = load(snakemake.input.model)
    experiment = annotation.usable(saved)
    photos = parquet.read(snakemake.input.photos, parquet.IMAGES)
    _, features = parquet.read_features(snakemake.input.features)
    model, _ = train.rebuild(saved, snakemake.input.model, features.shape[1])
    neighbors = None
    if experiment.model == "neighborhood":
        neighbors = annotation.collection_neighbors(photos, experiment, snakemake.params.seed)
    probabilities = annotation.scores(
        model, saved, experiment, photos, features, neighbors, snakemake.params.seed
    )
    table = annotation.annotations(photos, saved.concepts, probabilities, snakemake.params.top, neighbors)
    table.to_parquet(snakemake.output.parquet, index=False)
    annotation.flat(table).to_csv(snakemake.output.csv, index=False)
    annotation.neighbor_rows(photos, neighbors).to_parquet(snakemake.output.neighbors, index=False)
