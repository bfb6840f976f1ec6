from neighborhoods import evaluation, experiments, job, model_inputs, seeds, train
from neighborhoods.settings import TrainingSettings

with job.start(snakemake.log[0], threads=snakemake.threads):
    settings = TrainingSettings.from_dict(snakemake.params.settings)
    data = model_inputs.load(
        snakemake.input.images,
        snakemake.input.concepts,
        snakemake.input.split,
        snakemake.input.features,
        snakemake.input.get("neighbors"),
        tag_tau=experiments.parse(snakemake.wildcards.experiment).tau,
        feature_dtype=settings.feature_dtype,
    )
    model, experiment = train.load(snakemake.input.model, data)
    scores = train.predict(
        model,
        data,
        "test",
        experiment,
        samples=settings.test_samples,
        seed=seeds.prediction(snakemake.params.seed, int(snakemake.wildcards.k)),
    )
    evaluation.write_scores(
        data.subsets["test"].image_ids,
        scores,
        snakemake.output.scores,
        images_path=snakemake.input.images,
        concepts_path=snakemake.input.concepts,
        metrics_path=snakemake.output.metrics,
    )
