from pathlib import Path

from neighborhoods import job, seeds
from neighborhoods.reporting import figure_data

with job.start(snakemake.log[0], threads=snakemake.threads):
    figure_data.figure3(
        Path(snakemake.output.png).with_suffix(""),
        inputs=snakemake.input,
        model=snakemake.input.model,
        image_root=snakemake.input.get("image_dir"),
        seed=seeds.figure(snakemake.params.seed, 3),
    )
