"""End to end on a tiny control: every diagnostic, the oracle, the comparison and the page."""

import json

import pandas as pd
import pytest
import yaml

from tests.test_pipeline import REPO, TINY, snakemake, write_config

pytestmark = pytest.mark.slow

CONTROL = {
    **{key: TINY[key] for key in ("seed", "neighbors", "baselines", "sweeps")},
    "name": "ctl",
    "dataset": "control",
    "control": {"images": 500, "labels": 8, "dims": 16, "album_size": 25},
    "features": {"backbone": "control"},
    "splits": {"count": 1, "train": 0.5, "val": 0.25},
    "model": {"hidden": 16, "learning_rates": [1.0e-2], "max_epochs": 30, "patience": 2},
    "figures": {"highlight": ["label00", "label01"]},
    "curves": {
        "fractions": [50, 100],
        "splits": 1,
        "methods": yaml.safe_load((REPO / "config" / "control.yaml").read_text())["curves"]["methods"],
    },
    "docs": {"controls": ["ctl"]},
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("control")
    write_config(folder, CONTROL)
    snakemake(folder, "learning_curves", "controls_page")
    return folder


def test_the_oracle_is_the_ceiling_and_the_diagnostics_run(built):
    runs = built / "results" / "ctl" / "runs"
    maps = {
        run.name: json.loads((run / "split0" / "metrics.json").read_text())["mAP_L"]
        for run in runs.iterdir()
        if (run / "split0" / "metrics.json").exists()
    }
    oracle = maps.pop("oracle-tags-tau300-M6")
    assert oracle > max(maps[name] for name in ("visual", "nbr-tags-tau300-m3-M6", "nbrvote-tags-tau300-M6"))
    for suffix in ("nbronly", "meanpool", "zinit-imagepath", "zinit-visual"):
        assert f"nbr-tags-tau300-m3-M6-{suffix}" in maps and f"nbr-tags-tau300-m3-M6-{suffix}-train50" in maps
    # The W_z variants read the model they start from, of the same share.
    history = pd.read_parquet(
        runs / "nbr-tags-tau300-m3-M6-zinit-visual-train50" / "split0" / "history.parquet"
    )
    split = pd.read_parquet(built / "results" / "ctl" / "splits" / "split0.parquet")
    assert history["epoch"].iloc[0] == 0
    assert history["train_images"].iloc[0] == round((split["subset"] == "train").sum() / 2)


def test_the_controls_page(built):
    curves = pd.read_csv(built / "results" / "ctl" / "tables" / "learning_curves.csv")
    assert set(curves["method"]) == set(CONTROL["curves"]["methods"])
    page = (built / "docs" / "results" / "controls.md").read_text()
    assert "Positive control: `ctl`" in page and "oracle (planted parameters) − our model" in page
    assert "our model without its image branch − voting, neighbors only (alpha 1)" in page
    assert (built / "docs" / "results" / "controls" / "ctl.png").exists()
    assert "## Provenance" in page and "runs behind this page" in page
    assert "**Headline.** Our model − tuned voting: " in page and "on the positive control at" in page
