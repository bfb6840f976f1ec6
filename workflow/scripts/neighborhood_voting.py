from neighborhoods import evaluation, experiments, job, model_inputs, train, voting

with job.start(snakemake.log[0], threads=snakemake.threads):
    data = model_inputs.for_job(snakemake.input)
    visual_model, _ = train.load(snakemake.input.model, data)
    experiment = experiments.parse(snakemake.wildcards.experiment)
    scores, table = voting.neighborhood_vote_on_split(
        data,
        visual_model,
        M=experiment.M,
        # alpha = 1 for the neighbors alone (the diagnostic beside the model without v_x).
        alphas=[1.0] if experiment.variant == "nbronly" else snakemake.params.alphas,
        # The paper's form averages logits; the tuned form chooses the space on validation.
        spaces=["logits"] if experiment.logits else snakemake.params.spaces,
        per_label=experiment.variant == "perlabel",
    )
    table.to_csv(snakemake.output.choice, index=False)
    evaluation.write_test_scores(data, scores, snakemake.input, snakemake.output)
