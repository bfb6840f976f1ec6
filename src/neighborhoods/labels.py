"""Concept lists and multi-hot label matrices (no torch: evaluation and figures use these)."""

from pathlib import Path

import numpy as np


def read_concepts(path: str | Path) -> list[str]:
    return [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]


def label_matrix(label_lists: list[list[str]], concepts: list[str]) -> np.ndarray:
    """Multi-hot (n, L) matrix; a label outside the concept list is an error, not a silent zero."""
    index = {name: i for i, name in enumerate(concepts)}
    matrix = np.zeros((len(label_lists), len(concepts)), dtype=np.float32)
    for row, labels in enumerate(label_lists):
        for label in labels:
            if label not in index:
                raise ValueError(f"image row {row}: label {label!r} is not in the concept list")
            matrix[row, index[label]] = 1.0
    return matrix


def labels_by_id(images, concepts: list[str], dtype=np.float32) -> dict[int, np.ndarray]:
    """Each image's multi-hot label row, by image_id, from an IMAGES table."""
    matrix = label_matrix(images.column("labels").to_pylist(), concepts).astype(dtype, copy=False)
    return dict(zip(images.column("image_id").to_pylist(), matrix, strict=True))


def check_binary(values: np.ndarray, name: str) -> None:
    """Refuse anything but 0/1 (or boolean) values, naming what was given."""
    values = np.asarray(values)
    if values.dtype != bool and not np.isin(values, (0, 1)).all():
        raise ValueError(f"{name} must be 0/1 (or boolean)")
