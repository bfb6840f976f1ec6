from neighborhoods import evaluation, experiments, joblog, seeds, splitdata, tables, train

with joblog.to_file(snakemake.log[0]):
    data = splitdata.load(
        snakemake.input.images,
        snakemake.input.concepts,
        snakemake.input.split,
        snakemake.input.features,
        snakemake.input.get("neighbors"),
        tag_tau=experiments.parse(snakemake.wildcards.experiment).tau,
        feature_dtype=snakemake.params.feature_dtype,
    )
    model, experiment = train.load(snakemake.input.model, data)
    scores = train.predict(
        model,
        data,
        "test",
        experiment,
        samples=snakemake.params.samples,
        seed=seeds.derive(snakemake.params.seed, int(snakemake.wildcards.k), 1),
    )
    table = tables.scores_table(data.subsets["test"].image_ids, scores)
    tables.write(table, snakemake.output.scores, tables.SCORES)
    evaluation.write_metrics(
        snakemake.input.images,
        snakemake.input.concepts,
        snakemake.output.scores,
        snakemake.output.metrics,
    )
