from pathlib import Path

from neighborhoods import job
from neighborhoods.reporting import figure_data

with job.start(snakemake.log[0], threads=snakemake.threads):
    figure_data.figure4(
        Path(snakemake.output.png).with_suffix(""),
        inputs=snakemake.input,
        image_root=snakemake.input.get("image_dir"),
    )
