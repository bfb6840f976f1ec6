# Figures 3-5 show the tag-neighbor model on split 0; 7 and 8 the sweeps of PROTOCOL.
TAG_MODEL = PROTOCOL.tag_model
TAG_NEIGHBORS = neighbors_file(NEIGHBORS["tags"], 0)
# Figures 3 and 4 show photos: without images (features imported), placeholders stand in.
PHOTOS = (
    {}
    if WITHOUT_IMAGES
    else {"manifest": IMAGE_MANIFEST, "image_dir": ancient(IMAGE_ROOT)}
)


rule fig3:
    input:
        **data_inputs(0),
        **PHOTOS,
        neighbors=TAG_NEIGHBORS,
        model=run_file(TAG_MODEL, "model.pt", 0),
    output:
        **figure_outputs("fig3"),
    log:
        f"{LOGS}/figures/fig3.log",
    benchmark:
        f"{LOGS}/benchmarks/fig3/figures/fig3.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        seed=config["seed"],
    script:
        "../scripts/fig3.py"


rule fig4:
    input:
        **PHOTOS,
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
        neighbors=TAG_NEIGHBORS,
        model_scores=run_file(TAG_MODEL, "scores.parquet", 0),
        visual_scores=run_file(PROTOCOL.visual, "scores.parquet", 0),
    output:
        **figure_outputs("fig4"),
    log:
        f"{LOGS}/figures/fig4.log",
    benchmark:
        f"{LOGS}/benchmarks/fig4/figures/fig4.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=20,
    script:
        "../scripts/fig4.py"


rule fig5:
    input:
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
        split=f"{RESULTS}/splits/split0.parquet",
        model_scores=run_file(TAG_MODEL, "scores.parquet", 0),
        visual_scores=run_file(PROTOCOL.visual, "scores.parquet", 0),
    output:
        **figure_outputs("fig5"),
    log:
        f"{LOGS}/figures/fig5.log",
    benchmark:
        f"{LOGS}/benchmarks/fig5/figures/fig5.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        highlight=config["figures"]["highlight"],
    script:
        "../scripts/fig5.py"


rule fig6:
    input:
        **{
            f"neighbors_{PROTOCOL.name(kind)}": neighbors_file(meta, 0)
            for kind, meta in PROTOCOL.shown_neighbors.items()
        },
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
    output:
        **figure_outputs("fig6"),
    log:
        f"{LOGS}/figures/fig6.log",
    benchmark:
        f"{LOGS}/benchmarks/fig6/figures/fig6.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=20,
    script:
        "../scripts/fig6.py"


rule fig7:
    input:
        **{
            key: files
            for name, points in PROTOCOL.sweeps.items()
            for key, files in sweep_inputs(name, points).items()
        },
        baseline=split_runs(PROTOCOL.visual, "metrics.json", SWEEP_SPLITS),
    output:
        **figure_outputs("fig7"),
    log:
        f"{LOGS}/figures/fig7.log",
    benchmark:
        f"{LOGS}/benchmarks/fig7/figures/fig7.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        sweeps={
            name: [point.value for point in points]
            for name, points in PROTOCOL.sweeps.items()
        },
    script:
        "../scripts/fig7.py"


rule fig8:
    input:
        **sweep_inputs("overlap", PROTOCOL.overlaps),
        baseline=split_runs(PROTOCOL.visual, "metrics.json", SWEEP_SPLITS),
    output:
        **figure_outputs("fig8"),
    log:
        f"{LOGS}/figures/fig8.log",
    benchmark:
        f"{LOGS}/benchmarks/fig8/figures/fig8.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        overlaps=[point.value for point in PROTOCOL.overlaps],
    script:
        "../scripts/fig8.py"


# Every method of PROTOCOL.curves on growing fractions of the training images: test metrics,
# and for the trained ones the history (updates, best epoch, the chosen settings).
rule learning_curves:
    input:
        **{
            f"{method}_{point.value}": split_runs(
                point.experiment, point.metrics, SPLITS[: point.splits]
            )
            for method, points in PROTOCOL.curves.items()
            for point in points
        },
        **{
            f"{method}_{point.value}_history": split_runs(
                point.experiment, "history.parquet", SPLITS[: point.splits]
            )
            for method, points in PROTOCOL.curves.items()
            for point in points
            if experiments.parse(point.experiment).trained
        },
        splits=[f"{RESULTS}/splits/split{k}.parquet" for k in CURVE_SPLITS],
    output:
        **figure_outputs("learning_curves"),
        **{
            f"table_{key}": path
            for key, path in table_outputs("learning_curves").items()
        },
        gaps_csv=f"{RESULTS}/tables/learning_curves_gaps.csv",
    log:
        f"{LOGS}/figures/learning_curves.log",
    benchmark:
        f"{LOGS}/benchmarks/learning_curves/figures/learning_curves.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        curves={
            method: [point.value for point in points]
            for method, points in PROTOCOL.curves.items()
        },
    script:
        "../scripts/learning_curves.py"
