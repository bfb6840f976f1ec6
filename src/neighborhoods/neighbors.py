"""Nearest neighbors by Jaccard similarity of image metadata (tags, photo sets, groups).

The paper picks an image's neighbors by d(x, x') = 1 - |t_x ∩ t_x'| / |t_x ∪ t_x'| over its
metadata sets. Most similarities are small fractions, so ties are everywhere (and every image
with no shared item ties at 0). Ties are broken by a seeded permutation of the images, never by
row order, because NUS-WIDE's file order follows the Flickr query that found each image and
would leak labels into the neighborhoods. Similarities are compared exactly: they are computed
as float64 intersection / union, and correctly rounded division maps equal fractions to the
same float, so a tie is a tie.
"""

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from .tables import NEIGHBORS, SUBSETS

log = logging.getLogger(__name__)

KINDS = ("tags", "sets", "groups")

# Elements of one dense (rows x n) similarity block; bounds memory per block to a few
# arrays of this size (float64 similarities, int64 cumulative counts) whatever n is.
BLOCK_ELEMENTS = 1 << 22


def parse_meta(meta: str) -> tuple[str, int | None]:
    """Map the `{meta}` name used in file paths to (kind, tau)."""
    match = re.fullmatch(r"tags-tau([1-9][0-9]*)", meta)
    if match:
        return "tags", int(match.group(1))
    if meta in ("sets", "groups"):
        return meta, None
    raise ValueError(
        f"unknown metadata neighborhood {meta!r}; accepted: 'tags-tau<N>' "
        "(N a positive integer, e.g. 'tags-tau5000'), 'sets', 'groups'"
    )


def tag_vocabulary(tag_lists: Iterable[Sequence[str] | None], tau: int) -> list[str]:
    """The tau tags carried by the most images; equal counts ordered by tag for determinism."""
    if tau < 1:
        raise ValueError(f"tau must be a positive integer, got {tau}")
    counts = Counter(tag for tags in tag_lists for tag in set(tags or ()))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [tag for tag, _ in ranked[:tau]]


def binary_matrix(
    item_lists: Sequence[Sequence[str] | None], vocabulary: Sequence[str] | None = None
) -> sp.csr_matrix:
    """Images x items 0/1 matrix; repeated items count once, items outside the vocabulary are
    dropped. Without a vocabulary, the columns are every item seen, sorted."""
    if vocabulary is None:
        vocabulary = sorted({item for items in item_lists for item in items or ()})
    column = {item: j for j, item in enumerate(vocabulary)}
    if len(column) != len(vocabulary):
        raise ValueError("vocabulary has duplicate entries")
    indptr = [0]
    indices: list[int] = []
    for items in item_lists:
        cols = sorted({column[item] for item in items or () if item in column})
        indices.extend(cols)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.int32)
    return sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
        shape=(len(item_lists), len(vocabulary)),
    )


