from neighborhoods import job, splits, tables

with job.start(snakemake.log[0], threads=snakemake.threads):
    images = tables.read(snakemake.input.images, tables.IMAGES)
    split = splits.make_split(
        images.column("image_id").to_numpy(),
        index=int(snakemake.wildcards.k),
        train=snakemake.params.train,
        val=snakemake.params.val,
        seed=snakemake.params.seed,
    )
    tables.write(split, snakemake.output[0], tables.SPLIT)
