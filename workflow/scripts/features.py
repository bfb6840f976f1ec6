from neighborhoods import features, job

with job.start(snakemake.log[0], threads=snakemake.threads):
    features.extract(
        snakemake.input.images,
        snakemake.input.image_dir,
        snakemake.output.features,
        backbone=snakemake.wildcards.backbone,
        batch_size=snakemake.params.batch_size,
        workers=snakemake.params.workers,
        device=snakemake.params.device,
        weights=snakemake.input.weights or None,
        image_manifest=snakemake.input.manifest,
        sources_path=snakemake.output.sources,
        max_pixels=snakemake.params.max_pixels,
    )
