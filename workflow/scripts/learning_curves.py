from pathlib import Path
from types import SimpleNamespace

from neighborhoods import job
from neighborhoods.reporting import figure_data

with job.start(snakemake.log[0], threads=snakemake.threads):
    out = snakemake.output
    figure_data.learning_curves(
        Path(out.png).with_suffix(""),
        SimpleNamespace(
            markdown=out.table_markdown, csv=out.table_csv, latex=out.table_latex, gaps_csv=out.gaps_csv
        ),
        curves={
            method: [
                figure_data.CurvePoint(
                    p, snakemake.input[f"{method}_{p}"], snakemake.input.get(f"{method}_{p}_history")
                )
                for p in percents
            ]
            for method, percents in snakemake.params.curves.items()
        },
        splits=snakemake.input.splits,
    )
