from pathlib import Path

from neighborhoods import job
from neighborhoods.reporting import figure_data

with job.start(snakemake.log[0], threads=snakemake.threads):
    figure_data.figure8(
        Path(snakemake.output.png).with_suffix(""),
        overlaps=[(p, snakemake.input[f"overlap_{p}"]) for p in snakemake.params.overlaps],
        baseline=snakemake.input.baseline,
    )
