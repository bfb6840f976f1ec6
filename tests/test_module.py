"""The workflow used as a Snakemake module from another folder, with a config of its own: the
tiny config's visual-only model is built there, and every file lands in that folder."""

import json
import subprocess

import pytest
import yaml
from test_pipeline import REPO, SNAKEMAKE, planned_jobs

from neighborhoods import provenance

pytestmark = pytest.mark.slow

USER_SNAKEFILE = """\
configfile: "tiny.yaml"


module neighborhoods:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from neighborhoods
"""


def run(folder, *args: str) -> str:
    result = subprocess.run(
        [str(SNAKEMAKE), "--cores", "2", *args], cwd=folder, capture_output=True, text=True, timeout=1200
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return result.stdout + result.stderr


def test_the_workflow_runs_as_a_module_of_another_folder(tmp_path):
    tiny = yaml.safe_load((REPO / "config" / "tiny.yaml").read_text())
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny))
    (tmp_path / "Snakefile").write_text(USER_SNAKEFILE.format(snakefile=REPO / "Snakefile"))
    # The whole of Table 2 plans from there: every rule resolves its scripts, schema and envs.
    jobs = planned_jobs(run(tmp_path, "--dry-run", "table2"))
    assert jobs["table2"] == 1 and jobs["train"] >= 2 and jobs["features"] == 1
    # One model built: data, splits, features and training run from the module's scripts.
    run_folder = tmp_path / "results" / tiny["name"] / "runs" / "visual" / "split0"
    run(tmp_path, str(run_folder.relative_to(tmp_path) / "metrics.json"))
    metrics = json.loads((run_folder / "metrics.json").read_text())
    assert 0 <= metrics["mAP_L"] <= 100
    # The runs record the repository's commit (HEAD then, HEAD or before it now), not the folder's.
    for recorded in (metrics[provenance.KEY], provenance.read(run_folder / "history.parquet")):
        ancestor = ["git", "-C", str(REPO), "merge-base", "--is-ancestor", recorded["commit"], "HEAD"]
        assert subprocess.run(ancestor).returncode == 0
    assert (tmp_path / "logs" / tiny["name"]).is_dir()
