TAG_MODEL = nbr(TAGS)
# Fig. 7: each hyperparameter swept with the others at the config's values.
SWEEPS = {
    "m": [
        (m, nbr(TAGS, m=m)) for m in config["sweeps"]["m"] if m <= MODEL["M"]
    ],
    "M": [
        (M, nbr(TAGS, m=min(MODEL["m"], M), M=M)) for M in config["sweeps"]["M"]
    ],
    "tau": [(tau, nbr(f"tags-tau{tau}")) for tau in config["sweeps"]["tau"]],
}
OVERLAPS = [
    (p, nbr(f"tagsplit{config['sweeps']['vocabulary']}-overlap{p}"))
    for p in config["sweeps"]["overlap"]
]


rule fig3:
    input:
        **data_inputs(0),
        neighbors=f"{RESULTS}/neighbors/{TAGS}/split0.parquet",
        model=f"{RESULTS}/runs/{TAG_MODEL}/split0/model.pt",
        image_dir=IMAGE_ROOT,
    output:
        **figure_outputs("fig3"),
    params:
        seed=config["seed"],
    log:
        f"{LOGS}/figures/fig3.log",
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/fig3.py"


rule fig4:
    input:
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
        neighbors=f"{RESULTS}/neighbors/{TAGS}/split0.parquet",
        model_scores=f"{RESULTS}/runs/{TAG_MODEL}/split0/scores.parquet",
        visual_scores=f"{RESULTS}/runs/visual/split0/scores.parquet",
        image_dir=IMAGE_ROOT,
    output:
        **figure_outputs("fig4"),
    log:
        f"{LOGS}/figures/fig4.log",
    conda:
        "../../envs/neighborhoods.yaml"
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
    params:
        highlight=config["figures"]["highlight"],
    log:
        f"{LOGS}/figures/fig5.log",
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/fig5.py"


rule fig6:
    input:
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
        **{
            f"neighbors_{kind}": f"{RESULTS}/neighbors/{meta}/split0.parquet"
            for kind, meta in {**META, "visual": VISUAL}.items()
        },
    output:
        **figure_outputs("fig6"),
    log:
        f"{LOGS}/figures/fig6.log",
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/fig6.py"


rule fig7:
    input:
        baseline=split_runs("visual", "metrics.json", SWEEP_SPLITS),
        **{
            f"{name}_{value}": split_runs(experiment, "metrics.json", SWEEP_SPLITS)
            for name, points in SWEEPS.items()
            for value, experiment in points
        },
    output:
        **figure_outputs("fig7"),
    params:
        sweeps={name: [value for value, _ in points] for name, points in SWEEPS.items()},
    log:
        f"{LOGS}/figures/fig7.log",
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/fig7.py"


rule fig8:
    input:
        baseline=split_runs("visual", "metrics.json", SWEEP_SPLITS),
        **{
            f"overlap_{p}": split_runs(experiment, "metrics.json", SWEEP_SPLITS)
            for p, experiment in OVERLAPS
        },
    output:
        **figure_outputs("fig8"),
    params:
        overlaps=[p for p, _ in OVERLAPS],
    log:
        f"{LOGS}/figures/fig8.log",
    conda:
        "../../envs/neighborhoods.yaml"
    script:
        "../scripts/fig8.py"