def select_topk(sim: np.ndarray, self_col: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top k columns per row of a dense similarity block, by similarity descending and, among
    equal similarities, by column ascending; each row's own column is never chosen.

    The caller orders the columns by tie rank, so "column ascending" is the seeded tie-break;
    any kernel that produces such blocks can reuse (or be tested against) this selection.
    Returns (columns int64 (b, k), similarities float64 (b, k)).
    """
    b, n = sim.shape
    if not 1 <= k < n:
        raise ValueError(f"need 1 <= k < number of columns, got k={k} with {n} columns")
    sim = np.array(sim, dtype=np.float64)
    sim[np.arange(b), self_col] = -np.inf
    kth = np.partition(sim, n - k, axis=1)[:, n - k, None]  # k-th largest per row
    above = sim > kth
    tied = sim == kth
    missing = k - above.sum(axis=1, keepdims=True)
    take = above | (tied & (np.cumsum(tied, axis=1) <= missing))
    cols = np.nonzero(take)[1].reshape(b, k)  # ascending within each row
    vals = np.take_along_axis(sim, cols, axis=1)
    by_sim = np.argsort(-vals, axis=1, kind="stable")  # stable keeps column order on ties
    return np.take_along_axis(cols, by_sim, axis=1), np.take_along_axis(vals, by_sim, axis=1)


def jaccard_topk(X: sp.spmatrix, k: int, tie_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The k most Jaccard-similar other rows of each row of a 0/1 matrix.

    Ties (including the zero-similarity fill for rows with fewer than k overlapping rows) go
    to the smaller tie_rank. Two empty rows have similarity 0. Returns (neighbors int64 (n, k)
    as row indices, similarity float32 (n, k)).
    """
    X = sp.csr_matrix(X, dtype=np.int32, copy=True)
    X.sum_duplicates()
    X.eliminate_zeros()
    n = X.shape[0]
    if np.any(X.data != 1):
        raise ValueError("X must be a 0/1 matrix")
    tie_rank = np.asarray(tie_rank)
    if tie_rank.shape != (n,):
        raise ValueError(f"tie_rank has shape {tie_rank.shape}, expected ({n},)")
    if not 1 <= k < n:
        raise ValueError(
            f"need 1 <= k < n rows (an image is not its own neighbor); got k={k}, n={n}"
        )
    order = np.argsort(tie_rank, kind="stable")
    if np.any(tie_rank[order[1:]] == tie_rank[order[:-1]]):
        raise ValueError("tie_rank must not repeat a value (it is a permutation rank)")
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    sizes = np.diff(X.indptr).astype(np.float64)
    ranked = X[order].T.tocsr()  # columns in tie-rank order, so ties resolve to lower columns
    ranked_sizes = sizes[order]

    neighbors = np.empty((n, k), dtype=np.int64)
    similarity = np.empty((n, k), dtype=np.float32)
    block = max(1, BLOCK_ELEMENTS // n)
    for start in range(0, n, block):
        stop = min(n, start + block)
        inter = (X[start:stop] @ ranked).toarray().astype(np.float64)
        union = sizes[start:stop, None] + ranked_sizes[None, :] - inter
        sim = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        cols, vals = select_topk(sim, position[start:stop], k)
        neighbors[start:stop] = order[cols]
        similarity[start:stop] = vals
    return neighbors, similarity


def metadata_neighbors(
    images: pa.Table,
    split: pa.Table,
    kind: str,
    *,
    max_rank: int,
    seed: int,
    tau: int | None = None,
) -> pa.Table:
    """Ranked metadata neighbors of every image of a split, within its own subset.

    Tags are restricted to the tau most frequent tags of the train subset (the same vocabulary
    for every subset, as the paper builds it from training data only); sets and groups use every
    item. The tie permutation is drawn over the split's images sorted by image_id, so it does
    not depend on file order. Rows come back in the split's order (NEIGHBORS schema).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown metadata kind {kind!r}; expected one of {KINDS}")
    if kind == "tags" and tau is None:
        raise ValueError("tag neighbors need tau (the tag vocabulary size)")
    if kind != "tags" and tau is not None:
        raise ValueError(f"{kind} neighbors use the whole vocabulary; tau={tau} was given")

    ids = split.column("image_id").to_numpy()
    subsets = np.asarray(split.column("subset").to_pylist(), dtype=object)
    if len(np.unique(ids)) != len(ids):
        raise ValueError("split lists an image_id more than once")
    unknown = set(subsets) - set(SUBSETS)
    if unknown:
        raise ValueError(f"split has unknown subset(s) {sorted(unknown)}; expected {SUBSETS}")

    index = pd.Index(images.column("image_id").to_numpy())
    if not index.is_unique:
        raise ValueError("images table lists an image_id more than once")
    found = index.get_indexer(ids)
    missing = ids[found < 0]
    if len(missing):
        raise ValueError(
            f"{len(missing)} split image(s) not in the images table, e.g. {missing[:5].tolist()}"
        )
    lists = images.column(kind).to_pylist()
    lists = [lists[i] for i in found]

    rng = np.random.default_rng(seed)
    tie_rank = np.empty(len(ids), dtype=np.int64)
    tie_rank[np.argsort(ids)] = rng.permutation(len(ids))

    vocabulary = None
    if kind == "tags":
        train = [items for items, subset in zip(lists, subsets) if subset == "train"]
        if not train:
            raise ValueError("the split has no train images to build the tag vocabulary from")
        vocabulary = tag_vocabulary(train, tau)
        log.info("tag vocabulary: %d tags from %d train images", len(vocabulary), len(train))

    neighbors = np.empty((len(ids), max_rank), dtype=np.int64)
    similarity = np.empty((len(ids), max_rank), dtype=np.float32)
    for subset in SUBSETS:
        rows = np.flatnonzero(subsets == subset)
        if len(rows) == 0:
            continue
        if len(rows) <= max_rank:
            raise ValueError(
                f"subset {subset!r} has {len(rows)} images; need more than max_rank={max_rank}"
            )
        log.info("%s neighbors of %d %s images", kind, len(rows), subset)
        X = binary_matrix([lists[i] for i in rows], vocabulary)
        nb, sim = jaccard_topk(X, max_rank, tie_rank[rows])
        neighbors[rows] = ids[rows][nb]
        similarity[rows] = sim

    offsets = pa.array(np.arange(0, neighbors.size + 1, max_rank, dtype=np.int32))
    return pa.table(
        {
            "image_id": pa.array(ids, pa.int64()),
            "subset": pa.array(subsets.tolist(), pa.string()),
            "neighbors": pa.ListArray.from_arrays(offsets, pa.array(neighbors.reshape(-1))),
            "similarity": pa.ListArray.from_arrays(offsets, pa.array(similarity.reshape(-1))),
        },
        schema=NEIGHBORS,
    )
