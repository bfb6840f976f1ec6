rule metadata_neighbors:
    input:
        images=f"{RESULTS}/data/images.parquet",
        split=f"{RESULTS}/splits/split{{k}}.parquet",
    output:
        f"{RESULTS}/neighbors/{{meta}}/split{{k}}.parquet",
    wildcard_constraints:
        meta=r"tags-tau\d+|sets|groups|tagsplit\d+-overlap\d+",
    log:
        f"{LOGS}/neighbors/{{meta}}/split{{k}}.log",
    benchmark:
        f"{LOGS}/benchmarks/neighbors/{{meta}}/split{{k}}.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    params:
        max_rank=config["neighbors"]["max_rank"],
        seed=config["seed"],
    script:
        "../scripts/neighbors.py"


rule visual_neighbors:
    input:
        split=f"{RESULTS}/splits/split{{k}}.parquet",
        features=f"{RESULTS}/features/{{backbone}}.parquet",
    output:
        f"{RESULTS}/neighbors/visual-{{backbone}}/split{{k}}.parquet",
    params:
        max_rank=config["neighbors"]["max_rank"],
    threads: 2
    log:
        f"{LOGS}/neighbors/visual-{{backbone}}/split{{k}}.log",
    benchmark:
        f"{LOGS}/benchmarks/neighbors/visual-{{backbone}}/split{{k}}.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/visual_neighbors.py"
