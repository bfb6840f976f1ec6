"""End to end: the real `snakemake` command on a tiny generated dataset in a temporary folder."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from neighborhoods import evaluation, parquet

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

# The tiny config users run as a smoke test; each test runs it in a folder of its own, under
# the dataset's name (results/synthetic), as the default config would.
TINY = {
    key: value
    for key, value in yaml.safe_load((REPO / "config" / "tiny.yaml").read_text()).items()
    if key != "name"
}
TARGETS = ["table2", "fig5", "fig6", "fig7", "fig8"]

pytestmark = pytest.mark.slow


def snakemake(workdir: Path, *args: str) -> str:
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--cores",
        "2",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return result.stdout + result.stderr


def planned_jobs(output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table of a dry run."""
    table = output.split("Job stats:", 1)[1] if "Job stats:" in output else ""
    return {
        rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)\s*$", table, re.M) if rule != "total"
    }


def data_files(workdir: Path) -> tuple[Path, Path]:
    """The images table and the concepts file of a built tiny run."""
    data = workdir / "results" / "synthetic" / "data"
    return data / "images.parquet", data / "concepts.txt"


def other_metadata_jobs(jobs: dict[str, int]) -> int:
    """The planned jobs that test a model with other metadata (one rule per tested model)."""
    return sum(count for rule, count in jobs.items() if rule.startswith("predict_other_metadata_"))


def write_config(folder: Path, config: dict) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_asking_for_one_figure_plans_only_what_it_needs(tmp_path):
    write_config(tmp_path, TINY)
    jobs = planned_jobs(snakemake(tmp_path, "--dry-run", "fig7"))
    assert jobs["fig7"] == 1 and jobs["features"] == 1
    # Three m, M and tau points beyond the default model (m=1, M=3, tau=100), plus it and visual only.
    assert jobs["train"] == 5
    assert not {"knn_voting", "neighborhood_voting", "visual_neighbors", "table2", "fig5"} & set(jobs)
    assert other_metadata_jobs(jobs) == 0


def test_figure8_trains_one_model_and_tests_it_with_each_overlap(tmp_path):
    write_config(tmp_path, TINY)
    jobs = planned_jobs(snakemake(tmp_path, "--dry-run", "fig8"))
    # The overlap-100 model and visual only; overlap 0 is a test-time prediction of the same model.
    assert jobs["train"] == 2 and other_metadata_jobs(jobs) == 1 and "predict" not in jobs


def test_table4_tests_each_model_with_the_other_metadata_in_one_job_per_split(tmp_path):
    write_config(tmp_path, TINY)
    jobs = planned_jobs(snakemake(tmp_path, "--dry-run", "table4"))
    # Three models (tags, sets, groups) over two splits, each job testing with two other kinds.
    assert jobs["train"] == 6 and other_metadata_jobs(jobs) == 6
    assert jobs["predict_other_metadata_nbr_sets_m3_M6"] == 2


def test_table2_has_every_row_over_every_split(built):
    results = built / "results" / "synthetic"
    table = pd.read_csv(results / "tables" / "table2.csv")
    assert list(dict.fromkeys(table["method"])) == [
        "Upper bound",
        "Tag-only + logistic",
        "CNN + kNN voting",
        "CNN + logistic (visual only)",
        "Image neighborhoods + CNN voting",
        "Our model: tag neighbors",
        "Our model: tag neighbors + tag vector",
    ]
    assert (table["splits"] == 2).all() and table["mean"].between(0, 100).all()
    mAP_I = table[table["metric"] == "mAP_I"].set_index("method")["mean"]
    # The true labels say more than any image or tag: the upper bound ranks labels best.
    assert mAP_I["Upper bound"] == mAP_I.max() and mAP_I["Upper bound"] > 85
    markdown = (results / "tables" / "table2.md").read_text()
    assert "(45.78)" in markdown and "[quoted]" in markdown
    assert r"\begin{tabular}" in (results / "tables" / "table2.tex").read_text()
    assert (built / "logs" / "synthetic" / "synthesize.log").exists()


def test_figures_are_written_as_png_and_pdf(built):
    for name in ("fig5", "fig6", "fig7", "fig8"):
        png = built / "results" / "synthetic" / "figures" / f"{name}.png"
        with Image.open(png) as image:
            assert image.size[0] > 300
        assert png.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_a_model_tested_with_other_neighbors_scores_the_same_test_images_with_them(built):
    """Fig. 8's overlap-100 model, tested in its own job with the overlap-0 test neighbors."""
    run = built / "results" / "synthetic" / "runs" / "nbr-tagsplit100-overlap100-m3-M6" / "split0"
    own, other = run / "scores.parquet", run / "test-tagsplit100-overlap0" / "scores.parquet"
    own_ids, own_scores = parquet.read_scores(own)
    other_ids, other_scores = parquet.read_scores(other)
    assert (own_ids == other_ids).all() and not np.allclose(own_scores, other_scores)
    metrics = json.loads((other.parent / "metrics.json").read_text())
    assert metrics["mAP_L"] == pytest.approx(evaluation.evaluate_scores(*data_files(built), other)["mAP_L"])


def test_second_run_has_nothing_to_do(built):
    assert planned_jobs(snakemake(built, "--dry-run", *TARGETS)) == {}


