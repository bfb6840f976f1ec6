from neighborhoods import evaluation, experiments, job, model_inputs, oracle
from neighborhoods.generated.control import Planted

with job.start(snakemake.log[0], threads=snakemake.threads):
    data = model_inputs.for_job(snakemake.input)
    test = data.subsets["test"]
    M = experiments.parse(snakemake.wildcards.experiment).M
    scores = oracle.scores(
        Planted.load(snakemake.input.planted),
        data.features.float().numpy(),
        test.rows.numpy(),
        test.neighbor_rows[:, :M].numpy(),
    )
    evaluation.write_test_scores(data, scores, snakemake.input, snakemake.output)
