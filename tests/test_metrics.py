"""Annotation metrics, checked by hand, against an exact reference and against scikit-learn."""

import json
import warnings
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest
from sklearn.metrics import average_precision_score, precision_score, recall_score

from neighborhoods import evaluation, parquet
from neighborhoods.metrics import average_precision, evaluate, label_map


def exact_ap(y, s):
    """AP as the step sum over distinct thresholds (tied scores enter together), in fractions."""
    positives = sum(y)
    ap, prev_recall = Fraction(0), Fraction(0)
    for t in sorted(set(s), reverse=True):
        hits = [yi for yi, si in zip(y, s, strict=True) if si >= t]
        recall = Fraction(sum(hits), positives)
        ap += (recall - prev_recall) * Fraction(sum(hits), len(hits))
        prev_recall = recall
    return ap


def assignment(scores, top_n):
    """Top-n labels per image by plain sorting on (-score, label index)."""
    a = np.zeros(scores.shape, dtype=bool)
    for i, row in enumerate(scores.tolist()):
        for j in sorted(range(len(row)), key=lambda j: (-row[j], j))[:top_n]:
            a[i, j] = True
    return a


# Hand-worked example: 3 images x 4 labels; image 1 has a tie between labels 1 and 2.
Y = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]], dtype=bool)
S = np.array([[0.9, 0.1, 0.8, 0.3], [0.2, 0.5, 0.5, 0.1], [0.4, 0.3, 0.2, 0.6]])


def test_hand_worked_top3():
    # assigned: img0 {0,2,3} img1 {1,2,0} img2 {3,0,1}; correct: {0}, {2}, {0,3}
    # label precision 2/3, 0, 1/2, 1/2 and recall 1, 0, 1, 1; 4 correct of 9 assigned, 5 positives
    # label AP: 1, 1/3, 1/2, 1; image AP: (1 + 2/4)/2, 1/2 (tie of two at the top), 1
    m = evaluate(Y, S)
    assert m["Prec_L"] == pytest.approx(100 * 5 / 12)
    assert m["Rec_L"] == pytest.approx(75.0)
    assert m["Prec_I"] == pytest.approx(100 * 4 / 9)
    assert m["Rec_I"] == pytest.approx(80.0)
    assert m["mAP_L"] == pytest.approx(100 * 17 / 24)
    assert m["mAP_I"] == pytest.approx(75.0)
    assert m["n_labels_evaluated"] == 4


def test_hand_worked_top2_tie_goes_to_lower_label():
    # assigned: img0 {0,2} img1 {1,2} (tie: label 1 before 2) img2 {3,0}
    # label precision 1, 0, 1/2, 1 and recall 1, 0, 1, 1; 4 correct of 6 assigned, 5 positives
    m = evaluate(Y, S, top_n=2)
    assert m["Prec_L"] == pytest.approx(62.5)
    assert m["Rec_L"] == pytest.approx(75.0)
    assert m["Prec_I"] == pytest.approx(100 * 4 / 6)
    assert m["Rec_I"] == pytest.approx(80.0)


def test_label_without_positives():
    y = np.hstack([Y, np.zeros((3, 1), dtype=bool)])
    never = evaluate(y, np.hstack([S, np.full((3, 1), -1.0)]))
    assert never == evaluate(Y, S)  # never assigned, ranked last: it changes nothing
    # Scored top for image 0 it pushes out label 3 there: img0 {4,0,2}.
    # Label 4 is left out of the label metrics: precision 2/3, 0, 1/2, 1 -> 13/24.
    # Per image it is a wrong assignment: 4 correct of 9; image 0's AP becomes (1/2 + 2/5)/2.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = evaluate(y, np.hstack([S, [[2.0], [-1.0], [-1.0]]]))
    assert m["n_labels_evaluated"] == 4
    assert m["Prec_L"] == pytest.approx(100 * 13 / 24)
    assert m["Rec_L"] == pytest.approx(75.0)
    assert m["mAP_L"] == pytest.approx(100 * 17 / 24)
    assert m["Prec_I"] == pytest.approx(100 * 4 / 9)
    assert m["Rec_I"] == pytest.approx(80.0)
    assert m["mAP_I"] == pytest.approx(100 * (0.45 + 0.5 + 1) / 3)


