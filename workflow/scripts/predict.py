from neighborhoods import evaluation, experiments, job, model_inputs, seeds, train
from neighborhoods.settings import TrainingSettings

with job.start(snakemake.log[0], threads=snakemake.threads):
    settings = TrainingSettings.from_dict(snakemake.params.settings)
    tau = experiments.parse(snakemake.wildcards.experiment).tau
    data = model_inputs.for_job(snakemake.input, tag_tau=tau, feature_dtype=settings.feature_dtype)
    model, experiment = train.load(snakemake.input.model, data)
    seed = seeds.prediction(snakemake.params.seed, int(snakemake.wildcards.k))
    scores = train.score_test_subset(model, data, experiment, settings, seed)
    evaluation.write_test_scores(data, scores, snakemake.input, snakemake.output)
