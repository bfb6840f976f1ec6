"""The neighbors file of one split: every image's metadata neighbors within its own subset.

Each subset is ranked with its own vocabulary (the paper builds the tag vocabulary from the
train subset only) and its own tie order, drawn over the subset's image ids (`jaccard`).
"""

import logging

import numpy as np
import pandas as pd
import pyarrow as pa

from neighborhoods import experiments, seeds
from neighborhoods.jaccard import TieOrder, jaccard_topk
from neighborhoods.parquet import SUBSETS, neighbors_table, split_arrays, subset_rows
from neighborhoods.vocabularies import binary_matrix, overlap_vocabularies, tag_vocabulary

log = logging.getLogger(__name__)

KINDS = ("tags", "sets", "groups")


def _split_lists(images: pa.Table, split: pa.Table, column: str) -> tuple[np.ndarray, np.ndarray, list]:
    """The split's ids, subsets and each image's `column` list, checked against the images table."""
    ids, subsets = split_arrays(split)
    index = pd.Index(images.column("image_id").to_numpy())
    if not index.is_unique:
        raise ValueError("images table lists an image_id more than once")
    found = index.get_indexer(ids)
    missing = ids[found < 0]
    if len(missing):
        raise ValueError(
            f"{len(missing)} split image(s) not in the images table, e.g. {missing[:5].tolist()}"
        )
    lists = images.column(column).to_pylist()
    return ids, subsets, [lists[i] for i in found]


def _pools(subsets: np.ndarray, seed: int, k: int, max_rank: int = 0) -> list[np.ndarray]:
    """The training rows dealt at random into pools about the size of the test subset: ranked
    within one, a training image meets as many candidates as a test image does. A split that
    cannot make two pools, each of more than max_rank images, is refused naming the subset
    sizes: with one pool the neighbors would be the plain ones under another name."""
    train = np.flatnonzero(subsets == "train")
    test = int((subsets == "test").sum())
    sizes = f"the train subset has {len(train)} images and the test subset {test}"
    if test == 0:
        raise ValueError(
            f"pooled neighbors deal the train images into pools the test subset's size, but {sizes}"
        )
    count = round(len(train) / test)
    if count < 2:
        raise ValueError(
            f"pooled neighbors need at least two pools of train images the test subset's size, but {sizes}: "
            "the train subset must be at least 1.5 times the test subset (splits.train, splits.val)"
        )
    pools = np.array_split(np.random.default_rng(seeds.pools(seed, k)).permutation(train), count)
    if len(pools[-1]) <= max_rank:
        raise ValueError(
            f"pooled neighbors: {sizes}, so the smallest of the {count} pools holds {len(pools[-1])} "
            f"images; each needs more than neighbors.max_rank ({max_rank})"
        )
    return pools


def _within_subsets(
    ids, subsets, lists, vocabularies: dict, *, max_rank: int, seed: int, k: int, pooled: bool = False
) -> pa.Table:
    """Jaccard top-max_rank of every image among its own subset, each subset with its own
    vocabulary (None: every item), as a NEIGHBORS table in the split's row order. Each subset
    of split k draws its tie order from its own stream (`seeds.ties`). `pooled`: training
    images are ranked within pools the test subset's size (`_pools`) instead."""
    neighbors = np.empty((len(ids), max_rank), dtype=np.int64)
    similarity = np.empty((len(ids), max_rank), dtype=np.float32)
    for subset, rows in subset_rows(subsets, max_rank):
        parts = (
            [np.sort(pool) for pool in _pools(subsets, seed, k, max_rank)]
            if pooled and subset == "train"
            else [rows]
        )
        for part in parts:
            log.info("neighbors of %d %s images", len(part), subset)
            X = binary_matrix([lists[i] for i in part], vocabularies.get(subset))
            ties = TieOrder.draw(ids[part], seeds.ties(seed, k, subset))
            nb, sim = jaccard_topk(X, max_rank, ties)
            neighbors[part] = ids[part][nb]
            similarity[part] = sim
    return neighbors_table(ids, subsets, neighbors, similarity)


def metadata_neighbors(
    images: pa.Table,
    split: pa.Table,
    kind: str,
    *,
    max_rank: int,
    seed: int,
    k: int,
    tau: int | None = None,
    pooled: bool = False,
) -> pa.Table:
    """Ranked metadata neighbors of every image of split number k, within its own subset.

    Tags are restricted to the tau most frequent tags of the train subset (the same vocabulary
    for every subset, as the paper builds it from training data only); sets and groups use every
    item. The tie permutation is drawn over the split's images sorted by image_id, so it does
    not depend on file order. Rows come back in the split's order (NEIGHBORS schema).
    `pooled`: training images are ranked within pools the test subset's size.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown metadata kind {kind!r}; expected one of {KINDS}")
    if kind == "tags" and tau is None:
        raise ValueError("tag neighbors need tau (the tag vocabulary size)")
    if kind != "tags" and tau is not None:
        raise ValueError(f"{kind} neighbors use the whole vocabulary; tau={tau} was given")
    ids, subsets, lists = _split_lists(images, split, kind)
    vocabularies = {}
    if kind == "tags":
        vocabulary = tag_vocabulary(_train_lists(lists, subsets), tau)
        log.info("tag vocabulary: %d tags", len(vocabulary))
        vocabularies = dict.fromkeys(SUBSETS, vocabulary)
    return _within_subsets(
        ids, subsets, lists, vocabularies, max_rank=max_rank, seed=seed, k=k, pooled=pooled
    )


def _train_lists(lists: list, subsets: np.ndarray) -> list:
    train = [items for items, subset in zip(lists, subsets, strict=True) if subset == "train"]
    if not train:
        raise ValueError("the split has no train images to build the tag vocabulary from")
    return train


def vocabulary_split_neighbors(
    images: pa.Table, split: pa.Table, *, size: int, overlap: int, max_rank: int, seed: int, k: int
) -> pa.Table:
    """Tag neighbors for vocabulary generalization (Fig. 8): train and val images use the
    training vocabulary, test images the testing one; the two share `overlap` percent."""
    ids, subsets, lists = _split_lists(images, split, "tags")
    top = tag_vocabulary(_train_lists(lists, subsets), size)
    train_vocabulary, test_vocabulary = overlap_vocabularies(top, overlap, seeds.vocabulary(seed, k))
    vocabularies = {"train": train_vocabulary, "val": train_vocabulary, "test": test_vocabulary}
    return _within_subsets(ids, subsets, lists, vocabularies, max_rank=max_rank, seed=seed, k=k)


def for_meta(meta: str, images: pa.Table, split: pa.Table, *, max_rank: int, seed: int, k: int) -> pa.Table:
    """The neighbors a `{meta}` path name asks for, from metadata (visual ones need features),
    for split number k; `seed` is the config's."""
    neighbors = experiments.parse_neighbors(meta)
    if neighbors.kind == "tagsplit":
        return vocabulary_split_neighbors(
            images, split, max_rank=max_rank, seed=seed, k=k, **neighbors.params
        )
    if neighbors.kind == "visual":
        raise ValueError(f"{meta!r}: visual neighbors come from features (neighborhoods.visual)")
    return metadata_neighbors(
        images, split, neighbors.kind, max_rank=max_rank, seed=seed, k=k, **neighbors.params
    )
