import json
from pathlib import Path

from neighborhoods import job, neighbor_summary
from neighborhoods.reporting import tables

with job.start(snakemake.log[0], threads=snakemake.threads):
    summaries = {kind: json.loads(Path(path).read_text()) for kind, path in snakemake.input.items()}
    table = neighbor_summary.table(summaries, snakemake.params.depth)
    title = f"Neighbors of split 0: zero-similarity fill and hubs in the top {snakemake.params.depth}"
    Path(snakemake.output.markdown).write_text(tables.to_markdown(table, title, ""))
    table.to_csv(snakemake.output.csv, index=False)
