from types import SimpleNamespace

from neighborhoods import evaluation, experiments, job, model_inputs, seeds, train
from neighborhoods.settings import TrainingSettings

# One trained model tested with the neighbors of each other kind of metadata (Table 4, Fig. 8):
# the model and the data load once; only the test subset's neighbors change.
with job.start(snakemake.log[0], threads=snakemake.threads):
    settings = TrainingSettings.from_dict(snakemake.params.settings)
    inputs = snakemake.input
    data = model_inputs.load(
        inputs.images,
        inputs.concepts,
        inputs.split,
        inputs.features,
        tag_tau=experiments.parse(snakemake.params.experiment).tau,
        feature_dtype=settings.feature_dtype,
        matrix_path=inputs.matrix,
    )
    model, experiment = train.load(inputs.model, data)
    seed = seeds.prediction(snakemake.params.seed, int(snakemake.wildcards.k))
    tests = zip(inputs.neighbors, snakemake.output.scores, snakemake.output.metrics, strict=True)
    for neighbors, scores_path, metrics_path in tests:
        tested = model_inputs.with_test_neighbors(data, neighbors)
        scores = train.score_test_subset(model, tested, experiment, settings, seed)
        outputs = SimpleNamespace(scores=scores_path, metrics=metrics_path)
        evaluation.write_test_scores(tested, scores, inputs, outputs)
