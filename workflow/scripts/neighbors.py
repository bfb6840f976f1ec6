import json
from pathlib import Path

from neighborhoods import job, neighbor_summary, neighbors, seeds, tables

with job.start(snakemake.log[0], threads=snakemake.threads):
    table = neighbors.for_meta(
        snakemake.wildcards.meta,
        tables.read(snakemake.input.images, tables.IMAGES),
        tables.read(snakemake.input.split, tables.SPLIT),
        max_rank=snakemake.params.max_rank,
        seed=seeds.derive(snakemake.params.seed, int(snakemake.wildcards.k)),
    )
    tables.write(table, snakemake.output.table, tables.NEIGHBORS)
    summary = neighbor_summary.summarize(table, snakemake.params.depths, zero_is_fill=True)
    Path(snakemake.output.summary).write_text(json.dumps(summary, indent=2))
