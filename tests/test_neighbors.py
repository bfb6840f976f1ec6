"""Metadata neighbors, checked against a brute-force reference over exact fractions."""

from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest

from benchmarks import baseline
from benchmarks.baseline import scipy_topk
from neighborhoods import jaccard, seeds, vocabularies
from neighborhoods import neighbors as nbmod
from neighborhoods.jaccard import TieOrder, jaccard_topk
from neighborhoods.neighbors import metadata_neighbors
from neighborhoods.parquet import IMAGES, NEIGHBORS, SPLIT
from neighborhoods.vocabularies import binary_matrix, tag_vocabulary


def visit_index(ties, i, j):
    """Where query i's order visits row j, found by walking the order (no modular inverse)."""
    n = len(ties.position)
    visits = [(ties.offset[i] + t * ties.stride[i]) % n for t in range(n)]
    return visits.index(ties.position[j])


def brute_force(sets, k, ties):
    """Plain loops over pairs: Jaccard as a Fraction, sorted by (-similarity, the query's visit index)."""
    neighbors, similarity = [], []
    for i, a in enumerate(sets):
        ranked = []
        for j, b in enumerate(sets):
            if j != i:
                union = len(a | b)
                sim = Fraction(len(a & b), union) if union else Fraction(0)
                ranked.append((-sim, visit_index(ties, i, j), j))
        ranked.sort()
        neighbors.append([j for _, _, j in ranked[:k]])
        similarity.append([float(-s) for s, _, _ in ranked[:k]])
    return np.array(neighbors), np.array(similarity, dtype=np.float32)


def shared_order(position):
    """The old rule as a special case: every query visits positions 0, 1, 2, ..."""
    n = len(position)
    return TieOrder(np.asarray(position), np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64))


def random_sets(rng, n, vocab=6, most=3):
    """Few items, so many exact ties; includes empty and duplicate rows."""
    items = [f"i{v}" for v in range(vocab)]
    sets = [set(rng.choice(items, size=rng.integers(0, most + 1))) for _ in range(n)]
    sets[1] = set()
    sets[2] = set(sets[3])
    return sets


def as_matrix(sets):
    return binary_matrix([sorted(s) for s in sets])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 5, 39])
def test_jaccard_topk_matches_brute_force(seed, k):
    rng = np.random.default_rng(seed)
    sets = random_sets(rng, 40)
    ties = TieOrder.draw(rng.permutation(40), int(rng.integers(1 << 30)))
    neighbors, similarity = jaccard_topk(as_matrix(sets), k, ties)
    expected_nb, expected_sim = brute_force(sets, k, ties)
    assert neighbors.dtype == np.int64 and similarity.dtype == np.float32
    np.testing.assert_array_equal(neighbors, expected_nb)
    np.testing.assert_array_equal(similarity, expected_sim)
    assert not np.any(neighbors == np.arange(40)[:, None])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 5, 39])
def test_reference_matches_brute_force(seed, k):
    rng = np.random.default_rng(seed)
    sets = random_sets(rng, 40)
    ties = TieOrder.draw(rng.permutation(40), int(rng.integers(1 << 30)))
    neighbors, similarity = scipy_topk(as_matrix(sets), k, ties)
    expected_nb, expected_sim = brute_force(sets, k, ties)
    np.testing.assert_array_equal(neighbors, expected_nb)
    np.testing.assert_array_equal(similarity, expected_sim)


