"""Reading the NUS-WIDE release as distributed: faults named by file and line, rules for
CRLF, duplicates and bad lines, and the final tables with their drop counts."""

import json
import re

import pyarrow as pa
import pytest
import release_fixture as fx

from neighborhoods import parquet
from neighborhoods.ingestion import assembly, download, flickr, nuswide


@pytest.fixture
def root(tmp_path):
    return fx.write_release(tmp_path / "NUS-WIDE")


def test_stop_policy_names_file_line_and_expectation(root):
    with pytest.raises(nuswide.ReleaseError) as error:
        nuswide.read_release(root, policy="stop")
    message = str(error.value)
    assert "4 bad line(s) about 3 image(s)" in message
    assert "Imagelist.txt:4: expected a numeric photo id" in message
    assert "Labels_sky.txt:6: expected 0 or 1, found '2'" in message
    assert "Labels_wedding.txt:7: expected 0 or 1, found '1 0'" in message
    assert "All_Tags.txt:4: expected a numeric photo id" in message


def test_drop_policy_counts_bad_lines_and_merges_duplicates(root):
    release = nuswide.read_release(root, policy="drop")
    assert release.concepts == fx.CONCEPTS  # order and names from Concepts81.txt (CRLF)
    assert release.counts == {
        "lines": 11,
        "bad_lines": 3,
        "duplicate_rows": 1,
        "duplicate_conflicts": 1,
        "images": 7,
    }
    rows = {r["image_id"]: r for r in release.table.to_pylist()}
    assert sorted(rows) == [1001, 1002, 1003, 1007, 1008, 1009, 1010]
    # duplicate 1002: first row's path, union of labels and of tags (CRLF stripped everywhere)
    assert rows[1002]["path"] == "actor/0002_1002.jpg"
    assert rows[1002]["labels"] == ["dog", "wedding"]
    assert rows[1002]["tags"] == ["puppy", "dog"]
    assert rows[1001] == {
        "image_id": 1001,
        "path": "actor/0001_1001.jpg",
        "labels": ["sky"],
        "tags": ["sky", "blue"],
        "row": 0,
    }
    assert rows[1008]["tags"] == [] and rows[1003]["labels"] == []
    assert {p.row for p in release.problems} == {3, 5, 6}


def test_row_count_mismatch_stops_under_every_policy(tmp_path):
    root = fx.write_release(tmp_path / "r", drop_label_line=True)
    for policy in nuswide.POLICIES:
        with pytest.raises(nuswide.ReleaseError, match=r"Labels_sky.txt: 10 rows, expected 11"):
            nuswide.read_release(root, policy=policy)


def test_tags_row_with_another_photo_id_is_a_bad_line(root):
    path = root / "NUS_WID_Tags" / "All_Tags.txt"
    path.write_bytes(path.read_bytes().replace(b"1001 ", b"9999 ", 1))
    with pytest.raises(
        nuswide.ReleaseError,
        match=r"All_Tags.txt:1: expected photo id 1001 \(row 1 of Imagelist.txt\), found '9999'",
    ):
        nuswide.read_release(root, policy="stop")


def test_missing_file_and_bad_concepts_are_named(root, tmp_path):
    with pytest.raises(nuswide.ReleaseError, match="nowhere/ConceptsList/Concepts81.txt: file not found"):
        nuswide.read_release(tmp_path / "nowhere")
    (root / "ConceptsList" / "Concepts81.txt").write_text("sky\ndog\nsky\n")
    with pytest.raises(nuswide.ReleaseError, match=r"Concepts81.txt:3: expected a concept not listed before"):
        nuswide.read_concepts(root / "ConceptsList" / "Concepts81.txt")


def test_photo_path_of_a_windows_entry():
    assert nuswide.photo_path("C:\\ImageData\\Flickr\\actor\\0001_2124494179.jpg") == (
        "actor/0001_2124494179.jpg",
        "2124494179",
    )


def test_image_urls_follow_rows_and_size_order(root):
    release = nuswide.read_release(root, policy="drop")
    files = nuswide.files(root)
    with pytest.raises(
        nuswide.ReleaseError, match=r"NUS-WIDE-urls.txt:5: expected 6 fields: Photo_file Photo_id\(=-1\)"
    ):
        nuswide.image_urls(release.table, files["imagelist"], files["urls"], ["Small", "Middle"], "stop")
    urls = nuswide.image_urls(
        release.table, files["imagelist"], files["urls"], ["Small", "Large", "Middle"], "drop"
    )
    first = dict(zip(release.table.column("image_id").to_pylist(), urls, strict=True))
    assert first[1001] == ["http://{host}/img/1001_s.jpg", "http://{host}/img/1001_m.jpg"]  # Large is null


