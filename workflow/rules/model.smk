TRAINED = r"visual|upper|tagonly-tau\d+|nbr-[^/]+"


rule train:
    input:
        unpack(run_inputs),
    output:
        model=f"{RESULTS}/runs/{{experiment}}/split{{k}}/model.pt",
        history=f"{RESULTS}/runs/{{experiment}}/split{{k}}/history.parquet",
    wildcard_constraints:
        experiment=TRAINED,
    params:
        hyper={key: MODEL[key] for key in FIT_KEYS},
        seed=config["seed"],
    threads: 1
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/train.log",
    benchmark:
        f"{LOGS}/benchmarks/runs/{{experiment}}/split{{k}}/train.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/train.py"


rule predict:
    input:
        unpack(run_inputs),
        model=f"{RESULTS}/runs/{{experiment}}/split{{k}}/model.pt",
    output:
        f"{RESULTS}/runs/{{experiment}}/split{{k}}/scores.parquet",
    wildcard_constraints:
        experiment=TRAINED,
    params:
        samples=MODEL["test_samples"],
        seed=config["seed"],
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/predict.log",
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/predict.py"


rule predict_other_metadata:
    input:
        unpack(run_inputs),
        model=f"{RESULTS}/runs/{{experiment}}/split{{k}}/model.pt",
    output:
        f"{RESULTS}/runs/{{experiment}}/split{{k}}/test-{{meta}}/scores.parquet",
    wildcard_constraints:
        experiment=r"nbr-[^/]+",
    params:
        samples=MODEL["test_samples"],
        seed=config["seed"],
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/test-{{meta}}/predict.log",
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/predict.py"


rule evaluate:
    input:
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
        scores=f"{RESULTS}/runs/{{run}}/scores.parquet",
    output:
        f"{RESULTS}/runs/{{run}}/metrics.json",
    log:
        f"{LOGS}/runs/{{run}}/evaluate.log",
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/evaluate.py"
