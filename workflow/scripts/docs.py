from pathlib import Path

from neighborhoods import job
from neighborhoods.reporting import docs_page

with job.start(snakemake.log[0], threads=snakemake.threads):
    inputs, params = snakemake.input, snakemake.params
    captions = Path(params.repository) / "workflow" / "report"
    runs = inputs.get("runs", [])  # one file arrives as a string
    docs_page.write(
        snakemake.output.page,
        name=params.name,
        tables={key: inputs[f"table_{key}"] for key in params.tables},
        figures={
            key: (inputs[f"figure_{key}"], copy)
            for key, copy in zip(params.figures, snakemake.output.figures, strict=True)
        },
        captions={key: captions / f"{key}.rst" for key in params.figures},
        comparison_csv=inputs.comparison or None,
        gaps_csv=inputs.gaps or None,
        config=params.config,
        runs=[runs] if isinstance(runs, str) else list(runs),
    )
