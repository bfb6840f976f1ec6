rule features:
    input:
        images=f"{RESULTS}/data/images.parquet",
        image_dir=IMAGE_ROOT,
    output:
        f"{RESULTS}/features/{{backbone}}.parquet",
    log:
        f"{LOGS}/features/{{backbone}}.log",
    benchmark:
        f"{LOGS}/benchmarks/features/{{backbone}}.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    threads: 4
    resources:
        mem_mb=8000,
        runtime=600,
        gpu=1 if config["features"]["device"] == "cuda" else 0,
    params:
        batch_size=config["features"]["batch_size"],
        workers=config["features"]["workers"],
        device=config["features"]["device"],
        weights=config["features"]["weights"],
    script:
        "../scripts/features.py"
