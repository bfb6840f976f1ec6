TRAINED = r"visual|upper|tagonly-tau\d+|nbr-[^/]+"


rule train:
    input:
        unpack(run_inputs),
    output:
        model=f"{RESULTS}/runs/{{experiment}}/split{{k}}/model.pt",
        history=f"{RESULTS}/runs/{{experiment}}/split{{k}}/history.parquet",
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/train.log",
    benchmark:
        f"{LOGS}/benchmarks/runs/{{experiment}}/split{{k}}/train.tsv"
    wildcard_constraints:
        experiment=TRAINED,
    conda:
        "../../envs/neighborhoods.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=1 if config["model"]["device"] == "cuda" else 0,
    params:
        hyper={key: MODEL[key] for key in FIT_KEYS},
        seed=config["seed"],
        device=MODEL["device"],
        feature_dtype=MODEL["feature_dtype"],
        logistic_lr=config["baselines"]["logistic_lr"],
    script:
        "../scripts/train.py"


rule predict:
    input:
        unpack(run_inputs),
        model=f"{RESULTS}/runs/{{experiment}}/split{{k}}/model.pt",
    output:
        scores=f"{RESULTS}/runs/{{experiment}}/split{{k}}/scores.parquet",
        metrics=f"{RESULTS}/runs/{{experiment}}/split{{k}}/metrics.json",
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/predict.log",
    wildcard_constraints:
        experiment=TRAINED,
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        samples=MODEL["test_samples"],
        seed=config["seed"],
        feature_dtype=MODEL["feature_dtype"],
    script:
        "../scripts/predict.py"


rule predict_other_metadata:
    input:
        unpack(run_inputs),
        model=f"{RESULTS}/runs/{{experiment}}/split{{k}}/model.pt",
    output:
        scores=f"{RESULTS}/runs/{{experiment}}/split{{k}}/test-{{meta}}/scores.parquet",
        metrics=f"{RESULTS}/runs/{{experiment}}/split{{k}}/test-{{meta}}/metrics.json",
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/test-{{meta}}/predict.log",
    wildcard_constraints:
        experiment=r"nbr-[^/]+",
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        samples=MODEL["test_samples"],
        seed=config["seed"],
        feature_dtype=MODEL["feature_dtype"],
    script:
        "../scripts/predict.py"
