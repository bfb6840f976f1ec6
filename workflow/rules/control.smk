# The control (src/neighborhoods/generated/control.py): features generated with the paper's
# mechanism planted or switched off, imported as the features; no image is made or read.
rule synthesize_control:
    output:
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
        stats=f"{RESULTS}/data/stats.json",
        counts=f"{RESULTS}/data/ingest_counts.json",
        features=IMPORTED,
        planted=PLANTED,
    log:
        f"{LOGS}/synthesize.log",
    benchmark:
        f"{LOGS}/benchmarks/synthesize/synthesize.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        control=config["control"],
        seed=config["seed"],
    script:
        "../scripts/synthesize_control.py"
