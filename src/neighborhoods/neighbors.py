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

import numba
import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from .tables import SUBSETS, neighbors_table, split_arrays, subset_rows

log = logging.getLogger(__name__)

KINDS = ("tags", "sets", "groups")

# Elements of one dense (rows x n) similarity block; bounds memory per block to a few
# arrays of this size (float64 similarities, int64 cumulative counts) whatever n is.
BLOCK_ELEMENTS = 1 << 22

# Overlapping rows per row whose k-th best similarity sets the compiled kernel's first threshold.
SAMPLE = 512


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


def _check_topk_inputs(X: sp.spmatrix, k: int, tie_rank: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """X as a canonical 0/1 int32 CSR copy, and the rows in tie-rank order; errors name the fault."""
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
    return X, order


def jaccard_topk(X: sp.spmatrix, k: int, tie_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The k most Jaccard-similar other rows of each row of a 0/1 matrix.

    Ties (including the zero-similarity fill for rows with fewer than k overlapping rows) go
    to the smaller tie_rank. Two empty rows have similarity 0. Returns (neighbors int64 (n, k)
    as row indices, similarity float32 (n, k)).

    Runs the compiled sparse kernel (`_topk_kernel`): per row, intersections are counted by one
    scatter over the inverted index into a dense counter, and the k best are kept in a heap
    with exact rational comparison. It returns exactly what `jaccard_topk_blocked` (the plain
    dense-block reference) returns. Memory beyond the inputs and outputs: two n-long int32
    arrays per thread.
    """
    X, order = _check_topk_inputs(X, k, tie_rank)
    n = X.shape[0]
    ranked = X[order]  # row p is the image of tie rank p: a tie goes to the lower position
    ranked.sort_indices()
    postings = ranked.T.tocsr()  # item -> positions, ascending
    sizes = np.diff(ranked.indptr)
    # Counters as narrow as the largest row allows (an intersection never exceeds it).
    sizes = sizes.astype(np.uint16 if len(sizes) == 0 or sizes.max() < 2**16 - 1 else np.int64)
    positions, inter, union = _topk_kernel(
        ranked.indptr.astype(np.int64),
        ranked.indices.astype(np.int32),
        postings.indptr.astype(np.int64),
        postings.indices.astype(np.int32),
        sizes,
        k,
        min(n, 64 * numba.get_num_threads()),  # row chunks, for load balance across threads
        SAMPLE,
    )
    neighbors = np.empty((n, k), dtype=np.int64)
    similarity = np.empty((n, k), dtype=np.float32)
    neighbors[order] = order[positions]
    # float64 intersection / union, as the reference computes it, then float32.
    similarity[order] = np.divide(
        inter, union, out=np.zeros((n, k), dtype=np.float64), where=union > 0
    ).astype(np.float32)
    return neighbors, similarity


@numba.njit(inline="always")
def _worse(a1, u1, p1, a2, u2, p2):
    """Is (a1/u1, position p1) ranked after (a2/u2, p2)? Exact: cross-multiplied integers;
    an empty union means similarity 0 (written as 0/1 by the kernel, never 0/0)."""
    left = a1 * u2
    right = a2 * u1
    return left < right or (left == right and p1 > p2)


@numba.njit(inline="always")
def _swap(ha, hu, hp, x, y):
    ha[x], ha[y] = ha[y], ha[x]
    hu[x], hu[y] = hu[y], hu[x]
    hp[x], hp[y] = hp[y], hp[x]


@numba.njit(inline="always")
def _sift_up(ha, hu, hp, child):
    """Restore the heap (worst entry at index 0) above a new entry at `child`."""
    while child > 0:
        parent = (child - 1) // 2
        if not _worse(ha[child], hu[child], hp[child], ha[parent], hu[parent], hp[parent]):
            return
        _swap(ha, hu, hp, child, parent)
        child = parent


@numba.njit(inline="always")
def _sift_down(ha, hu, hp, size, root):
    """Restore the heap (worst entry at index 0) below `root`."""
    while True:
        child = 2 * root + 1
        if child >= size:
            return
        if child + 1 < size and _worse(ha[child + 1], hu[child + 1], hp[child + 1], ha[child], hu[child], hp[child]):
            child += 1
        if _worse(ha[child], hu[child], hp[child], ha[root], hu[root], hp[root]):
            _swap(ha, hu, hp, child, root)
            root = child
        else:
            return


@numba.njit(parallel=True, cache=True, nogil=True)
def _topk_kernel(indptr, indices, post_ptr, post_idx, sizes, k, chunks, sample_size):
    """Top k per row of a 0/1 CSR matrix whose rows are in tie order (see `jaccard_topk`).

    Per row i: (1) scatter: count every co-occurrence into `count`, listing each overlapping
    row once in `touched`; (2) threshold: the k-th best of the first `sample_size` overlapping rows
    is a lower bound on the row's k-th best, so (3) one branch-free pass keeps only the rows at
    or above it (exact integer comparison) and resets the counter; (4) the k best of those by
    (similarity, position) in a heap. A row with fewer than k overlapping rows keeps them all
    and fills with similarity 0, lowest positions first. Rows are processed in `chunks`
    contiguous runs spread over the threads; each run has its own n-long work arrays.
    Returns positions int64 (n, k) and, per pick, the intersection and union (int64), best
    first; a similarity-0 pick has intersection 0.
    """
    n = len(sizes)
    out_pos = np.empty((n, k), dtype=np.int64)
    out_a = np.empty((n, k), dtype=np.int64)
    out_u = np.empty((n, k), dtype=np.int64)
    for c in numba.prange(chunks):
        count = np.zeros(n, dtype=sizes.dtype)  # the narrowest counter that fits: cache-resident
        touched = np.empty(n, dtype=np.int32)
        kept = np.empty(n, dtype=np.int32)
        kept_a = np.empty(n, dtype=np.int64)
        sample = np.empty(sample_size, dtype=np.float64)
        ha = np.empty(k, dtype=np.int64)
        hu = np.empty(k, dtype=np.int64)
        hp = np.empty(k, dtype=np.int64)
        for i in range(c * n // chunks, (c + 1) * n // chunks):
            # (1) scatter
            nt = 0
            for e in range(indptr[i], indptr[i + 1]):
                t = indices[e]
                for f in range(post_ptr[t], post_ptr[t + 1]):
                    j = post_idx[f]
                    touched[nt] = j
                    nt += count[j] == 0
                    count[j] += 1
            si = np.int64(sizes[i])
            if si > 0:
                count[i] = 0  # never its own neighbor (reset below with the others)
            # (2) threshold (ta / tu) from a sample; 0 / 1 keeps every overlapping row
            ta, tu = 0, 1
            s = min(nt, sample_size)
            if s >= k:
                for q in range(s):
                    j = touched[q]
                    a = np.int64(count[j])
                    sample[q] = a / (si + np.int64(sizes[j]) - a)
                v = np.partition(sample[:s], s - k)[s - k]
                if v > 0:
                    for q in range(s):
                        j = touched[q]
                        a = count[j]
                        if a / (si + np.int64(sizes[j]) - a) == v:
                            ta, tu = a, si + np.int64(sizes[j]) - a
                            break
            # (3) keep rows with a / u >= ta / tu and a > 0; reset the counter
            # a / u <= a / si, so most rows are rejected without reading their size.
            nk = 0
            for q in range(nt):
                j = touched[q]
                a = np.int64(count[j])
                count[j] = 0
                if a > 0 and a * tu >= ta * si:
                    if a * tu >= ta * (si + np.int64(sizes[j]) - a):
                        kept[nk] = j
                        kept_a[nk] = a
                        nk += 1
            # (4) heap of the k best, root = worst kept
            size = 0
            for q in range(nk):
                j = kept[q]
                a = kept_a[q]
                u = si + np.int64(sizes[j]) - a
                if size < k:
                    ha[size], hu[size], hp[size] = a, u, j
                    size += 1
                    _sift_up(ha, hu, hp, size - 1)
                elif _worse(ha[0], hu[0], hp[0], a, u, j):
                    ha[0], hu[0], hp[0] = a, u, j
                    _sift_down(ha, hu, hp, size, 0)
            # Fewer than k overlapping rows: all are kept; fill with similarity 0.
            j = 0
            while size < k:
                taken = j == i
                for q in range(size):
                    if hp[q] == j:
                        taken = True
                if not taken:
                    ha[size], hu[size], hp[size] = 0, max(si + np.int64(sizes[j]), 1), j
                    size += 1
                j += 1
            # Best first: insertion sort of the k kept.
            for q in range(1, k):
                a, u, p = ha[q], hu[q], hp[q]
                r = q - 1
                while r >= 0 and _worse(ha[r], hu[r], hp[r], a, u, p):
                    ha[r + 1], hu[r + 1], hp[r + 1] = ha[r], hu[r], hp[r]
                    r -= 1
                ha[r + 1], hu[r + 1], hp[r + 1] = a, u, p
            out_pos[i] = hp
            out_a[i] = ha
            out_u[i] = hu
    return out_pos, out_a, out_u


def jaccard_topk_blocked(X: sp.spmatrix, k: int, tie_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`jaccard_topk` the plain way: dense (rows x n) similarity blocks from a scipy sparse
    product, then `select_topk`. The reference the compiled kernel is tested against, and the
    baseline the benchmark measures it against (about 5x slower at NUS-WIDE scale)."""
    X, order = _check_topk_inputs(X, k, tie_rank)
    n = X.shape[0]
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
    for subset, rows in subset_rows(subsets, max_rank):
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
