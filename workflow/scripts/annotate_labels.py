import logging

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
    known = annotation.training_tags(saved, snakemake.input.get("dataset"))
    if known is None:
        logging.info(
            "%s: the tags it was trained with are unknown; unmatched_keywords left empty", saved.experiment
        )
    table = annotation.annotations(
        photos, saved.concepts, probabilities, snakemake.params.top, neighbors, known
    )
    unmatched = int(table["unmatched_keywords"].sum()) if known is not None else 0
    if unmatched:
        logging.info(
            "%d keyword(s) of the photos match no training tag (column unmatched_keywords)", unmatched
        )
    table.to_parquet(snakemake.output.parquet, index=False)
    annotation.flat(table).to_csv(snakemake.output.csv, index=False)
    annotation.neighbor_rows(photos, neighbors).to_parquet(snakemake.output.neighbors, index=False)
