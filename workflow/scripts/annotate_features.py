from neighborhoods import checkpoint, features, job

with job.start(snakemake.log[0], threads=snakemake.threads):
    backbone = checkpoint.load(snakemake.input.model).backbone
    features.extract_for_job(snakemake.input.photos, snakemake.params.photos, backbone, snakemake)
