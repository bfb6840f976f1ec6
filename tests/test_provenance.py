"""Provenance: what each run records about where it ran, and the results page's account of it."""

import datetime
import importlib.metadata
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from neighborhoods import provenance
from neighborhoods.reporting import docs_page

REPO = Path(__file__).resolve().parents[1]
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@needs_git
def test_a_run_records_this_checkout_its_versions_machine_and_date():
    record = provenance.collect()
    assert record["commit"] == git(REPO, "rev-parse", "HEAD")
    assert isinstance(record["dirty"], bool)
    assert record["torch"] == importlib.metadata.version("torch")
    assert record["snakemake"] == importlib.metadata.version("snakemake")
    assert record["version"] == importlib.metadata.version("neighborhoods")
    assert record["cpu"] and record["cpu"] == provenance.cpu_name()
    # This process has not put CUDA to work, so no GPU is claimed, whatever the machine has.
    assert record["gpu"] is None
    when = datetime.datetime.fromisoformat(record["date"])
    assert abs(datetime.datetime.now(datetime.UTC) - when) < datetime.timedelta(minutes=5)
    assert json.loads(json.dumps(record)) == record


@needs_git
def test_the_tree_is_dirty_with_changed_or_added_files_but_not_with_results_pages(tmp_path):
    repo = tmp_path / "repo"
    package = repo / "src" / "neighborhoods"
    package.mkdir(parents=True)
    (package / "code.py").write_text("x = 1\n")
    (repo / "docs" / "results").mkdir(parents=True)
    (repo / "docs" / "results" / "page.md").write_text("old\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first")
    head = git(repo, "rev-parse", "HEAD")
    assert provenance.checkout(package) == (head, False)
    (repo / "docs" / "results" / "page.md").write_text("rewritten by the docs target\n")
    assert provenance.checkout(package) == (head, False)
    (package / "new.py").write_text("y = 2\n")
    assert provenance.checkout(package) == (head, True)
    (package / "new.py").unlink()
    (package / "code.py").write_text("x = 2\n")
    assert provenance.checkout(package) == (head, True)


@needs_git
def test_a_package_outside_a_checkout_of_its_own_has_no_commit(tmp_path):
    assert provenance.checkout(tmp_path) == (None, None)
    # Installed into a virtual environment inside another repository: that repository is not it.
    repo = tmp_path / "other"
    package = repo / ".venv" / "site-packages" / "neighborhoods"
    package.mkdir(parents=True)
    git(repo, "init", "-q")
    assert provenance.checkout(package) == (None, None)


def test_the_history_keeps_its_table_and_carries_the_record(tmp_path):
    history = pd.DataFrame({"epoch": [1, 2], "val_mAP_L": [0.25, 0.5], "chosen": [False, True]})
    path = tmp_path / "history.parquet"
    provenance.write_parquet(history, path)
    pd.testing.assert_frame_equal(pd.read_parquet(path), history)
    record = provenance.read(path)
    assert record.keys() == provenance.collect().keys()
    assert record["cpu"] == provenance.cpu_name()
    # A file written before runs recorded provenance has none.
    history.to_parquet(tmp_path / "old.parquet")
    assert provenance.read(tmp_path / "old.parquet") is None


def metrics_file(folder: Path, run: str, **record) -> Path:
    base = {
        "commit": "a" * 40,
        "dirty": False,
        "version": "0.1.0",
        "torch": "2.14.1",
        "snakemake": "9.27.1",
        "python": "3.11.7",
        "cpu": "Some CPU",
        "gpu": None,
        "date": "2026-12-01T10:00:00+00:00",
    }
    path = folder / "results" / "tiny" / "runs" / run / "metrics.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"mAP_L": 50.0, provenance.KEY: {**base, **record}}))
    return path


def test_runs_alike_make_one_line_with_their_commit_machine_and_versions(tmp_path):
    runs = [
        metrics_file(tmp_path, "visual/split0"),
        metrics_file(tmp_path, "visual/split1", date="2026-12-02T09:00:00+00:00"),
    ]
    summary, lines = docs_page.provenance_section(runs)
    assert summary == (
        "2 runs at commit aaaaaaaaaa on Some CPU (CPU), torch 2.14.1, Snakemake 9.27.1, "
        "2026-12-01 to 2026-12-02"
    )
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| ---")]
    assert len(rows) == 2 and "which" not in rows[0]
    assert rows[1] == (
        "| 2 | aaaaaaaaaa | 2.14.1 | 9.27.1 | 3.11.7 | Some CPU (CPU) | 2026-12-01 to 2026-12-02 |"
    )


def test_runs_that_differ_are_listed_apart_with_their_runs(tmp_path):
    runs = [
        metrics_file(tmp_path, "visual/split0"),
        metrics_file(tmp_path, "visual/split1"),
        metrics_file(tmp_path, "nbr-tags-tau300-m3-M6/split0", gpu="NVIDIA H100", dirty=True),
        metrics_file(tmp_path, "nbr-tags-tau300-m3-M6/split0/test-sets"),
    ]
    old = tmp_path / "results" / "tiny" / "runs" / "upper" / "split0" / "metrics.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({"mAP_L": 99.0}))
    summary, lines = docs_page.provenance_section([*runs, old])
    assert summary == "5 runs that did not all run alike (listed under Provenance)"
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| ---")]
    assert rows[0].endswith(" which |")
    assert rows[1:] == [
        "| 3 | aaaaaaaaaa | 2.14.1 | 9.27.1 | 3.11.7 | Some CPU (CPU) | 2026-12-01 | "
        "nbr-tags-tau300-m3-M6 (split0/test-sets); visual (split0, split1) |",
        "| 1 | aaaaaaaaaa with uncommitted changes | 2.14.1 | 9.27.1 | 3.11.7 | NVIDIA H100 (GPU), Some CPU "
        "| 2026-12-01 | nbr-tags-tau300-m3-M6 (split0) |",
        "| 1 | not recorded | not recorded | not recorded | not recorded | not recorded | not recorded "
        "| upper (split0) |",
    ]