def test_changing_a_training_parameter_reruns_only_training_and_what_follows(built):
    changed = write_config(built / "changed", {**TINY, "model": {**TINY["model"], "hidden": 16}})
    jobs = planned_jobs(snakemake(built, "table2", "--dry-run", "--configfile", str(changed)))
    # Only the models with a hidden layer read it: the tag neighbors model and its tag-vector
    # variant, over two splits. The logistic baselines (upper bound, tag-only, visual only) stay,
    # and so does the voting that reads visual only.
    assert jobs == {"train": 4, "table2": 1}


def test_changing_one_sweep_value_reruns_only_its_own_point_and_the_figure(built):
    sweeps = {**TINY["sweeps"], "tau": [100, 200]}
    changed = write_config(built / "sweep", {**TINY, "sweeps": sweeps})
    jobs = planned_jobs(snakemake(built, "fig7", "--dry-run", "--configfile", str(changed)))
    assert jobs == {"metadata_neighbors": 1, "train": 1, "fig7": 1}


def test_report_holds_every_built_result_with_its_caption_and_the_config(built):
    snakemake(built, "--report", "report.html", *TARGETS)
    report = (built / "report.html").read_text()
    for caption in (
        "Table 2 of the paper",
        "Figure 5: (a) precision-recall",
        "Figure 6: P(k-th",
        "Figure 7: mAP_L",
    ):
        assert caption in report
    assert "patience&quot;: 2" in report  # the config used, as the run saw it


def test_every_training_stops_by_the_rule_and_the_tiny_ones_on_patience(built):
    """A training ends `patience` epochs after its best validation epoch, or at the cap."""
    histories = sorted((built / "results" / "synthetic" / "runs").glob("*/split*/history.parquet"))
    assert len(histories) >= 10
    patience, cap = TINY["model"]["patience"], TINY["model"]["max_epochs"]
    for path in histories:
        for _, run in pd.read_parquet(path).groupby(["lr", "hidden", "l2"], dropna=False):
            best = int(run["val_mAP_L"].idxmax() - run.index[0])  # epoch 0: the start, scored
            assert run["best_epoch"].unique().tolist() == [best], path
            assert run["stop"].unique().tolist() == ["patience"], path
            assert len(run) == best + 1 + patience < cap and run["epoch"].tolist() == list(range(len(run)))
            assert run["updates"].is_monotonic_increasing and run["updates"].iloc[0] == 0


def test_learning_curves_train_on_fractions_with_validation_and_test_fixed(built):
    """Runs last in this module: it adds the curves' runs to the built folder."""
    snakemake(built, "learning_curves")
    results = built / "results" / "synthetic"
    for k in (0, 1):
        split = pd.read_parquet(results / "splits" / f"split{k}.parquet")
        n = int((split["subset"] == "train").sum())
        for name in ("nbr-tags-tau300-m3-M6", "imagepath"):
            half = pd.read_parquet(results / "runs" / f"{name}-train50" / f"split{k}" / "history.parquet")
            full = pd.read_parquet(results / "runs" / name / f"split{k}" / "history.parquet")
            assert set(half["train_images"]) == {round(n / 2)} and set(full["train_images"]) == {n}
        for percent in ("-train50", ""):
            tuned = pd.read_parquet(
                results / "runs" / f"nbr-tags-tau300-m3-M6-tuned{percent}" / f"split{k}" / "history.parquet"
            )
            assert set(tuned["hidden"]) == {16, 32} and tuned.groupby("hidden")["chosen"].any().sum() == 1
        spaces = {
            name: pd.read_csv(results / "runs" / f"{name}-train50" / f"split{k}" / "validation.csv")
            for name in ("nbrvote-tags-tau300-M6", "nbrvote-tags-tau300-M6-logits")
        }
        assert set(spaces["nbrvote-tags-tau300-M6"]["space"]) == {"logits", "probabilities"}
        assert set(spaces["nbrvote-tags-tau300-M6-logits"]["space"]) == {"logits"}
        assert all(table["chosen"].sum() == 1 for table in spaces.values())
    table = (results / "tables" / "learning_curves.md").read_text()
    for text in (
        f"{n:,} (100%)",
        f"{round(n / 2):,} (50%)",
        "image path alone",
        "(logits)",
        "paired differences",
    ):
        assert text in table
    assert re.search(r"lr 0\.01, h (16|32), L2 0\.003", table)
    curve = pd.read_csv(results / "tables" / "learning_curves.csv")
    assert len(curve) == 2 * 6 and set(curve["percent"]) == {50, 100}
    # The largest fraction's points are the plain experiments' runs, the same files Table 2 reads.
    at_full = curve[(curve["method"] == "visual") & (curve["percent"] == 100)].iloc[0]
    visual = [
        json.loads((results / "runs" / "visual" / f"split{k}" / "metrics.json").read_text()) for k in (0, 1)
    ]
    assert at_full["mAP_L"] == pytest.approx(sum(v["mAP_L"] for v in visual) / 2)
    gaps = pd.read_csv(results / "tables" / "learning_curves_gaps.csv", dtype=str)
    assert gaps["train %"].tolist() == ["50", "100"] and gaps.shape[1] == 7
    assert Image.open(results / "figures" / "learning_curves.png").size[0] > 500
