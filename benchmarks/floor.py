"""The floor pass for exact Jaccard top-k: one scatter over every co-occurring pair.

Any exact method that counts intersections must touch each pair (i, j) sharing an item at
least once; this does only that (one counter increment per pair, never reset, nothing kept),
with the same threads and row chunks as `jaccard._topk_kernel`.
"""

import numba
import numpy as np
import scipy.sparse as sp


@numba.njit(parallel=True, cache=True, nogil=True)
def _scatter(indptr, indices, post_ptr, post_idx, chunks):
    n = len(indptr) - 1
    totals = np.zeros(chunks, dtype=np.int64)
    for c in numba.prange(chunks):
        count = np.zeros(n, dtype=np.int32)
        for i in range(c * n // chunks, (c + 1) * n // chunks):
            for e in range(indptr[i], indptr[i + 1]):
                t = indices[e]
                for f in range(post_ptr[t], post_ptr[t + 1]):
                    count[post_idx[f]] += 1
        totals[c] = count.sum()
    return totals.sum()


def floor_pass(X: sp.csr_matrix) -> int:
    """Scatter every co-occurring pair of rows of X once; returns the number of pairs."""
    X = sp.csr_matrix(X)
    postings = X.T.tocsr()
    chunks = min(X.shape[0], 64 * numba.get_num_threads())
    return int(
        _scatter(
            X.indptr.astype(np.int64),
            X.indices.astype(np.int32),
            postings.indptr.astype(np.int64),
            postings.indices.astype(np.int32),
            chunks,
        )
    )
