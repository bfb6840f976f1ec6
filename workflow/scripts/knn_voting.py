from neighborhoods import evaluation, job, model_inputs, voting

with job.start(snakemake.log[0], threads=snakemake.threads):
    data = model_inputs.load(
        snakemake.input.images,
        snakemake.input.concepts,
        snakemake.input.split,
        snakemake.input.features,
    )
    scores, table = voting.knn_on_split(data, ks=snakemake.params.ks, weightings=snakemake.params.weightings)
    table.to_csv(snakemake.output.choice, index=False)
    evaluation.write_scores(
        data.subsets["test"].image_ids,
        scores,
        snakemake.output.scores,
        images_path=snakemake.input.images,
        concepts_path=snakemake.input.concepts,
        metrics_path=snakemake.output.metrics,
    )
