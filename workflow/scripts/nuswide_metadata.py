from neighborhoods import job, parquet
from neighborhoods.ingestion import assembly, flickr

with job.start(snakemake.log[0], threads=snakemake.threads):
    options = snakemake.params.flickr
    release = assembly.labelled(parquet.read(snakemake.input.release))
    metadata = flickr.load_metadata(
        release.column("image_id").to_pylist(),
        flickr.methods(options["get_info"]),
        options["cache"],
        options["metadata"],
        policy=snakemake.params.bad_lines,
        sets_from=options["sets_from"],
    )
    parquet.write(metadata, snakemake.output[0], flickr.METADATA)
