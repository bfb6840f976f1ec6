from neighborhoods import flickr, ingest, joblog, tables

with joblog.to_file(snakemake.log[0]):
    options = snakemake.params.flickr
    release = ingest.labelled(tables.read(snakemake.input.release))
    metadata = flickr.load_metadata(
        release.column("image_id").to_pylist(),
        flickr.methods(options["get_info"]),
        options["cache"],
        options["metadata"],
    )
    tables.write(metadata, snakemake.output[0], flickr.METADATA)
