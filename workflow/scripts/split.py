from neighborhoods import job, parquet, splits

with job.start(snakemake.log[0], threads=snakemake.threads):
    images = parquet.read(snakemake.input.images, parquet.IMAGES)
    split = splits.make_split(
        images.column("image_id").to_numpy(),
        index=int(snakemake.wildcards.k),
        train=snakemake.params.train,
        val=snakemake.params.val,
        seed=snakemake.params.seed,
    )
    parquet.write(split, snakemake.output[0], parquet.SPLIT)
