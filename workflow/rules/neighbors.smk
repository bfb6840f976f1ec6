rule metadata_neighbors:
    input:
        images=f"{RESULTS}/data/images.parquet",
        split=f"{RESULTS}/splits/split{{k}}.parquet",
    output:
        f"{RESULTS}/neighbors/{{meta}}/split{{k}}.parquet",
    log:
        f"{LOGS}/neighbors/{{meta}}/split{{k}}.log",
    benchmark:
        f"{LOGS}/benchmarks/neighbors/{{meta}}/split{{k}}.tsv"
    wildcard_constraints:
        meta=r"tags-tau\d+|sets|groups|tagsplit\d+-overlap\d+",
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=120,
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
    log:
        f"{LOGS}/neighbors/visual-{{backbone}}/split{{k}}.log",
    benchmark:
        f"{LOGS}/benchmarks/neighbors/visual-{{backbone}}/split{{k}}.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        max_rank=config["neighbors"]["max_rank"],
    script:
        "../scripts/visual_neighbors.py"
