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
    priority: PRIORITY_TRAINING
    conda:
        "../../envs/neighborhoods.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=1 if TRAINING.device == "cuda" else 0,
    params:
        # Only the settings the experiment's model reads: a change reruns only what it affects.
        settings=lambda wildcards: TRAINING.read_by(
            experiments.parse(wildcards.experiment).model
        ),
        seed=config["seed"],
        backbone=BACKBONE,
        # A tuned experiment also tries each hidden size x L2 of the curves' grid.
        grid=lambda wildcards: (
            TUNING_GRID if experiments.parse(wildcards.experiment).tuned else None
        ),
    script:
        "../scripts/train_and_score.py"


# Table 4 and Fig. 8: a neighborhood model tested with the neighbors of other metadata. One job
# per model and split tests with them all, so Python, torch and the data start once.
for TESTED, TEST_NEIGHBORS in PROTOCOL.other_neighbor_tests().items():

    rule:
        name:
            f"predict_other_metadata_{TESTED.replace('-', '_')}"
        input:
            unpack(lambda wildcards: data_inputs(wildcards.k)),
            model=run_file(TESTED, "model.pt", "{k}"),
            neighbors=[neighbors_file(meta, "{k}") for meta in TEST_NEIGHBORS],
        output:
            scores=[
                run_file(TESTED, protocol.run_file(meta, "scores.parquet"), "{k}")
                for meta in TEST_NEIGHBORS
            ],
            metrics=[
                run_file(TESTED, protocol.run_file(meta), "{k}")
                for meta in TEST_NEIGHBORS
            ],
        log:
            f"{LOGS}/runs/{TESTED}/split{{k}}/predict_other_metadata.log",
        benchmark:
            f"{LOGS}/benchmarks/predict_other_metadata/runs/{TESTED}/split{{k}}/predict.tsv"
        conda:
            "../../envs/neighborhoods.yaml"
        resources:
            mem_mb=8000,
            runtime=30,
        params:
            experiment=TESTED,
            settings=TRAINING.read_by("neighborhood"),
            seed=config["seed"],
        script:
            "../scripts/predict.py"
