TRAINED = experiments.experiment_pattern(*experiments.TRAINED, max_rank=MAX_RANK)
TUNING_GRID = {key: config["curves"][key] for key in ("hidden", "l2")}


# Training ends with the test subset's scores and metrics: one job per trained run.
rule train:
    input:
        unpack(run_inputs),
        # A variant whose W_z starts from the image path or visual only (same fraction).
        start=lambda wildcards: (
            run_file(start, "model.pt", wildcards.k)
            if (start := experiments.starts_from(wildcards.experiment))
            else []
        ),
    output:
        model=run_file("{experiment}", "model.pt", "{k}"),
        history=run_file("{experiment}", "history.parquet", "{k}"),
        scores=run_file("{experiment}", "scores.parquet", "{k}"),
        metrics=run_file("{experiment}", "metrics.json", "{k}"),
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
        # A tuned experiment also tries each hidden size x L2 of the curves' grid.
        grid=lambda wildcards: (
            TUNING_GRID if experiments.parse(wildcards.experiment).tuned else None
        ),
    script:
        "../scripts/train_and_score.py"


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
