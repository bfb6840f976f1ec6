from neighborhoods import job, manifest

with job.start(snakemake.log[0], threads=snakemake.threads):
    manifest.write(snakemake.input.image_dir, snakemake.output[0])