@pytest.mark.parametrize("seed", range(12))
def test_compiled_kernel_matches_brute_force_on_tie_heavy_data(seed):
    """Tiny vocabularies (ties everywhere), several empty and duplicated rows, k small and
    large, with a threshold sample smaller than the overlapping rows."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(20, 70))
    sets = random_sets(rng, n, vocab=int(rng.integers(2, 9)), most=int(rng.integers(1, 5)))
    for i in rng.choice(n, size=4, replace=False):
        sets[i] = set()
    for i, j in rng.integers(0, n, size=(6, 2)):
        sets[i] = set(sets[j])
    ties = TieOrder.draw(rng.permutation(n), int(rng.integers(1 << 30)))
    for k in sorted({1, 2, 6, n // 2, n - 1}):
        got = jaccard_topk(as_matrix(sets), k, ties)
        expected = brute_force(sets, k, ties)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])


def test_compiled_kernel_threshold_sample(monkeypatch):
    """The kernel's first threshold comes from a sample of each row's overlapping rows; any
    sample size gives the same result (below k, no early threshold at all)."""
    rng = np.random.default_rng(11)
    X = sp_random_binary(rng, 300, 12, 0.25)
    ties = TieOrder.draw(rng.permutation(300), int(rng.integers(1 << 30)))
    expected = scipy_topk(X, 7, ties)
    for sample in (1, 7, 20, 512):
        monkeypatch.setattr(jaccard, "SAMPLE", sample)
        got = jaccard.jaccard_topk(X, 7, ties)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])


def sp_random_binary(rng, n, items, density):
    import scipy.sparse as sp

    return sp.csr_matrix((rng.random((n, items)) < density).astype(np.int32))


@pytest.mark.parametrize("k", [1, 10, 60])
def test_compiled_kernel_matches_the_reference_on_larger_data(k):
    """Zipf-like items over 400 rows (bigger than the kernel's row chunks, so several chunks
    and threads), against the scipy reference."""
    rng = np.random.default_rng(k)
    n, vocab = 400, 40
    p = 1 / np.arange(1, vocab + 1)
    sets = [set(rng.choice(vocab, size=rng.integers(0, 6), p=p / p.sum()).tolist()) for _ in range(n)]
    X = binary_matrix([sorted(map(str, s)) for s in sets])
    ties = TieOrder.draw(rng.permutation(n), int(rng.integers(1 << 30)))
    got = jaccard_topk(X, k, ties)
    expected = scipy_topk(X, k, ties)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


def test_chunks_do_not_change_the_reference(monkeypatch):
    rng = np.random.default_rng(7)
    sets = random_sets(rng, 30)
    ties = TieOrder.draw(rng.permutation(30), int(rng.integers(1 << 30)))
    whole = jaccard_topk(as_matrix(sets), 6, ties)
    monkeypatch.setattr(baseline, "CHUNK", 4)  # chunks of 4 rows, last one short
    chunked = scipy_topk(as_matrix(sets), 6, ties)
    np.testing.assert_array_equal(whole[0], chunked[0])
    np.testing.assert_array_equal(whole[1], chunked[1])


def test_hand_worked_four_images():
    # A={a,b} B={a,b,c} C={c} D={}: J(A,B)=2/3, J(B,C)=1/3, every other pair 0.
    X = binary_matrix([["a", "b"], ["a", "b", "c"], ["c"], []])
    neighbors, similarity = jaccard_topk(X, 2, shared_order([2, 0, 3, 1]))
    # Zero ties go by position: B (0) < D (1) < A (2) < C (3), not by row order.
    np.testing.assert_array_equal(neighbors, [[1, 3], [0, 2], [1, 3], [1, 0]])
    np.testing.assert_array_equal(
        similarity, np.array([[2 / 3, 0], [2 / 3, 1 / 3], [1 / 3, 0], [0, 0]], dtype=np.float32)
    )


def test_zero_fill_follows_the_shared_order_when_every_query_has_it():
    sets = [{"x"}, {"x"}, {"lonely"}, {"y"}, {"z"}, set()]
    neighbors, similarity = jaccard_topk(as_matrix(sets), 4, shared_order([5, 4, 3, 2, 1, 0]))
    np.testing.assert_array_equal(neighbors[2], [5, 4, 3, 1])
    np.testing.assert_array_equal(similarity[2], [0, 0, 0, 0])
    np.testing.assert_array_equal(neighbors[0], [1, 5, 4, 3])
    np.testing.assert_array_equal(similarity[0], [1, 0, 0, 0])


def test_row_order_never_breaks_ties():
    rng = np.random.default_rng(3)
    sets = random_sets(rng, 25)
    ties = TieOrder.draw(rng.permutation(25), int(rng.integers(1 << 30)))
    neighbors, similarity = jaccard_topk(as_matrix(sets), 8, ties)
    p = rng.permutation(25)
    shuffled_ties = TieOrder(ties.position[p], ties.offset[p], ties.stride[p])
    shuffled_nb, shuffled_sim = jaccard_topk(as_matrix([sets[i] for i in p]), 8, shuffled_ties)
    np.testing.assert_array_equal(p[shuffled_nb], neighbors[p])
    np.testing.assert_array_equal(shuffled_sim, similarity[p])


def test_jaccard_topk_errors():
    X = binary_matrix([["a"], ["b"], ["a", "b"]])
    with pytest.raises(ValueError, match="need 1 <= k < n rows"):
        jaccard_topk(X, 3, shared_order(np.arange(3)))
    with pytest.raises(ValueError, match="tie order is for 4 rows, X has 3"):
        jaccard_topk(X, 1, shared_order(np.arange(4)))
    with pytest.raises(ValueError, match="permutation"):
        shared_order(np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="coprime"):
        TieOrder(np.arange(4), np.zeros(4, dtype=np.int64), np.full(4, 2))
    with pytest.raises(ValueError, match="0/1"):
        jaccard_topk(X * 2, 1, shared_order(np.arange(3)))


def test_tag_vocabulary_counts_images_and_breaks_ties_by_tag():
    tags = [["b", "b", "a"], ["b", "c"], ["c", "d"], ["a"], None]
    # document frequency: a 2, b 2, c 2, d 1 (b repeated in one image counts once)
    assert tag_vocabulary(tags, 2) == ["a", "b"]
    assert tag_vocabulary(tags, 10) == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="tau"):
        tag_vocabulary(tags, 0)


def test_binary_matrix():
    X = binary_matrix([["b", "a", "b"], [], None, ["z", "a"]], vocabulary=["a", "b"])
    np.testing.assert_array_equal(X.toarray(), [[1, 1], [0, 0], [0, 0], [1, 0]])
    Y = binary_matrix([["b", "a", "b"], ["c"]])
    np.testing.assert_array_equal(Y.toarray(), [[1, 1, 0], [0, 0, 1]])  # columns a, b, c
    with pytest.raises(ValueError, match="duplicate"):
        binary_matrix([["a"]], vocabulary=["a", "a"])


# ---- metadata_neighbors on small tables ---------------------------------------------------


def make_tables(seed=0, n=90):
    rng = np.random.default_rng(seed)
    ids = rng.choice(10**9, size=n, replace=False).astype(np.int64)
    subsets = np.array(["train", "val", "test"])[rng.integers(0, 3, size=n)]
    meta = {kind: [sorted(s) for s in random_sets(rng, n, vocab=8)] for kind in ("tags", "sets")}
    images = pa.table(
        {
            "image_id": ids,
            "path": [f"{i}.jpg" for i in ids],
            "labels": [["sky"]] * n,
            "tags": meta["tags"],
            "sets": meta["sets"],
            "groups": [[]] * n,
            "owner": [None] * n,
        },
        schema=IMAGES,
    )
    split = pa.table({"image_id": ids, "subset": subsets}, schema=SPLIT)
    return images, split


def as_dict(table):
    rows = table.to_pylist()
    return {r["image_id"]: (r["subset"], r["neighbors"], r["similarity"]) for r in rows}


def test_metadata_neighbors_match_brute_force_within_subsets():
    images, split = make_tables()
    out = metadata_neighbors(images, split, "sets", max_rank=6, seed=5, k=0)
    assert out.schema == NEIGHBORS
    assert out.column("image_id").to_pylist() == split.column("image_id").to_pylist()
    assert out.column("subset").to_pylist() == split.column("subset").to_pylist()

    ids = split.column("image_id").to_numpy()
    subsets = np.array(split.column("subset").to_pylist())
    sets = dict(zip(images.column("image_id").to_pylist(), images.column("sets").to_pylist(), strict=True))
    got = as_dict(out)
    for subset in ("train", "val", "test"):
        members = ids[subsets == subset]
        # The documented tie order: drawn per subset from its own stream (seeds.ties).
        ties = TieOrder.draw(members, seeds.ties(5, 0, subset))
        expected_nb, expected_sim = brute_force([set(sets[i]) for i in members], 6, ties)
        for i, nb, sim in zip(members, expected_nb, expected_sim, strict=True):
            assert got[i][1] == members[nb].tolist()
            np.testing.assert_array_equal(np.float32(got[i][2]), sim)
            assert got[i][0] == subset


def test_subsets_never_mix_and_file_order_does_not_matter():
    images, split = make_tables(seed=1)
    out = as_dict(metadata_neighbors(images, split, "tags", max_rank=5, seed=0, k=0, tau=6))
    for subset, neighbors, _ in out.values():
        assert {out[j][0] for j in neighbors} == {subset}
    p = np.random.default_rng(9).permutation(images.num_rows)
    q = np.random.default_rng(10).permutation(split.num_rows)
    shuffled = metadata_neighbors(images.take(p), split.take(q), "tags", max_rank=5, seed=0, k=0, tau=6)
    assert as_dict(shuffled) == out


def test_pooled_training_neighbors_come_from_pools_the_test_subsets_size():
    images, split = make_tables(seed=2, n=300)
    # As the paper's split: the training subset several times the test subset.
    subsets = np.random.default_rng(3).choice(["train", "val", "test"], size=300, p=[0.6, 0.2, 0.2])
    split = pa.table({"image_id": split.column("image_id"), "subset": subsets}, schema=SPLIT)
    plain = as_dict(metadata_neighbors(images, split, "sets", max_rank=5, seed=0, k=1))
    pooled = as_dict(metadata_neighbors(images, split, "sets", max_rank=5, seed=0, k=1, pooled=True))
    subsets = np.array(split.column("subset").to_pylist())
    pools = nbmod._pools(subsets, 0, 1)
    n_train, n_test = int((subsets == "train").sum()), int((subsets == "test").sum())
    assert len(pools) == round(n_train / n_test) > 1
    assert all(abs(len(pool) - n_test) <= n_test / 2 for pool in pools)
    ids = split.column("image_id").to_numpy()
    pool_of = {int(ids[row]): i for i, pool in enumerate(pools) for row in pool}
    sets = dict(zip(images.column("image_id").to_pylist(), images.column("sets").to_pylist(), strict=True))
    for image, (subset, neighbors, similarity) in pooled.items():
        if subset != "train":  # validation and test neighbors are as before
            assert (subset, neighbors, similarity) == plain[image]
            continue
        assert {pool_of[j] for j in neighbors} == {pool_of[image]}
        # Within its pool, no other image is closer than the ones kept (brute force).
        members = [j for j, pool in pool_of.items() if pool == pool_of[image] and j != image]
        best = sorted((jaccard_of(sets[image], sets[j]) for j in members), reverse=True)[:5]
        assert similarity == pytest.approx(best)


def jaccard_of(a, b) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 0.0


def test_tag_vocabulary_is_counted_on_train_only():
    n = 12
    ids = np.arange(100, 100 + n)
    subsets = ["train"] * 6 + ["test"] * 6
    # "common" is on 3 train images, "rare" on 2; "testonly" is on every test image.
    tags = [["common"]] * 3 + [["rare"]] * 2 + [[]] + [["testonly"]] * 6
    images = pa.table(
        {
            "image_id": ids,
            "path": [""] * n,
            "labels": [[]] * n,
            "tags": tags,
            "sets": [[]] * n,
            "groups": [[]] * n,
            "owner": [None] * n,
        },
        schema=IMAGES,
    )
    split = pa.table({"image_id": ids, "subset": subsets}, schema=SPLIT)
    out = as_dict(metadata_neighbors(images, split, "tags", max_rank=2, seed=0, k=0, tau=2))
    assert all(out[i][2] == [0.0, 0.0] for i in ids[6:])  # "testonly" is not in the vocabulary
    assert out[100][2] == [1.0, 1.0]


def test_seed_changes_only_tie_order():
    images, split = make_tables(seed=2)
    a = metadata_neighbors(images, split, "tags", max_rank=6, seed=0, k=0, tau=8).to_pylist()
    b = metadata_neighbors(images, split, "tags", max_rank=6, seed=1, k=0, tau=8).to_pylist()
    assert [r["similarity"] for r in a] == [r["similarity"] for r in b]
    for ra, rb in zip(a, b, strict=True):
        last = ra["similarity"][-1]
        sure_a = {j for j, s in zip(ra["neighbors"], ra["similarity"], strict=True) if s > last}
        sure_b = {j for j, s in zip(rb["neighbors"], rb["similarity"], strict=True) if s > last}
        assert sure_a == sure_b
    assert [r["neighbors"] for r in a] != [r["neighbors"] for r in b]


def test_metadata_neighbors_errors():
    images, split = make_tables()
    with pytest.raises(ValueError, match="unknown metadata kind"):
        metadata_neighbors(images, split, "owner", max_rank=3, seed=0, k=0)
    with pytest.raises(ValueError, match="need tau"):
        metadata_neighbors(images, split, "tags", max_rank=3, seed=0, k=0)
    with pytest.raises(ValueError, match="whole vocabulary"):
        metadata_neighbors(images, split, "sets", max_rank=3, seed=0, k=0, tau=10)
    with pytest.raises(ValueError, match="need more than max_rank=60"):
        metadata_neighbors(images, split, "sets", max_rank=60, seed=0, k=0)
    with pytest.raises(ValueError, match="not in the images table"):
        metadata_neighbors(images.slice(1), split, "sets", max_rank=3, seed=0, k=0)
    bad = pa.table({"image_id": split.column("image_id"), "subset": ["dev"] * split.num_rows})
    with pytest.raises(ValueError, match="unknown subset"):
        metadata_neighbors(images, bad, "sets", max_rank=3, seed=0, k=0)


# ---- vocabulary generalization (Fig. 8) ----------------------------------------------------


@pytest.mark.parametrize("overlap, shared", [(0, 0), (25, 1), (50, 2), (100, 5)])
def test_overlap_vocabularies_share_the_requested_part_of_equal_halves(overlap, shared):
    top = [f"t{i}" for i in range(10)]
    train, test = vocabularies.overlap_vocabularies(top, overlap, seed=3)
    assert len(train) == len(test) == 5
    assert len(set(train) & set(test)) == shared
    assert set(train) | set(test) <= set(top)
    assert (train, test) == vocabularies.overlap_vocabularies(top, overlap, seed=3)


def test_vocabulary_split_neighbors_use_each_subsets_own_vocabulary():
    images, split = make_tables(seed=2, n=120)
    out = as_dict(
        nbmod.vocabulary_split_neighbors(images, split, size=6, overlap=50, max_rank=5, seed=4, k=0)
    )
    ids = split.column("image_id").to_numpy()
    subsets = np.array(split.column("subset").to_pylist())
    tags = dict(zip(images.column("image_id").to_pylist(), images.column("tags").to_pylist(), strict=True))
    top = tag_vocabulary([tags[i] for i in ids[subsets == "train"]], 6)
    train_vocabulary, test_vocabulary = vocabularies.overlap_vocabularies(top, 50, seeds.vocabulary(4, 0))
    for subset, vocabulary in [
        ("train", train_vocabulary),
        ("val", train_vocabulary),
        ("test", test_vocabulary),
    ]:
        members = ids[subsets == subset]
        ties = TieOrder.draw(members, seeds.ties(4, 0, subset))
        expected_nb, _ = brute_force([set(tags[i]) & set(vocabulary) for i in members], 5, ties)
        for i, nb in zip(members, expected_nb, strict=True):
            assert out[i][1] == members[nb].tolist()


def test_training_neighbors_do_not_depend_on_the_overlap():
    """Why Fig. 8 trains one model per split: only the test subset's neighbors change with P."""
    images, split = make_tables(seed=5, n=120)
    tables_by_overlap = {
        p: as_dict(
            nbmod.vocabulary_split_neighbors(images, split, size=8, overlap=p, max_rank=4, seed=1, k=0)
        )
        for p in (0, 50, 100)
    }
    subsets = dict(zip(split.column("image_id").to_pylist(), split.column("subset").to_pylist(), strict=True))
    for image_id, subset in subsets.items():
        found = {p: table[image_id] for p, table in tables_by_overlap.items()}
        if subset != "test":
            assert found[0] == found[50] == found[100]
    assert any(
        tables_by_overlap[0][i] != tables_by_overlap[100][i] for i, s in subsets.items() if s == "test"
    )


