# Tables 2-4: rows, experiments and the paper's numbers come from PROTOCOL.tables; one rule
# per table, each named after it.
for TABLE in ("table2", "table3", "table4"):

    rule:
        name:
            TABLE
        input:
            **table_inputs(PROTOCOL.tables[TABLE]),
        output:
            **table_outputs(TABLE),
        log:
            f"{LOGS}/tables/{TABLE}.log",
        benchmark:
            f"{LOGS}/benchmarks/{TABLE}/tables/{TABLE}.tsv"
        conda:
            "../../envs/neighborhoods.yaml"
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            table=PROTOCOL.tables[TABLE].as_dict(),
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
