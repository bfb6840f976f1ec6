import json
from pathlib import Path

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
    summary = neighbor_summary.summarize(table, snakemake.params.depths, zero_is_fill=False)
    summary["subsets"] = neighbor_summary.by_subset(
        table,
        parquet.read(snakemake.input.images, parquet.IMAGES),
        snakemake.params.depths,
        zero_is_fill=False,
    )
    Path(snakemake.output.summary).write_text(json.dumps(summary, indent=2))