@pytest.mark.parametrize("seed", range(3))
def test_random_against_exact_reference_and_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.random((60, 9)) < 0.25
    y[:, 8] = False  # one label without positives
    y[0] = False  # one image without positives
    scores = np.round(rng.random((60, 9)), 1)  # coarse scores: many ties
    m = evaluate(y, scores)

    labels = [j for j in range(9) if y[:, j].any()]
    images = [i for i in range(60) if y[i].any()]
    assert m["n_labels_evaluated"] == len(labels)

    label_ap = [exact_ap(y[:, j].tolist(), scores[:, j].tolist()) for j in labels]
    image_ap = [exact_ap(y[i].tolist(), scores[i].tolist()) for i in images]
    assert m["mAP_L"] == pytest.approx(100 * float(sum(label_ap) / len(labels)), rel=1e-12)
    assert m["mAP_I"] == pytest.approx(100 * float(sum(image_ap) / len(images)), rel=1e-12)
    sk_label = [average_precision_score(y[:, j], scores[:, j]) for j in labels]
    sk_image = [average_precision_score(y[i], scores[i]) for i in images]
    assert m["mAP_L"] == pytest.approx(100 * np.mean(sk_label), rel=1e-12)
    assert m["mAP_I"] == pytest.approx(100 * np.mean(sk_image), rel=1e-12)
    assert label_map(y, scores) == pytest.approx(m["mAP_L"], rel=1e-12)  # training's validation score

    a = assignment(scores, 3)
    correct = (a & y).sum(axis=0)
    prec_l = [correct[j] / a[:, j].sum() if a[:, j].any() else 0.0 for j in labels]
    rec_l = [correct[j] / y[:, j].sum() for j in labels]
    assert m["Prec_L"] == pytest.approx(100 * np.mean(prec_l), rel=1e-12)
    assert m["Rec_L"] == pytest.approx(100 * np.mean(rec_l), rel=1e-12)
    assert m["Prec_I"] == pytest.approx(100 * correct.sum() / (60 * 3), rel=1e-12)
    assert m["Rec_I"] == pytest.approx(100 * correct.sum() / y.sum(), rel=1e-12)

    kept = dict(average="macro", zero_division=0)
    assert m["Prec_L"] == pytest.approx(100 * precision_score(y[:, labels], a[:, labels], **kept))
    assert m["Rec_L"] == pytest.approx(100 * recall_score(y[:, labels], a[:, labels], **kept))
    pooled = dict(average="micro", zero_division=0)
    assert m["Prec_I"] == pytest.approx(100 * precision_score(y, a, **pooled))
    assert m["Rec_I"] == pytest.approx(100 * recall_score(y, a, **pooled))


@pytest.mark.parametrize("seed", range(3))
def test_average_precision_per_column_is_sklearns(seed):
    rng = np.random.default_rng(seed)
    y = rng.random((200, 12)) < 0.1
    y[:, 0] = False  # no positive: undefined
    y[:, 1] = True  # every row positive
    scores = np.round(rng.normal(size=(200, 12)), 1)  # coarse: many ties
    scores[:, 2] = 0.0  # one group of ties
    ap = average_precision(y, scores)
    assert np.isnan(ap[0])
    assert ap[1:] == pytest.approx(average_precision_score(y[:, 1:], scores[:, 1:], average=None), rel=1e-12)


