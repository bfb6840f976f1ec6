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
    conda:
        "../../envs/neighborhoods.yaml"
    threads: 2
    params:
        hyper={key: MODEL[key] for key in FIT_KEYS},
        seed=config["seed"],
    script:
        "../scripts/train.py"


rule predict:
    input:
        unpack(run_inputs),
        model=f"{RESULTS}/runs/{{experiment}}/split{{k}}/model.pt",
    output:
        f"{RESULTS}/runs/{{experiment}}/split{{k}}/scores.parquet",
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/predict.log",
    conda:
        "../../envs/neighborhoods.yaml"
    params:
        samples=MODEL["test_samples"],
        seed=config["seed"],
    script:
        "../scripts/predict.py"


rule evaluate:
    input:
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
        scores=f"{RESULTS}/runs/{{experiment}}/split{{k}}/scores.parquet",
    output:
        f"{RESULTS}/runs/{{experiment}}/split{{k}}/metrics.json",
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/evaluate.log",
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/evaluate.py"
