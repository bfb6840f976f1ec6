from pathlib import Path

from neighborhoods import job
from neighborhoods.reporting import figure_data

with job.start(snakemake.log[0], threads=snakemake.threads):
    figure_data.figure6(
        Path(snakemake.output.png).with_suffix(""),
        images=snakemake.input.images,
        concepts=snakemake.input.concepts,
        neighbors={
            name.removeprefix("neighbors_"): path
            for name, path in snakemake.input.items()
            if name.startswith("neighbors_")
        },
    )
