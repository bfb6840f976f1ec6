from pathlib import Path

from neighborhoods import job, seeds
from neighborhoods.reporting import figure_data

with job.start(snakemake.log[0], threads=snakemake.threads):
    figure_data.figure3(
        Path(snakemake.output.png).with_suffix(""),
        images=snakemake.input.images,
        concepts=snakemake.input.concepts,
        split=snakemake.input.split,
        features=snakemake.input.features,
        neighbors=snakemake.input.neighbors,
        model=snakemake.input.model,
        image_root=snakemake.input.get("image_dir"),
        seed=seeds.figure(snakemake.params.seed, 3),
    )
