from neighborhoods import job, parquet
from neighborhoods.ingestion import assembly, download, nuswide

with job.start(snakemake.log[0], threads=snakemake.threads):
    options = snakemake.params.download
    release = assembly.labelled(parquet.read(snakemake.input.release))
    urls = nuswide.image_urls(
        release, snakemake.input.imagelist, snakemake.input.urls, options["sizes"], snakemake.params.bad_lines
    )
    fetcher = download.Fetcher(
        timeout=options["timeout"], retries=options["retries"], backoff=options["backoff"]
    )
    status = download.download(
        release,
        urls,
        options["folder"],
        fetcher=fetcher,
        placeholders=snakemake.params.placeholders,
        workers=snakemake.threads,
        max_pixels=snakemake.params.max_pixels,
    )
    download.link_images(status, release, options["folder"], snakemake.output.image_dir)
    parquet.write(status, snakemake.output.status, download.STATUS)
