import torch

from neighborhoods import features, joblog

with joblog.to_file(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    features.extract(
        snakemake.input.images,
        snakemake.input.image_dir,
        snakemake.output[0],
        backbone=snakemake.wildcards.backbone,
        batch_size=snakemake.params.batch_size,
        workers=snakemake.params.workers,
        device=snakemake.params.device,
        weights=snakemake.params.weights,
    )
