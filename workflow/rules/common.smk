import os
import sys

# The package is importable from src/ here and in every job (conda envs, cluster nodes),
# whether or not it was pip-installed.
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)
)

from neighborhoods import experiments
from neighborhoods.experiments import FIT_KEYS

DATASET = config["dataset"]
RESULTS = f"results/{DATASET}"
LOGS = f"logs/{DATASET}"
SPLITS = list(range(config["splits"]["count"]))
BACKBONE = config["features"]["backbone"]
TAG_META = f"tags-tau{config['neighbors']['tau']}"
MODEL = config["model"]


wildcard_constraints:
    k=r"\d+",
    meta=r"tags-tau\d+|sets|groups",
    backbone=r"[a-z0-9_]+",


def split_runs(experiment, name):
    """One file per split of an experiment's run folder."""
    return expand(f"{RESULTS}/runs/{experiment}/split{{k}}/{name}", k=SPLITS)


def run_inputs(wildcards):
    """Features and split for every run; neighbors when the experiment uses them."""
    inputs = {
        "images": f"{RESULTS}/data/images.parquet",
        "concepts": f"{RESULTS}/data/concepts.txt",
        "split": f"{RESULTS}/splits/split{wildcards.k}.parquet",
        "features": f"{RESULTS}/features/{BACKBONE}.parquet",
    }
    experiment = experiments.parse(wildcards.experiment)
    if experiment.meta is not None:
        inputs["neighbors"] = (
            f"{RESULTS}/neighbors/{experiment.meta}/split{wildcards.k}.parquet"
        )
    return inputs
