from pathlib import Path

from neighborhoods import joblog, synthetic

with joblog.to_file(snakemake.log[0]):
    synthetic.generate(
        Path(snakemake.output.images).parent,
        Path(snakemake.output.image_dir),
        seed=snakemake.params.seed,
        **snakemake.params.synthetic,
    )
