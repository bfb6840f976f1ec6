import json
from pathlib import Path

from neighborhoods import download, flickr, ingest, job, tables

with job.start(snakemake.log[0], threads=snakemake.threads):
    summary = json.loads(Path(snakemake.input.summary).read_text())
    table, counts = ingest.assemble(
        tables.read(snakemake.input.release),
        summary["counts"],
        tables.read(snakemake.input.status, download.STATUS),
        tables.read(snakemake.input.metadata, flickr.METADATA),
        tags=snakemake.params.tags,
    )
    ingest.write(Path(snakemake.output.images).parent, table, summary["concepts"], counts)
