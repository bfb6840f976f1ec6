"""The voting baselines: hand-checked votes, brute-force loops, and selection on validation."""

import numpy as np
import pytest

from neighborhoods import voting
from neighborhoods.metrics import evaluate
from neighborhoods.voting import (
    choose_knn,
    choose_vote,
    knn_vote,
    neighborhood_vote,
)


def brute_vote(train, labels, queries, k, weighting):
    """Loops: sort the training images by (distance, index) and add up their label vectors."""
    scores = np.zeros((len(queries), labels.shape[1]))
    for i, q in enumerate(queries):
        dist = [float(np.sqrt(((q - t) ** 2).sum())) for t in train]
        near = sorted(range(len(train)), key=lambda j: (dist[j], j))[:k]
        w = [1.0 if weighting == "uniform" else 1 / (dist[j] + voting.DISTANCE_EPS) for j in near]
        for j, wj in zip(near, w, strict=True):
            scores[i] += wj * labels[j] / sum(w)
    return scores


def test_knn_vote_by_hand_in_one_dimension():
    train = np.array([[0.0], [1.0], [2.0], [3.0], [10.0]])
    labels = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [1, 1]])
    query = np.array([[1.2]])
    uniform = knn_vote(train, labels, query, k=2, weighting="uniform")
    np.testing.assert_allclose(uniform, [[0.5, 0.5]])
    # distances 0.2 and 0.8: weights 5 and 1.25, normalised 0.8 and 0.2
    distance = knn_vote(train, labels, query, k=2, weighting="distance")
    np.testing.assert_allclose(distance, [[0.8, 0.2]], rtol=1e-5)
    # distance weighting favours the nearer neighbor's labels over uniform voting
    assert distance[0, 0] > uniform[0, 0]


@pytest.mark.parametrize("weighting", ["uniform", "distance"])
def test_knn_vote_matches_brute_force(weighting):
    rng = np.random.default_rng(0)
    train = rng.normal(size=(60, 5)).astype(np.float32)
    labels = rng.integers(0, 2, size=(60, 4))
    queries = rng.normal(size=(15, 5)).astype(np.float32)
    for k in (1, 4, 9):
        got = knn_vote(train, labels, queries, k=k, weighting=weighting)
        np.testing.assert_allclose(got, brute_vote(train, labels, queries, k, weighting), 1e-4)


def test_exact_duplicate_dominates_distance_vote():
    train = np.array([[0.0], [1.0], [1.5]])
    labels = np.array([[1, 0], [0, 1], [0, 1]])
    scores = knn_vote(train, labels, np.array([[0.0]]), k=3, weighting="distance")
    assert scores[0, 0] > 0.999


def test_knn_vote_errors():
    x = np.zeros((3, 2))
    with pytest.raises(ValueError, match="unknown weighting"):
        knn_vote(x, np.zeros((3, 2)), x, k=1, weighting="rank")
    with pytest.raises(ValueError, match="0/1"):
        knn_vote(x, np.full((3, 2), 2), x, k=1, weighting="uniform")
    with pytest.raises(ValueError, match="one row per image"):
        knn_vote(x, np.zeros((2, 2)), x, k=1, weighting="uniform")


def clustered(rng, n, centers, labels):
    """Images near one of a few centers, carrying that center's labels (with some noise)."""
    which = rng.integers(0, len(centers), size=n)
    features = centers[which] + rng.normal(scale=1.5, size=(n, centers.shape[1]))
    y = labels[which].copy()
    flip = rng.random(y.shape) < 0.1
    y[flip] = 1 - y[flip]
    return features.astype(np.float32), y


def test_choose_knn_picks_the_best_setting_searching_once(monkeypatch):
    rng = np.random.default_rng(1)
    centers = rng.normal(scale=2.0, size=(6, 8))
    center_labels = rng.integers(0, 2, size=(6, 5))
    train, y_train = clustered(rng, 300, centers, center_labels)
    val, y_val = clustered(rng, 100, centers, center_labels)
    calls = []
    search = voting.l2_topk
    monkeypatch.setattr(voting, "l2_topk", lambda *a, **kw: calls.append(a[2]) or search(*a, **kw))
    ks, weightings = [1, 5, 25], ["uniform", "distance"]
    best, table = choose_knn(train, y_train, val, y_val, ks=ks, weightings=weightings)
    assert calls == [25]
    assert list(table.columns[:3]) == ["k", "weighting", "val_mAP_L"]
    assert len(table) == 6 and set(zip(table.k, table.weighting, strict=True)) == {
        (k, w) for k in ks for w in weightings
    }
    top = table.loc[table.val_mAP_L.idxmax()]
    assert best == {"k": top.k, "weighting": top.weighting, "val_mAP_L": top.val_mAP_L}
    assert table.val_mAP_L.nunique() > 1  # the settings really differ
    # each row is the mAP_L of voting with that setting directly
    for row in table.itertuples():
        scores = knn_vote(train, y_train, val, k=row.k, weighting=row.weighting)
        assert row.val_mAP_L == pytest.approx(evaluate(y_val, scores)["mAP_L"])


