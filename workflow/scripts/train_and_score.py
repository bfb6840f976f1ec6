from neighborhoods import evaluation, experiments, job, model_inputs, provenance, seeds, train
from neighborhoods.settings import TrainingSettings

# One job trains and scores the test subset: a second job would only start Python and torch
# and read the data again.
with job.start(snakemake.log[0], threads=snakemake.threads):
    experiment = experiments.parse(snakemake.wildcards.experiment)
    settings = TrainingSettings.from_dict(snakemake.params.settings)
    data = model_inputs.for_job(snakemake.input, tag_tau=experiment.tau, feature_dtype=settings.feature_dtype)
    k = int(snakemake.wildcards.k)
    if experiment.train < 100:
        data = model_inputs.training_fraction(
            data, experiment.train, seeds.fraction(snakemake.params.seed, k)
        )
    seed = seeds.training(snakemake.params.seed, k)
    # A variant whose W_z starts from another trained model of the same split and fraction.
    start = train.load(snakemake.input.start, data)[0] if snakemake.input.get("start") else None
    model, history, lr, chosen = train.fit_experiment(
        experiment,
        data,
        settings,
        seed=seed,
        device=job.device(settings.device),
        grid=snakemake.params.get("grid"),
        start=start,
    )
    train.save(
        snakemake.output.model,
        model,
        experiment,
        chosen,
        lr=lr,
        backbone=snakemake.params.backbone,
        seed=seed,
        data=data,
    )
    provenance.write_parquet(history, snakemake.output.history)
    scores = train.score_test_subset(
        model, data, experiment, settings, seeds.prediction(snakemake.params.seed, k)
    )
    evaluation.write_test_scores(data, scores, snakemake.input, snakemake.output)
