import os
import sys

from snakemake.utils import min_version, validate

min_version("9.0")

# This file's folder. workflow.basedir is the folder of the Snakefile Snakemake was started
# with, which is another one where this workflow is used as a module (`module ...: snakefile:`);
# every path into the repository starts here instead.
REPOSITORY = Path(workflow.current_basedir.get_path_or_uri(secret_free=True))
# The package is importable from src/ here and in every job (conda envs, cluster nodes),
# whether or not it was pip-installed (a module fetched from GitHub needs it installed).
SRC = str(REPOSITORY / "src")
sys.path.insert(0, SRC)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)
)

from neighborhoods import config_checks


configfile: "config.yaml"


# Unknown keys first: a misspelt one would pass validation or get a message printing the
# whole schema; then what the schema cannot state (sizes across keys, paths, devices).
SCHEMA = "workflow/schemas/config.schema.yaml"
config_checks.unknown_keys(config, workflow.source_path(SCHEMA))
config_checks.command_line_types(config, workflow.source_path(SCHEMA))
# Names that become folders before the schema, whose pattern message names no rule.
config_checks.check_names(config)
validate(config, SCHEMA)
config_checks.check(config)


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


# Names follow one grammar (src/neighborhoods/experiments.py): every name a rule accepts parses.
wildcard_constraints:
    k=r"\d+",
    experiment=experiments.experiment_pattern(max_rank=MAX_RANK),
    meta=experiments.neighbors_pattern(),
    backbone=experiments.BACKBONE,


include: "workflow/rules/ingest.smk"
include: "workflow/rules/splits.smk"
include: "workflow/rules/features.smk"
include: "workflow/rules/neighbors.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/annotate.smk"
include: "workflow/rules/docs.smk"


# Every table and figure the inputs can build (PROTOCOL.in_all).
rule all:
    default_target: True
    input:
        *[getattr(rules, target).output for target in PROTOCOL.in_all],
