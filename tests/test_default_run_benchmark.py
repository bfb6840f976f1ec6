"""The default-run benchmark sums each rule's job times from Snakemake's benchmark files."""

import pytest

from benchmarks.default_run import summed_times


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
