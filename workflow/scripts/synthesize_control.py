from pathlib import Path

from neighborhoods import job
from neighborhoods.generated import control

with job.start(snakemake.log[0], threads=snakemake.threads):
    out = Path(snakemake.output.images).parent
    control.generate(out, seed=snakemake.params.seed, **snakemake.params.control)
