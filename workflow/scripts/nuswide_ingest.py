import json
from pathlib import Path

from neighborhoods import job, parquet
from neighborhoods.ingestion import assembly, download, flickr

with job.start(snakemake.log[0], threads=snakemake.threads):
    summary = json.loads(Path(snakemake.input.summary).read_text())
    table, counts = assembly.assemble(
        parquet.read(snakemake.input.release),
        summary["counts"],
        parquet.read(snakemake.input.status, download.STATUS),
        parquet.read(snakemake.input.metadata, flickr.METADATA),
        tags=snakemake.params.tags,
    )
    assembly.write(Path(snakemake.output.images).parent, table, summary["concepts"], counts)
