from neighborhoods import experiments, job, seeds, splitdata, train
from neighborhoods.features import resolve_device

with job.start(snakemake.log[0], threads=snakemake.threads):
    experiment = experiments.parse(snakemake.wildcards.experiment)
    data = splitdata.load(
        snakemake.input.images,
        snakemake.input.concepts,
        snakemake.input.split,
        snakemake.input.features,
        snakemake.input.get("neighbors"),
        tag_tau=experiment.tau,
        feature_dtype=snakemake.params.feature_dtype,
    )
    model, history = train.fit_experiment(
        experiment,
        data,
        hyper=snakemake.params.hyper,
        logistic_lr=snakemake.params.logistic_lr,
        seed=seeds.derive(snakemake.params.seed, int(snakemake.wildcards.k)),
        device=resolve_device(snakemake.params.device),
    )
    train.save(snakemake.output.model, model, experiment, snakemake.params.hyper, data)
    history.to_parquet(snakemake.output.history)
