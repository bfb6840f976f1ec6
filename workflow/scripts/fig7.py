from pathlib import Path

from neighborhoods import figure_data, joblog

with joblog.to_file(snakemake.log[0]):
    figure_data.figure7(
        Path(snakemake.output.png).with_suffix(""),
        sweeps={
            name: [(value, snakemake.input[f"{name}_{value}"]) for value in values]
            for name, values in snakemake.params.sweeps.items()
        },
        baseline=snakemake.input.baseline,
    )
