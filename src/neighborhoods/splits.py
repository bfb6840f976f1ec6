"""Seeded random train / val / test splits.

Images are sorted by id before shuffling, so a split depends on the seed and the set of
images, never on the order of the input file (NUS-WIDE's file order follows the Flickr query).
"""

import numpy as np
import pyarrow as pa

from neighborhoods import seeds


def subset_sizes(n_images: int, train: float | int, val: float | int) -> tuple[int, int, int]:
    """Resolve sizes given as counts (int) or fractions in (0, 1); test is the rest."""

    def resolve(size: float | int, name: str) -> int:
        if isinstance(size, bool) or not isinstance(size, (int, float)):
            raise ValueError(f"splits.{name}: expected a count or a fraction, got {size!r}")
        if isinstance(size, float):
            if not 0 < size < 1:
                raise ValueError(f"splits.{name}: a fraction must lie in (0, 1), got {size}")
            return int(round(size * n_images))
        if size < 1:
            raise ValueError(f"splits.{name}: a count must be positive, got {size}")
        return size

    n_train, n_val = resolve(train, "train"), resolve(val, "val")
    n_test = n_images - n_train - n_val
    if n_test < 1:
        raise ValueError(f"splits: train ({n_train}) + val ({n_val}) leave no test images out of {n_images}")
    return n_train, n_val, n_test


def make_split(
    image_ids: np.ndarray, *, index: int, train: float | int, val: float | int, seed: int
) -> pa.Table:
    """Split number `index`, from its own stream of the config's seed (`seeds.split`)."""
    ids = np.sort(np.asarray(image_ids, dtype=np.int64))
    if len(np.unique(ids)) != len(ids):
        raise ValueError("splits: image ids are not unique")
    n_train, n_val, _ = subset_sizes(len(ids), train, val)
    order = np.random.default_rng(seeds.split(seed, index)).permutation(len(ids))
    subset = np.empty(len(ids), dtype=object)
    subset[order[:n_train]] = "train"
    subset[order[n_train : n_train + n_val]] = "val"
    subset[order[n_train + n_val :]] = "test"
    return pa.table({"image_id": pa.array(ids, pa.int64()), "subset": pa.array(subset, pa.string())})


def fraction_size(n: int, percent: int) -> int:
    """How many of n training images a fraction of `percent` keeps (at least one)."""
    return max(1, round(n * percent / 100))
