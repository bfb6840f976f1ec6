from neighborhoods import download, ingest, job, tables

with job.start(snakemake.log[0], threads=snakemake.threads):
    release = ingest.labelled(tables.read(snakemake.input.release))
    status = download.check_folder(
        release,
        snakemake.input.image_dir,
        placeholders=snakemake.params.placeholders,
        workers=snakemake.threads,
    )
    tables.write(status, snakemake.output[0], download.STATUS)
