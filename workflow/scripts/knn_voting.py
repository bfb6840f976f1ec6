from neighborhoods import evaluation, job, model_inputs, voting

with job.start(snakemake.log[0], threads=snakemake.threads):
    data = model_inputs.for_job(snakemake.input)
    scores, table = voting.knn_on_split(data, ks=snakemake.params.ks, weightings=snakemake.params.weightings)
    table.to_csv(snakemake.output.choice, index=False)
    evaluation.write_test_scores(data, scores, snakemake.input, snakemake.output)
