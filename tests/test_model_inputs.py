"""Loading a split's data from real Parquet files, and swapping the test subset's neighbors."""

import numpy as np
import pyarrow as pa
import pytest
import torch

from neighborhoods import model_inputs, parquet

N = 12  # images 100..111: 4 train, 4 val, 4 test; feature rows in reverse id order


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    ids = np.arange(100, 100 + N)
    subsets = np.repeat(["train", "val", "test"], 4)
    images = pa.table(
        {
            "image_id": ids,
            "path": [f"{i}.jpg" for i in ids],
            "labels": [["a"] if i % 2 else ["b"] for i in ids],
            "tags": [["t"]] * N,
            "sets": [[]] * N,
            "groups": [[]] * N,
            "owner": ["u"] * N,
        },
        schema=parquet.IMAGES,
    )
    parquet.write(images, tmp_path / "images.parquet", parquet.IMAGES)
    (tmp_path / "concepts.txt").write_text("a\nb\n")
    split = pa.table({"image_id": ids, "subset": subsets}, schema=parquet.SPLIT)
    parquet.write(split, tmp_path / "split.parquet", parquet.SPLIT)
    parquet.write(parquet.features_table(ids[::-1], rng.random((N, 3))), tmp_path / "features.parquet")
    paths = {}
    for name in ("own", "other"):
        # Each image's neighbors: three training images, in an order of the file's own.
        neighbors = np.stack([rng.permutation(ids[:4])[:3] for _ in ids])
        table = parquet.neighbors_table(ids, subsets, neighbors, np.ones((N, 3), np.float32))
        parquet.write(table, tmp_path / f"{name}.parquet", parquet.NEIGHBORS)
        paths[name] = (tmp_path / f"{name}.parquet", neighbors)
    return tmp_path, paths


def load(folder, neighbors=None):
    names = ("images.parquet", "concepts.txt", "split.parquet", "features.parquet")
    return model_inputs.load(*(folder / name for name in names), neighbors)


def test_neighbor_rows_are_the_feature_rows_of_the_listed_neighbors(files):
    folder, paths = files
    data = load(folder, paths["own"][0])
    neighbors = paths["own"][1]
    row_of_id = {int(i): row for row, i in enumerate(data.feature_ids)}
    expected = [[row_of_id[int(n)] for n in neighbors[i]] for i in range(8, 12)]
    assert data.subsets["test"].neighbor_rows.tolist() == expected
    assert data.feature_ids.tolist() == list(range(111, 99, -1))


def test_swapping_the_test_neighbors_equals_loading_with_them_and_leaves_the_rest(files):
    folder, paths = files
    own = load(folder, paths["own"][0])
    swapped = model_inputs.with_test_neighbors(own, paths["other"][0])
    reference = load(folder, paths["other"][0])
    assert torch.equal(swapped.subsets["test"].neighbor_rows, reference.subsets["test"].neighbor_rows)
    assert not torch.equal(swapped.subsets["test"].neighbor_rows, own.subsets["test"].neighbor_rows)
    for subset in ("train", "val"):
        assert swapped.subsets[subset] is own.subsets[subset]
    assert swapped.features is own.features
