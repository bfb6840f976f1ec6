from neighborhoods import flickr, ingest, job, tables

with job.start(snakemake.log[0], threads=snakemake.threads):
    options = snakemake.params.flickr
    release = ingest.labelled(tables.read(snakemake.input.release))
    metadata = flickr.load_metadata(
        release.column("image_id").to_pylist(),
        flickr.methods(options["get_info"]),
        options["cache"],
        options["metadata"],
        policy=snakemake.params.bad_lines,
    )
    tables.write(metadata, snakemake.output[0], flickr.METADATA)
