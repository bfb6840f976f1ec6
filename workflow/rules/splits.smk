rule split:
    input:
        images=f"{RESULTS}/data/images.parquet",
    output:
        f"{RESULTS}/splits/split{{k}}.parquet",
    log:
        f"{LOGS}/splits/split{{k}}.log",
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        train=config["splits"]["train"],
        val=config["splits"]["val"],
        seed=config["seed"],
    script:
        "../scripts/split.py"
