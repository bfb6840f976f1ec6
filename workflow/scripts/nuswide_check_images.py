from neighborhoods import job, parquet
from neighborhoods.ingestion import assembly, download

with job.start(snakemake.log[0], threads=snakemake.threads):
    release = assembly.labelled(parquet.read(snakemake.input.release))
    status = download.check_folder(
        release,
        snakemake.input.image_dir,
        placeholders=snakemake.params.placeholders,
        workers=snakemake.threads,
        max_pixels=snakemake.params.max_pixels,
    )
    parquet.write(status, snakemake.output[0], download.STATUS)
