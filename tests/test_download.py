"""Images from NUS-WIDE-urls.txt: retries, fallbacks between sizes, Flickr's placeholder,
corrupt bytes, and a rerun that fetches nothing twice."""

import hashlib

import pyarrow as pa
import release_fixture as fx
from fake_flickr import PLACEHOLDER, FakeFlickr

from neighborhoods.ingestion import assembly, download, nuswide

GOOD = fx.jpeg_bytes()


def _statuses(table) -> dict:
    return dict(zip(table.column("image_id").to_pylist(), table.column("status").to_pylist(), strict=True))


def test_download_resumes_and_drops_bad_images_by_reason(tmp_path):
    root = fx.write_release(tmp_path / "NUS-WIDE")
    release = nuswide.read_release(root, policy="drop")
    labelled = assembly.labelled(release.table)
    images = {
        "1001_m.jpg": GOOD,
        "1002_m.jpg": [503, GOOD],  # a retry, then the image
        "1007_m.jpg": "unavailable",  # redirected to photo_unavailable: a placeholder
        "1007_s.jpg": "unavailable",
        "1008_m.jpg": 404,
        "1008_s.jpg": GOOD,  # the next size in the configured order
        "1009_m.jpg": GOOD[:120],  # decodes not
        "1009_s.jpg": 410,
    }  # 1010: 404 for every size
    with FakeFlickr("k", {}, images=images) as server:
        urls_file = root / "NUS-WIDE-urls.txt"
        urls_file.write_text(urls_file.read_text().replace("{host}", server.host))
        files = nuswide.files(root)
        urls = nuswide.image_urls(labelled, files["imagelist"], files["urls"], ["Middle", "Small"], "drop")
        fetcher = download.Fetcher(timeout=2, retries=2, backoff=0.01)
        folder = tmp_path / "downloads"
        status = download.download(labelled, urls, folder, fetcher=fetcher, workers=4)
        expected = {1001: "ok", 1002: "ok", 1007: "placeholder", 1008: "ok", 1009: "corrupt", 1010: "missing"}
        assert _statuses(status) == expected
        first = dict(server.requests)
        again = download.download(labelled, urls, folder, fetcher=fetcher, workers=4)
        assert _statuses(again) == expected and dict(server.requests) == first  # nothing asked twice
    assert not list(folder.rglob("*.tmp"))
    download.link_images(status, labelled, folder, tmp_path / "images")
    linked = sorted(
        p.relative_to(tmp_path / "images").as_posix() for p in (tmp_path / "images").rglob("*.jpg")
    )
    assert linked == ["actor/0001_1001.jpg", "actor/0002_1002.jpg", "sky/0002_1008.jpg"]


def test_check_folder_spots_a_placeholder_by_its_digest(tmp_path):
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "a_1.jpg").write_bytes(GOOD)
    (tmp_path / "q" / "a_2.jpg").write_bytes(PLACEHOLDER)
    images = pa.table({"image_id": [1, 2, 3], "path": ["q/a_1.jpg", "q/a_2.jpg", "q/a_3.jpg"]})
    digest = hashlib.sha256(PLACEHOLDER).hexdigest()
    status = download.check_folder(images, tmp_path, placeholders=[digest], workers=2)
    assert _statuses(status) == {1: "ok", 2: "placeholder", 3: "missing"}
