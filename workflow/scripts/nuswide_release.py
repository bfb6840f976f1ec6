import json
from pathlib import Path

from neighborhoods import job, parquet
from neighborhoods.ingestion import nuswide

with job.start(snakemake.log[0], threads=snakemake.threads):
    root = Path(snakemake.input.imagelist).parents[1]  # <root>/ImageList/Imagelist.txt
    release = nuswide.read_release(root, policy=snakemake.params.bad_lines)
    parquet.write(release.table, snakemake.output.table)
    summary = {"concepts": release.concepts, "counts": release.counts}
    with open(snakemake.output.summary, "w") as stream:
        json.dump(summary, stream, indent=2)
