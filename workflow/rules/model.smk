TRAINED = experiments.experiment_pattern(*experiments.TRAINED, max_rank=MAX_RANK)


rule train:
    input:
        unpack(run_inputs),
    output:
        model=run_file("{experiment}", "model.pt", "{k}"),
        history=run_file("{experiment}", "history.parquet", "{k}"),
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/train.log",
    benchmark:
        f"{LOGS}/benchmarks/train/runs/{{experiment}}/split{{k}}/train.tsv"
    wildcard_constraints:
        experiment=TRAINED,
    conda:
        "../../envs/neighborhoods.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=1 if TRAINING.device == "cuda" else 0,
    params:
        settings=TRAINING.as_dict(),
        seed=config["seed"],
        backbone=BACKBONE,
    script:
        "../scripts/train.py"


# The tuned neighborhood model (the learning curves' recipe check): the same job, trying each
# hidden size x L2 of the curves' grid and keeping the best on validation.
use rule train as train_tuned with:
    wildcard_constraints:
        experiment=f"(?=.*-tuned)(?:{TRAINED})",
    params:
        settings=TRAINING.as_dict(),
        seed=config["seed"],
        backbone=BACKBONE,
        grid={key: config["curves"][key] for key in ("hidden", "l2")},


ruleorder: train_tuned > train


rule predict:
    input:
        unpack(run_inputs),
        model=run_file("{experiment}", "model.pt", "{k}"),
    output:
        scores=run_file("{experiment}", "scores.parquet", "{k}"),
        metrics=run_file("{experiment}", "metrics.json", "{k}"),
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/predict.log",
    benchmark:
        f"{LOGS}/benchmarks/predict/runs/{{experiment}}/split{{k}}/predict.tsv"
    wildcard_constraints:
        experiment=TRAINED,
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        settings=TRAINING.as_dict(),
        seed=config["seed"],
    script:
        "../scripts/predict.py"


# Table 4 and Fig. 8: a neighborhood model tested with the neighbors `meta` of its test images.
rule predict_other_metadata:
    input:
        unpack(run_inputs),
        model=run_file("{experiment}", "model.pt", "{k}"),
    output:
        scores=run_file(
            "{experiment}", protocol.run_file("{meta}", "scores.parquet"), "{k}"
        ),
        metrics=run_file("{experiment}", protocol.run_file("{meta}"), "{k}"),
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/test-{{meta}}/predict.log",
    benchmark:
        f"{LOGS}/benchmarks/predict_other_metadata/runs/{{experiment}}/split{{k}}/test-{{meta}}/predict.tsv"
    wildcard_constraints:
        experiment=experiments.experiment_pattern("neighborhood", max_rank=MAX_RANK),
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        settings=TRAINING.as_dict(),
        seed=config["seed"],
    script:
        "../scripts/predict.py"