def _metadata(rows: dict) -> pa.Table:
    full = [{"photo_id": p, "status": "ok", "tags": None, "owner": None, **r} for p, r in rows.items()]
    return pa.Table.from_pylist(full, schema=flickr.METADATA)


def test_assemble_counts_every_drop_once_and_sorts_by_id(root, tmp_path):
    release = nuswide.read_release(root, policy="drop")
    images = fx.write_images(tmp_path / "Flickr")
    status = download.check_folder(assembly.labelled(release.table), images, workers=2)
    assert dict(
        zip(status.column("image_id").to_pylist(), status.column("status").to_pylist(), strict=True)
    ) == {
        1001: "ok", 1002: "ok", 1007: "ok", 1008: "ok", 1009: "corrupt", 1010: "missing"
    }  # fmt: skip
    metadata = _metadata(
        {
            1001: {"sets": ["s1"], "groups": ["g1", "g2"], "tags": ["flickrsky"], "owner": "u1@N00"},
            1002: {"sets": [], "groups": ["g1"], "tags": [], "owner": "u2@N00"},
            1007: {"status": "unavailable", "sets": None, "groups": None},
            1008: {"sets": [], "groups": [], "tags": [], "owner": "u3@N00"},
        }
    )
    table, counts = assembly.assemble(release.table, release.counts, status, metadata)
    assert counts == {
        "input": 11, "bad_lines": 3, "duplicate_rows": 1, "duplicate_conflicts": 1, "no_labels": 1,
        "image_missing": 1, "image_corrupt": 1, "image_placeholder": 0, "image_unreachable": 0,
        "image_too_large": 0, "metadata_unavailable": 1, "no_metadata": 1, "kept": 2,
    }  # fmt: skip
    dropped = sum(v for k, v in counts.items() if k not in ("input", "kept", "duplicate_conflicts"))
    assert dropped + counts["kept"] == counts["input"]
    assert table.schema.equals(parquet.IMAGES)
    assert table.to_pylist() == [
        {"image_id": 1001, "path": "actor/0001_1001.jpg", "labels": ["sky"], "tags": ["sky", "blue"],
         "sets": ["s1"], "groups": ["g1", "g2"], "owner": "u1@N00"},
        {"image_id": 1002, "path": "actor/0002_1002.jpg", "labels": ["dog", "wedding"],
         "tags": ["puppy", "dog"], "sets": [], "groups": ["g1"], "owner": "u2@N00"},
    ]  # fmt: skip
    flickr_tags, _ = assembly.assemble(release.table, release.counts, status, metadata, tags="flickr")
    assert flickr_tags.column("tags").to_pylist() == [["flickrsky"], []]
    out = tmp_path / "data"
    assembly.write(out, table, release.concepts, counts)
    assert (out / "concepts.txt").read_text() == "sky\ndog\nwedding\n"
    assert json.loads((out / "ingest_counts.json").read_text()) == counts
    assert json.loads((out / "stats.json").read_text())["unique_groups"] == 2
    assert parquet.read(out / "images.parquet", parquet.IMAGES).num_rows == 2


def test_metadata_table_fetched_before_csv_and_parquet(tmp_path):
    csv = tmp_path / "meta.csv"
    csv.write_text("photo_id,tags,sets,groups,owner\n1001,a b,s1,g1 g2,u1\n1002,,,g3,\n")
    table = flickr.read_metadata_table(csv)
    assert table.to_pylist() == [
        {
            "photo_id": 1001,
            "status": "ok",
            "tags": ["a", "b"],
            "sets": ["s1"],
            "groups": ["g1", "g2"],
            "owner": "u1",
        },
        {"photo_id": 1002, "status": "ok", "tags": [], "sets": [], "groups": ["g3"], "owner": None},
    ]
    typed = tmp_path / "meta.parquet"
    parquet.write(pa.table({"image_id": [5], "sets": [["x"]], "groups": [[]]}), typed)
    assert flickr.read_metadata_table(typed).to_pylist()[0]["tags"] is None
    parquet.write(pa.table({"photo_id": [5, 6, 5], "sets": [[], [], []], "groups": [[], [], []]}), typed)
    with pytest.raises(
        ValueError, match=r"meta.parquet: photo_id 5 is listed more than once \(rows 0 and 2, 0-based\)"
    ):
        flickr.read_metadata_table(typed, policy="drop")  # a typed table has no line to drop
    (tmp_path / "bad.csv").write_text("photo_id,sets,groups\n1,,\nabc,,\n")
    with pytest.raises(ValueError, match=r"bad.csv:3: expected a numeric photo_id \(.*\), found 'abc'"):
        flickr.read_metadata_table(tmp_path / "bad.csv")


