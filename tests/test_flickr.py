"""The Flickr client and crawl against a local server that injects Flickr's faults: retries,
unavailable photos, an invalid key, resuming after a kill, sharding, reuse, and the key never
written anywhere."""

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import release_fixture as fx
from fake_flickr import FakeFlickr

from neighborhoods.ingestion import assembly, download, flickr, nuswide

KEY = "f00dfeedcafe4b1d9e8a7c6b5a4f3e2d"  # what a real key looks like: 32 hex digits
INFO, CONTEXTS = flickr.GET_INFO, flickr.GET_CONTEXTS
SRC = str(Path(__file__).resolve().parents[1] / "src")
FAST = {"per_hour": 360_000, "timeout": 0.3, "retries": 3, "backoff": 0.01, "max_backoff": 0.05}
PHOTOS = {
    1001: {"owner": "11@N00", "tags": ["sky", "blue"], "sets": ["721"], "groups": ["g1@N20", "g2@N20"]},
    1002: {"owner": "22@N00", "tags": ["dog"], "groups": ["g1@N20"]},
    1008: {"owner": "33@N00"},  # no tags, no sets, no groups
    1009: {"owner": "44@N00", "tags": ["cloud"], "sets": ["722"]},
    1010: {"owner": "55@N00", "tags": ["woof"], "groups": ["g3@N20"]},
}  # 1007 is absent: "Photo not found"


def _client(server: FakeFlickr, key: str = KEY, **options) -> flickr.Client:
    return flickr.Client(server.url, key, **{**FAST, **options})


@pytest.mark.parametrize("fault", ["429", "502", "105", "truncated", "slow"])
def test_transient_faults_are_retried(fault, caplog):
    with FakeFlickr(KEY, PHOTOS, faults={(1001, INFO): [fault]}) as server:
        answer = _client(server).call(INFO, 1001)
    assert answer.status == "ok" and answer.body["photo"]["tags"]["tag"][0]["_content"] == "sky"
    assert server.requests[(1001, INFO)] == 2
    assert "retry 1/3" in caplog.text and KEY not in caplog.text


def test_photo_not_found_is_an_answer_not_a_retry():
    with FakeFlickr(KEY, PHOTOS) as server:
        answer = _client(server).call(CONTEXTS, 1007)
    assert (answer.status, answer.body["code"]) == ("unavailable", 1)
    assert server.requests[(1007, CONTEXTS)] == 1


def test_invalid_key_stops_at_once_without_showing_it(tmp_path, caplog):
    cache = flickr.Cache(tmp_path / "cache")
    with FakeFlickr(KEY, PHOTOS) as server, pytest.raises(flickr.InvalidKey, match="code 100") as error:
        flickr.crawl(
            [1001, 1002], [INFO], cache, lambda: _client(server, key="0123456789abcdef0123456789abcdef")
        )
    assert sum(server.requests.values()) == 1
    assert "0123456789abcdef" not in str(error.value) + caplog.text


def test_retries_run_out_with_a_clear_error():
    with (
        FakeFlickr(KEY, PHOTOS, faults={(1001, INFO): ["502"] * 10}) as server,
        pytest.raises(
            flickr.FlickrError, match=r"no answer after 4 attempts \(last: HTTP 502\).*rerun to resume"
        ) as error,
    ):
        _client(server).call(INFO, 1001)
    assert server.requests[(1001, INFO)] == 4 and KEY not in str(error.value)


def test_rate_is_held():
    with FakeFlickr(KEY, PHOTOS) as server:
        client = _client(server, per_hour=3600 * 20)  # one call per 50 ms
        start = time.monotonic()
        for _ in range(5):
            client.call(CONTEXTS, 1001)
    assert time.monotonic() - start >= 0.2


def test_missing_key_is_explained():
    with pytest.raises(flickr.FlickrError, match="FLICKR_API_KEY is not set"):
        flickr.api_key({})
    assert flickr.api_key({"FLICKR_API_KEY": f" {KEY}\n"}) == KEY


def _files_text(folder: Path) -> str:
    return "".join(
        p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file() and p.suffix != ".jpg"
    )


