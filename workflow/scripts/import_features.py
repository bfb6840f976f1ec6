from neighborhoods import imported_features, job

with job.start(snakemake.log[0], threads=snakemake.threads):
    imported_features.import_features(
        snakemake.params.source,
        snakemake.output.features,
        imagelist=snakemake.input.imagelist or None,
        policy=snakemake.params.policy,
    )
