# The results page of the documentation (docs/results/<name>.md), written from the tables and
# figures of config docs.targets, with the figures copied beside it.
DOCS_PAGE = f"docs/results/{RUN_NAME}.md"
DOC_TARGETS = config["docs"]["targets"]


rule docs:
    input:
        **{f"table_{key}": path for key, path in doc_tables().items()},
        **{f"figure_{key}": path for key, path in doc_figures().items()},
        comparison=(rules.comparison.output.csv if "comparison" in DOC_TARGETS else []),
        gaps=(
            rules.learning_curves.output.gaps_csv
            if "learning_curves" in DOC_TARGETS
            else []
        ),
        runs=doc_runs(),
    output:
        page=DOCS_PAGE,
        figures=[f"docs/results/{RUN_NAME}/{key}.png" for key in doc_figures()],
    log:
        f"{LOGS}/docs.log",
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        name=RUN_NAME,
        tables=list(doc_tables()),
        figures=list(doc_figures()),
        config=config,
        repository=str(REPOSITORY),
    script:
        "../scripts/docs.py"


# The controls' page (docs/results/controls.md): the learning curves of the control runs of
# config docs.controls side by side; each run is built by its own config first.
CONTROL_RUNS = config["docs"]["controls"]


rule controls_page:
    input:
        tables=[f"results/{run}/tables/learning_curves.md" for run in CONTROL_RUNS],
        gaps=[f"results/{run}/tables/learning_curves_gaps.csv" for run in CONTROL_RUNS],
        figures=[f"results/{run}/figures/learning_curves.png" for run in CONTROL_RUNS],
        stats=[f"results/{run}/data/stats.json" for run in CONTROL_RUNS],
    output:
        page="docs/results/controls.md",
        figures=[f"docs/results/controls/{run}.png" for run in CONTROL_RUNS],
    log:
        f"{LOGS}/controls_page.log",
    localrule: True
    conda:
        "../../envs/neighborhoods.yaml"
    params:
        runs=CONTROL_RUNS,
    script:
        "../scripts/controls_page.py"