NOT_UTF8 = {  # file: (bytes, and what replaces their first occurrence, on the line of photo 1001)
    "ImageList/Imagelist.txt": (
        b"\\actor\\0001_1001",
        b"\\act\xe9r\\0001_1001",
    ),  # leniently: folder 'act\ufffdr'
    "Groundtruth/AllLabels/Labels_sky.txt": (b"1\n", b"1\xa0\n"),
    "NUS_WID_Tags/All_Tags.txt": (b"sky blue", b"sky bl\xfc"),
}


def _not_utf8(path, old: bytes, new: bytes) -> str:
    """Write the replacement; returns where its first non-ASCII byte is, as the error says it."""
    data = path.read_bytes().replace(old, new, 1)
    path.write_bytes(data)
    offset = next(i for i, byte in enumerate(data) if byte >= 0x80)
    column = offset - (data.rfind(b"\n", 0, offset) + 1)
    return f"found byte 0x{data[offset]:02x} at byte offset {offset} of the file ({column} of the line)"


@pytest.mark.parametrize("name", NOT_UTF8)
def test_a_line_that_is_not_utf8_is_a_bad_line_named_with_its_byte(root, name, caplog):
    path = root / name
    where = _not_utf8(path, *NOT_UTF8[name])
    with pytest.raises(nuswide.ReleaseError) as error:
        nuswide.read_release(root, policy="stop")
    assert f"{path}:1: expected UTF-8 text, {where} in '" in str(error.value)
    release = nuswide.read_release(root, policy="drop")
    assert 1001 not in release.table.column("image_id").to_pylist()
    assert release.counts["bad_lines"] == fx.BAD_LINES + 1
    assert [(p.path, p.line) for p in release.problems if p.row == 0] == [
        (path, 1)
    ]  # not again as a bad label or id
    assert f"{path}:1: expected UTF-8 text" in caplog.text
    assert (
        f"{path}: {sum(p.path == path for p in release.problems)} bad line(s), their images dropped"
        in caplog.text
    )


def test_concepts_that_are_not_utf8_stop_under_every_policy(root):
    where = _not_utf8(root / "ConceptsList" / "Concepts81.txt", b"dog", b"d\xf6g")
    assert where == "found byte 0xf6 at byte offset 6 of the file (1 of the line)"  # after 'sky\r\nd'
    for policy in nuswide.POLICIES:
        with pytest.raises(
            nuswide.ReleaseError, match=rf"Concepts81.txt:2: expected UTF-8 text, {re.escape(where)}"
        ):
            nuswide.read_release(root, policy=policy)


def test_a_url_line_that_is_not_utf8_leaves_its_image_without_urls(root):
    release = nuswide.read_release(root, policy="drop")
    files = nuswide.files(root)
    where = _not_utf8(files["urls"], b"1001_s.jpg", b"1001_s\xe9.jpg")
    with pytest.raises(
        nuswide.ReleaseError, match=rf"NUS-WIDE-urls.txt:2: expected UTF-8 text, {re.escape(where)}"
    ):
        nuswide.image_urls(release.table, files["imagelist"], files["urls"], ["Small"], "stop")
    urls = nuswide.image_urls(release.table, files["imagelist"], files["urls"], ["Small", "Middle"], "drop")
    assert dict(zip(release.table.column("image_id").to_pylist(), urls, strict=True))[1001] == []


META_HEADER = "photo_id,tags,sets,groups,owner"


