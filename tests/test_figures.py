"""Figure computations checked by hand and against scikit-learn; figure functions write real files."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from neighborhoods.reporting.figure_data import chosen_run
from neighborhoods.reporting.figures import (
    figure3,
    figure4,
    figure5,
    figure6,
    figure7,
    figure8,
    neighbor_label_agreement,
    score_shares,
)

# ----------------------------------------------------------------------------- computations


def test_the_chosen_run_of_a_logistic_baseline_has_no_hidden_size(tmp_path):
    path = tmp_path / "history.parquet"
    pd.DataFrame(
        {
            "epoch": [0, 1, 2, 0, 1],
            "lr": [1e-3] * 3 + [1e-2] * 2,
            "hidden": [None] * 5,  # a logistic baseline is not handed one
            "l2": [3e-3] * 5,
            "updates": [0, 10, 20, 0, 10],
            "best_epoch": [1, 1, 1, 0, 0],
            "stop": ["patience"] * 5,
            "chosen": [True] * 3 + [False] * 2,
        }
    ).to_parquet(path)
    expected = {"lr": 1e-3, "hidden": None, "l2": 3e-3, "updates": 20, "best_epoch": 1, "stop": "patience"}
    assert chosen_run(path) == expected


def test_neighbor_label_agreement_hand_worked():
    # 4 images, 2 labels; label 0 on images 0, 1, 2; label 1 on image 3 only.
    labels = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=bool)
    neighbors = np.array([[1, 3], [3, 2], [0, 3], [2, 0]])
    curve, base = neighbor_label_agreement(labels, neighbors)
    # k=1: label 0 -> neighbors 1, 3, 0 of images 0, 1, 2 -> 2/3; label 1 -> neighbor 2 -> 0.
    # k=2: label 0 -> neighbors 3, 2, 3 -> 1/3; label 1 -> neighbor 0 -> 0.
    np.testing.assert_allclose(curve, [1 / 3, 1 / 6])
    assert base == pytest.approx((3 / 4 + 1 / 4) / 2)


def test_neighbor_label_agreement_leaves_out_fill():
    labels = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=bool)
    neighbors = np.array([[1, 3], [3, 2], [0, 3], [2, 0]])
    real = np.ones(neighbors.shape, dtype=bool)
    real[0, 0] = False  # image 0's first neighbor is fill: only images 1 and 2 count for label 0 at k=1
    curve, _ = neighbor_label_agreement(labels, neighbors, real)
    np.testing.assert_allclose(curve, [(1 / 2 + 0) / 2, 1 / 6])


def test_neighbor_label_agreement_skips_labels_without_positives():
    labels = np.array([[1, 0], [1, 0], [0, 0]], dtype=bool)
    neighbors = np.array([[1], [2], [0]])
    curve, base = neighbor_label_agreement(labels, neighbors)
    np.testing.assert_allclose(curve, [0.5])
    assert base == pytest.approx(2 / 3)


def test_neighbor_label_agreement_random_neighbors_sit_at_base_rate():
    rng = np.random.default_rng(1)
    n = 20000
    labels = rng.random((n, 5)) < np.array([0.05, 0.1, 0.2, 0.3, 0.5])
    neighbors = rng.integers(0, n, size=(n, 4))
    curve, base = neighbor_label_agreement(labels, neighbors)
    assert base == pytest.approx(0.23, abs=0.01)
    np.testing.assert_allclose(curve, base, atol=0.015)


def test_neighbor_label_agreement_perfect_neighbors_give_one():
    rng = np.random.default_rng(2)
    n = 60
    labels = rng.random((n, 4)) < 0.4
    labels[0] = True  # every label has a positive
    # neighbors are other images with identical label vectors: duplicate each image once
    labels = np.concatenate([labels, labels])
    neighbors = np.concatenate([np.arange(n, 2 * n), np.arange(n)])[:, None].repeat(3, axis=1)
    curve, base = neighbor_label_agreement(labels, neighbors)
    np.testing.assert_allclose(curve, 1.0)
    assert base < 1


def test_score_shares_hand_worked():
    # h = 2, one extra tag column that must be ignored; 2 labels, 3 images.
    W_y = np.array(
        [
            [1.0, 0.0, 0.0, 2.0, 100.0],
            [0.0, -1.0, 1.0, 1.0, 100.0],
        ]
    )
    v_x = np.array([[3.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    v_z = np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    shares = score_shares(W_y, v_x, v_z)
    # image 0: label 0 a_x = 3, a_z = 2 -> 3/5; label 1 a_x = 0, a_z = 1 -> 0
    # image 1: label 0 a_x = 0, a_z = 2 -> 0;  label 1 a_x = |-2| = 2, a_z = 2 -> 1/2
    # image 2: all zero -> 0.5
    np.testing.assert_allclose(shares, [[0.6, 0.0], [0.0, 0.5], [0.5, 0.5]])


# ----------------------------------------------------------------------------- rendering

CONCEPTS = ["sky", "food", "wedding", "map", "dog", "sunset"]


def assert_written(stem):
    png, pdf = stem.parent / f"{stem.name}.png", stem.parent / f"{stem.name}.pdf"
    assert png.stat().st_size > 0 and pdf.stat().st_size > 0
    assert pdf.read_bytes().startswith(b"%PDF")
    with Image.open(png) as im:
        pixels = np.asarray(im.convert("L"), dtype=float)
    assert pixels.std() > 0


def fake_scores(rng, n=150):
    y = rng.random((n, len(CONCEPTS))) < 0.3
    y[0] = True
    return y, rng.normal(size=y.shape) + 2 * y, rng.normal(size=y.shape) + y


def test_figure5_writes_files(tmp_path):
    rng = np.random.default_rng(3)
    y, model, visual = fake_scores(rng)
    stem = tmp_path / "figs" / "fig5"
    figure5(
        stem,
        concepts=CONCEPTS,
        y_true=y,
        model_scores=model,
        visual_scores=visual,
        label_frequency=y.mean(axis=0),
        highlight=("wedding", "food"),
    )
    assert_written(stem)


def test_figure5_missing_concept_is_a_clear_error(tmp_path):
    rng = np.random.default_rng(3)
    y, model, visual = fake_scores(rng)
    with pytest.raises(ValueError, match="weddings.*sky"):
        figure5(
            tmp_path / "fig5",
            concepts=CONCEPTS,
            y_true=y,
            model_scores=model,
            visual_scores=visual,
            label_frequency=y.mean(axis=0),
            highlight=("weddings", "food"),
        )


def test_figure6_writes_files(tmp_path):
    curves = {"tags": np.linspace(0.5, 0.4, 20), "visual": np.linspace(0.3, 0.25, 20)}
    figure6(tmp_path / "fig6", curves, 0.05)
    assert_written(tmp_path / "fig6")


def sweep(values, rng):
    return pd.DataFrame(
        {
            "value": values,
            "mAP_L": 50 + rng.random(len(values)),
            "mAP_L_std": 0.2,
            "mAP_I": 78 + rng.random(len(values)),
            "mAP_I_std": 0.1,
        }
    )


def test_figure7_and_figure8_write_files(tmp_path):
    rng = np.random.default_rng(4)
    sweeps = {
        "m": sweep([1, 2, 3, 4], rng),
        "M": sweep([3, 6, 12], rng),
        "tau": sweep([1000, 5000, 10000], rng),
    }
    baseline = {"mAP_L": 45.8, "mAP_I": 77.2}
    figure7(tmp_path / "fig7", sweeps, baseline)
    assert_written(tmp_path / "fig7")
    overlap = sweep([0.0, 0.25, 0.5, 1.0], rng).rename(columns={"value": "overlap"})
    figure8(tmp_path / "fig8", overlap, baseline)
    assert_written(tmp_path / "fig8")


def test_figure3_and_figure4_write_files(tmp_path):
    rng = np.random.default_rng(5)
    h, L = 8, len(CONCEPTS)
    W_y = rng.normal(size=(L, 2 * h + 3))
    shares = score_shares(W_y, rng.random((20, h)), rng.random((20, h)))
    images = [rng.integers(0, 256, (32, 40, 3), dtype=np.uint8) for _ in range(3)]
    figure3(
        tmp_path / "fig3",
        W_y=W_y,
        hidden=h,
        concepts=CONCEPTS,
        shares=shares,
        images=images,
        example_titles=["a", "b", "c"],
    )
    assert_written(tmp_path / "fig3")
    examples = [
        {
            "image": images[0],
            "neighbors": images * 2,
            "truth": ["sky", "dog"],
            "visual_top3": ["sky", "map", "food"],
            "model_top3": ["dog", "sky", "map"],
        }
    ] * 2
    figure4(tmp_path / "fig4", examples)
    assert_written(tmp_path / "fig4")
