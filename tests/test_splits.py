import numpy as np
import pytest

from neighborhoods import splits


def subsets_of(table):
    return dict(zip(table.column("image_id").to_pylist(), table.column("subset").to_pylist(), strict=True))


def test_sizes_from_fractions_and_counts():
    assert splits.subset_sizes(100, 0.58, 0.21) == (58, 21, 21)
    assert splits.subset_sizes(190253, 110000, 40000) == (110000, 40000, 40253)


@pytest.mark.parametrize("train, val", [(1.0, 0.1), (0, 10), (60, 40), (0.5, 0.5), ("a", 3)])
def test_bad_sizes_are_refused(train, val):
    with pytest.raises(ValueError, match="splits"):
        splits.subset_sizes(100, train, val)


def test_split_partitions_every_image_with_the_requested_sizes():
    ids = np.random.default_rng(1).choice(10**9, size=500, replace=False)
    table = splits.make_split(ids, index=0, train=300, val=100, seed=0)
    subsets = subsets_of(table)
    assert sorted(subsets) == sorted(ids.tolist())
    counts = {name: list(subsets.values()).count(name) for name in ("train", "val", "test")}
    assert counts == {"train": 300, "val": 100, "test": 100}


def test_split_depends_on_seed_and_index_but_not_on_input_order():
    ids = np.arange(1000) * 3 + 11
    a = subsets_of(splits.make_split(ids, index=0, train=0.5, val=0.2, seed=0))
    shuffled = subsets_of(splits.make_split(ids[::-1].copy(), index=0, train=0.5, val=0.2, seed=0))
    assert a == shuffled
    assert a != subsets_of(splits.make_split(ids, index=1, train=0.5, val=0.2, seed=0))
    assert a != subsets_of(splits.make_split(ids, index=0, train=0.5, val=0.2, seed=1))


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="not unique"):
        splits.make_split(np.array([1, 2, 2, 3]), index=0, train=1, val=1, seed=0)