def in_degree(neighbors, n):
    return np.bincount(neighbors.ravel(), minlength=n)


@pytest.mark.parametrize("sets_of", ["empty", "one shared item"])
def test_ties_and_fill_are_spread_over_the_candidates_not_given_to_hubs(sets_of):
    """Every query ties with every other (all empty: the zero fill; all alike: similarity 1).
    One order shared by all queries would give the same 6 images every slot (in-degree n - 1)."""
    n, k = 600, 6
    sets = [set() if sets_of == "empty" else {"x"} for _ in range(n)]
    neighbors, _ = jaccard_topk(as_matrix(sets), k, TieOrder.draw(np.arange(n), 7))
    degree = in_degree(neighbors, n)
    assert degree.max() <= 4 * degree.mean()  # Poisson-like (mean 6), far from n - 1


def test_each_tied_candidate_is_equally_likely_to_be_chosen():
    """Query 0 shares one item with rows 1-4 (all tied at 1/2 after row 5, its best match);
    over seeds, each of the four takes the single remaining slot about equally often."""
    sets = [
        {"a", "b"},
        {"a", "c"},
        {"a", "d"},
        {"a", "e"},
        {"a", "f"},
        {"a", "b"},
        *[{f"z{i}"} for i in range(10)],
    ]
    X = as_matrix(sets)
    chosen = [
        int(jaccard_topk(X, 2, TieOrder.draw(np.arange(len(sets)), seed))[0][0, 1]) for seed in range(800)
    ]
    counts = np.bincount(chosen, minlength=5)[1:5]
    assert counts.sum() == 800 and counts.min() > 150  # 200 expected each; a bias would show
