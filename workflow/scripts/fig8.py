from pathlib import Path

from neighborhoods import figure_data, job

with job.start(snakemake.log[0], threads=snakemake.threads):
    figure_data.figure8(
        Path(snakemake.output.png).with_suffix(""),
        overlaps=[(p, snakemake.input[f"overlap_{p}"]) for p in snakemake.params.overlaps],
        baseline=snakemake.input.baseline,
    )