def _csv(path, lines: list[str], eol: str = "\n"):
    path.write_bytes(eol.join([META_HEADER, *lines, ""]).encode("utf-8", "surrogateescape"))
    return path


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("1002,dog,s2", "3 field(s) in '1002,dog,s2'"),
        ("1002,dog,s2,g2,u2,g3", "6 field(s) in '1002,dog,s2,g2,u2,g3'"),
    ],
)
def test_a_metadata_csv_row_with_a_wrong_field_count_is_named(tmp_path, line, found):
    path = _csv(tmp_path / "meta.csv", ["1001,sky,s1,g1,u1", line], "\r\n")
    expected = f"{path}:3: expected 5 fields ({META_HEADER}), found {found}"
    with pytest.raises(nuswide.ReleaseError) as error:
        flickr.read_metadata_table(path)  # stop is the default
    assert expected in str(error.value)
    table = flickr.read_metadata_table(path, policy="drop")
    assert table.to_pylist() == [
        {"photo_id": 1001, "status": "ok", "tags": ["sky"], "sets": ["s1"], "groups": ["g1"], "owner": "u1"},
        {"photo_id": 1002, "status": "bad_line", "tags": None, "sets": None, "groups": None, "owner": None},
    ]


def test_a_metadata_csv_that_is_not_utf8_duplicated_or_without_photo_id_is_named(tmp_path):
    path = _csv(tmp_path / "meta.csv", ["1001,caf\udce9,s1,g1,u1", "1002,,s2,,", "", "1002,,s3,,"])
    with pytest.raises(nuswide.ReleaseError) as error:
        flickr.read_metadata_table(path)
    message = str(error.value)
    assert "2 bad line(s) about 2 image(s) in the metadata table" in message
    assert (
        f"{path}:2: expected UTF-8 text, found byte 0xe9 at byte offset 40 of the file (8 of the line) "
        "in '1001,caf\\\\xe9,s1,g1,u1'" in message
    )
    assert f"{path}:5: expected a photo_id not listed before (line 3), found '1002'" in message
    assert flickr.read_metadata_table(path, policy="drop").column("status").to_pylist() == [
        "bad_line",
        "bad_line",
    ]
    path.write_bytes(b"photo_id,tags,s\xe9ts,groups\n1001,,,\n")
    with pytest.raises(
        nuswide.ReleaseError,
        match=r"meta.csv:1: expected a UTF-8 header line, found byte 0xe9 at byte offset 15",
    ):
        flickr.read_metadata_table(path, policy="drop")
    _csv(
        path, ["1001,,s1,,", "abc,,s2,,", ",x"]
    )  # which photo these lines describe is unknown: never dropped
    for policy in nuswide.POLICIES:
        with pytest.raises(
            nuswide.ReleaseError,
            match=r"(?s)2 line\(s\) .*:3: expected a numeric photo_id \(ASCII digits.*\), found 'abc'"
            r".*:4: expected a numeric photo_id \(ASCII digits.*\), found ''",
        ):
            flickr.read_metadata_table(path, policy=policy)


def test_a_bad_metadata_line_drops_its_photo_and_counts_it(root, tmp_path, caplog):
    release = nuswide.read_release(root, policy="drop")
    status = download.check_folder(
        assembly.labelled(release.table), fx.write_images(tmp_path / "Flickr"), workers=2
    )
    path = _csv(
        tmp_path / "meta.csv", ["1001,sky blue,s1", "1002,puppy,,g1,u2@N00", "1008,,,,u3@N00"]
    )  # 1001 stops after its sets
    with pytest.raises(nuswide.ReleaseError, match=r"meta.csv:2: expected 5 fields"):
        flickr.load_metadata(fx.LABELLED, flickr.methods(False), tmp_path / "cache", path)
    metadata = flickr.load_metadata(
        fx.LABELLED, flickr.methods(False), tmp_path / "cache", path, policy="drop"
    )
    table, counts = assembly.assemble(release.table, release.counts, status, metadata)
    assert table.column("image_id").to_pylist() == [1002]
    assert counts == {
        "input": 11, "bad_lines": fx.BAD_LINES + 1, "duplicate_rows": 1, "duplicate_conflicts": 1,
        "no_labels": 1, "image_missing": 1, "image_corrupt": 1, "image_placeholder": 0,
        "image_unreachable": 0, "image_too_large": 0, "metadata_unavailable": 1, "no_metadata": 1,
        "kept": 1,
    }  # fmt: skip
    dropped = sum(v for k, v in counts.items() if k not in ("input", "kept", "duplicate_conflicts"))
    assert dropped + counts["kept"] == counts["input"]
    assert f"{path}:2: expected 5 fields" in caplog.text