def _parquet_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_ingestion_with_every_fault_ends_with_the_right_tables(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    root = fx.write_release(tmp_path / "NUS-WIDE")
    release = nuswide.read_release(root, policy="drop")
    labelled = assembly.labelled(release.table)
    photos = flickr.photos_to_crawl(release.table)
    assert photos == fx.LABELLED
    faults = {
        (1001, INFO): ["429", "502"],
        (1001, CONTEXTS): ["105", "truncated"],
        (1002, INFO): ["slow"],
        (1010, CONTEXTS): ["502", "429", "105"],
    }
    cache = flickr.Cache(tmp_path / "cache")
    with FakeFlickr(KEY, PHOTOS, faults=faults) as server:
        summary = flickr.crawl(photos, flickr.methods(True), cache, lambda: _client(server))
    assert summary == {"photos": 6, "calls": 12, "cached": 0, "asked": 12, "unavailable": 2}
    for (photo, method), n in server.requests.items():
        assert n == 1 + len(faults.get((photo, method), [])), (photo, method)
    assert server.keys_seen == {KEY}

    metadata = flickr.load_metadata(photos, flickr.methods(True), tmp_path / "cache")
    status = download.check_folder(labelled, fx.write_images(tmp_path / "Flickr"), workers=2)
    table, counts = assembly.assemble(release.table, release.counts, status, metadata)
    assert table.column("image_id").to_pylist() == fx.KEPT
    assert table.select(["sets", "groups", "owner"]).to_pylist() == [
        {"sets": ["721"], "groups": ["g1@N20", "g2@N20"], "owner": "11@N00"},
        {"sets": [], "groups": ["g1@N20"], "owner": "22@N00"},
    ]
    assert counts["metadata_unavailable"] == 1 and counts["no_metadata"] == 1 and counts["kept"] == 2
    flickr_tags, _ = assembly.assemble(release.table, release.counts, status, metadata, tags="flickr")
    assert flickr_tags.column("tags").to_pylist() == [["sky", "blue"], ["dog"]]
    assembly.write(tmp_path / "data", table, release.concepts, counts)
    written = _files_text(tmp_path / "cache") + _files_text(tmp_path / "data") + caplog.text
    assert KEY not in written and KEY.encode() not in _parquet_bytes(tmp_path / "data")


def test_shards_fill_one_cache_and_a_reused_crawl_asks_nothing(tmp_path):
    photos = list(range(2000, 2030))
    answered = {p: {"owner": f"{p}@N00", "tags": [f"t{p}"]} for p in photos if p % 7}
    with FakeFlickr(KEY, answered) as server:
        for index in range(3):
            shard = flickr.shard(photos, index, 3)
            flickr.crawl(
                shard,
                [INFO, CONTEXTS],
                flickr.Cache(tmp_path / "shared", f"shard{index}of3"),
                lambda: _client(server),
            )
    assert len(list((tmp_path / "shared").glob("shard*of3-*.jsonl"))) == 3
    assert set(server.requests.values()) == {1} and len(server.requests) == 60
    metadata = flickr.load_metadata(photos, [INFO, CONTEXTS], tmp_path / "mine", reuse=tmp_path / "shared")
    assert metadata.column("status").to_pylist() == ["ok" if p % 7 else "unavailable" for p in photos]

    def no_key_needed():
        raise AssertionError("a complete crawl must not need a key")

    known = flickr.Cache(tmp_path / "shared").done()
    summary = flickr.crawl(
        photos, [INFO, CONTEXTS], flickr.Cache(tmp_path / "mine"), no_key_needed, known=known
    )
    assert summary["cached"] == 60 and summary["asked"] == 0


def test_a_line_cut_short_by_a_crash_is_asked_again(tmp_path):
    cache = tmp_path / "cache"
    with FakeFlickr(KEY, PHOTOS) as server:
        flickr.crawl([1001, 1002], [INFO], flickr.Cache(cache), lambda: _client(server))
        part = next(cache.glob("*.jsonl"))
        text = part.read_text()
        part.write_text(text[: len(text) - 20])  # the last record loses its end
        flickr.crawl([1001, 1002], [INFO], flickr.Cache(cache), lambda: _client(server))
    assert server.requests[(1001, INFO)] == 1 and server.requests[(1002, INFO)] == 2
    metadata = flickr.load_metadata([1001, 1002], [INFO], cache)
    assert metadata.column("tags").to_pylist() == [["sky", "blue"], ["dog"]]


def test_a_stored_answer_that_is_not_utf8_is_named_and_asked_again(tmp_path, caplog):
    cache = tmp_path / "cache"
    with FakeFlickr(KEY, PHOTOS) as server:
        flickr.crawl([1001, 1002], [INFO], flickr.Cache(cache), lambda: _client(server))
        part = next(cache.glob("*.jsonl"))
        part.write_bytes(part.read_bytes().replace(b'"sky"', b'"sk\xff"', 1))  # photo 1001's record, line 1
        flickr.crawl([1001, 1002], [INFO], flickr.Cache(cache), lambda: _client(server))
    assert server.requests[(1001, INFO)] == 2 and server.requests[(1002, INFO)] == 1
    assert f"{part}:1: not a complete answer record; ignored" in caplog.text
    assert flickr.load_metadata([1001, 1002], [INFO], cache).column("tags").to_pylist() == [
        ["sky", "blue"],
        ["dog"],
    ]


CRAWLER = """
import logging, sys
from neighborhoods.ingestion import flickr
logging.basicConfig(level=logging.INFO)
photos = list(range(5000, 5040))
client = lambda: flickr.Client(
    sys.argv[1], flickr.api_key(), per_hour=3600 * 25, timeout=2, retries=2, backoff=0.01
)
try:
    print(flickr.crawl(photos, [flickr.GET_INFO, flickr.GET_CONTEXTS], flickr.Cache(sys.argv[2]), client))
except flickr.FlickrError as error:
    sys.exit(f"error: {error}")
"""


def _crawler(server: FakeFlickr, cache: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC, "FLICKR_API_KEY": KEY}
    return subprocess.Popen(
        [sys.executable, "-c", CRAWLER, server.url, str(cache)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _answers(cache: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in cache.glob("*.jsonl"))


def _wait_for_answers(cache: Path, n: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while _answers(cache) < n and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_crawl_resumes_without_asking_again(tmp_path, sig):
    """Killed halfway and run again: every call answered once (SIGKILL may lose the one in flight)."""
    cache = tmp_path / "cache"
    photos = {p: {"owner": f"{p}@N00", "tags": ["x"], "groups": ["g"]} for p in range(5000, 5040)}
    with FakeFlickr(KEY, photos) as server:
        first = _crawler(server, cache)
        _wait_for_answers(cache, 30, first)
        first.send_signal(sig)
        out, err = first.communicate(timeout=20)
        assert first.returncode != 0
        if sig == signal.SIGTERM:
            assert "stopped by a signal" in err and "rerun to resume" in err
        halfway = _answers(cache)
        assert 30 <= halfway < 80
        second = _crawler(server, cache)
        out2, err2 = second.communicate(timeout=30)
        assert second.returncode == 0, err2
    counts = list(server.requests.values())
    assert len(counts) == 80 and _answers(cache) == 80
    assert counts.count(2) <= (0 if sig == signal.SIGTERM else 1) and max(counts) <= 2
    written = _files_text(cache) + out + err + out2 + err2
    assert KEY not in written
