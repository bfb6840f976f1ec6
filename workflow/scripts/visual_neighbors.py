import json
from pathlib import Path

from neighborhoods import job, neighbor_summary, tables, visual

with job.start(snakemake.log[0], threads=snakemake.threads):
    feature_ids, features = tables.read_features(snakemake.input.features)
    table = visual.visual_neighbors(
        features,
        feature_ids,
        tables.read(snakemake.input.split, tables.SPLIT),
        max_rank=snakemake.params.max_rank,
    )
    tables.write(table, snakemake.output.table, tables.NEIGHBORS)
    # L2 neighbors have no fill: a similarity of 0 there is a duplicate feature vector.
    summary = neighbor_summary.summarize(table, snakemake.params.depths, zero_is_fill=False)
    Path(snakemake.output.summary).write_text(json.dumps(summary, indent=2))
