"""The two voting baselines of the paper, each tuned on the validation subset by mAP_L.

- CNN + kNN voting: the k L2-nearest training images (CNN features) vote with their labels.
- Image neighborhoods + CNN voting: the visual-only model's scores of an image mixed with the
  mean of the visual-only scores of its M metadata neighbors, in logits or probabilities.
"""

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from scipy.special import expit

from neighborhoods.labels import check_binary
from neighborhoods.metrics import average_precision, label_map
from neighborhoods.visual import l2_topk

WEIGHTINGS = ("uniform", "distance")

# Added to L2 distances before inverting them, so a training duplicate of the query (distance
# 0) gets a large but finite weight instead of a division by zero.
DISTANCE_EPS = 1e-6


def _labels_matrix(labels: np.ndarray, n: int, name: str) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 2 or len(labels) != n:
        raise ValueError(f"{name} must be ({n}, L), one row per image; got {labels.shape}")
    check_binary(labels, name)
    return labels.astype(np.float32)


def _vote(
    indices: np.ndarray, sq_distances: np.ndarray, labels: np.ndarray, k: int, weighting: str
) -> np.ndarray:
    """Scores from the first k of precomputed neighbors (nearest first), so a sweep over k
    needs one neighbor search."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r}; expected one of {WEIGHTINGS}")
    indices = indices[:, :k]
    if weighting == "uniform":
        weights = np.full(indices.shape, 1.0 / k)
    else:
        weights = 1.0 / (np.sqrt(sq_distances[:, :k].astype(np.float64)) + DISTANCE_EPS)
        weights /= weights.sum(axis=1, keepdims=True)
    q = len(indices)
    votes = sp.csr_matrix(
        (weights.ravel(), indices.ravel(), np.arange(0, q * k + 1, k)),
        shape=(q, len(labels)),
    )
    return np.asarray(votes @ labels, dtype=np.float32)


def knn_vote(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    query_features: np.ndarray,
    *,
    k: int,
    weighting: str,
) -> np.ndarray:
    """Label scores (q, L) of each query: the votes of its k L2-nearest training images.

    "uniform" averages their 0/1 label vectors; "distance" weights each by 1/(d + eps), d the
    L2 distance, normalised to sum to 1, so nearer images count more.
    """
    labels = _labels_matrix(train_labels, len(train_features), "train_labels")
    indices, sq = l2_topk(query_features, train_features, k)
    return _vote(indices, sq, labels, k, weighting)


def _best(rows: list[dict], setting: list[str]) -> dict:
    """The setting with the highest val_mAP_L; equal scores go to the first setting tried."""
    row = rows[int(np.argmax([row["val_mAP_L"] for row in rows]))]
    return {name: row[name] for name in [*setting, "val_mAP_L"]}


def choose_knn(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    val_features: np.ndarray,
    val_labels: np.ndarray,
    *,
    ks: list[int],
    weightings: list[str],
) -> tuple[dict, pd.DataFrame]:
    """Pick k and weighting by validation mAP_L, as the paper tunes its baselines.

    The neighbors are searched once at max(ks) and sliced for smaller k. Returns
    ({k, weighting, val_mAP_L}, a table of every setting tried with its val mAP_L). Only mAP_L
    is computed, as only it chooses (see choose_vote for what the other metrics cost).
    """
    if not ks or not weightings:
        raise ValueError("choose_knn needs at least one k and one weighting")
    unknown = set(weightings) - set(WEIGHTINGS)
    if unknown:
        raise ValueError(f"unknown weighting(s) {sorted(unknown)}; expected {WEIGHTINGS}")
    if any(int(k) != k or k < 1 for k in ks):
        raise ValueError(f"ks must be positive integers, got {ks}")
    labels = _labels_matrix(train_labels, len(train_features), "train_labels")
    val_labels = _labels_matrix(val_labels, len(val_features), "val_labels")
    indices, sq = l2_topk(val_features, train_features, max(ks))
    rows = []
    for k in ks:
        for weighting in weightings:
            score = label_map(val_labels, _vote(indices, sq, labels, int(k), weighting))
            rows.append({"k": int(k), "weighting": weighting, "val_mAP_L": score})
    return _best(rows, ["k", "weighting"]), pd.DataFrame(rows)


def neighborhood_vote(
    own_scores: np.ndarray, neighbor_scores: np.ndarray, alpha: float | np.ndarray
) -> np.ndarray:
    """(1 - alpha) * own_scores (n, L) + alpha * the mean over the M neighbors of neighbor_scores
    (n, M, L): alpha 0 is the visual-only model, alpha 1 pure neighbor voting; alpha is one
    number, or one per label (L,)."""
    own_scores = np.asarray(own_scores)
    neighbor_scores = np.asarray(neighbor_scores)
    if own_scores.ndim != 2 or neighbor_scores.ndim != 3:
        raise ValueError(
            f"own_scores must be (n, L) and neighbor_scores (n, M, L); got {own_scores.shape} "
            f"and {neighbor_scores.shape}"
        )
    n, L = own_scores.shape
    if neighbor_scores.shape[::2] != (n, L) or neighbor_scores.shape[1] == 0:
        raise ValueError(
            f"neighbor_scores {neighbor_scores.shape} does not match own_scores {own_scores.shape}"
            " (need (n, M, L) with M >= 1)"
        )
    alpha = np.asarray(alpha, dtype=np.float64)
    if alpha.ndim > 1 or (alpha.ndim == 1 and len(alpha) != L) or not ((alpha >= 0) & (alpha <= 1)).all():
        raise ValueError(f"alpha must lie in [0, 1], one number or {L} (one per label); got {alpha}")
    return (1 - alpha) * own_scores + alpha * neighbor_scores.mean(axis=1)


# What is averaged: the visual-only model's logits, or its probabilities (their sigmoid). Both
# rank the same on their own; their means rank differently, as one confident neighbor weighs
# more in logits than in probabilities.
SPACES = {"logits": lambda logits: logits, "probabilities": expit}


def _vote_grid(alphas: list[float], spaces: list[str], val_labels: np.ndarray, n: int) -> np.ndarray:
    """Refuse an empty grid or an unknown space; the validation labels as a 0/1 matrix."""
    if not alphas or not spaces:
        raise ValueError("voting needs at least one alpha and one space")
    unknown = set(spaces) - set(SPACES)
    if unknown:
        raise ValueError(f"unknown vote space(s) {sorted(unknown)}; expected {list(SPACES)}")
    return _labels_matrix(val_labels, n, "val_labels")


def choose_vote(
    own_val: np.ndarray,
    neighbor_val: np.ndarray,
    val_labels: np.ndarray,
    *,
    alphas: list[float],
    spaces: list[str],
) -> tuple[dict, pd.DataFrame]:
    """Pick the mix alpha and the space the scores are averaged in (of `SPACES`, applied to
    the logits given) by validation mAP_L. alpha 0, the visual-only scores, is the baseline's
    fall-back when neighbors do not help; equal scores go to the first setting tried.

    Returns ({alpha, space, val_mAP_L}, a table of every setting with its val mAP_L). Only mAP_L
    is computed, as only it chooses: over 40,000 x 81 random scores, all six metrics took 53 s
    and mAP_L alone 2.6 s (AMD EPYC, beside another job), for each of the 22 settings.
    """
    val_labels = _vote_grid(alphas, spaces, val_labels, len(own_val))
    rows = []
    for space in spaces:
        own, neighbors = SPACES[space](own_val), SPACES[space](neighbor_val)
        for alpha in alphas:
            score = label_map(val_labels, neighborhood_vote(own, neighbors, alpha))
            rows.append({"alpha": float(alpha), "space": space, "val_mAP_L": score})
    return _best(rows, ["alpha", "space"]), pd.DataFrame(rows)


def choose_vote_per_label(
    own_val: np.ndarray,
    neighbor_val: np.ndarray,
    val_labels: np.ndarray,
    *,
    alphas: list[float],
    spaces: list[str],
) -> tuple[dict, pd.DataFrame]:
    """Like `choose_vote`, with alpha chosen for each label by its validation AP; the space is
    the one whose per-label choices give the best validation mAP_L. mAP_L is the mean of the
    per-label APs, so these choices maximise it on validation: a test of whether voting only
    lacks a per-label mix. Returns ({alpha: (L,) array, space, val_mAP_L}, one row per space,
    alpha and label with its val AP)."""
    val_labels = _vote_grid(alphas, spaces, val_labels, len(own_val))
    present = np.flatnonzero(val_labels.any(axis=0))
    rows, best = [], None
    for space in spaces:
        own, neighbors = SPACES[space](own_val), SPACES[space](neighbor_val)
        votes = [neighborhood_vote(own, neighbors, alpha)[:, present] for alpha in alphas]
        ap = np.array([average_precision(val_labels[:, present], vote) for vote in votes])  # (alphas, labels)
        chosen = np.zeros(val_labels.shape[1])
        chosen[present] = np.asarray(alphas, dtype=float)[ap.argmax(axis=0)]
        score = 100.0 * float(ap.max(axis=0).mean())
        rows += [
            {"space": space, "alpha": float(a), "label": int(label), "val_AP": 100.0 * float(ap[i, j])}
            for i, a in enumerate(alphas)
            for j, label in enumerate(present)
        ]
        if best is None or score > best["val_mAP_L"]:
            best = {"alpha": chosen, "space": space, "val_mAP_L": score}
    return best, pd.DataFrame(rows)


def knn_on_split(data, *, ks: list[int], weightings: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """CNN + kNN voting on a split (a splitdata.SplitData): tuned on val, scored on test.

    Returns the test scores and the validation table, whose `chosen` column marks the setting used.
    """
    features = data.features.float().numpy()
    train, val, test = (data.subsets[name] for name in ("train", "val", "test"))
    best, table = choose_knn(
        features[train.rows],
        train.labels.numpy(),
        features[val.rows],
        val.labels.numpy(),
        ks=ks,
        weightings=weightings,
    )
    table["chosen"] = (table["k"] == best["k"]) & (table["weighting"] == best["weighting"])
    scores = knn_vote(
        features[train.rows],
        train.labels.numpy(),
        features[test.rows],
        k=best["k"],
        weighting=best["weighting"],
    )
    return scores, table


def neighborhood_vote_on_split(
    data, visual_model, *, M: int, alphas: list[float], spaces: list[str], per_label: bool = False
) -> tuple[np.ndarray, pd.DataFrame]:
    """Image neighborhoods + CNN voting on a split: the visual-only scores of each image mixed
    with the mean of its M nearest neighbors' (`neighborhood_vote`), alpha and the space tuned
    on val (`per_label`: alpha for each label, `choose_vote_per_label`). Only the val and test
    images and their neighbors are scored."""
    val, test = data.subsets["val"], data.subsets["test"]
    needed = np.unique(
        np.concatenate(
            [part.numpy().ravel() for s in (val, test) for part in (s.rows, s.neighbor_rows[:, :M])]
        )
    )
    with torch.inference_mode():
        logits = visual_model.eval()(data.feature_rows(torch.from_numpy(needed))).numpy()

    def parts(subset):
        return (
            logits[np.searchsorted(needed, subset.rows.numpy())],
            logits[np.searchsorted(needed, subset.neighbor_rows[:, :M].numpy())],
        )

    choose = choose_vote_per_label if per_label else choose_vote
    best, table = choose(*parts(val), val.labels.numpy(), alphas=alphas, spaces=spaces)
    if per_label:
        table["chosen"] = (table["space"] == best["space"]) & (
            table["alpha"] == best["alpha"][table["label"].to_numpy()]
        )
    else:
        table["chosen"] = (table["alpha"] == best["alpha"]) & (table["space"] == best["space"])
    own, neighbors = (SPACES[best["space"]](part) for part in parts(test))
    return neighborhood_vote(own, neighbors, best["alpha"]), table
