"""Seeded benchmark data with the statistics of the paper's Table 1 (NUS-WIDE metadata).

Per image, the number of items is negative binomial (mean and median as in Table 1); the item
is drawn from a fixed popularity law: Zipf-like for tags (a 10,000-word vocabulary, so a few
tags are on ~10% of images), Pareto-sized groups capped at 5% of the images (a few very large
groups, most groups small), and nearly uniform sets (2.3 images per set). Repeated draws of one
item in one image count once. `describe` reports what came out, next to Table 1.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# Table 1, NUS-WIDE (190,253 images): vocabulary, items per image (mean, median),
# images per item (mean, median).
TABLE1 = {
    "tags": dict(vocabulary=10_000, per_image=(14.2, 11), per_item=(270.3, 91)),
    "groups": dict(vocabulary=95_358, per_image=(13.1, 8), per_item=(26.1, 2)),
    "sets": dict(vocabulary=165_039, per_image=(2.0, 1), per_item=(2.3, 1)),
}


@dataclass(frozen=True)
class Law:
    vocabulary: int
    mean: float  # of the negative binomial draws per image, before repeats are merged
    shape: float  # negative binomial shape: smaller is more skewed (median below mean)


LAWS = {
    "tags": Law(10_000, 14.35, 1.5),
    "groups": Law(95_358, 13.6, 0.8),
    "sets": Law(165_039, 2.0, 1.0),
}


def popularity(kind: str, rng: np.random.Generator) -> np.ndarray:
    """Probability of each item of the vocabulary (most popular first for tags)."""
    vocabulary = LAWS[kind].vocabulary
    if kind == "tags":  # Zipf-like: p ~ 1 / (rank + 40)
        weight = 1.0 / (np.arange(vocabulary) + 40.0)
    elif kind == "groups":  # Pareto(0.9) sizes, capped: a few groups hold 5% of the images
        weight = np.minimum(rng.pareto(0.9, vocabulary) + 1.0, 0.05 * 190_253)
    else:  # sets: one owner's album each, nearly uniform
        weight = 1.0 / (np.arange(vocabulary) + 10.0) ** 0.3
    return weight / weight.sum()


def metadata(kind: str, n: int, seed: int = 0) -> sp.csr_matrix:
    """(n, vocabulary) 0/1 CSR matrix of one metadata kind, with Table 1's statistics."""
    law = LAWS[kind]
    rng = np.random.default_rng([seed, list(LAWS).index(kind)])
    p = popularity(kind, rng)
    counts = rng.negative_binomial(law.shape, law.shape / (law.shape + law.mean), size=n)
    items = rng.choice(law.vocabulary, size=int(counts.sum()), p=p)
    rows = np.repeat(np.arange(n), counts)
    X = sp.csr_matrix((np.ones(len(items), dtype=np.int32), (rows, items)), shape=(n, law.vocabulary))
    X.sum_duplicates()
    X.data[:] = 1
    return X


def top_columns(X: sp.csr_matrix, tau: int) -> sp.csr_matrix:
    """Keep the tau columns carried by the most rows (the tags-tau vocabulary)."""
    df = np.asarray((X > 0).sum(axis=0)).ravel()
    keep = np.sort(np.argsort(-df, kind="stable")[:tau])
    return X[:, keep].tocsr()


def describe(X: sp.csr_matrix) -> dict:
    per_image = np.diff(X.indptr)
    df = np.bincount(X.indices, minlength=X.shape[1])
    used = df[df > 0]
    return {
        "images": X.shape[0],
        "unique": int(len(used)),
        "per_image": (float(per_image.mean()), float(np.median(per_image))),
        "per_item": (float(used.mean()), float(np.median(used))),
        "largest_item": int(used.max()),
        "pairs": int((df.astype(np.int64) ** 2).sum()),  # co-occurring (i, j) pairs, i = j included
    }


def features(n: int, width: int = 4096, seed: int = 0) -> np.ndarray:
    """Random nonnegative float32 features (fc7 after ReLU is nonnegative)."""
    rng = np.random.default_rng([seed, 99])
    out = np.empty((n, width), dtype=np.float32)
    step = 8192
    for start in range(0, n, step):
        block = rng.standard_normal((min(step, n - start), width), dtype=np.float32)
        np.maximum(block, 0, out=out[start : start + len(block)])
    return out
