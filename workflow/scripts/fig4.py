from pathlib import Path

from neighborhoods import job
from neighborhoods.reporting import figure_data

with job.start(snakemake.log[0], threads=snakemake.threads):
    figure_data.figure4(
        Path(snakemake.output.png).with_suffix(""),
        images=snakemake.input.images,
        concepts=snakemake.input.concepts,
        neighbors=snakemake.input.neighbors,
        model_scores=snakemake.input.model_scores,
        visual_scores=snakemake.input.visual_scores,
        image_root=snakemake.input.get("image_dir"),
    )
