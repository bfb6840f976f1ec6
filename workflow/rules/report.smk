# Each table: rows of (label, metrics files over splits, the paper's numbers).
TABLE2 = [
    ("Upper bound", split_runs("upper", "metrics.json"), paper.TABLE2["upper"]),
    (
        "Tag-only + logistic",
        split_runs(f"tagonly-tau{config['neighbors']['tau']}", "metrics.json"),
        paper.TABLE2["tagonly"],
    ),
    ("CNN + kNN voting", split_runs("knn", "metrics.json"), paper.TABLE2["knn"]),
    (
        "CNN + logistic (visual only)",
        split_runs("visual", "metrics.json"),
        paper.TABLE2["visual"],
    ),
    (
        "Image neighborhoods + CNN voting",
        split_runs(f"nbrvote-{TAGS}-M{MODEL['M']}", "metrics.json"),
        paper.TABLE2["nbrvote"],
    ),
    (
        "Our model: tag neighbors",
        split_runs(nbr(TAGS), "metrics.json"),
        paper.TABLE2["nbr-tags"],
    ),
    (
        "Our model: tag neighbors + tag vector",
        split_runs(nbr(TAGS, tag_vector=True), "metrics.json"),
        paper.TABLE2["nbr-tags-tagvec"],
    ),
]
TABLE3 = [
    (
        "none (CNN + logistic)",
        split_runs("visual", "metrics.json"),
        paper.TABLE3["none"],
    ),
    (
        "visual neighbors (L2 on CNN features)",
        split_runs(nbr(VISUAL), "metrics.json"),
        paper.TABLE3["visual"],
    ),
    *[
        (
            f"{kind[:-1]} neighbors",
            split_runs(nbr(META[kind]), "metrics.json"),
            paper.TABLE3[kind],
        )
        for kind in ("groups", "sets", "tags")
    ],
]
TABLE4 = [
    (
        f"{train} → {test}",
        split_runs(
            nbr(META[train]),
            "metrics.json" if train == test else f"test-{META[test]}/metrics.json",
        ),
        {"mAP_L": paper.TABLE4[train][test]},
    )
    for train in META
    for test in META
]


rule table2:
    input:
        **table_inputs(TABLE2),
    output:
        **table_outputs("table2"),
    log:
        f"{LOGS}/tables/table2.log",
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        title="Table 2: all methods on the test subsets (precision and recall at 3 labels per image)",
        rows=table_params(TABLE2),
        metrics=paper.METRICS,
        quoted=paper.TABLE2_QUOTED,
        layout="rows",
    script:
        "../scripts/table.py"


rule table3:
    input:
        **table_inputs(TABLE3),
    output:
        **table_outputs("table3"),
    log:
        f"{LOGS}/tables/table3.log",
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        title="Table 3: the model with neighbors from different metadata",
        rows=table_params(TABLE3),
        metrics=["mAP_L", "mAP_I"],
        quoted={},
        layout="rows",
    script:
        "../scripts/table.py"


rule table4:
    input:
        **table_inputs(TABLE4),
    output:
        **table_outputs("table4"),
    log:
        f"{LOGS}/tables/table4.log",
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        title="Table 4: mAP_L, trained with one metadata and tested with another",
        rows=table_params(TABLE4),
        metrics=["mAP_L"],
        quoted={},
        layout="matrix",
    script:
        "../scripts/table.py"
