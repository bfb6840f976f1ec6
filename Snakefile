from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


wildcard_constraints:
    k=r"\d+",
    meta=r"tags-tau\d+|sets|groups|tagsplit\d+-overlap\d+|visual-[a-z0-9_]+",
    backbone=r"[a-z0-9_]+",


include: "workflow/rules/ingest.smk"
include: "workflow/rules/splits.smk"
include: "workflow/rules/features.smk"
include: "workflow/rules/neighbors.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        rules.table2.output,
        rules.table3.output,
        rules.table4.output,
        *[getattr(rules, f"fig{n}").output for n in range(3, 9)],
