"""The benchmarks write their tables into docs/performance.md themselves: each between its own
markers, with the date, commit and machine, leaving the rest of the page as it was."""

import json

import pandas as pd
import pytest

from benchmarks import page, rehearsal
from benchmarks import run as bench


def test_a_block_is_replaced_between_its_markers_and_nothing_else(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(
        "# Performance\n\nProse.\n<!-- benchmark:dag:begin -->\nold\n<!-- benchmark:dag:end -->\n"
        "<!-- benchmark:jaccard:begin -->\nkept\n<!-- benchmark:jaccard:end -->\nMore prose.\n"
    )
    page.write_block("benchmark:dag", "new line\n\n| a |\n| --- |\n| 1 |\n", doc)
    assert doc.read_text() == (
        "# Performance\n\nProse.\n<!-- benchmark:dag:begin -->\nnew line\n\n| a |\n| --- |\n| 1 |\n"
        "<!-- benchmark:dag:end -->\n"
        "<!-- benchmark:jaccard:begin -->\nkept\n<!-- benchmark:jaccard:end -->\nMore prose.\n"
    )
    with pytest.raises(ValueError, match="benchmark:visual:begin"):
        page.write_block("benchmark:visual", "x", doc)


def test_the_header_gives_date_commit_and_machine():
    line = page.header(page.machine(), "load average 0.5")
    assert line.startswith("Measured 20") and " at commit " in line and " cores, " in line
    assert line.endswith("; load average 0.5.")


def test_the_real_page_has_a_block_for_every_benchmark():
    text = page.PAGE.read_text()
    for name in [*(f"benchmark:{part}" for part in bench.PARTS), "rehearsal", "halving", "default-run"]:
        assert f"<!-- {name}:begin -->" in text and f"<!-- {name}:end -->" in text, name


def test_benchmark_rows_become_one_table_per_part():
    rows = [
        dict(part="dag", what="DAG dry run", figure=3.29, unit="s", baseline_name="", baseline=None)
        | dict(ratio=None, mb=None, target="<10 s", note="361 jobs")
    ]
    table = bench.table(rows).splitlines()
    assert table[0].startswith("| measurement | figure |") and table[1].startswith("| --- | ---: |")
    assert table[2] == "| DAG dry run | 3.29 s |  |  |  |  | <10 s | 361 jobs |"


def test_the_rehearsal_block_reads_the_run_the_counts_and_the_costs(tmp_path):
    run = {"date": "2026-12-01", "commit": "abc1234", "cpu": "AMD EPYC", "cores": 2, "memory_gib": 24}
    (tmp_path / "run.json").write_text(json.dumps({**run, "seconds": 5435.2}))
    counts = tmp_path / "results" / "nuswide" / "data" / "ingest_counts.json"
    counts.parent.mkdir(parents=True)
    counts.write_text(
        json.dumps({"input": 100, "bad_lines": 1, "no_labels": 20, "no_features": 0, "kept": 79})
    )
    subsets = ["train"] * 50 + ["val"] * 20 + ["test"] * 9
    (counts.parent.parent / "splits").mkdir()
    pd.DataFrame({"image_id": range(79), "subset": subsets}).to_parquet(
        counts.parent.parent / "splits" / "split0.parquet"
    )
    rules = pd.DataFrame(
        [("train", 20, 3600.4, 250.0, 3183.0, 5662.0, 8000, False)],
        columns=["rule", "jobs", "seconds", "longest", "cpu_seconds", "peak_mb", "declared_mb", "over"],
    )
    models = {}
    for scenario, epochs, cpu in (("paper", 10, 48.2), ("most", 150, 610.4)):
        model = {
            "epochs per training": epochs,
            "jobs": 335,
            "jobs costed by their rule's median (no measured twin)": 1,
            "rules with no measured job (costed 0)": [],
            "CPU-hours": cpu,
        }
        for basis, hours in (("measured wall time", cpu / 1.7), ("CPU time", cpu / 2)):
            model[f"critical path, hours ({basis})"] = 0.8
            for cores in (2, 32, 128, 512):
                model[f"wall hours on {cores} cores ({basis})"] = hours if cores == 2 else 0.8
        models[scenario] = model
    text = rehearsal.page_text(tmp_path, rules, models, {"rows": 269_648, "dims": 4096})
    lines = text.splitlines()
    assert lines[0] == (
        "Measured 2026-12-01 at commit abc1234 on AMD EPYC, 2 cores, 24 GiB; 269,648 release rows, "
        "4096-d features, one split; 20 jobs, the last `snakemake` call 5,435 s."
    )
    kept = "Ingestion kept 79 of 100 rows; dropped: bad_lines 1, no_labels 20."
    assert f"{kept} Split 0: train 50, val 20, test 9." in lines
    assert "| train | 20 | 3,600 | 250 | 3,183 | 5,662 | 8,000 |" in lines
    assert lines[lines.index("| train | 20 | 3,600 | 250 | 3,183 | 5,662 | 8,000 |") + 4].startswith(
        "The full protocol, projected: 335 jobs; 1 costed by their rule's median."
    )
    # Hours from CPU time per thread, then (in brackets) from the measured wall time.
    assert "| paper | 10 | 48 | 24 (28) | 0.8 (0.8) | 0.8 (0.8) | 0.8 (0.8) | 0.8 (0.8) |" in lines
    assert "| most | 150 | 610 | 305 (359) | 0.8 (0.8) | 0.8 (0.8) | 0.8 (0.8) | 0.8 (0.8) |" in lines
