"""The exact Jaccard top-k kernel over a 0/1 matrix, and the per-query tie order it uses.

d(x, x') = 1 - |t_x ∩ t_x'| / |t_x ∪ t_x'| over metadata sets. Most similarities are small
fractions, so ties are everywhere (and every row with no shared item ties at 0). Ties are
broken by each query's own seeded order over the candidates (`TieOrder`), never by row order,
because NUS-WIDE's file order follows the Flickr query that found each image and would leak
labels into the neighborhoods; and never by one order shared by all queries, which would hand
every tie (and the zero-similarity fill) to the same few images and make them hubs.
Similarities are compared exactly: they are computed as float64 intersection / union, and
correctly rounded division maps equal fractions to the same float, so a tie is a tie.
"""

import functools
import math
from dataclasses import dataclass

import numba
import numpy as np
import scipy.sparse as sp

from neighborhoods.labels import check_binary

# Overlapping rows per row whose k-th best similarity sets the compiled kernel's first threshold.
SAMPLE = 512


@dataclass(frozen=True)
class TieOrder:
    """Each query's own seeded order over the candidates; ties go to the one it visits first.

    Every row has a position (`position`, a seeded permutation). Query i visits the positions
    offset[i], offset[i] + stride[i], offset[i] + 2 stride[i], ... (mod n), so its t-th visit is
    its t-th choice among tied candidates, the zero-similarity fill included. With stride
    coprime to n this visits every position once; a query's key for candidate j is the visit
    index t of j's position, one multiplication away (`key`), so an exact kernel pays nothing
    per comparison and finds its fill in k steps. Because positions are a random permutation,
    every candidate tied for a query is equally likely to come first; because offsets differ
    from query to query, no image wins the ties of all the others.
    """

    position: np.ndarray  # (n,) int64 permutation of 0..n-1, per row
    offset: np.ndarray  # (n,) int64 in [0, n), per query row
    stride: np.ndarray  # (n,) int64 in [1, n), coprime with n, per query row

    def __post_init__(self):
        n = len(self.position)
        if not (self.offset.shape == self.stride.shape == (n,)):
            raise ValueError(f"tie order: offset and stride must have shape ({n},)")
        if not np.array_equal(np.sort(self.position), np.arange(n)):
            raise ValueError("tie order: position must be a permutation of 0..n-1")
        if np.any((self.offset < 0) | (self.offset >= n)) or any(
            math.gcd(int(s), n) != 1 for s in self.stride
        ):
            raise ValueError(f"tie order: offsets must lie in [0, {n}) and strides be coprime with {n}")

    @functools.cached_property
    def inverse(self) -> np.ndarray:
        """Per query, stride^-1 mod n: turns a position back into its visit index."""
        n = len(self.position)
        return np.array([pow(int(s), -1, n) for s in self.stride], dtype=np.int64)

    def key(self, queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Visit index of each candidate row for each query row (broadcast), int64."""
        n = len(self.position)
        queries = np.asarray(queries)
        return (self.position[candidates] - self.offset[queries]) % n * self.inverse[queries] % n

    @classmethod
    def draw(cls, ids: np.ndarray, seed: int | np.random.SeedSequence) -> "TieOrder":
        """Seeded from the rows' ids (their sorted order), so neither file order nor labels
        can reach it."""
        n = len(ids)
        rng = np.random.default_rng(seed)
        by_id = np.argsort(ids, kind="stable")
        position, offset, stride = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
        position[by_id] = rng.permutation(n)
        offset[by_id] = rng.integers(0, n, size=n)
        drawn = rng.integers(1, max(n, 2), size=n)
        while True:  # redraw strides that share a factor with n (a few rounds at most)
            bad = np.gcd(drawn, n) != 1
            if not bad.any():
                break
            drawn[bad] = rng.integers(1, n, size=int(bad.sum()))
        stride[by_id] = drawn
        return cls(position, offset, stride)


def _check_topk_inputs(X: sp.spmatrix, k: int, ties: TieOrder) -> sp.csr_matrix:
    """X as a canonical 0/1 int32 CSR copy; errors name the fault."""
    X = sp.csr_matrix(X, dtype=np.int32, copy=True)
    X.sum_duplicates()
    X.eliminate_zeros()
    n = X.shape[0]
    check_binary(X.data, "X")
    if len(ties.position) != n:
        raise ValueError(f"tie order is for {len(ties.position)} rows, X has {n}")
    if not 1 <= k < n:
        raise ValueError(f"need 1 <= k < n rows (an image is not its own neighbor); got k={k}, n={n}")
    return X


def jaccard_topk(X: sp.spmatrix, k: int, ties: TieOrder) -> tuple[np.ndarray, np.ndarray]:
    """The k most Jaccard-similar other rows of each row of a 0/1 matrix.

    Ties (including the zero-similarity fill for rows with fewer than k overlapping rows) go
    to the candidate the query's `ties` order visits first. Two empty rows have similarity 0.
    Returns (neighbors int64 (n, k) as row indices, similarity float32 (n, k)).

    Runs the compiled sparse kernel (`_topk_kernel`): per row, intersections are counted by one
    scatter over the inverted index into a dense counter, and the k best are kept in a heap
    with exact rational comparison. It returns exactly what the plain reference the tests and
    benchmarks check it against (`benchmarks.baseline.scipy_topk`) returns. Memory beyond the
    inputs and outputs: two n-long int32 arrays per thread.
    """
    X = _check_topk_inputs(X, k, ties)
    n = X.shape[0]
    order = np.argsort(ties.position)  # the kernel works in positions: row order[p] sits at p
    ranked = X[order]
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
        ties.offset[order],
        ties.stride[order],
        ties.inverse[order],
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
def _worse(a1, u1, t1, a2, u2, t2):
    """Is (a1/u1, visit t1) ranked after (a2/u2, t2)? Exact: cross-multiplied integers;
    an empty union means similarity 0 (written as 0/1 by the kernel, never 0/0)."""
    left = a1 * u2
    right = a2 * u1
    return left < right or (left == right and t1 > t2)


@numba.njit(inline="always")
def _swap(ha, hu, ht, x, y):
    ha[x], ha[y] = ha[y], ha[x]
    hu[x], hu[y] = hu[y], hu[x]
    ht[x], ht[y] = ht[y], ht[x]


@numba.njit(inline="always")
def _sift_up(ha, hu, ht, child):
    """Restore the heap (worst entry at index 0) above a new entry at `child`."""
    while child > 0:
        parent = (child - 1) // 2
        if not _worse(ha[child], hu[child], ht[child], ha[parent], hu[parent], ht[parent]):
            return
        _swap(ha, hu, ht, child, parent)
        child = parent


@numba.njit(inline="always")
def _sift_down(ha, hu, ht, size, root):
    """Restore the heap (worst entry at index 0) below `root`."""
    while True:
        child = 2 * root + 1
        if child >= size:
            return
        if child + 1 < size and _worse(
            ha[child + 1], hu[child + 1], ht[child + 1], ha[child], hu[child], ht[child]
        ):
            child += 1
        if _worse(ha[child], hu[child], ht[child], ha[root], hu[root], ht[root]):
            _swap(ha, hu, ht, child, root)
            root = child
        else:
            return


@numba.njit(parallel=True, cache=True, nogil=True)
def _topk_kernel(indptr, indices, post_ptr, post_idx, sizes, offset, stride, inverse, k, chunks, sample_size):
    """Top k per row of a 0/1 CSR matrix whose rows sit at their tie positions (see `TieOrder`).

    Per row i: (1) scatter: count every co-occurrence into `count`, listing each overlapping
    row once in `touched`; (2) threshold: the k-th best of the first `sample_size` overlapping rows
    is a lower bound on the row's k-th best, so (3) one branch-free pass keeps only the rows at
    or above it (exact integer comparison) and resets the counter; (4) the k best of those by
    (similarity, visit index of row i's order) in a heap. A row with fewer than k overlapping
    rows keeps them all and fills with similarity 0 from the start of its own visiting order.
    Rows are processed in `chunks` contiguous runs spread over the threads; each run has its own
    n-long work arrays. Returns positions int64 (n, k) and, per pick, the intersection and union
    (int64), best first; a similarity-0 pick has intersection 0.
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
        ht = np.empty(k, dtype=np.int64)
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
                # np.sort, not np.partition: the same value, as fast on 512 entries, and half
                # the compile time (21 s down to 11 s on a 2-core AMD EPYC).
                v = np.sort(sample[:s])[s - k]
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
            # (4) heap of the k best, root = worst kept; ties by visit index in row i's order
            off, inv = offset[i], inverse[i]
            size = 0
            for q in range(nk):
                j = kept[q]
                a = kept_a[q]
                u = si + np.int64(sizes[j]) - a
                visit = (j - off + n) % n * inv % n
                if size < k:
                    ha[size], hu[size], ht[size] = a, u, visit
                    size += 1
                    _sift_up(ha, hu, ht, size - 1)
                elif _worse(ha[0], hu[0], ht[0], a, u, visit):
                    ha[0], hu[0], ht[0] = a, u, visit
                    _sift_down(ha, hu, ht, size, 0)
            # Fewer than k overlapping rows: all are kept; fill with similarity 0 in visit order.
            visit = 0
            while size < k:
                j = (off + visit * stride[i]) % n
                taken = j == i
                for q in range(size):
                    if ht[q] == visit:
                        taken = True
                if not taken:
                    ha[size], hu[size], ht[size] = 0, max(si + np.int64(sizes[j]), 1), visit
                    size += 1
                visit += 1
            # Best first: insertion sort of the k kept.
            for q in range(1, k):
                a, u, t = ha[q], hu[q], ht[q]
                r = q - 1
                while r >= 0 and _worse(ha[r], hu[r], ht[r], a, u, t):
                    ha[r + 1], hu[r + 1], ht[r + 1] = ha[r], hu[r], ht[r]
                    r -= 1
                ha[r + 1], hu[r + 1], ht[r + 1] = a, u, t
            for q in range(k):
                out_pos[i, q] = (off + ht[q] * stride[i]) % n
            out_a[i] = ha
            out_u[i] = hu
    return out_pos, out_a, out_u
