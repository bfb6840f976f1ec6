"""The baseline exact Jaccard top-k of issue 5: a chunked scipy sparse product and, per row,
np.partition over its overlapping rows (benchmark-only; same results as `jaccard_topk`)."""

import numpy as np
import scipy.sparse as sp

from neighborhoods.neighbors import _check_topk_inputs

CHUNK = 1000  # rows per sparse product: a few hundred MB of product at NUS-WIDE scale


def scipy_topk(X: sp.spmatrix, k: int, tie_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X, order = _check_topk_inputs(X, k, tie_rank)
    n = X.shape[0]
    ranked = X[order].tocsr()  # columns of the product in tie order: ties go to the lower one
    sizes = np.diff(ranked.indptr).astype(np.float64)
    right = ranked.T.tocsr()
    positions = np.empty((n, k), dtype=np.int64)
    similarity = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        inter = (ranked[start:stop] @ right).tocsr()
        rows = np.repeat(np.arange(start, stop), np.diff(inter.indptr))
        sims = inter.data / (sizes[rows] + sizes[inter.indices] - inter.data)
        for r, i in enumerate(range(start, stop)):
            lo, hi = inter.indptr[r], inter.indptr[r + 1]
            cols, s = inter.indices[lo:hi], sims[lo:hi]
            keep = cols != i
            cols, s = cols[keep], s[keep]
            if len(s) > k:
                kth = -np.partition(-s, k - 1)[k - 1]
                above = s > kth
                tied = np.sort(cols[s == kth])[: k - above.sum()]
                cols = np.concatenate([cols[above], tied])
                s = np.concatenate([s[above], np.full(len(tied), kth)])
            if len(s) < k:  # zero fill: the lowest other positions without overlap
                fill = np.setdiff1d(np.arange(min(n, k + len(s) + 1)), np.append(cols, i))[: k - len(s)]
                cols, s = np.concatenate([cols, fill]), np.concatenate([s, np.zeros(len(fill))])
            best = np.lexsort((cols, -s))
            positions[i], similarity[i] = cols[best], s[best]
    neighbors = np.empty((n, k), dtype=np.int64)
    out = np.empty((n, k), dtype=np.float32)
    neighbors[order] = order[positions]
    out[order] = similarity
    return neighbors, out
