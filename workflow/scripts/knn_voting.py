from neighborhoods import evaluation, joblog, splitdata, tables, voting

with joblog.to_file(snakemake.log[0]):
    data = splitdata.load(
        snakemake.input.images,
        snakemake.input.concepts,
        snakemake.input.split,
        snakemake.input.features,
    )
    scores, table = voting.knn_on_split(
        data, ks=snakemake.params.ks, weightings=snakemake.params.weightings
    )
    table.to_csv(snakemake.output.choice, index=False)
    test_ids = data.subsets["test"].image_ids
    tables.write(tables.scores_table(test_ids, scores), snakemake.output.scores)
    evaluation.write_metrics(
        snakemake.input.images,
        snakemake.input.concepts,
        snakemake.output.scores,
        snakemake.output.metrics,
    )
