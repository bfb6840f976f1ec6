from neighborhoods import checkpoint, features, job

with job.start(snakemake.log[0], threads=snakemake.threads):
    backbone = checkpoint.load(snakemake.input.model).backbone
    features.extract(
        snakemake.input.photos,
        snakemake.params.photos,
        snakemake.output.features,
        backbone=backbone,
        batch_size=snakemake.params.batch_size,
        workers=snakemake.params.workers,
        device=snakemake.params.device,
        weights=snakemake.input.weights or None,
        sources_path=snakemake.output.sources,
        max_pixels=snakemake.params.max_pixels,
    )
