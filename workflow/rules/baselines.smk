rule knn_voting:
    input:
        unpack(lambda wildcards: data_inputs(wildcards.k)),
    output:
        scores=f"{RESULTS}/runs/knn/split{{k}}/scores.parquet",
        metrics=f"{RESULTS}/runs/knn/split{{k}}/metrics.json",
        choice=f"{RESULTS}/runs/knn/split{{k}}/validation.csv",
    log:
        f"{LOGS}/runs/knn/split{{k}}/knn.log",
    benchmark:
        f"{LOGS}/benchmarks/runs/knn/split{{k}}/knn.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        ks=config["baselines"]["knn_k"],
        weightings=config["baselines"]["knn_weighting"],
    script:
        "../scripts/knn_voting.py"


rule neighborhood_voting:
    input:
        unpack(run_inputs),
        model=f"{RESULTS}/runs/visual/split{{k}}/model.pt",
    output:
        scores=f"{RESULTS}/runs/nbrvote-{{meta}}-M{{M}}/split{{k}}/scores.parquet",
        metrics=f"{RESULTS}/runs/nbrvote-{{meta}}-M{{M}}/split{{k}}/metrics.json",
        choice=f"{RESULTS}/runs/nbrvote-{{meta}}-M{{M}}/split{{k}}/validation.csv",
    log:
        f"{LOGS}/runs/nbrvote-{{meta}}-M{{M}}/split{{k}}/vote.log",
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        weights=config["baselines"]["vote_weights"],
    script:
        "../scripts/neighborhood_voting.py"
