# Neighbors files are summarized (fill, hubs) at the model's M and at the full depth stored.
SUMMARY_DEPTHS = sorted({MODEL["M"], config["neighbors"]["max_rank"]})


rule metadata_neighbors:
    input:
        images=f"{RESULTS}/data/images.parquet",
        split=f"{RESULTS}/splits/split{{k}}.parquet",
        # Nothing; refuses the neighbors of metadata the inputs lack, naming the input.
        available=lambda wildcards: PROTOCOL.require(wildcards.meta),
    output:
        table=neighbors_file("{meta}", "{k}"),
        summary=f"{RESULTS}/neighbors/{{meta}}/split{{k}}.json",
    log:
        f"{LOGS}/neighbors/{{meta}}/split{{k}}.log",
    benchmark:
        f"{LOGS}/benchmarks/metadata_neighbors/neighbors/{{meta}}/split{{k}}.tsv"
    wildcard_constraints:
        meta=experiments.neighbors_pattern(*experiments.METADATA_KINDS),
    priority: PRIORITY_NEIGHBORS
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        max_rank=config["neighbors"]["max_rank"],
        seed=config["seed"],
        depths=SUMMARY_DEPTHS,
    script:
        "../scripts/neighbors.py"


rule visual_neighbors:
    input:
        images=f"{RESULTS}/data/images.parquet",
        split=f"{RESULTS}/splits/split{{k}}.parquet",
        features=lambda wildcards: f"{RESULTS}/features/{experiments.parse_neighbors(wildcards.meta).backbone}.parquet",
        matrix=lambda wildcards: f"{RESULTS}/features/{experiments.parse_neighbors(wildcards.meta).backbone}.npy",
    output:
        table=neighbors_file("{meta}", "{k}"),
        summary=f"{RESULTS}/neighbors/{{meta}}/split{{k}}.json",
    log:
        f"{LOGS}/neighbors/{{meta}}/split{{k}}.log",
    benchmark:
        f"{LOGS}/benchmarks/visual_neighbors/neighbors/{{meta}}/split{{k}}.tsv"
    wildcard_constraints:
        meta=experiments.neighbors_pattern("visual"),
    priority: PRIORITY_NEIGHBORS
    conda:
        "../../envs/neighborhoods.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        max_rank=config["neighbors"]["max_rank"],
        depths=SUMMARY_DEPTHS,
    script:
        "../scripts/visual_neighbors.py"


rule neighbors_summary:
    input:
        **{
            PROTOCOL.name(kind): f"{RESULTS}/neighbors/{meta}/split0.json"
            for kind, meta in PROTOCOL.shown_neighbors.items()
        },
    output:
        markdown=report(
            f"{RESULTS}/tables/neighbors.md",
            caption="../report/neighbors.rst",
            category="Tables",
            subcategory="neighbors",
        ),
        csv=f"{RESULTS}/tables/neighbors.csv",
        subsets_csv=f"{RESULTS}/tables/neighbors_subsets.csv",
    log:
        f"{LOGS}/tables/neighbors.log",
    benchmark:
        f"{LOGS}/benchmarks/neighbors_summary/tables/neighbors.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        depth=MODEL["M"],
        depths=SUMMARY_DEPTHS,
    script:
        "../scripts/neighbors_table.py"
