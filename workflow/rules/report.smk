# experiment -> (row label, key of the paper's numbers in neighborhoods.paper.TABLE2)
TABLE2_ROWS = {
    "visual": ("CNN + logistic (visual only)", "visual"),
    experiments.neighborhood(TAG_META, MODEL["m"], MODEL["M"]): (
        "Our model: tag neighbors",
        "nbr-tags",
    ),
}


rule table2:
    input:
        **{name: split_runs(name, "metrics.json") for name in TABLE2_ROWS},
    output:
        markdown=report(
            f"{RESULTS}/tables/table2.md",
            caption="../report/table2.rst",
            category="Table 2",
        ),
        csv=f"{RESULTS}/tables/table2.csv",
    log:
        f"{LOGS}/tables/table2.log",
    conda:
        "../../envs/neighborhoods.yaml"
    params:
        rows=TABLE2_ROWS,
    script:
        "../scripts/table2.py"
