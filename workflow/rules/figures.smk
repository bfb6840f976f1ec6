TAG_MODEL = nbr(TAGS)
# Fig. 7: each hyperparameter swept with the others at the config's values.
SWEEPS = {
    "m": [(m, nbr(TAGS, m=m)) for m in config["sweeps"]["m"]],
    "M": [(M, nbr(TAGS, m=min(MODEL["m"], M), M=M)) for M in config["sweeps"]["M"]],
    "tau": [(tau, nbr(f"tags-tau{tau}")) for tau in config["sweeps"]["tau"]],
}
# Fig. 8: the training vocabulary (hence the training neighbors) is the same for every overlap,
# so one model is trained (named after overlap 100) and tested with each overlap's test neighbors.
TAGSPLIT = f"tagsplit{config['sweeps']['vocabulary']}"
OVERLAP_MODEL = nbr(f"{TAGSPLIT}-overlap100")
OVERLAPS = [
    (p, "metrics.json" if p == 100 else f"test-{TAGSPLIT}-overlap{p}/metrics.json")
    for p in config["sweeps"]["overlap"]
]


rule fig3:
    input:
        **data_inputs(0),
        neighbors=f"{RESULTS}/neighbors/{TAGS}/split0.parquet",
        model=f"{RESULTS}/runs/{TAG_MODEL}/split0/model.pt",
        manifest=IMAGE_MANIFEST,
        image_dir=ancient(IMAGE_ROOT),
    output:
        **figure_outputs("fig3"),
    log:
        f"{LOGS}/figures/fig3.log",
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
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
        neighbors=f"{RESULTS}/neighbors/{TAGS}/split0.parquet",
        model_scores=f"{RESULTS}/runs/{TAG_MODEL}/split0/scores.parquet",
        visual_scores=f"{RESULTS}/runs/visual/split0/scores.parquet",
        manifest=IMAGE_MANIFEST,
        image_dir=ancient(IMAGE_ROOT),
    output:
        **figure_outputs("fig4"),
    log:
        f"{LOGS}/figures/fig4.log",
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
        model_scores=f"{RESULTS}/runs/{TAG_MODEL}/split0/scores.parquet",
        visual_scores=f"{RESULTS}/runs/visual/split0/scores.parquet",
    output:
        **figure_outputs("fig5"),
    log:
        f"{LOGS}/figures/fig5.log",
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
            f"neighbors_{kind}": f"{RESULTS}/neighbors/{meta}/split0.parquet"
            for kind, meta in {**META, "visual": VISUAL}.items()
        },
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
    output:
        **figure_outputs("fig6"),
    log:
        f"{LOGS}/figures/fig6.log",
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
            f"{name}_{value}": split_runs(experiment, "metrics.json", SWEEP_SPLITS)
            for name, points in SWEEPS.items()
            for value, experiment in points
        },
        baseline=split_runs("visual", "metrics.json", SWEEP_SPLITS),
    output:
        **figure_outputs("fig7"),
    log:
        f"{LOGS}/figures/fig7.log",
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        sweeps={name: [value for value, _ in points] for name, points in SWEEPS.items()},
    script:
        "../scripts/fig7.py"


rule fig8:
    input:
        **{
            f"overlap_{p}": split_runs(OVERLAP_MODEL, metrics, SWEEP_SPLITS)
            for p, metrics in OVERLAPS
        },
        baseline=split_runs("visual", "metrics.json", SWEEP_SPLITS),
    output:
        **figure_outputs("fig8"),
    log:
        f"{LOGS}/figures/fig8.log",
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        overlaps=[p for p, _ in OVERLAPS],
    script:
        "../scripts/fig8.py"
