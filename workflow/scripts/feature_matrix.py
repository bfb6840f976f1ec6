from neighborhoods import job, parquet

with job.start(snakemake.log[0]):
    parquet.write_matrix(snakemake.input[0], snakemake.output[0])
