"""McAuley and Leskovec's photo XML read as the pipeline's metadata: each photo's tags, sets,
groups and owner, a kind the file lacks left null, bad records named by file, line and byte
offset under the bad_lines policy."""

from pathlib import Path

import pytest

from benchmarks.mcauley_xml import record
from neighborhoods.ingestion import flickr, mcauley, nuswide


def write_xml(path: Path, records: list[str]) -> Path:
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<photos>\n' + "".join(records) + "</photos>\n")
    return path


def test_each_photo_maps_to_its_tags_sets_groups_and_owner(tmp_path):
    path = write_xml(
        tmp_path / "photos.xml",
        [
            record("11", "7@N00", ["sky", "blue", "sky"], ["721"], ["g1@N20", "g2@N20"], ["9-1"]),
            record("10", None, [], [], ["g1@N20"], comments=2, located=True),
        ],
    )
    columns, summary = mcauley.read(path)
    assert columns["photo_id"] == [10, 11] and columns["status"] == ["ok", "ok"]
    assert columns["tags"] == [[], ["sky", "blue"]]  # a tag listed twice counts once
    assert columns["sets"] == [[], ["721"]] and columns["groups"] == [["g1@N20"], ["g1@N20", "g2@N20"]]
    assert columns["owner"] == [None, "7@N00"]
    assert summary == {
        "bad_records": 0, "photos": 2, "ok": 2, "with_tags": 1, "with_sets": 1, "with_groups": 2,
        "sets_from": "sets",
    }  # fmt: skip
    galleries, _ = mcauley.read(path, sets_from="galleries")
    assert galleries["sets"] == [[], ["9-1"]]
    table = flickr.load_metadata([10, 11], [], tmp_path / "cache", path)
    assert table.schema == flickr.METADATA and table.num_rows == 2


def test_a_kind_the_file_never_holds_is_null_not_empty(tmp_path):
    path = write_xml(
        tmp_path / "photos.xml", [record("1", "u", ["a"], [], ["g"]), record("2", "u", [], [], [])]
    )
    columns, _ = mcauley.read(path)
    assert columns["sets"] == [None, None] and columns["groups"] == [["g"], []]
    assert mcauley.elements(path, {"set", "pool", "gallery", "tag"}) == {"pool", "tag"}


def test_bad_records_are_named_by_file_line_and_byte_offset(tmp_path, monkeypatch):
    monkeypatch.setattr(mcauley, "CHUNK", 97)  # start tags cut by chunk ends, many times over
    records = [record(str(i), "u", ["t"], [], [f"g{i}"]) for i in range(1, 30)]
    records[17] = record("18", "u", ["t"], [], ["g18", None])  # a <pool> without its id
    records.append(record("5", "u", ["t"], [], ["g5"]))  # photo 5, listed again
    path = write_xml(tmp_path / "photos.xml", records)
    text = path.read_bytes()
    offset = text.index(b'<photo id="18"')
    line = text[:offset].count(b"\n") + 1
    with pytest.raises(nuswide.ReleaseError) as stopped:
        mcauley.read(path, "stop")
    message = str(stopped.value)
    found = f"found the <photo> at byte offset {offset}"
    assert f"photos.xml:{line}: expected a <pool> with an id attribute, {found}" in message
    again = text.rindex(b'<photo id="5"')
    line = text[:again].count(b"\n") + 1
    assert f"photos.xml:{line}: expected a photo id not listed before (<photo> 5)" in message
    columns, summary = mcauley.read(path, "drop")
    status = dict(zip(columns["photo_id"], columns["status"], strict=True))
    assert status[18] == status[5] == "bad_line" and summary["bad_records"] == 2
    assert sum(s == "ok" for s in status.values()) == 27
    assert mcauley.elements(path, {"pool", "set"}) == {"pool"}


def test_records_naming_no_photo_and_broken_xml_stop_under_every_policy(tmp_path):
    path = write_xml(tmp_path / "photos.xml", [record("1", "u", ["t"]), record("12ab", "u", ["t"])])
    with pytest.raises(nuswide.ReleaseError, match=r"photos\.xml:\d+: expected a <photo> with a numeric id"):
        mcauley.read(path, "drop")
    cut = tmp_path / "cut.xml"
    cut.write_bytes(write_xml(tmp_path / "whole.xml", [record("1", "u", ["caf\u00e9"])]).read_bytes()[:-30])
    with pytest.raises(nuswide.ReleaseError, match=r"cut\.xml:\d+:\d+: not well-formed XML"):
        mcauley.read(cut, "drop")
