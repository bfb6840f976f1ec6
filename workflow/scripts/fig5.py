from pathlib import Path

from neighborhoods import job
from neighborhoods.reporting import figure_data

with job.start(snakemake.log[0], threads=snakemake.threads):
    figure_data.figure5(
        Path(snakemake.output.png).with_suffix(""),
        inputs=snakemake.input,
        highlight=snakemake.params.highlight,
    )
