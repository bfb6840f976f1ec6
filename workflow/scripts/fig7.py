from pathlib import Path

from neighborhoods import job
from neighborhoods.reporting import figure_data

with job.start(snakemake.log[0], threads=snakemake.threads):
    figure_data.figure7(
        Path(snakemake.output.png).with_suffix(""),
        sweeps={
            name: [(value, snakemake.input[f"{name}_{value}"]) for value in values]
            for name, values in snakemake.params.sweeps.items()
        },
        baseline=snakemake.input.baseline,
    )
