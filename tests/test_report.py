import numpy as np
import pytest

from neighborhoods import paper, report


def metrics(value):
    return {m: value for m in paper.METRICS}


def test_summary_is_mean_and_sample_std_over_splits():
    summary = report.summarize([("ours", [metrics(50.0), metrics(52.0), metrics(54.0)], paper.TABLE2["visual"])])
    row = summary.set_index("metric").loc["mAP_L"]
    assert row["mean"] == 52.0 and row["std"] == pytest.approx(2.0) and row["splits"] == 3
    assert row["paper"] == 45.78


def test_markdown_shows_ours_beside_the_paper_and_marks_quoted_rows():
    summary = report.summarize(
        [("visual", [metrics(40.0), metrics(42.0)], paper.TABLE2["visual"]), ("single", [metrics(30.0)], None)]
    )
    text = report.to_markdown(summary, paper.TABLE2_QUOTED, title="Table 2")
    lines = text.splitlines()
    visual = next(line for line in lines if line.startswith("| visual"))
    assert "| 2 |" in visual and "41.00 ± 1.41 (45.78)" in visual
    single = next(line for line in lines if line.startswith("| single"))
    assert "30.00 |" in single and "±" not in single
    assert any(line.startswith("| CNN + WARP (Gong et al.) [quoted]") and "(35.60)" in line for line in lines)
    assert np.isnan(report.summarize([("x", [metrics(1.0)], None)])["std"]).all()
