from pathlib import Path

from neighborhoods import job
from neighborhoods.reporting import comparison, tables

with job.start(snakemake.log[0], threads=snakemake.threads):
    pairs = [
        (label, snakemake.input[f"ours{i}"], snakemake.input[f"theirs{i}"])
        for i, label in enumerate(snakemake.params.labels)
    ]
    table = comparison.table(pairs)
    title = "Does the model beat its simple baselines? Test metrics, split by split"
    Path(snakemake.output.markdown).write_text(tables.to_markdown(table, title, comparison.NOTE))
    table.to_csv(snakemake.output.csv, index=False)
