"""Reading the NUS-WIDE release as distributed: faults named by file and line, rules for
CRLF, duplicates and bad lines, and the final tables with their drop counts."""

import json

import pyarrow as pa
import pytest
import release_fixture as fx

from neighborhoods import download, flickr, ingest, nuswide, tables


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
    assert release.counts == {"lines": 11, "bad_lines": 3, "duplicate_rows": 1, "duplicate_conflicts": 1, "images": 7}
    rows = {r["image_id"]: r for r in release.table.to_pylist()}
    assert sorted(rows) == [1001, 1002, 1003, 1007, 1008, 1009, 1010]
    # duplicate 1002: first row's path, union of labels and of tags (CRLF stripped everywhere)
    assert rows[1002]["path"] == "actor/0002_1002.jpg"
    assert rows[1002]["labels"] == ["dog", "wedding"]
    assert rows[1002]["tags"] == ["puppy", "dog"]
    assert rows[1001] == {"image_id": 1001, "path": "actor/0001_1001.jpg", "labels": ["sky"], "tags": ["sky", "blue"], "row": 0}
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
    with pytest.raises(nuswide.ReleaseError, match=r"All_Tags.txt:1: expected photo id 1001 \(row 1 of Imagelist.txt\), found '9999'"):
        nuswide.read_release(root, policy="stop")


def test_missing_file_and_bad_concepts_are_named(root, tmp_path):
    with pytest.raises(nuswide.ReleaseError, match="nowhere/ConceptsList/Concepts81.txt: file not found"):
        nuswide.read_release(tmp_path / "nowhere")
    (root / "ConceptsList" / "Concepts81.txt").write_text("sky\ndog\nsky\n")
    with pytest.raises(nuswide.ReleaseError, match=r"Concepts81.txt:3: expected a concept not listed before"):
        nuswide.read_concepts(root / "ConceptsList" / "Concepts81.txt")


def test_photo_path_of_a_windows_entry():
    assert nuswide.photo_path("C:\\ImageData\\Flickr\\actor\\0001_2124494179.jpg") == ("actor/0001_2124494179.jpg", "2124494179")


def test_image_urls_follow_rows_and_size_order(root):
    release = nuswide.read_release(root, policy="drop")
    files = nuswide.files(root)
    with pytest.raises(nuswide.ReleaseError, match=r"NUS-WIDE-urls.txt:5: expected 6 fields: Photo_file Photo_id\(=-1\)"):
        nuswide.image_urls(release.table, files["imagelist"], files["urls"], ["Small", "Middle"], "stop")
    urls = nuswide.image_urls(release.table, files["imagelist"], files["urls"], ["Small", "Large", "Middle"], "drop")
    first = dict(zip(release.table.column("image_id").to_pylist(), urls))
    assert first[1001] == ["http://{host}/img/1001_s.jpg", "http://{host}/img/1001_m.jpg"]  # Large is null


def _metadata(rows: dict) -> pa.Table:
    full = [{"photo_id": p, "available": True, "tags": None, "owner": None, **r} for p, r in rows.items()]
    return pa.Table.from_pylist(full, schema=flickr.METADATA)


def test_assemble_counts_every_drop_once_and_sorts_by_id(root, tmp_path):
    release = nuswide.read_release(root, policy="drop")
    images = fx.write_images(tmp_path / "Flickr")
    status = download.check_folder(ingest.labelled(release.table), images, workers=2)
    assert dict(zip(status.column("image_id").to_pylist(), status.column("status").to_pylist())) == {
        1001: "ok", 1002: "ok", 1007: "ok", 1008: "ok", 1009: "corrupt", 1010: "missing"
    }  # fmt: skip
    metadata = _metadata(
        {
            1001: {"sets": ["s1"], "groups": ["g1", "g2"], "tags": ["flickrsky"], "owner": "u1@N00"},
            1002: {"sets": [], "groups": ["g1"], "tags": [], "owner": "u2@N00"},
            1007: {"available": False, "sets": None, "groups": None},
            1008: {"sets": [], "groups": [], "tags": [], "owner": "u3@N00"},
        }
    )
    table, counts = ingest.assemble(release.table, release.counts, status, metadata)
    assert counts == {
        "input": 11, "bad_lines": 3, "duplicate_rows": 1, "duplicate_conflicts": 1, "no_labels": 1,
        "image_missing": 1, "image_corrupt": 1, "image_placeholder": 0, "image_unreachable": 0,
        "metadata_unavailable": 1, "no_metadata": 1, "kept": 2,
    }  # fmt: skip
    dropped = sum(v for k, v in counts.items() if k not in ("input", "kept", "duplicate_conflicts"))
    assert dropped + counts["kept"] == counts["input"]
    assert table.schema.equals(tables.IMAGES)
    assert table.to_pylist() == [
        {"image_id": 1001, "path": "actor/0001_1001.jpg", "labels": ["sky"], "tags": ["sky", "blue"], "sets": ["s1"], "groups": ["g1", "g2"], "owner": "u1@N00"},
        {"image_id": 1002, "path": "actor/0002_1002.jpg", "labels": ["dog", "wedding"], "tags": ["puppy", "dog"], "sets": [], "groups": ["g1"], "owner": "u2@N00"},
    ]  # fmt: skip
    flickr_tags, _ = ingest.assemble(release.table, release.counts, status, metadata, tags="flickr")
    assert flickr_tags.column("tags").to_pylist() == [["flickrsky"], []]
    out = tmp_path / "data"
    ingest.write(out, table, release.concepts, counts)
    assert (out / "concepts.txt").read_text() == "sky\ndog\nwedding\n"
    assert json.loads((out / "ingest_counts.json").read_text()) == counts
    assert json.loads((out / "stats.json").read_text())["unique_groups"] == 2
    assert tables.read(out / "images.parquet", tables.IMAGES).num_rows == 2


def test_metadata_table_fetched_before_csv_and_parquet(tmp_path):
    csv = tmp_path / "meta.csv"
    csv.write_text("photo_id,tags,sets,groups,owner\n1001,a b,s1,g1 g2,u1\n1002,,,g3,\n")
    table = flickr.read_metadata_table(csv)
    assert table.to_pylist() == [
        {"photo_id": 1001, "available": True, "tags": ["a", "b"], "sets": ["s1"], "groups": ["g1", "g2"], "owner": "u1"},
        {"photo_id": 1002, "available": True, "tags": [], "sets": [], "groups": ["g3"], "owner": None},
    ]
    parquet = tmp_path / "meta.parquet"
    tables.write(pa.table({"image_id": [5], "sets": [["x"]], "groups": [[]]}), parquet)
    assert flickr.read_metadata_table(parquet).to_pylist()[0]["tags"] is None
    (tmp_path / "bad.csv").write_text("photo_id,sets,groups\n1,,\nabc,,\n")
    with pytest.raises(ValueError, match=r"bad.csv: row at line 3: expected a numeric photo_id"):
        flickr.read_metadata_table(tmp_path / "bad.csv")
