from pathlib import Path

from neighborhoods import job
from neighborhoods.generated import dataset

with job.start(snakemake.log[0], threads=snakemake.threads):
    dataset.generate(
        Path(snakemake.output.images).parent,
        Path(snakemake.output.image_dir),
        seed=snakemake.params.seed,
        **snakemake.params.synthetic,
    )
