from pathlib import Path

from neighborhoods import job
from neighborhoods.reporting import figure_data

with job.start(snakemake.log[0], threads=snakemake.threads):
    figure_data.figure5(
        Path(snakemake.output.png).with_suffix(""),
        images=snakemake.input.images,
        concepts=snakemake.input.concepts,
        split=snakemake.input.split,
        model_scores=snakemake.input.model_scores,
        visual_scores=snakemake.input.visual_scores,
        highlight=snakemake.params.highlight,
    )
