"""Gather what training and prediction need for one split into arrays, once per job.

Features stay one (N, d) tensor shared by all subsets; labels and neighbors refer to rows
of it, so gathering a minibatch's neighborhoods is one indexing operation. They may be held
as float16 (half the memory: 1.6 instead of 3.1 GB for NUS-WIDE's 190K x 4096) and are
widened to float32 per gathered batch.
"""

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

from neighborhoods import parquet, splits
from neighborhoods.labels import labels_by_id, read_concepts
from neighborhoods.vocabularies import binary_matrix, tag_vocabulary

FEATURE_DTYPES = {"float32": np.float32, "float16": np.float16}


@dataclass
class Subset:
    image_ids: np.ndarray  # (n,) int64
    rows: torch.Tensor  # (n,) rows of SplitData.features
    labels: torch.Tensor  # (n, L) float32 0/1
    neighbor_rows: torch.Tensor | None  # (n, Mmax) rows of SplitData.features, nearest first


@dataclass
class SplitData:
    features: torch.Tensor  # (N, d) float32 or float16
    concepts: list[str]
    subsets: dict[str, Subset]
    tags: sp.csr_matrix | None = None  # (N, tau) 0/1 rows like `features`, top training tags
    tag_vocabulary: list[str] | None = None  # the tags of `tags`' columns, in order
    feature_ids: np.ndarray | None = None  # (N,) the image id of each row of `features`

    def feature_rows(self, rows: torch.Tensor) -> torch.Tensor:
        """Features of `rows` (any shape of row indices) as float32, however they are held."""
        return self.features[rows].float()

    def tag_vectors(self, rows: torch.Tensor) -> torch.Tensor:
        """Dense binary tag vectors of a minibatch; the full matrix stays sparse."""
        return torch.from_numpy(self.tags[rows.numpy()].toarray().astype(np.float32))


def for_job(inputs, *, tag_tau: int | None = None, feature_dtype: str = "float32") -> SplitData:
    """`load` from a job's named inputs (`common.smk`'s data_inputs and run_inputs): images,
    concepts, split, features with their matrix, and neighbors where the job has them."""
    return load(
        inputs.images,
        inputs.concepts,
        inputs.split,
        inputs.features,
        inputs.get("neighbors"),
        tag_tau=tag_tau,
        feature_dtype=feature_dtype,
        matrix_path=inputs.matrix,
    )


def load(
    images_path: str | Path,
    concepts_path: str | Path,
    split_path: str | Path,
    features_path: str | Path,
    neighbors_path: str | Path | None = None,
    tag_tau: int | None = None,
    feature_dtype: str = "float32",
    matrix_path: str | Path | None = None,
) -> SplitData:
    """With `tag_tau`, also the binary vectors of the tag_tau most frequent train tags;
    `feature_dtype` ("float32" or "float16") is how the features are held in memory;
    `matrix_path`, the features' raw .npy copy, is memory-mapped in place of decoding them."""
    if feature_dtype not in FEATURE_DTYPES:
        raise ValueError(f"feature_dtype must be one of {sorted(FEATURE_DTYPES)}, got {feature_dtype!r}")
    concepts = read_concepts(concepts_path)
    images = parquet.read(images_path, parquet.IMAGES)
    feature_ids, features = parquet.open_features(features_path, matrix_path)
    row_of = {int(image_id): row for row, image_id in enumerate(feature_ids)}

    labels_of = labels_by_id(images, concepts)

    split = parquet.read(split_path, parquet.SPLIT)
    neighbors = None if neighbors_path is None else _read_neighbors(neighbors_path)

    subsets = {}
    split_ids = split.column("image_id").to_numpy()
    split_subsets = np.asarray(split.column("subset").to_pylist())
    for name in parquet.SUBSETS:
        ids = split_ids[split_subsets == name]
        missing = [int(i) for i in ids if int(i) not in row_of]
        if missing:
            raise ValueError(
                f"{features_path}: no features for {len(missing)} image(s) of {split_path}, "
                f"e.g. {missing[:5]}"
            )
        subsets[name] = Subset(
            image_ids=ids,
            rows=torch.tensor([row_of[int(i)] for i in ids], dtype=torch.long),
            labels=torch.from_numpy(np.stack([labels_of[int(i)] for i in ids])),
            neighbor_rows=None if neighbors is None else _neighbor_rows(neighbors, ids, row_of),
        )
    tags, vocabulary = None, None
    if tag_tau is not None:
        tags_by_id = dict(
            zip(images.column("image_id").to_pylist(), images.column("tags").to_pylist(), strict=True)
        )
        vocabulary = tag_vocabulary((tags_by_id[int(i)] for i in subsets["train"].image_ids), tag_tau)
        tags = binary_matrix([tags_by_id.get(int(i)) for i in feature_ids], vocabulary)
    held = torch.from_numpy(features.astype(FEATURE_DTYPES[feature_dtype], copy=False))  # no copy for float32
    return SplitData(held, concepts, subsets, tags, vocabulary, feature_ids)


def _read_neighbors(path: str | Path) -> dict[int, list[int]]:
    table = parquet.read(path, parquet.NEIGHBORS)
    return dict(zip(table.column("image_id").to_pylist(), table.column("neighbors").to_pylist(), strict=True))


def _neighbor_rows(neighbors: dict[int, list[int]], ids: np.ndarray, row_of: dict[int, int]) -> torch.Tensor:
    """(n, Mmax) feature rows of the neighbors of images `ids`, nearest first."""
    return torch.tensor([[row_of[n] for n in neighbors[int(i)]] for i in ids], dtype=torch.long)


def with_test_neighbors(data: SplitData, neighbors_path: str | Path) -> SplitData:
    """The same data, its test subset's neighbors read from `neighbors_path`: Table 4 tests a
    trained model with the neighbors of each other kind of metadata, and the rest loads once."""
    row_of = {int(image_id): row for row, image_id in enumerate(data.feature_ids)}
    test = data.subsets["test"]
    rows = _neighbor_rows(_read_neighbors(neighbors_path), test.image_ids, row_of)
    return replace(data, subsets={**data.subsets, "test": replace(test, neighbor_rows=rows)})


def training_fraction(data: SplitData, percent: int, seed: np.random.SeedSequence) -> SplitData:
    """The split with only `percent` of its training images labelled and trained on: a prefix
    of one seeded order of them, so smaller fractions are subsets of larger ones. Validation and
    test images, and every image's neighbors, stay as they are."""
    train = data.subsets["train"]
    size = splits.fraction_size(len(train.rows), percent)
    keep = np.sort(np.random.default_rng(seed).permutation(len(train.rows))[:size])
    neighbor_rows = None if train.neighbor_rows is None else train.neighbor_rows[keep]
    kept = Subset(train.image_ids[keep], train.rows[keep], train.labels[keep], neighbor_rows)
    return replace(data, subsets={**data.subsets, "train": kept})
