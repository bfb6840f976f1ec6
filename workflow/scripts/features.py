from neighborhoods import features, job

with job.start(snakemake.log[0], threads=snakemake.threads):
    features.extract_for_job(
        snakemake.input.images, snakemake.input.image_dir, snakemake.wildcards.backbone, snakemake
    )
