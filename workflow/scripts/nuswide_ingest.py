import json
from pathlib import Path

from neighborhoods import job, parquet
from neighborhoods.ingestion import assembly, download, flickr

with job.start(snakemake.log[0], threads=snakemake.threads):
    summary = json.loads(Path(snakemake.input.summary).read_text())
    status, features = snakemake.input.status, snakemake.input.features
    table, counts = assembly.assemble(
        parquet.read(snakemake.input.release),
        summary["counts"],
        parquet.read(status, download.STATUS) if status else None,
        parquet.read(snakemake.input.metadata, flickr.METADATA),
        tags=snakemake.params.tags,
        feature_ids=parquet.read_feature_ids(features) if features else None,
    )
    assembly.write(Path(snakemake.output.images).parent, table, summary["concepts"], counts)
