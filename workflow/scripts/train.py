import torch

from neighborhoods import experiments, joblog, seeds, splitdata, train
from neighborhoods.features import resolve_device

with joblog.to_file(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    experiment = experiments.parse(snakemake.wildcards.experiment)
    data = splitdata.load(
        snakemake.input.images,
        snakemake.input.concepts,
        snakemake.input.split,
        snakemake.input.features,
        snakemake.input.get("neighbors"),
        tag_tau=experiment.tau,
    )
    hyper = snakemake.params.hyper
    model, history = train.fit(
        experiment,
        data,
        seed=seeds.derive(snakemake.params.seed, int(snakemake.wildcards.k)),
        device=resolve_device(snakemake.params.device),
        **hyper,
    )
    train.save(snakemake.output.model, model, experiment, hyper, data)
    history.to_parquet(snakemake.output.history)
