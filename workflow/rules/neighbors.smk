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
    conda:
        "../../envs/neighborhoods.yaml"
    params:
        max_rank=config["neighbors"]["max_rank"],
        seed=config["seed"],
    script:
        "../scripts/neighbors.py"
