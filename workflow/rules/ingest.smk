rule synthesize:
    output:
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
        stats=f"{RESULTS}/data/stats.json",
        counts=f"{RESULTS}/data/ingest_counts.json",
        image_dir=directory(IMAGE_ROOT),
    log:
        f"{LOGS}/synthesize.log",
    benchmark:
        f"{LOGS}/benchmarks/synthesize.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    params:
        synthetic=config["synthetic"],
        seed=config["seed"],
    script:
        "../scripts/synthesize.py"
