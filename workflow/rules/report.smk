# Tables 2-4: rows, experiments and the paper's numbers come from PROTOCOL.tables.
rule table2:
    input:
        **table_inputs(PROTOCOL.tables["table2"]),
    output:
        **table_outputs("table2"),
    log:
        f"{LOGS}/tables/table2.log",
    benchmark:
        f"{LOGS}/benchmarks/table2/tables/table2.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        table=PROTOCOL.tables["table2"].as_dict(),
    script:
        "../scripts/table.py"


rule table3:
    input:
        **table_inputs(PROTOCOL.tables["table3"]),
    output:
        **table_outputs("table3"),
    log:
        f"{LOGS}/tables/table3.log",
    benchmark:
        f"{LOGS}/benchmarks/table3/tables/table3.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        table=PROTOCOL.tables["table3"].as_dict(),
    script:
        "../scripts/table.py"


rule table4:
    input:
        **table_inputs(PROTOCOL.tables["table4"]),
    output:
        **table_outputs("table4"),
    log:
        f"{LOGS}/tables/table4.log",
    benchmark:
        f"{LOGS}/benchmarks/table4/tables/table4.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        table=PROTOCOL.tables["table4"].as_dict(),
    script:
        "../scripts/table.py"


# Does the model beat its simple baselines? Paired differences over the splits.
rule comparison:
    input:
        **{
            f"{side}{i}": split_runs(getattr(pair, side), "metrics.json")
            for i, pair in enumerate(PROTOCOL.comparisons)
            for side in ("ours", "theirs")
        },
    output:
        markdown=report(
            f"{RESULTS}/tables/comparison.md",
            caption="../report/comparison.rst",
            category="Tables",
            subcategory="comparison",
        ),
        csv=f"{RESULTS}/tables/comparison.csv",
    log:
        f"{LOGS}/tables/comparison.log",
    benchmark:
        f"{LOGS}/benchmarks/comparison/tables/comparison.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        labels=[pair.label for pair in PROTOCOL.comparisons],
    script:
        "../scripts/comparison.py"
