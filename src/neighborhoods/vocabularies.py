"""Metadata vocabularies and the 0/1 image x item matrices built over them."""

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp


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


def overlap_vocabularies(
    top_tags: list[str], overlap: int, seed: int | np.random.SeedSequence
) -> tuple[list[str], list[str]]:
    """Fig. 8's two vocabularies: the top tags, shuffled, give each vocabulary half of them,
    of which `overlap` percent are shared; the rest of each half is its own."""
    half = len(top_tags) // 2
    shared = round(half * overlap / 100)
    shuffled = [top_tags[i] for i in np.random.default_rng(seed).permutation(len(top_tags))]
    own = half - shared
    return shuffled[: shared + own], shuffled[:shared] + shuffled[shared + own : shared + 2 * own]