def test_perfect_scores():
    rng = np.random.default_rng(0)
    y = np.zeros((40, 10), dtype=bool)
    for row in y:
        row[rng.choice(10, size=rng.integers(1, 4), replace=False)] = True
    m = evaluate(y, y.astype(float))
    for name in ("mAP_L", "mAP_I", "Rec_L", "Rec_I"):
        assert m[name] == pytest.approx(100.0)
    assert m["Prec_I"] == pytest.approx(100 * y.sum() / (40 * 3))  # capped: 3 labels assigned
    assert m["Prec_L"] < 100.0

    y3 = np.zeros((40, 10), dtype=bool)
    for row in y3:
        row[rng.choice(10, size=3, replace=False)] = True
    assert all(
        v == pytest.approx(100.0) for k, v in evaluate(y3, y3 * 1.0).items() if k != "n_labels_evaluated"
    )


def test_all_scores_tied():
    rng = np.random.default_rng(1)
    y = rng.random((30, 6)) < 0.4
    y[:, 0] = True
    m = evaluate(y, np.zeros((30, 6)), top_n=2)
    # Every ranking is one tie: AP is the positive rate; labels 0 and 1 are assigned to all.
    labels = y.any(axis=0)
    assert m["mAP_L"] == pytest.approx(100 * y.mean(axis=0)[labels].mean())
    assert m["mAP_I"] == pytest.approx(100 * y.mean(axis=1)[y.any(axis=1)].mean())
    assert m["Rec_I"] == pytest.approx(100 * y[:, :2].sum() / y.sum())
    assert m["Prec_I"] == pytest.approx(100 * y[:, :2].sum() / 60)


def test_errors():
    with pytest.raises(ValueError, match=r"y_true \(3, 4\) and scores \(3, 5\)"):
        evaluate(Y, np.zeros((3, 5)))
    with pytest.raises(ValueError, match="top_n"):
        evaluate(Y, S, top_n=5)
    with pytest.raises(ValueError, match="NaN"):
        evaluate(Y, np.where(Y, np.nan, 0.0))
    with pytest.raises(ValueError, match="0/1"):
        evaluate(Y * 2, S)
    with pytest.raises(ValueError, match="no positive"):
        evaluate(np.zeros((3, 4), dtype=bool), S)


def test_written_scores_are_evaluated_against_the_images_table(tmp_path):
    """Scores for images 30, 10 (not in table order) are matched to their labels by id."""
    concepts = ["cat", "dog", "sky", "sea"]
    (tmp_path / "concepts.txt").write_text("\n".join(concepts) + "\n")
    label_lists = {10: ["cat", "sky"], 20: ["dog"], 30: ["sea", "cat"]}
    images = {
        "image_id": list(label_lists),
        "path": [f"{i}.jpg" for i in label_lists],
        "labels": list(label_lists.values()),
        "tags": [["t"]] * 3,
        "sets": [[]] * 3,
        "groups": [[]] * 3,
        "owner": [None] * 3,
    }
    parquet.write(pa.table(images, schema=parquet.IMAGES), tmp_path / "images.parquet")
    scores = np.array([[0.9, 0.1, 0.2, 0.8], [0.3, 0.2, 0.7, 0.6]], dtype=np.float32)
    written = evaluation.write_scores(
        np.array([30, 10]),
        scores,
        tmp_path / "scores.parquet",
        images_path=tmp_path / "images.parquet",
        concepts_path=tmp_path / "concepts.txt",
        metrics_path=tmp_path / "m.json",
    )
    ids, read_back = parquet.read_scores(tmp_path / "scores.parquet")
    assert ids.tolist() == [30, 10] and np.array_equal(read_back, scores)
    truth = np.array([[1, 0, 0, 1], [1, 0, 1, 0]], dtype=bool)
    assert written == evaluate(truth, scores.astype(np.float64))
    saved = json.loads((tmp_path / "m.json").read_text())
    # Beside the metrics, where and with what the job ran (tests/test_provenance.py).
    assert saved == {**written, "provenance": saved["provenance"]} and saved["provenance"]["cpu"]
