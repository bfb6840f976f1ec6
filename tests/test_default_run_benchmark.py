"""The default-run benchmark sums each rule's job times from Snakemake's benchmark files."""

import pandas as pd
import pytest

from benchmarks.default_run import block_text, summed_times


def test_job_times_are_summed_per_rule(tmp_path):
    for rule, job, seconds in (
        ("train", "runs/visual/split0", 12.5),
        ("train", "runs/upper/split1", 7.5),
        ("features", "features/x", 3.0),
    ):
        path = tmp_path / rule / job / "b.tsv"
        path.parent.mkdir(parents=True)
        path.write_text(f"s\th:m:s\tmax_rss\n{seconds}\t0:00:01\t10\n")
    table = summed_times(tmp_path)
    assert table.loc["train"].tolist() == [2, 20.0] and table.loc["features"].tolist() == [1, 3.0]
    assert table.index.tolist() == ["train", "features"]  # the costliest first
    with pytest.raises(ValueError, match="no benchmark files"):
        summed_times(tmp_path / "missing")


def test_the_block_gives_both_runs_the_ratio_and_each_rule():
    def run(commit, install, snakemake, rules, speeds):
        table = pd.DataFrame(rules, columns=["rule", "jobs", "summed"]).set_index("rule")
        return {
            "commit": commit,
            "install": install,
            "snakemake": snakemake,
            "rules": table,
            "speeds": speeds,
        }

    base = run(
        "7b6f523", 170.0, 1000.0, [("train", 34, 1100.0), ("predict_other_metadata", 22, 140.0)], (80.2, 61.0)
    )
    change = run(
        "abc1234", 160.0, 590.0, [("train", 34, 700.0), ("predict_other_metadata", 10, 60.0)], (59.6, 84.4)
    )
    where = {"date": "2026-12-07", "commit": "abc1234", "cpu": "AMD EPYC", "cores": 2, "memory_gib": 24}
    lines = block_text(where, base, change, load=0.04).splitlines()
    assert lines[0] == (
        "Measured 2026-12-07 at commit abc1234 on AMD EPYC, 2 cores, 24 GiB; "
        "7b6f523 then abc1234, back to back; load average 0.04 before."
    )
    assert "| 7b6f523 | 2 min 50 s | 16 min 40 s | 19 min 30 s | 80 / 61 |" in lines
    assert "| abc1234 | 2 min 40 s | 9 min 50 s | 12 min 30 s | 60 / 84 |" in lines
    assert "Snakemake time, abc1234 / 7b6f523: **0.59**. Per rule, summed job seconds:" in lines
    assert "| predict_other_metadata | 22 | 140 | 10 | 60 |" in lines
    assert lines[-1] == "| all jobs | 56 | 1,240 | 44 | 760 |"


def test_the_change_can_run_first_and_the_block_says_so():
    def run(commit):
        table = pd.DataFrame([("train", 1, 10.0)], columns=["rule", "jobs", "summed"]).set_index("rule")
        return {"commit": commit, "install": 1.0, "snakemake": 10.0, "rules": table, "speeds": (1.0, 1.0)}

    where = {"date": "2026-12-07", "commit": "abc1234", "cpu": "AMD EPYC", "cores": 2, "memory_gib": 24}
    first = block_text(where, run("7b6f523"), run("abc1234"), load=0.0, change_first=True).splitlines()[0]
    assert "abc1234 then 7b6f523, back to back" in first


def test_the_machine_speed_is_a_positive_rate():
    from benchmarks.default_run import machine_speed

    assert 0.1 < machine_speed(seconds=0.2) < 10_000  # GFLOP/s of one core: anything else is a unit slip
