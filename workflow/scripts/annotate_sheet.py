from pathlib import Path

import pandas as pd

from neighborhoods import job
from neighborhoods.reporting import contact_sheet

with job.start(snakemake.log[0]):
    annotations = pd.read_parquet(snakemake.input.annotations)
    neighbors = pd.read_parquet(snakemake.input.neighbors)
    page = contact_sheet.render(
        snakemake.input.photos,
        annotations,
        neighbors if len(neighbors) else None,
        Path(snakemake.input.photos).name,
        snakemake.params.max_pixels,
    )
    Path(snakemake.output[0]).write_text(page)
