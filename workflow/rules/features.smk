# Incremental (src/neighborhoods/features.py): the job reuses the rows of images the manifest
# lists unchanged, so both files are update(): Snakemake keeps them for the job to read
# instead of deleting them first, backs them up, and restores them if the job fails.
rule features:
    input:
        images=f"{RESULTS}/data/images.parquet",
        manifest=IMAGE_MANIFEST,
        image_dir=ancient(IMAGE_ROOT),
        # Replacing the weights file in place reruns the job (and nothing is reused).
        weights=config["features"]["weights"] or [],
    output:
        features=update(f"{RESULTS}/features/{{backbone}}.parquet"),
        sources=update(f"{RESULTS}/features/{{backbone}}.sources.parquet"),
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
    script:
        "../scripts/features.py"
