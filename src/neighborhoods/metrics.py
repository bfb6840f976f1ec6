"""The six multilabel annotation metrics of the paper's tables, as percentages (0-100).

Definitions, for n test images, L labels, ground truth Y (n, L) and scores S (n, L):

- mAP_L: for each label, the average precision of ranking the images by that label's score
  (as scikit-learn's ``average_precision_score`` defines it: the step-wise sum over thresholds,
  tied scores forming one threshold), averaged over labels.
- mAP_I: for each image, the average precision of ranking the labels by score, averaged over
  images; images with no positive label are skipped (their AP is undefined).
- Top-n assignment: each image is assigned its n highest-scoring labels, equal scores going to
  the lower label index (stable sort), so the result never depends on sort internals.
- Prec_L / Rec_L: per label, precision = correct assignments / assignments (0 for a label never
  assigned) and recall = correct assignments / positive images; averaged over labels (macro).
- Prec_I / Rec_I: precision and recall over all (image, label) assignments pooled (micro).

Labels with no positive image among the evaluated images have undefined AP and recall, so they
are left out of mAP_L, Prec_L and Rec_L; ``n_labels_evaluated`` says how many labels counted.
They still take part in the per-image metrics, where assigning them is simply wrong.

Computed with numpy, vectorised over labels: every training and scoring job evaluates, and
importing scikit-learn's metrics took 3 s on a 2-core AMD EPYC, a good part of a short job. The tests check
every metric against scikit-learn and against exact fractions.
"""

import numpy as np

from neighborhoods.labels import check_binary


def average_precision(y_true: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Per column, the average precision of ranking the rows by score, in [0, 1] (nan for a
    column without positives): the sum over thresholds of the recall gained there times the
    precision there, where tied scores form one threshold. Each positive contributes the
    precision at the end of its group of tied scores."""
    y_true = np.asarray(y_true, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    n = len(scores)
    order = np.argsort(-scores, axis=0, kind="stable")
    ranked = np.take_along_axis(scores, order, axis=0)
    hits = np.take_along_axis(y_true, order, axis=0)
    precision = np.cumsum(hits, axis=0) / np.arange(1, n + 1)[:, None]
    # The row where each row's group of tied scores ends: the next row with another score.
    group_end = np.ones(ranked.shape, dtype=bool)
    group_end[:-1] = ranked[:-1] != ranked[1:]
    ends = np.where(group_end, np.arange(n)[:, None], n)
    ends = np.minimum.accumulate(ends[::-1], axis=0)[::-1]
    at_end = np.take_along_axis(precision, ends, axis=0)
    positives = hits.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(positives > 0, (hits * at_end).sum(axis=0) / positives, np.nan)


def top_n_assignment(scores: np.ndarray, top_n: int) -> np.ndarray:
    """Boolean (n, L) matrix marking each image's top_n labels (ties to the lower label index)."""
    top = np.argsort(-scores, axis=1, kind="stable")[:, :top_n]
    assigned = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(assigned, top, True, axis=1)
    return assigned


def label_map(y_true: np.ndarray, scores: np.ndarray) -> float:
    """mAP_L alone, in percent: what training checks on validation after every epoch
    (mAP_I takes one AP per validation image instead of one per label, and was most of
    an epoch's validation time)."""
    labels = np.flatnonzero(np.asarray(y_true).any(axis=0))
    return 100.0 * float(average_precision(y_true[:, labels], scores[:, labels]).mean())


def evaluate(y_true: np.ndarray, scores: np.ndarray, top_n: int = 3) -> dict:
    """mAP_L, mAP_I, Rec_L, Prec_L, Rec_I, Prec_I in percent, plus n_labels_evaluated."""
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=np.float64)
    if y_true.ndim != 2 or y_true.shape != scores.shape:
        raise ValueError(
            f"y_true and scores must be (images, labels) arrays of one shape; "
            f"got y_true {y_true.shape} and scores {scores.shape}"
        )
    check_binary(y_true, "y_true")
    y_true = y_true.astype(bool, copy=False)
    if not np.isfinite(scores).all():
        raise ValueError("scores contain NaN or infinite values")
    n_labels = y_true.shape[1]
    if not 1 <= top_n <= n_labels:
        raise ValueError(f"top_n must be between 1 and the number of labels ({n_labels}): {top_n}")

    labels = np.flatnonzero(y_true.any(axis=0))
    images = np.flatnonzero(y_true.any(axis=1))
    if len(labels) == 0:
        raise ValueError("y_true has no positive entry; nothing can be evaluated")
    assigned = top_n_assignment(scores, top_n)

    correct = (assigned & y_true).sum(axis=0)
    made = assigned.sum(axis=0)
    label_precision = np.divide(correct, made, out=np.zeros(n_labels), where=made > 0)
    result = {
        "mAP_L": label_map(y_true, scores) / 100.0,
        "mAP_I": average_precision(y_true[images].T, scores[images].T).mean(),
        "Rec_L": (correct[labels] / y_true[:, labels].sum(axis=0)).mean(),
        "Prec_L": label_precision[labels].mean(),
        "Rec_I": correct.sum() / y_true.sum(),
        "Prec_I": correct.sum() / made.sum() if made.sum() else 0.0,
    }
    result = {name: 100.0 * float(value) for name, value in result.items()}
    result["n_labels_evaluated"] = int(len(labels))
    return result
