"""The results page: paired comparisons by hand, and every number on the page generated from
the run's tables (the docs target on the tiny pipeline)."""

import importlib.metadata
import re

import pytest
from test_pipeline import TINY, snakemake, write_config

from neighborhoods import provenance
from neighborhoods.reporting import comparison, docs_page

NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")


def test_a_paired_difference_is_taken_split_by_split():
    ours = [{"mAP_L": 50.0}, {"mAP_L": 60.0}, {"mAP_L": 55.0}]
    theirs = [{"mAP_L": 48.0}, {"mAP_L": 61.0}, {"mAP_L": 50.0}]
    result = comparison.paired(ours, theirs, "mAP_L")  # differences 2, -1, 5
    assert result == {"mean": pytest.approx(2.0), "std": pytest.approx(3.0), "ahead": 2, "splits": 3}
    assert comparison.cell(result) == "+2.00 ± 3.00 (2/3)"
    with pytest.raises(ValueError, match="same splits"):
        comparison.paired(ours, theirs[:2], "mAP_L")


@pytest.mark.parametrize(
    ("cell", "said"),
    [
        ("+2.00 ± 3.00 (3/3)", "ahead on every split"),
        ("-4.10 ± 0.50 (0/3)", "behind on every split"),
        ("+0.10 ± 1.00 (2/5)", "ahead on 2 of 5 splits"),
        ("+0.00 ± 0.00 (0/3)", "level on every split (to 0.01 points)"),
        ("-0.00 ± 0.01 (0/3)", "behind on every split"),
    ],
)
def test_the_verdict_reads_the_splits_ahead(cell, said):
    assert docs_page.verdict(cell) == said


def body(page: str) -> str:
    """The page without what is not a result: the provenance line and section, captions, figure
    links and the config block."""
    page = page.split("\n## Provenance\n", 1)[0]
    kept = [
        line
        for line in page.splitlines()
        if not line.startswith((">", "![", "From `results/", "<!--", "## fig"))
    ]
    return "\n".join(kept)


@pytest.mark.slow
def test_every_number_on_the_results_page_comes_from_its_tables(built):
    targets = ["comparison", "table2", "neighbors_summary", "fig5", "fig6", "fig7"]
    config = write_config(built / "docs-config", {**TINY, "docs": {"targets": targets}})
    snakemake(built, "docs", "--configfile", str(config))
    page = (built / "docs" / "results" / "synthetic.md").read_text()
    tables = built / "results" / "synthetic" / "tables"
    sources = "\n".join(
        (tables / name).read_text()
        for name in ("comparison.md", "comparison.csv", "table2.md", "table2.csv", "neighbors.md")
    )
    numbers = set(NUMBER.findall(body(page)))
    assert len(numbers) > 50
    assert numbers <= set(NUMBER.findall(sources)), numbers - set(NUMBER.findall(sources))
    assert "Does the model beat its simple baselines?" in page and "on mAP_L," in page
    assert "our model − image neighborhoods + CNN voting" in page
    for figure in ("fig5", "fig6", "fig7"):
        assert (built / "docs" / "results" / "synthetic" / f"{figure}.png").stat().st_size > 1000
        assert f"![{figure}](synthetic/{figure}.png)" in page
    # Where the runs ran, from their own metrics files: this machine, these versions (one row,
    # unless the checkout changed while they ran).
    header = next(line for line in page.splitlines() if line.startswith("From `results/"))
    assert re.search(r", from \d+ runs (at commit|that did not all run alike)", header)
    ran = page.split("\n## Provenance\n", 1)[1].split("\n## Config\n", 1)[0]
    assert "runs behind this page" in ran and f"| {provenance.cpu_name()} (CPU) |" in ran
    assert f"| {importlib.metadata.version('torch')} |" in ran
