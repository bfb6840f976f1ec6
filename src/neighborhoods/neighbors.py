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

from .tables import SUBSETS, neighbors_table, split_arrays

log = logging.getLogger(__name__)

KINDS = ("tags", "sets", "groups")

# Elements of one dense (rows x n) similarity block; bounds memory per block to a few
# arrays of this size (float64 similarities, int64 cumulative counts) whatever n is.
BLOCK_ELEMENTS = 1 << 22


_META_FORMS = {
    "tags": re.compile(r"tags-tau(?P<tau>[1-9][0-9]*)"),
    "sets": re.compile(r"sets"),
    "groups": re.compile(r"groups"),
    "tagsplit": re.compile(r"tagsplit(?P<size>[1-9][0-9]*)-overlap(?P<overlap>[0-9]{1,3})"),
    "visual": re.compile(r"visual-(?P<backbone>[a-z0-9_]+)"),
}


def parse_meta(meta: str) -> tuple[str, dict]:
    """Map the `{meta}` name used in file paths to (kind, its parameters as ints or strings)."""
    for kind, pattern in _META_FORMS.items():
        match = pattern.fullmatch(meta)
        if match and int(match.groupdict().get("overlap") or 0) <= 100:
            return kind, {k: int(v) if v.isdigit() else v for k, v in match.groupdict().items()}
    raise ValueError(
        f"unknown neighborhood {meta!r}; accepted: 'tags-tau<N>' (N a positive integer, e.g. "
        "'tags-tau5000'), 'sets', 'groups', 'tagsplit<N>-overlap<P>' (P in 0..100), 'visual-<backbone>'"
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


def _tie_rank(ids: np.ndarray, seed: int) -> np.ndarray:
    """Each image's place in a seeded permutation of the split's images sorted by id."""
    tie_rank = np.empty(len(ids), dtype=np.int64)
    tie_rank[np.argsort(ids)] = np.random.default_rng(seed).permutation(len(ids))
    return tie_rank


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


def _within_subsets(ids, subsets, lists, vocabularies: dict, *, max_rank: int, seed: int) -> pa.Table:
    """Jaccard top-max_rank of every image among its own subset, each subset with its own
    vocabulary (None: every item), as a NEIGHBORS table in the split's row order."""
    tie_rank = _tie_rank(ids, seed)
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
        log.info("neighbors of %d %s images", len(rows), subset)
        X = binary_matrix([lists[i] for i in rows], vocabularies.get(subset))
        nb, sim = jaccard_topk(X, max_rank, tie_rank[rows])
        neighbors[rows] = ids[rows][nb]
        similarity[rows] = sim
    return neighbors_table(ids, subsets, neighbors, similarity)


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
    ids, subsets, lists = _split_lists(images, split, kind)
    vocabularies = {}
    if kind == "tags":
        vocabulary = tag_vocabulary(_train_lists(lists, subsets), tau)
        log.info("tag vocabulary: %d tags", len(vocabulary))
        vocabularies = dict.fromkeys(SUBSETS, vocabulary)
    return _within_subsets(ids, subsets, lists, vocabularies, max_rank=max_rank, seed=seed)


def _train_lists(lists: list, subsets: np.ndarray) -> list:
    train = [items for items, subset in zip(lists, subsets) if subset == "train"]
    if not train:
        raise ValueError("the split has no train images to build the tag vocabulary from")
    return train


def overlap_vocabularies(top_tags: list[str], overlap: int, seed: int) -> tuple[list[str], list[str]]:
    """Fig. 8's two vocabularies: the top tags, shuffled, give each vocabulary half of them,
    of which `overlap` percent are shared; the rest of each half is its own."""
    half = len(top_tags) // 2
    shared = round(half * overlap / 100)
    shuffled = [top_tags[i] for i in np.random.default_rng(seed).permutation(len(top_tags))]
    own = half - shared
    return shuffled[: shared + own], shuffled[:shared] + shuffled[shared + own : shared + 2 * own]


def vocabulary_split_neighbors(
    images: pa.Table, split: pa.Table, *, size: int, overlap: int, max_rank: int, seed: int
) -> pa.Table:
    """Tag neighbors for vocabulary generalization (Fig. 8): train and val images use the
    training vocabulary, test images the testing one; the two share `overlap` percent."""
    ids, subsets, lists = _split_lists(images, split, "tags")
    top = tag_vocabulary(_train_lists(lists, subsets), size)
    train_vocabulary, test_vocabulary = overlap_vocabularies(top, overlap, seed)
    vocabularies = {"train": train_vocabulary, "val": train_vocabulary, "test": test_vocabulary}
    return _within_subsets(ids, subsets, lists, vocabularies, max_rank=max_rank, seed=seed)


def for_meta(meta: str, images: pa.Table, split: pa.Table, *, max_rank: int, seed: int) -> pa.Table:
    """The neighbors a `{meta}` path name asks for, from metadata (visual ones need features)."""
    kind, params = parse_meta(meta)
    if kind == "tagsplit":
        return vocabulary_split_neighbors(images, split, max_rank=max_rank, seed=seed, **params)
    if kind == "visual":
        raise ValueError(f"{meta!r}: visual neighbors come from features (neighborhoods.visual)")
    return metadata_neighbors(images, split, kind, max_rank=max_rank, seed=seed, **params)
