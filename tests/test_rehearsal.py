"""The NUS-WIDE-scale rehearsal: the folder it writes reads as a release with the real faults,
and the cost model's schedule is checked on hand-worked DAGs."""

import numpy as np
import pandas as pd
import pytest

from benchmarks import cost_model, rehearsal
from neighborhoods import imported_features
from neighborhoods.ingestion import flickr, nuswide


def test_the_rehearsal_folder_is_a_release_with_its_faults(tmp_path):
    written = rehearsal.write_release(tmp_path, rows=2000, dims=8)
    release = nuswide.read_release(tmp_path / "NUS-WIDE", policy="drop")
    counts = release.counts
    assert counts["lines"] == 2000 and counts["bad_lines"] == 1  # the one label value "2"
    assert counts["duplicate_rows"] == rehearsal.DUPLICATES == counts["duplicate_conflicts"]
    assert counts["images"] == written["photos"] - 1  # the corrupt line's photo is dropped
    labelled = np.array([len(labels) > 0 for labels in release.table.column("labels").to_pylist()])
    assert 0.6 < labelled.mean() < 0.9  # images without labels, as in the release
    crlf = (tmp_path / "NUS-WIDE" / "Groundtruth" / "AllLabels" / "Labels_animal.txt").read_bytes()
    assert b"\r\n" in crlf
    metadata = flickr.read_metadata_table(tmp_path / "metadata.parquet")
    assert metadata.num_rows == written["with_metadata"]
    ids, features = imported_features.read(str(tmp_path / "bigfile"))
    imported_features.check(ids, features, "bigfile")
    assert features.shape == (written["with_features"], 8) and (np.asarray(features) >= 0).all()


def test_a_second_run_reuses_the_folder_so_finished_jobs_stand(tmp_path):
    """Writing the folder again would refresh every input and rerun every job."""
    argv = ["--rows", "2000", "--dims", "8", "--work", str(tmp_path), "--write-only"]
    assert rehearsal.main(argv) == 0
    labels = tmp_path / "NUS-WIDE" / "Groundtruth" / "AllLabels" / "Labels_animal.txt"
    first = labels.stat().st_mtime_ns
    assert rehearsal.main(argv) == 0
    assert labels.stat().st_mtime_ns == first
    assert rehearsal.main(["--rows", "2100", *argv[2:]]) == 0  # another size is written anew
    assert labels.stat().st_mtime_ns != first and len(labels.read_bytes().splitlines()) == 2100


def test_schedule_and_critical_path_on_hand_worked_dags():
    # a (4 s) and b (2 s) feed c (1 s); d (3.5 s) stands alone.
    seconds, threads, edges = [4.0, 2.0, 1.0, 3.5], [1, 1, 1, 1], [(0, 2), (1, 2)]
    after = [[2], [2], [], []]
    assert cost_model.critical_paths(seconds, after) == [5.0, 3.0, 1.0, 3.5]
    assert cost_model.schedule(seconds, threads, edges, cores=1) == 10.5  # one at a time
    # Two cores: a and d first (longest paths), b when d ends (3.5 to 5.5), then c: 6.5.
    assert cost_model.schedule(seconds, threads, edges, cores=2) == 6.5
    assert cost_model.schedule(seconds, threads, edges, cores=8) == 5.0  # the critical path
    # A job asking more threads than there are cores runs on all of them.
    assert cost_model.schedule([2.0, 2.0], [4, 1], [], cores=2) == 4.0


@pytest.mark.parametrize(
    "line, rule, wildcards", [("    wildcards: experiment=upper, k=0", "train", "experiment=upper")]
)
def test_job_blocks_are_read_from_the_log(tmp_path, line, rule, wildcards):
    log = tmp_path / "run.log"
    log.write_text(
        "\n".join(
            [
                f"rule {rule}:",
                "    benchmark: logs/nuswide/benchmarks/train/x.tsv",
                line,
                "    threads: 2",
                "    resources: tmpdir=/tmp, runtime=240, mem_mb=8000, mem=8 GB",
                "localrule table2:",
                "    resources: tmpdir=/tmp, mem_mb=1000",
            ]
        )
    )
    (job,) = cost_model.logged_jobs(log)  # table2's block names no benchmark: left out
    assert (job["rule"], job["threads"], job["mem_mb"]) == (rule, 2, 8000)
    assert cost_model._key(job["rule"], job["wildcards"]) == f"{rule} {wildcards}"


def test_projection_stretches_trainings_to_the_full_epochs_and_keeps_cpu_per_thread(tmp_path):
    run = tmp_path / "results" / "nuswide" / "runs" / "visual" / "split0"
    run.mkdir(parents=True)
    pd.DataFrame({"epoch": [1], "seconds": [30.0]}).to_parquet(run / "history.parquet")
    jobs = [
        cost_model.Job(
            "train", "train experiment=visual", 40.0, 20.0, 1, 100, 200, "b"
        ),  # half busy: contended
        cost_model.Job("knn_voting", "knn_voting experiment=knn", 100.0, 180.0, 2, 100, 200, "c"),
    ]
    keys = ["train experiment=visual", "knn_voting experiment=knn", "knn_voting experiment=other", "fig9"]
    full = cost_model.project(tmp_path, jobs, keys, epochs=10).set_index("key")
    # 1 epoch measured, 10 projected: 9 more of 30 s, each computing 0.5 CPU-s per second.
    assert full.loc["train experiment=visual", "seconds"] == pytest.approx(40 + 9 * 30)
    assert full.loc["train experiment=visual", "cpu_seconds"] == pytest.approx(20 + 9 * 30 * 0.5)
    assert full.loc["knn_voting experiment=knn", "busy_seconds"] == pytest.approx(90)  # 2 threads
    assert full.loc["knn_voting experiment=other", "estimated"]  # the rule's median
    assert full.loc["knn_voting experiment=other", "busy_seconds"] == pytest.approx(90)
    assert full.loc["fig9", "seconds"] == 0 and full.loc["fig9", "estimated"]


def test_the_projection_spans_the_papers_recipe_and_what_the_configs_rule_allows():
    # config/nuswide.yaml: 3 rates, patience 5, at most 50 epochs each.
    model = {"learning_rates": [1e-4, 3e-4, 1e-3], "patience": 5, "max_epochs": 50}
    assert list(rehearsal.training_scenarios(model).values()) == [10, 3 * 6, 3 * 50]
    # Halving from 10 epochs: all three train 10, two on to 20, one to the cap; a run that
    # patience stops after 6 epochs is never cut.
    halved = rehearsal.training_scenarios(model | {"halving_epochs": 10})
    assert list(halved.values()) == [10, 3 * 6, 3 * 10 + 2 * 10 + 30]
    # From 2 epochs: three runs to 2, two on to 4, one on to its stop (6, or the cap of 50).
    low, high = list(rehearsal.training_scenarios(model | {"halving_epochs": 2}).values())[1:]
    assert (low, high) == (3 * 2 + 2 * 2 + (6 - 4), 3 * 2 + 2 * 2 + (50 - 4))
