import json

from neighborhoods import evaluation, joblog

with joblog.to_file(snakemake.log[0]):
    result = evaluation.evaluate_scores(
        snakemake.input.images, snakemake.input.concepts, snakemake.input.scores
    )
    with open(snakemake.output[0], "w") as out:
        json.dump(result, out, indent=2)
