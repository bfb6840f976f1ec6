"""End to end: the real `snakemake` command on a tiny generated dataset in a temporary folder."""

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

TINY = {
    "dataset": "synthetic",
    "seed": 3,
    "synthetic": {"images": 240, "users": 30, "topics": 6, "image_size": 64},
    "splits": {"count": 2, "train": 0.5, "val": 0.25},
    "features": {"batch_size": 32, "workers": 0},
    "neighbors": {"tau": 300, "max_rank": 8},
    "model": {"hidden": 32, "epochs": 2, "lr": 1.0e-3},
}


def snakemake(workdir: Path, *args: str) -> str:
    command = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), "--cores", "2", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def planned_jobs(output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table of a dry run."""
    table = output.split("Job stats:", 1)[1] if "Job stats:" in output else ""
    return {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)\s*$", table, re.M) if rule != "total"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("pipeline")
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    snakemake(workdir)
    return workdir


def test_table2_is_built_with_both_rows_over_every_split(built):
    results = built / "results" / "synthetic"
    table = pd.read_csv(results / "tables" / "table2.csv")
    assert set(table["method"]) == {"CNN + logistic (visual only)", "Our model: tag neighbors"}
    assert (table["splits"] == 2).all()
    assert table["mean"].between(0, 100).all()
    markdown = (results / "tables" / "table2.md").read_text()
    assert "(45.78)" in markdown and "[quoted]" in markdown
    for k in range(2):
        assert (results / "runs" / "visual" / f"split{k}" / "metrics.json").exists()
    assert (built / "logs" / "synthetic" / "synthesize.log").exists()


def test_second_run_has_nothing_to_do(built):
    assert planned_jobs(snakemake(built, "--dry-run")) == {}


def test_changing_a_training_parameter_reruns_only_training_and_what_follows(built):
    changed = {**TINY, "model": {**TINY["model"], "epochs": 3}}
    (built / "changed.yaml").write_text(yaml.safe_dump(changed))
    jobs = planned_jobs(snakemake(built, "--dry-run", "--configfile", str(built / "changed.yaml")))
    assert jobs == {"train": 4, "predict": 4, "evaluate": 4, "table2": 1, "all": 1}
