"""Inputs of any shape a user could give: photo ids in other scripts' digits or past int64,
imported features with null, odd-sized or non-numeric rows, a split too small to pool, a
checkpoint that would run code. Each is a clear error naming the file and the row or line, or
a row dropped and counted, never a traceback or a vector shifted onto another id."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from test_imported_features import features, write_bigfile
from test_mcauley import write_xml

from benchmarks.mcauley_xml import record
from neighborhoods import checkpoint, imported_features, parquet, photo_ids
from neighborhoods import neighbors as nbmod
from neighborhoods.ingestion import flickr, mcauley, nuswide

MAX = np.iinfo(np.int64).max
# Arabic-Indic twelve, a superscript two, fullwidth digits, 20 digits, a sign, a space, a point.
NOT_IDS = ["١٢", "²", "１２", "99999999999999999999", str(MAX + 1), "-12", "+12", " 12", "12.0", "", "1e3"]


# ---- one parser ----------------------------------------------------------------------------


def test_only_ascii_digits_within_int64_are_photo_ids():
    for text in NOT_IDS:
        assert photo_ids.parse(text) is None, text
        assert nuswide.photo_id(text) is None, text
    assert photo_ids.parse("9" * 5000) is None  # int() itself refuses 4,300 digits and more
    assert photo_ids.parse(str(MAX)) == MAX and photo_ids.parse("0012") == 12
    assert photo_ids.parse(12) == 12 and photo_ids.parse(np.uint64(MAX) + np.uint64(1)) is None
    for value in (True, 12.0, None, -1, [12]):
        assert photo_ids.parse(value) is None, value
    assert photo_ids.from_name("0001_2124494179") == 2124494179 and photo_ids.from_name("0001_١٢") is None


@pytest.mark.parametrize("text", ["١٢", "²", "99999999999999999999"])
def test_the_xml_refuses_an_id_in_other_digits_or_past_int64_naming_the_line(tmp_path, text):
    xml = write_xml(tmp_path / "photos.xml", [record("5", "u", ["t"]), record(text, "u", ["t"])])
    for policy in ("stop", "drop"):  # a record without a photo id names no photo to drop
        with pytest.raises(
            nuswide.ReleaseError,
            match=r"photos\.xml:\d+: expected a <photo> with a numeric id attribute "
            r"\(ASCII digits, at most 9223372036854775807\)",
        ):
            mcauley.read(xml, policy)


@pytest.mark.parametrize("text", ["١٤", "²", "99999999999999999999"])
def test_the_metadata_csv_refuses_an_id_in_other_digits_or_past_int64_naming_the_line(tmp_path, text):
    table = tmp_path / "meta.csv"
    table.write_text(f"photo_id,tags\n5,a b\n{text},c\n", encoding="utf-8")
    with pytest.raises(
        nuswide.ReleaseError,
        match=rf"meta\.csv:3: expected a numeric photo_id \(ASCII digits, at most \d+\), found '{text}'",
    ):
        flickr.read_metadata_table(table, "drop")


def test_a_metadata_parquet_refuses_an_id_that_is_not_one_naming_the_row(tmp_path):
    table = tmp_path / "meta.parquet"
    pq.write_table(pa.table({"photo_id": ["5", "١٢"], "tags": [["a"], ["b"]]}), table)
    with pytest.raises(
        nuswide.ReleaseError,
        match=r"meta\.parquet: row 1 \(0-based\): expected a numeric photo_id .*found '١٢'",
    ):
        flickr.read_metadata_table(table)
    pq.write_table(pa.table({"photo_id": [5, None], "tags": [["a"], ["b"]]}), table)
    with pytest.raises(
        nuswide.ReleaseError, match=r"row 1 \(0-based\): expected a numeric photo_id .*found None"
    ):
        flickr.read_metadata_table(table)
    table.write_bytes(b"not parquet")
    with pytest.raises(nuswide.ReleaseError, match=r"meta\.parquet: expected a Parquet table"):
        flickr.read_metadata_table(table)


@pytest.mark.parametrize("text", ["١٤", "²", "99999999999999999999"])
def test_bigfile_and_npy_ids_in_other_digits_or_past_int64_are_bad_rows_named_by_line(tmp_path, text):
    values = features(3, 4)
    folder = write_bigfile(tmp_path / "big", [], values, id_text=f"11\n{text}\n13\n")
    with pytest.raises(ValueError, match=rf"id\.txt, line 2 \(row 2\): id '{text}' is not a photo id"):
        imported_features.import_features(str(folder), tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()
    summary = imported_features.import_features(str(folder), tmp_path / "out.parquet", policy="drop")
    assert summary["rows"] == 2 and summary["dropped"] == 1
    ids, read = parquet.read_features(tmp_path / "out.parquet")
    assert ids.tolist() == [11, 13]
    np.testing.assert_array_equal(read, values[[0, 2]])  # each vector stays with its own id

    np.save(tmp_path / "x.npy", values)
    (tmp_path / "x.ids.txt").write_text(f"11 {text} 13\n")
    with pytest.raises(ValueError, match=rf"x\.ids\.txt, line 1 \(row 2\): id '{text}' is not a photo id"):
        imported_features.import_features(str(tmp_path / "x.npy"), tmp_path / "o.parquet")


def test_an_id_file_that_is_not_utf8_names_its_line(tmp_path):
    folder = write_bigfile(tmp_path / "big", [11, 12], features(2, 3))
    (folder / "id.txt").write_bytes(b"11\n1\xff2\n")
    with pytest.raises(ValueError, match=r"id\.txt, line 2 \(row 2\): id '1\\\\xff2' is not UTF-8"):
        imported_features.import_features(str(folder), tmp_path / "out.parquet")


def test_npy_of_objects_or_text_is_refused_naming_the_file(tmp_path):
    np.save(tmp_path / "x.npy", np.array([["a", "b"]]))
    (tmp_path / "x.ids.txt").write_text("1\n")
    with pytest.raises(ValueError, match=r"x\.npy: an array of <U1, expected numbers"):
        imported_features.import_features(str(tmp_path / "x.npy"), tmp_path / "o.parquet")
    np.save(tmp_path / "x.npy", np.array([[{"a": 1}]], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"x\.npy: expected a \.npy array of numbers"):
        imported_features.import_features(str(tmp_path / "x.npy"), tmp_path / "o.parquet")


def test_low_level_text_that_is_not_numbers_names_the_file(tmp_path):
    from test_imported_features import write_imagelist

    imagelist = write_imagelist(tmp_path / "Imagelist.txt", [11, 12])
    (tmp_path / "a.dat").write_text("1 2\n3 x\n")
    with pytest.raises(ValueError, match=r"a\.dat: expected whitespace-separated numbers"):
        imported_features.import_features([str(tmp_path / "a.dat")], tmp_path / "o.parquet", imagelist)


# ---- imported Parquet features, row by row -------------------------------------------------


def write_features(path: Path, ids, vectors, vector_type=None, id_type=None, row_group_size=None) -> Path:
    vector_type, id_type = vector_type or pa.list_(pa.float32(), 2), id_type or pa.int64()
    table = pa.table({"image_id": pa.array(ids, id_type), "feature": pa.array(vectors, vector_type)})
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


@pytest.mark.parametrize("row_group_size", [None, 2])
def test_a_null_vector_is_refused_naming_row_and_id_and_dropped_without_shifting(tmp_path, row_group_size):
    path = write_features(
        tmp_path / "f.parquet", [1, 2, 3, 4], [[1, 1], None, [3, 3], [4, 4]], row_group_size=row_group_size
    )
    with pytest.raises(ValueError, match=r"f\.parquet: row 2 \(id 2\): its feature is null"):
        parquet.read_features(path)
    with pytest.raises(ValueError, match=r"f\.parquet, row 2 \(id 2\): its feature is null"):
        imported_features.import_features(str(path), tmp_path / "out.parquet")
    summary = imported_features.import_features(str(path), tmp_path / "out.parquet", policy="drop")
    assert summary == {"format": "parquet", "rows": 3, "dims": 2, "dropped": 1}
    ids, values = parquet.read_features(tmp_path / "out.parquet")
    assert ids.tolist() == [1, 3, 4] and values.tolist() == [[1, 1], [3, 3], [4, 4]]


def test_rows_of_different_widths_are_refused_naming_row_and_id(tmp_path):
    path = write_features(
        tmp_path / "f.parquet", [1, 2, 3], [[1, 1], [2, 2, 2], [3, 3]], pa.list_(pa.float64())
    )
    with pytest.raises(
        ValueError, match=r"f\.parquet: row 2 \(id 2\): its feature has 3 values, where the first row's has 2"
    ):
        parquet.read_features(path)
    imported_features.import_features(str(path), tmp_path / "out.parquet", policy="drop")
    ids, values = parquet.read_features(tmp_path / "out.parquet")
    assert ids.tolist() == [1, 3] and values.dtype == np.float32 and values.tolist() == [[1, 1], [3, 3]]
    # Lists of one width, as pandas writes them, are features like any other.
    same = write_features(tmp_path / "g.parquet", [1, 2], [[1, 2], [3, 4]], pa.list_(pa.int32()))
    assert parquet.read_features(same)[1].tolist() == [[1, 2], [3, 4]]


def test_null_and_unreadable_ids_are_refused_naming_the_row(tmp_path):
    path = write_features(tmp_path / "f.parquet", [1, None, 3], [[1, 1], [2, 2], [3, 3]])
    with pytest.raises(ValueError, match=r"f\.parquet: row 2: its image_id is null"):
        parquet.read_features(path)
    text = write_features(
        tmp_path / "t.parquet", ["0001_11", "١٢", "13"], [[1, 1], [2, 2], [3, 3]], id_type=pa.string()
    )
    with pytest.raises(ValueError, match=r"t\.parquet: row 2: its image_id '١٢' is not a photo id"):
        parquet.read_features(text)
    imported_features.import_features(str(text), tmp_path / "out.parquet", policy="drop")
    assert parquet.read_features(tmp_path / "out.parquet")[0].tolist() == [11, 13]
    past = write_features(tmp_path / "u.parquet", [1, 2**63], [[1, 1], [2, 2]], id_type=pa.uint64())
    with pytest.raises(
        ValueError, match=r"u\.parquet: row 2: its image_id 9223372036854775808 is not a photo id"
    ):
        parquet.read_features(past)


def test_a_wrong_element_or_id_type_is_refused_naming_the_column(tmp_path):
    words = write_features(tmp_path / "w.parquet", [1, 2], [["a", "b"], ["c", "d"]], pa.list_(pa.string()))
    with pytest.raises(
        ValueError,
        match=r"w\.parquet: column feature is of type list<\w+: string> "
        r"\(row 1, id 1: \['a', 'b'\]\); expected a list of numbers",
    ):
        imported_features.import_features(str(words), tmp_path / "out.parquet")
    scalar = tmp_path / "s.parquet"
    pq.write_table(pa.table({"image_id": [1], "feature": [0.5]}), scalar)
    with pytest.raises(ValueError, match=r"s\.parquet: column feature is of type double"):
        parquet.read_features(scalar)
    floats = write_features(tmp_path / "f.parquet", [1.0, 2.0], [[1, 1], [2, 2]], id_type=pa.float64())
    with pytest.raises(
        ValueError, match=r"f\.parquet: column image_id is of type double; expected integer photo ids"
    ):
        parquet.read_features(floats)
    (tmp_path / "x.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ValueError, match=r"x\.parquet: expected a Parquet file of features"):
        parquet.read_features(tmp_path / "x.parquet")


def test_a_null_inside_a_vector_is_a_bad_row(tmp_path):
    path = write_features(tmp_path / "f.parquet", [1, 2], [[1, None], [2, 2]])
    with pytest.raises(ValueError, match=r"f\.parquet, row 1 \(id 1\): a NaN, infinite or null value"):
        imported_features.import_features(str(path), tmp_path / "out.parquet")


def test_every_row_is_written_and_good_files_read_as_before(tmp_path):
    values = features(10, 3)
    path = tmp_path / "f.parquet"
    pq.write_table(parquet.features_table(np.arange(10), values), path, row_group_size=3)
    ids, read = parquet.read_features(path)
    assert ids.tolist() == list(range(10))
    np.testing.assert_array_equal(read, values)
    empty = tmp_path / "e.parquet"
    pq.write_table(parquet.features_table(np.arange(0), np.zeros((0, 3), np.float32)), empty)
    assert parquet.read_features(empty)[1].shape == (0, 3)


# ---- pooled neighbors ----------------------------------------------------------------------


def test_a_split_that_cannot_make_two_pools_is_refused_naming_the_subset_sizes():
    subsets = np.array(["train"] * 14 + ["val"] * 3 + ["test"] * 10)
    with pytest.raises(
        ValueError, match=r"at least two pools .* the train subset has 14 images and the test subset 10"
    ):
        nbmod._pools(subsets, 0, 0)
    with pytest.raises(ValueError, match=r"the train subset has 14 images and the test subset 0"):
        nbmod._pools(np.array(["train"] * 14 + ["val"] * 3), 0, 0)
    assert len(nbmod._pools(np.array(["train"] * 15 + ["test"] * 10), 0, 0)) == 2
    with pytest.raises(
        ValueError,
        match=r"the smallest of the 2 pools holds 7 images; each needs more than neighbors.max_rank \(8\)",
    ):
        nbmod._pools(np.array(["train"] * 15 + ["test"] * 10), 0, 0, max_rank=8)


# ---- checkpoints ---------------------------------------------------------------------------


class Payload:
    """Unpickled, it would create a file: what a checkpoint from a stranger could do instead."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_checkpoint_is_loaded_as_weights_only_even_where_the_default_is_turned_off(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    torch.save({"experiment": Payload(marker)}, tmp_path / "model.pt")
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")  # torch's own switch for its default
    with pytest.raises(ValueError, match=r"model\.pt: not a checkpoint of this pipeline"):
        checkpoint.load(tmp_path / "model.pt")
    assert not marker.exists()


def test_metadata_tables_read_as_before(tmp_path):
    table = tmp_path / "meta.csv"
    pd.DataFrame({"photo_id": ["0012", "13"], "tags": ["a b", "c"]}).to_csv(table, index=False)
    assert flickr.read_metadata_table(table).column("photo_id").to_pylist() == [12, 13]
