"""Visual neighbors: exact L2 nearest neighbors of CNN features, computed blockwise with BLAS.

The paper's "visual neighbors" row of Table 3 and its CNN + kNN voting baseline both need the
exact L2 nearest neighbors of every image among up to ~110,000 images of 4096-d features. A
tree or an approximate index is either slow in 4096-d or inexact; a float32 matrix product per
block of queries is exact up to float32 rounding and runs at BLAS speed on any machine.
"""

import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import torch

from neighborhoods.parquet import neighbors_table, split_arrays, subset_rows

log = logging.getLogger(__name__)

# Bytes of the (block x base) float32 distance matrix of one block of queries.
BLOCK_BYTES = 256 * 2**20

# Relative width, against ||q||² + max ||b||², within which two float32 BLAS distances may be
# the same distance rounded differently; such near-ties are decided exactly.
TIE_TOLERANCE = 1e-5


def _squared_norms(x: np.ndarray, name: str) -> np.ndarray:
    """Row squared norms; a non-finite norm means a NaN/inf (or overflowing) feature."""
    norms = np.einsum("ij,ij->i", x, x)
    bad = np.flatnonzero(~np.isfinite(norms))
    if len(bad):
        raise ValueError(f"{name} has non-finite values in {len(bad)} row(s), e.g. {bad[:5]}")
    return norms


def l2_topk(
    queries: np.ndarray,
    base: np.ndarray,
    k: int,
    *,
    exclude_self: bool = False,
    block: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The k L2-nearest base rows of every query row, nearest first.

    Squared distances are ||q||² − 2 q·b + ||b||² in float32, one block of queries at a time;
    the candidates are picked by torch.topk and only those k are sorted. BLAS rounds a product
    differently for another block size or tile (last float32 bits), so rows where candidates
    lie within that rounding of each other or of the k-th are decided again from exact float64
    differences: equal distances (duplicate base rows) then go to the lower base index, never
    to BLAS tiling or sort internals. Tiny negative distances (float32 cancellation) are
    clamped to 0.

    With exclude_self=True the queries are the base (same rows, same order) and row i never
    returns base row i. `block` is the number of queries per block; by default it is chosen so
    the (block x base) float32 matrix stays under 256 MiB. The peak memory beyond the inputs is
    about 1.5 times that matrix (the matrix and a boolean mask for the tie check):
    ~0.8 GiB. At full scale (40,000 x 110,000 images of 4096-d) the inputs themselves take
    0.66 + 1.8 GB, so ~3.3 GB in all, and the work is 3.6e13 float32 flops of matrix product
    (docs/performance.md has the measured time).

    Returns (indices int64 (q, k), squared distances float32 (q, k)).
    """
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    base = np.ascontiguousarray(base, dtype=np.float32)
    if queries.ndim != 2 or base.ndim != 2 or queries.shape[1] != base.shape[1]:
        raise ValueError(
            f"queries and base must be 2-d with the same width; got {queries.shape}, {base.shape}"
        )
    if exclude_self and queries.shape != base.shape:
        raise ValueError(
            f"exclude_self needs the queries to be the base rows; got {queries.shape} "
            f"queries for {base.shape} base"
        )
    n_queries, n_base = len(queries), len(base)
    available = n_base - int(exclude_self)
    if not 1 <= k <= available:
        raise ValueError(
            f"need 1 <= k <= {available} (base rows{' other than the query' * exclude_self}); got k={k}"
        )
    if block is None:
        block = max(1, BLOCK_BYTES // (4 * n_base))
    if block < 1:
        raise ValueError(f"block must be a positive number of queries, got {block}")

    base_sq = _squared_norms(base, "base")
    query_sq = _squared_norms(queries, "queries")
    indices = np.empty((n_queries, k), dtype=np.int64)
    distances = np.empty((n_queries, k), dtype=np.float32)
    for start in range(0, n_queries, block):
        stop = min(n_queries, start + block)
        rows = np.arange(stop - start)
        # Rank by ||b||² − 2 q·b: adding the per-row constant ||q||² would only add rounding.
        key = queries[start:stop] @ base.T
        key *= -2.0
        key += base_sq
        if exclude_self:
            key[rows, rows + start] = np.inf
        # torch.topk selects far faster than np.argpartition; which of equal values it
        # returns is unspecified, and the tie check below makes the result exact either way.
        top = torch.topk(torch.from_numpy(key), k, dim=1, largest=False, sorted=False)
        cand, vals = top.indices.numpy(), top.values.numpy()
        order = np.lexsort((cand, vals), axis=1)  # by key, then by base index
        cand, vals = np.take_along_axis(cand, order, axis=1), np.take_along_axis(vals, order, axis=1)
        nearest = np.maximum(vals + query_sq[start:stop, None], 0.0)
        # Rows whose k-th key has a rival within BLAS rounding outside the candidates, or two
        # candidates that close: redo them exactly (float64 differences), rare except for
        # duplicated features, so the result does not depend on how BLAS tiled the product.
        slack = TIE_TOLERANCE * (query_sq[start:stop] + base_sq.max())
        near = np.count_nonzero(key <= (vals[:, -1] + slack)[:, None], axis=1) > k
        near |= (np.diff(vals, axis=1) <= slack[:, None]).any(axis=1)
        for row in np.flatnonzero(near):
            window = np.flatnonzero(key[row] <= vals[row, -1] + slack[row])
            gap = base[window].astype(np.float64) - queries[start + row].astype(np.float64)
            exact = np.einsum("ij,ij->i", gap, gap)  # the query itself has key inf: not in window
            best = np.lexsort((window, exact))[:k]  # by exact distance, then by base index
            cand[row], nearest[row] = window[best], exact[best]
        indices[start:stop] = cand
        distances[start:stop] = nearest
    return indices, distances


def visual_neighbors(
    features: np.ndarray, feature_ids: np.ndarray, split: pa.Table, *, max_rank: int
) -> pa.Table:
    """The max_rank L2-nearest other images of every image of a split, within its own subset.

    `similarity` is the negated squared L2 distance, so larger means nearer as for Jaccard.
    Each subset's images are searched in image_id order, so equal distances (duplicate photos)
    go to the lower image_id whatever the order of the split or feature files. Rows come back
    in the split's order (NEIGHBORS schema).
    """
    features = np.asarray(features)
    feature_ids = np.asarray(feature_ids)
    if features.ndim != 2 or feature_ids.shape != (len(features),):
        raise ValueError(
            f"features must be (N, d) with one id per row; got {features.shape} and {feature_ids.shape} ids"
        )
    index = pd.Index(feature_ids)
    if not index.is_unique:
        raise ValueError("feature_ids list an image more than once")
    ids, subsets = split_arrays(split)
    found = index.get_indexer(ids)
    missing = ids[found < 0]
    if len(missing):
        raise ValueError(f"{len(missing)} split image(s) have no features, e.g. {missing[:5].tolist()}")

    neighbors = np.empty((len(ids), max_rank), dtype=np.int64)
    similarity = np.empty((len(ids), max_rank), dtype=np.float32)
    for subset, rows in subset_rows(subsets, max_rank):
        rows = rows[np.argsort(ids[rows], kind="stable")]
        log.info("visual neighbors of %d %s images", len(rows), subset)
        x = features[found[rows]]
        nb, sq = l2_topk(x, x, max_rank, exclude_self=True)
        neighbors[rows] = ids[rows][nb]
        similarity[rows] = -sq

    return neighbors_table(ids, subsets, neighbors, similarity)