def test_choose_knn_errors():
    x, y = np.zeros((4, 2)), np.eye(4, dtype=int)[:, :2]
    with pytest.raises(ValueError, match="at least one"):
        choose_knn(x, y, x, y, ks=[], weightings=["uniform"])
    with pytest.raises(ValueError, match="unknown weighting"):
        choose_knn(x, y, x, y, ks=[1], weightings=["inverse"])
    with pytest.raises(ValueError, match="positive integers"):
        choose_knn(x, y, x, y, ks=[0], weightings=["uniform"])


def test_neighborhood_vote_arithmetic():
    own = np.array([[1.0, 0.0], [0.0, 2.0]])
    neighbors = np.array([[[2.0, 4.0], [0.0, 0.0]], [[1.0, 1.0], [3.0, -1.0]]])
    # mean of the neighbors: [[1, 2], [2, 0]]
    np.testing.assert_allclose(neighborhood_vote(own, neighbors, 0.5), [[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(neighborhood_vote(own, neighbors, 0.25), [[1.0, 0.5], [0.5, 1.5]])
    np.testing.assert_allclose(neighborhood_vote(own, neighbors, 0.0), own)
    np.testing.assert_allclose(neighborhood_vote(own, neighbors, 1.0), [[1.0, 2.0], [2.0, 0.0]])
    with pytest.raises(ValueError, match="does not match"):
        neighborhood_vote(own, neighbors[:, :, :1], 1.0)
    with pytest.raises(ValueError, match="must be"):
        neighborhood_vote(own, neighbors[0], 1.0)
    for alpha in (-0.1, 1.5, np.nan):
        with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]"):
            neighborhood_vote(own, neighbors, alpha)


def test_the_old_weights_are_alphas_below_one():
    """own + w * mean ranks as (1 - a) own + a mean with a = w / (1 + w): the old grid (w up to
    4) stopped at a = 0.8 and never reached pure voting."""
    rng = np.random.default_rng(0)
    y, own = noisy_scores(rng)
    neighbors = own[rng.integers(0, len(own), (len(own), 4))] + rng.normal(size=(len(own), 4, own.shape[1]))
    for w in (0.25, 1.0, 4.0):
        old = own + w * neighbors.mean(axis=1)
        new = neighborhood_vote(own, neighbors, w / (1 + w))
        np.testing.assert_allclose(old / (1 + w), new, rtol=1e-12)
        assert evaluate(y, old) == pytest.approx(evaluate(y, new), abs=1e-9)


def noisy_scores(rng, n=200, labels=6):
    y = rng.integers(0, 2, size=(n, labels))
    y[0] = 1  # every label has a positive
    return y, y + rng.normal(scale=0.6, size=y.shape)


ALPHAS = [0.0, 0.2, 0.5, 0.8, 1.0]


def test_choose_vote_ignores_misleading_neighbors():
    y, own = noisy_scores(np.random.default_rng(2))
    misleading = np.repeat((1 - y)[:, None, :], 3, axis=1).astype(float)
    best, table = choose_vote(own, misleading, y, alphas=ALPHAS, spaces=["logits"])
    assert best["alpha"] == 0.0
    assert best["val_mAP_L"] == table.val_mAP_L.max() > table.val_mAP_L.iloc[1]
    assert list(table.alpha) == ALPHAS and set(table.space) == {"logits"}


def test_choose_vote_reaches_pure_voting_when_the_neighbors_know_best():
    y, own = noisy_scores(np.random.default_rng(3))
    truthful = np.repeat(y[:, None, :], 3, axis=1).astype(float)
    best, table = choose_vote(own, truthful, y, alphas=ALPHAS, spaces=["logits", "probabilities"])
    assert best["alpha"] > 0 and best["val_mAP_L"] == pytest.approx(100.0)
    pure = table[table.alpha == 1.0]
    assert len(table) == 10 and len(pure) == 2 and np.allclose(pure.val_mAP_L, 100.0)
    assert best["val_mAP_L"] == table.val_mAP_L.max() > table.val_mAP_L.iloc[0]


def test_choose_vote_picks_probabilities_when_one_confident_neighbor_misleads():
    """Each image has one wildly confident wrong neighbor and two right ones: averaged logits
    follow the confident one, averaged probabilities (bounded in [0, 1]) follow the majority."""
    rng = np.random.default_rng(4)
    y, own = noisy_scores(rng, n=300)
    sign = 2.0 * y - 1
    right = np.repeat((2 * sign)[:, None, :], 2, axis=1)
    wrong = -40 * sign[:, None, :]
    neighbors = np.concatenate([right, wrong], axis=1)
    best, table = choose_vote(own, neighbors, y, alphas=[0.5, 1.0], spaces=["logits", "probabilities"])
    assert best["space"] == "probabilities" and best["alpha"] == 1.0
    scores = table.set_index(["space", "alpha"])["val_mAP_L"]
    assert scores["probabilities", 1.0] == pytest.approx(100.0)
    assert scores["logits", 1.0] < 60


def test_choose_vote_errors():
    y, own = noisy_scores(np.random.default_rng(5))
    with pytest.raises(ValueError, match="at least one alpha"):
        choose_vote(own, own[:, None], y, alphas=[], spaces=["logits"])
    with pytest.raises(ValueError, match=r"unknown vote space\(s\) \['odds'\]"):
        choose_vote(own, own[:, None], y, alphas=[0.5], spaces=["odds"])


# ---- on a split, as the pipeline calls them ------------------------------------------------


def _toy_split():
    import torch

    from neighborhoods.model_inputs import SplitData, Subset

    rng = np.random.default_rng(0)
    n = 240
    cluster = rng.integers(0, 3, n)
    features = (np.eye(3)[cluster] * 2 + rng.normal(size=(n, 3))).astype(np.float32)
    subsets = {}
    for j, name in enumerate(("train", "val", "test")):
        rows = np.arange(j, n, 3)
        neighbor_rows = np.stack([rng.choice(rows[rows != r], 6, replace=False) for r in rows])
        labels = np.eye(3, dtype=np.float32)[cluster[rows]]
        subsets[name] = Subset(rows, torch.tensor(rows), torch.tensor(labels), torch.tensor(neighbor_rows))
    return SplitData(torch.tensor(features), ["a", "b", "c"], subsets)


def test_knn_on_split_scores_test_with_the_setting_chosen_on_val():
    data = _toy_split()
    scores, table = voting.knn_on_split(data, ks=[1, 5, 15], weightings=["uniform", "distance"])
    chosen = table[table["chosen"]]
    assert len(chosen) == 1 and chosen["val_mAP_L"].item() == table["val_mAP_L"].max()
    f = data.features.numpy()
    train, test = data.subsets["train"], data.subsets["test"]
    expected = voting.knn_vote(
        f[train.rows],
        train.labels.numpy(),
        f[test.rows],
        k=int(chosen["k"].item()),
        weighting=chosen["weighting"].item(),
    )
    np.testing.assert_array_equal(scores, expected)


@pytest.mark.parametrize("space", ["logits", "probabilities"])
def test_neighborhood_vote_on_split_mixes_own_and_neighbor_scores(space):
    import torch
    from scipy.special import expit

    from neighborhoods.model import Logistic

    data = _toy_split()
    model = Logistic(3, 3)
    with torch.no_grad():
        model.output.weight.copy_(torch.eye(3))
        model.output.bias.zero_()
    scores, table = voting.neighborhood_vote_on_split(
        data, model, M=4, alphas=[0.0, 0.3, 1.0], spaces=[space]
    )
    assert len(table) == 3 and table["chosen"].sum() == 1
    alpha = table.loc[table["chosen"], "alpha"].item()
    assert table.loc[table["chosen"], "val_mAP_L"].item() == table["val_mAP_L"].max()
    test = data.subsets["test"]
    f = data.features.numpy()  # the model's logits are the features themselves
    f = expit(f) if space == "probabilities" else f
    expected = (1 - alpha) * f[test.rows] + alpha * f[test.neighbor_rows[:, :4].numpy()].mean(axis=1)
    np.testing.assert_allclose(scores, expected, rtol=1e-5)


def test_alpha_per_label_is_each_labels_best_on_validation():
    """Label 0 is read best from the image alone, label 1 from its neighbors alone: the choice
    per label takes alpha 0 and 1, and scores each label as that alpha does."""
    rng = np.random.default_rng(0)
    n, M = 400, 4
    truth = rng.random((n, 2)) < 0.3
    own = np.where(truth, 1.0, 0.0) + rng.normal(0, 0.3, (n, 2))
    neighbors = np.where(truth[:, None, :], 1.0, 0.0) + rng.normal(0, 0.3, (n, M, 2))
    own[:, 1] = rng.normal(size=n)  # label 1: the image says nothing
    neighbors[:, :, 0] = rng.normal(size=(n, M))  # label 0: the neighbors say nothing
    best, table = voting.choose_vote_per_label(own, neighbors, truth, alphas=[0, 0.5, 1], spaces=["logits"])
    assert best["alpha"].tolist() == [0.0, 1.0] and best["space"] == "logits"
    mixed = voting.neighborhood_vote(own, neighbors, best["alpha"])
    for label, alpha in enumerate(best["alpha"]):
        single = voting.neighborhood_vote(own, neighbors, alpha)
        np.testing.assert_allclose(mixed[:, label], single[:, label])
    assert set(table.columns) == {"space", "alpha", "label", "val_AP"} and len(table) == 6
    assert best["val_mAP_L"] == pytest.approx(table.groupby("label")["val_AP"].max().mean())
