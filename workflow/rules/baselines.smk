rule knn_voting:
    input:
        unpack(lambda wildcards: data_inputs(wildcards.k)),
    output:
        scores=run_file("{experiment}", "scores.parquet", "{k}"),
        metrics=run_file("{experiment}", "metrics.json", "{k}"),
        choice=run_file("{experiment}", "validation.csv", "{k}"),
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/knn.log",
    benchmark:
        f"{LOGS}/benchmarks/knn_voting/runs/{{experiment}}/split{{k}}/knn.tsv"
    wildcard_constraints:
        experiment=experiments.experiment_pattern("knn", max_rank=MAX_RANK),
    conda:
        "../../envs/neighborhoods.yaml"
    # Exact L2 over the training features is BLAS work: at NUS-WIDE scale (87,643 queries x
    # 110,000 x 4096) one thread took over 15 minutes in the rehearsal.
    threads: 2
    # At NUS-WIDE scale the features (3.2 GB) and their train, val and test rows (another
    # 3.2 GB) are held at once: the rehearsal's job passed 8,000 MB.
    resources:
        mem_mb=12000,
        runtime=120,
    params:
        ks=config["baselines"]["knn_k"],
        weightings=config["baselines"]["knn_weighting"],
    script:
        "../scripts/knn_voting.py"


rule neighborhood_voting:
    input:
        unpack(run_inputs),
        # The visual-only model trained on the same fraction of the training images.
        model=lambda wildcards: run_file(
            experiments.visual_twin(wildcards.experiment), "model.pt", wildcards.k
        ),
    output:
        scores=run_file("{experiment}", "scores.parquet", "{k}"),
        metrics=run_file("{experiment}", "metrics.json", "{k}"),
        choice=run_file("{experiment}", "validation.csv", "{k}"),
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/vote.log",
    benchmark:
        f"{LOGS}/benchmarks/neighborhood_voting/runs/{{experiment}}/split{{k}}/vote.tsv"
    wildcard_constraints:
        experiment=experiments.experiment_pattern("nbrvote", max_rank=MAX_RANK),
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        alphas=config["baselines"]["vote_alphas"],
        spaces=config["baselines"]["vote_spaces"],
    script:
        "../scripts/neighborhood_voting.py"


# The control's ceiling (src/neighborhoods/oracle.py): the posterior from the planted parameters.
rule oracle:
    input:
        unpack(run_inputs),
        planted=PLANTED,
    output:
        scores=run_file("{experiment}", "scores.parquet", "{k}"),
        metrics=run_file("{experiment}", "metrics.json", "{k}"),
    log:
        f"{LOGS}/runs/{{experiment}}/split{{k}}/oracle.log",
    benchmark:
        f"{LOGS}/benchmarks/oracle/runs/{{experiment}}/split{{k}}/oracle.tsv"
    wildcard_constraints:
        experiment=experiments.experiment_pattern("oracle", max_rank=MAX_RANK),
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    script:
        "../scripts/oracle.py"
