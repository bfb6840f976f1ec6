import json
from pathlib import Path

from neighborhoods import download, flickr, ingest, joblog, tables

with joblog.to_file(snakemake.log[0]):
    summary = json.loads(Path(snakemake.input.summary).read_text())
    table, counts = ingest.assemble(
        tables.read(snakemake.input.release),
        summary["counts"],
        tables.read(snakemake.input.status, download.STATUS),
        tables.read(snakemake.input.metadata, flickr.METADATA),
        tags=snakemake.params.tags,
    )
    ingest.write(Path(snakemake.output.images).parent, table, summary["concepts"], counts)
