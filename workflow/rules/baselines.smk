rule knn_voting:
    input:
        unpack(lambda wildcards: data_inputs(wildcards.k)),
    output:
        scores=f"{RESULTS}/runs/knn/split{{k}}/scores.parquet",
        choice=f"{RESULTS}/runs/knn/split{{k}}/validation.csv",
    params:
        ks=config["baselines"]["knn_k"],
        weightings=config["baselines"]["knn_weighting"],
    log:
        f"{LOGS}/runs/knn/split{{k}}/knn.log",
    benchmark:
        f"{LOGS}/benchmarks/runs/knn/split{{k}}/knn.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/knn_voting.py"


rule neighborhood_voting:
    input:
        unpack(run_inputs),
        model=f"{RESULTS}/runs/visual/split{{k}}/model.pt",
    output:
        scores=f"{RESULTS}/runs/nbrvote-{{meta}}-M{{M}}/split{{k}}/scores.parquet",
        choice=f"{RESULTS}/runs/nbrvote-{{meta}}-M{{M}}/split{{k}}/validation.csv",
    params:
        weights=config["baselines"]["vote_weights"],
    log:
        f"{LOGS}/runs/nbrvote-{{meta}}-M{{M}}/split{{k}}/vote.log",
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/neighborhood_voting.py"
