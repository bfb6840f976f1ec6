from pathlib import Path

from neighborhoods import job, synthetic

with job.start(snakemake.log[0], threads=snakemake.threads):
    synthetic.generate(
        Path(snakemake.output.images).parent,
        Path(snakemake.output.image_dir),
        seed=snakemake.params.seed,
        **snakemake.params.synthetic,
    )
