from neighborhoods import imported_features

if IMPORTED:

    # Features extracted elsewhere (src/neighborhoods/imported_features.py); no image is read.
    rule import_features:
        input:
            source=imported_features.inputs(IMPORTED),
            imagelist=(
                f"{config['nuswide']['root']}/ImageList/Imagelist.txt"
                if imported_features.kind(IMPORTED) == "low_level"
                else []
            ),
        output:
            features=f"{RESULTS}/features/{{backbone}}.parquet",
        log:
            f"{LOGS}/features/{{backbone}}.log",
        benchmark:
            f"{LOGS}/benchmarks/import_features/features/{{backbone}}.tsv"
        priority: PRIORITY_FEATURES
        conda:
            "../../envs/neighborhoods.yaml"
        # The rehearsal's 258,833 x 4096 BigFile: 4.9 GB at its peak (pages of the map).
        resources:
            mem_mb=8000,
            runtime=120,
        params:
            source=IMPORTED,
            # Bad rows (no photo id, a null or odd-sized vector) stop the job or are dropped and counted.
            policy=config["nuswide"]["bad_lines"],
        script:
            "../scripts/import_features.py"

else:

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
            f"{LOGS}/benchmarks/features/features/{{backbone}}.tsv"
        priority: PRIORITY_FEATURES
        conda:
            "../../envs/neighborhoods.yaml"
        threads: 4
        resources:
            mem_mb=8000,
            runtime=600,
            gpu=1 if config["features"]["device"] == "cuda" else 0,
        params:
            **INPUT_SIZE,
            batch_size=config["features"]["batch_size"],
            workers=config["features"]["workers"],
            device=config["features"]["device"],
            max_pixels=config["features"]["max_pixels"],
        script:
            "../scripts/features.py"


# The features as one raw array that jobs memory-map instead of decoding the Parquet file each
# (parquet.open_features): at NUS-WIDE scale, most of a prediction's time and memory.
rule feature_matrix:
    input:
        f"{RESULTS}/features/{{backbone}}.parquet",
    output:
        f"{RESULTS}/features/{{backbone}}.npy",
    log:
        f"{LOGS}/features/{{backbone}}.matrix.log",
    benchmark:
        f"{LOGS}/benchmarks/feature_matrix/features/{{backbone}}.tsv"
    priority: PRIORITY_FEATURES
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=30,
    script:
        "../scripts/feature_matrix.py"
