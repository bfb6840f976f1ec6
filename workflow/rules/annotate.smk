# The annotate target: label a folder of the user's own photos with a trained model
# (src/neighborhoods/annotation.py). Everything lands in results/annotate/<collection>/.
from neighborhoods import extractable
from neighborhoods.ingestion import photos

ANNOTATE = config.get("annotate")

if ANNOTATE:
    ANNOTATE_PHOTOS = ANNOTATE["images"]
    # A folder the annotate target did not make for this photo folder (another folder's
    # annotations, or files without its marker) is refused at load (config_checks), and the
    # marker is the first file a run writes into a new one.
    COLLECTION = str(photos.collection(ANNOTATE_PHOTOS, ANNOTATE["name"]))
    ANNOTATE_LOGS = f"logs/annotate/{Path(COLLECTION).name}"
    # A checkpoint file, or an experiment's split-0 model, which the pipeline builds if missing.
    ANNOTATE_MODEL = ANNOTATE["model"] or experiments.neighborhood(
        experiments.tag_neighbors(config["neighbors"]["tau"]), MODEL["m"], MODEL["M"]
    )
    ANNOTATE_CHECKPOINT = (
        ANNOTATE_MODEL
        if ANNOTATE_MODEL.endswith(".pt")
        else run_file(ANNOTATE_MODEL, "model.pt", 0)
    )
    # A model whose features the photos' features job could not extract is refused here, before
    # any job: one trained on imported features (docs/annotate.md).
    extractable.check_annotate_model(
        ANNOTATE_CHECKPOINT,
        (
            extractable.checkpoint_backbone(ANNOTATE_CHECKPOINT)
            if ANNOTATE_MODEL.endswith(".pt")
            else BACKBONE
        ),
        imported=bool(IMPORTED) and not ANNOTATE_MODEL.endswith(".pt"),
    )

    # Rescanned when the folder's listing changes (the params trigger, as image_manifest does).
    rule annotate_photos:
        input:
            photos=ancient(ANNOTATE_PHOTOS),
            metadata=ANNOTATE["metadata"] or [],
        output:
            marker=f"{COLLECTION}/{photos.MARKER}",
            photos=f"{COLLECTION}/photos.parquet",
            skipped=f"{COLLECTION}/skipped.csv",
        log:
            f"{ANNOTATE_LOGS}/photos.log",
        benchmark:
            f"{ANNOTATE_LOGS}/benchmarks/annotate_photos.tsv"
        conda:
            "../../envs/neighborhoods.yaml"
        resources:
            mem_mb=2000,
            runtime=60,
        params:
            listing=lambda wildcards: manifest.fingerprint(ANNOTATE_PHOTOS),
            max_pixels=config["features"]["max_pixels"],
        script:
            "../scripts/annotate_photos.py"

    # With the checkpoint's backbone, so the features are those the model was trained on.
    # Incremental as rule features is (workflow/rules/features.smk): both outputs are update(),
    # so adding a photo to the folder extracts that photo only.
    rule annotate_features:
        input:
            photos=rules.annotate_photos.output.photos,
            model=ANNOTATE_CHECKPOINT,
            # The backbone's weights file the model's features were extracted with, if any.
            weights=config["features"]["weights"] or [],
        output:
            features=update(f"{COLLECTION}/features.parquet"),
            sources=update(f"{COLLECTION}/features.sources.parquet"),
        log:
            f"{ANNOTATE_LOGS}/features.log",
        benchmark:
            f"{ANNOTATE_LOGS}/benchmarks/annotate_features.tsv"
        conda:
            "../../envs/neighborhoods.yaml"
        threads: 2
        resources:
            mem_mb=4000,
            runtime=120,
            gpu=1 if config["features"]["device"] == "cuda" else 0,
        params:
            **INPUT_SIZE,
            photos=ANNOTATE_PHOTOS,
            batch_size=config["features"]["batch_size"],
            workers=config["features"]["workers"],
            device=config["features"]["device"],
            max_pixels=config["features"]["max_pixels"],
        script:
            "../scripts/annotate_features.py"

    rule annotate_labels:
        input:
            photos=rules.annotate_photos.output.photos,
            features=rules.annotate_features.output.features,
            model=ANNOTATE_CHECKPOINT,
            # The tags of the run's images, to count keywords no training tag matches (a
            # checkpoint from elsewhere brings its own tag vocabulary, if any).
            dataset=(
                []
                if ANNOTATE_MODEL.endswith(".pt")
                else f"{RESULTS}/data/images.parquet"
            ),
        output:
            parquet=f"{COLLECTION}/annotations.parquet",
            csv=f"{COLLECTION}/annotations.csv",
            neighbors=f"{COLLECTION}/neighbors.parquet",
        log:
            f"{ANNOTATE_LOGS}/labels.log",
        benchmark:
            f"{ANNOTATE_LOGS}/benchmarks/annotate_labels.tsv"
        conda:
            "../../envs/neighborhoods.yaml"
        resources:
            mem_mb=4000,
            runtime=60,
        params:
            top=ANNOTATE["top"],
            seed=config["seed"],
        script:
            "../scripts/annotate_labels.py"

    rule annotate_sheet:
        input:
            photos=ancient(ANNOTATE_PHOTOS),
            annotations=rules.annotate_labels.output.parquet,
            neighbors=rules.annotate_labels.output.neighbors,
        output:
            f"{COLLECTION}/index.html",
        log:
            f"{ANNOTATE_LOGS}/sheet.log",
        benchmark:
            f"{ANNOTATE_LOGS}/benchmarks/annotate_sheet.tsv"
        conda:
            "../../envs/neighborhoods.yaml"
        resources:
            mem_mb=2000,
            runtime=60,
        params:
            max_pixels=config["features"]["max_pixels"],
        script:
            "../scripts/annotate_sheet.py"

    rule annotate:
        input:
            rules.annotate_labels.output,
            rules.annotate_sheet.output,
            rules.annotate_photos.output.skipped,
        localrule: True

else:

    rule annotate:
        input:
            lambda wildcards: config_checks.annotate_needs_images(),
        localrule: True
