import json
from pathlib import Path

from neighborhoods import job, neighbor_summary, neighbors, parquet

with job.start(snakemake.log[0], threads=snakemake.threads):
    table = neighbors.for_meta(
        snakemake.wildcards.meta,
        parquet.read(snakemake.input.images, parquet.IMAGES),
        parquet.read(snakemake.input.split, parquet.SPLIT),
        max_rank=snakemake.params.max_rank,
        seed=snakemake.params.seed,
        k=int(snakemake.wildcards.k),
    )
    parquet.write(table, snakemake.output.table, parquet.NEIGHBORS)
    summary = neighbor_summary.summarize(table, snakemake.params.depths, zero_is_fill=True)
    summary["subsets"] = neighbor_summary.by_subset(
        table,
        parquet.read(snakemake.input.images, parquet.IMAGES),
        snakemake.params.depths,
        zero_is_fill=True,
    )
    Path(snakemake.output.summary).write_text(json.dumps(summary, indent=2))
