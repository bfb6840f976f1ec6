"""Exact L2 neighbors, checked against scikit-learn's brute-force search and hand cases."""

import numpy as np
import pyarrow as pa
import pytest
from sklearn.neighbors import NearestNeighbors

from neighborhoods.parquet import NEIGHBORS, SPLIT
from neighborhoods.visual import l2_topk, visual_neighbors


@pytest.mark.parametrize("seed", [0, 1])
def test_l2_topk_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(300, 32)).astype(np.float32)
    queries = rng.normal(size=(70, 32)).astype(np.float32)
    idx, sq = l2_topk(queries, base, 10)
    dist, ref = NearestNeighbors(n_neighbors=10, algorithm="brute").fit(base).kneighbors(queries)
    assert idx.dtype == np.int64 and sq.dtype == np.float32
    np.testing.assert_array_equal(idx, ref)
    np.testing.assert_allclose(sq, dist**2, rtol=1e-4, atol=1e-4)


def test_exclude_self_matches_sklearn_without_query():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 16)).astype(np.float32)
    idx, sq = l2_topk(x, x, 5, exclude_self=True)
    dist, ref = NearestNeighbors(n_neighbors=5, algorithm="brute").fit(x).kneighbors()
    np.testing.assert_array_equal(idx, ref)
    np.testing.assert_allclose(sq, dist**2, rtol=1e-4, atol=1e-4)
    assert not (idx == np.arange(200)[:, None]).any()


def test_blocks_do_not_change_the_result():
    rng = np.random.default_rng(3)
    base = rng.normal(size=(120, 8)).astype(np.float32)
    base[60:90] = base[0]  # many ties, some straddling block and k boundaries
    queries = np.concatenate([base[:40], rng.normal(size=(25, 8)).astype(np.float32)])
    whole = l2_topk(queries, base, 7)
    for block in (1, 3, 64):
        parts = l2_topk(queries, base, 7, block=block)
        np.testing.assert_array_equal(parts[0], whole[0])
        np.testing.assert_allclose(parts[1], whole[1], rtol=1e-5, atol=1e-5)  # BLAS rounding


def test_duplicates_tie_to_the_lower_index():
    x = np.array([[0.0], [5.0], [1.0], [5.0], [1.0], [5.0], [1.0]], dtype=np.float32)
    idx, sq = l2_topk(np.array([[0.0], [5.0]], dtype=np.float32), x, 4)
    np.testing.assert_array_equal(idx, [[0, 2, 4, 6], [1, 3, 5, 2]])
    np.testing.assert_array_equal(sq, [[0, 1, 1, 1], [0, 0, 0, 16]])
    # the tie at the k-th place keeps the lowest indices even when argpartition would not
    idx, _ = l2_topk(np.array([[1.0]], dtype=np.float32), x, 2)
    np.testing.assert_array_equal(idx, [[2, 4]])
    idx, sq = l2_topk(x, x, 2, exclude_self=True)
    np.testing.assert_array_equal(idx[1], [3, 5])
    np.testing.assert_array_equal(idx[5], [1, 3])
    assert (sq >= 0).all()


def test_negative_cancellation_is_clamped():
    rng = np.random.default_rng(4)
    x = (1000 + rng.normal(size=(50, 64))).astype(np.float32)
    x[25:] = x[:25]
    _, sq = l2_topk(x, x, 3, exclude_self=True)
    assert (sq >= 0).all()


def test_l2_topk_errors():
    x = np.zeros((4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="same width"):
        l2_topk(x, np.zeros((4, 2)), 1)
    with pytest.raises(ValueError, match="k <= 3"):
        l2_topk(x, x, 4, exclude_self=True)
    with pytest.raises(ValueError, match="k <= 4"):
        l2_topk(x, x, 5)
    with pytest.raises(ValueError, match="exclude_self"):
        l2_topk(x[:2], x, 1, exclude_self=True)
    bad = x.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="base has non-finite"):
        l2_topk(x, bad, 1)


def split_table(rng, n):
    ids = rng.choice(10**9, size=n, replace=False)
    subsets = rng.choice(["train", "val", "test"], size=n, p=[0.5, 0.25, 0.25])
    return pa.table({"image_id": ids, "subset": subsets}, schema=SPLIT)


def test_visual_neighbors_within_subsets_and_never_self():
    rng = np.random.default_rng(5)
    split = split_table(rng, 160)
    # features for more images than the split, in another order
    extra = np.arange(10**9, 10**9 + 20)
    feature_ids = rng.permutation(np.concatenate([split["image_id"].to_numpy(), extra]))
    features = rng.normal(size=(len(feature_ids), 12)).astype(np.float32)
    table = visual_neighbors(features, feature_ids, split, max_rank=6)
    assert table.schema == NEIGHBORS
    assert table["image_id"].to_pylist() == split["image_id"].to_pylist()
    assert table["subset"].to_pylist() == split["subset"].to_pylist()
    subset_of = dict(zip(split["image_id"].to_pylist(), split["subset"].to_pylist(), strict=True))
    row_of = {image: i for i, image in enumerate(feature_ids.tolist())}
    for image, subset, nbs, sims in zip(*(table[c].to_pylist() for c in NEIGHBORS.names), strict=True):
        assert len(nbs) == 6 and image not in nbs
        assert {subset_of[j] for j in nbs} == {subset}
        # nearest first, similarity = -squared distance, and nobody nearer in the subset
        d = ((features[[row_of[j] for j in nbs]] - features[row_of[image]]) ** 2).sum(axis=1)
        np.testing.assert_allclose(sims, -d, rtol=1e-4, atol=1e-4)
        assert sims == sorted(sims, reverse=True)
        others = [j for j, s in subset_of.items() if s == subset and j != image and j not in nbs]
        rest = ((features[[row_of[j] for j in others]] - features[row_of[image]]) ** 2).sum(1)
        assert rest.min() >= d.max() - 1e-4


def test_visual_neighbors_ties_do_not_follow_file_order():
    ids = np.array([40, 10, 30, 20, 50])
    features = np.array([[0.0], [1.0], [1.0], [1.0], [3.0]], dtype=np.float32)
    split = pa.table({"image_id": ids, "subset": ["test"] * 5}, schema=SPLIT)
    table = visual_neighbors(features, ids, split, max_rank=2)
    assert table["neighbors"][0].as_py() == [10, 20]  # three images tie; lowest ids win
    order = [3, 0, 4, 1, 2]
    shuffled = visual_neighbors(features[order], ids[order], split.take(order), max_rank=2)
    assert shuffled["neighbors"].to_pylist() == table.take(order)["neighbors"].to_pylist()


def test_visual_neighbors_errors():
    rng = np.random.default_rng(6)
    split = split_table(rng, 40)
    ids = split["image_id"].to_numpy()
    features = rng.normal(size=(40, 4))
    with pytest.raises(ValueError, match="1 split image.* no features"):
        visual_neighbors(features[1:], ids[1:], split, max_rank=2)
    with pytest.raises(ValueError, match="more than max_rank"):
        visual_neighbors(features, ids, split, max_rank=39)
    with pytest.raises(ValueError, match="more than once"):
        visual_neighbors(features, np.r_[ids[:-1], ids[0]], split, max_rank=2)
    odd = pa.table({"image_id": ids, "subset": ["holdout"] * 40}, schema=SPLIT)
    with pytest.raises(ValueError, match="unknown subset"):
        visual_neighbors(features, ids, odd, max_rank=2)
