from types import SimpleNamespace

import numpy as np
import pytest

from neighborhoods.reporting import paper, tables


def metrics(value):
    return {m: value for m in paper.METRICS}


def test_summary_is_mean_and_sample_std_over_splits():
    summary = tables.summarize(
        [("ours", [metrics(50.0), metrics(52.0), metrics(54.0)], paper.TABLE2["visual"])]
    )
    row = summary.set_index("metric").loc["mAP_L"]
    assert row["mean"] == 52.0 and row["std"] == pytest.approx(2.0) and row["splits"] == 3
    assert row["paper"] == 45.78
    assert np.isnan(tables.summarize([("x", [metrics(1.0)], None)])["std"]).all()


def test_tables_show_ours_beside_the_paper_and_mark_quoted_rows(tmp_path):
    summary = tables.summarize(
        [
            ("visual", [metrics(40.0), metrics(42.0)], paper.TABLE2["visual"]),
            ("single", [metrics(30.0)], None),
        ]
    )
    table = tables.wide(summary, paper.TABLE2_QUOTED)
    outputs = SimpleNamespace(markdown=tmp_path / "t.md", latex=tmp_path / "t.tex", csv=tmp_path / "t.csv")
    tables.write(table, summary, outputs, "Table 2")
    lines = outputs.markdown.read_text().splitlines()
    assert lines[0] == "# Table 2"
    visual = next(line for line in lines if line.startswith("| visual"))
    assert "| 2 |" in visual and "41.00 ± 1.41 (45.78)" in visual
    single = next(line for line in lines if line.startswith("| single"))
    assert "30.00 |" in single and "±" not in single
    assert any(line.startswith("| CNN + WARP (Gong et al.) [quoted]") and "(35.60)" in line for line in lines)
    latex = outputs.latex.read_text()
    assert r"41.00 $\pm$ 1.41 (45.78)" in latex and r"\begin{tabular}" in latex
    assert len(outputs.csv.read_text().splitlines()) == 1 + 2 * len(paper.METRICS)


def test_matrix_puts_train_on_rows_and_test_on_columns():
    # Labels that say nothing of the cell: the grid comes from `cells`, never from the label.
    cells = {f"run {a}{b}": (a, b) for a in "xy" for b in "xyz"}
    rows = [
        (label, [metrics(10.0 * "xy".index(a) + "xyz".index(b))], None) for label, (a, b) in cells.items()
    ]
    grid = tables.matrix(tables.summarize(rows), cells, "mAP_L")
    assert list(grid.columns) == ["train \\ test (mAP_L)", "x", "y", "z"]
    assert grid.set_index("train \\ test (mAP_L)").loc["y", "z"] == "12.00"
