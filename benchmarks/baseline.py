"""The plain exact Jaccard top-k: a chunked scipy sparse product and, per row, np.partition
over its overlapping rows. Kept out of the package because the pipeline never runs it: it is
the baseline the benchmarks time `jaccard_topk` against and the reference the tests check its
results against (it is checked itself against exact fractions)."""

import numpy as np
import scipy.sparse as sp

from neighborhoods.jaccard import TieOrder, _check_topk_inputs

CHUNK = 1000  # rows per sparse product: a few hundred MB of product at NUS-WIDE scale


def scipy_topk(X: sp.spmatrix, k: int, ties: TieOrder) -> tuple[np.ndarray, np.ndarray]:
    X = _check_topk_inputs(X, k, ties)
    n = X.shape[0]
    row_at = np.argsort(ties.position)  # the row at each position
    sizes = np.diff(X.indptr).astype(np.float64)
    right = X.T.tocsr()
    neighbors = np.empty((n, k), dtype=np.int64)
    similarity = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        inter = (X[start:stop] @ right).tocsr()
        rows = np.repeat(np.arange(start, stop), np.diff(inter.indptr))
        sims = inter.data / (sizes[rows] + sizes[inter.indices] - inter.data)
        for r, i in enumerate(range(start, stop)):
            lo, hi = inter.indptr[r], inter.indptr[r + 1]
            cols, s = inter.indices[lo:hi], sims[lo:hi]
            keep = cols != i
            cols, s = cols[keep], s[keep]
            keys = ties.key(i, cols)
            if len(s) > k:
                kth = -np.partition(-s, k - 1)[k - 1]
                above = s > kth
                tied = np.flatnonzero(s == kth)
                tied = tied[np.argsort(keys[tied])][: k - above.sum()]
                take = np.concatenate([np.flatnonzero(above), tied])
                cols, s, keys = cols[take], s[take], keys[take]
            if len(s) < k:  # zero fill: the query's first visits without overlap
                visits = np.arange(k + len(s) + 1)
                fill = row_at[(ties.offset[i] + visits * ties.stride[i]) % n]
                fresh = ~np.isin(fill, np.append(cols, i))
                fill, visits = fill[fresh][: k - len(s)], visits[fresh][: k - len(s)]
                cols, s, keys = (
                    np.concatenate([cols, fill]),
                    np.concatenate([s, np.zeros(len(fill))]),
                    np.concatenate([keys, visits]),
                )
            best = np.lexsort((keys, -s))
            neighbors[i], similarity[i] = cols[best], s[best]
    return neighbors, similarity
