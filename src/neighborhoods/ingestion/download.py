"""NUS-WIDE's images: check a folder of them, or fetch them from NUS-WIDE-urls.txt.

Every image must decode; one that is absent, broken or Flickr's "photo unavailable"
placeholder is dropped and counted by reason, never crashing the run. Statuses: ok, missing
(no file, no URL, or HTTP 4xx), corrupt (does not decode), placeholder, unreachable (network
failures outlasted the retries; a rerun tries again), too_large (more pixels than
features.max_pixels; decoding.decode judges every image, as feature extraction reads it).

Placeholder detection: Flickr answers a deleted or private photo's static URL with a redirect
to an image whose URL contains "photo_unavailable" (HTTP 200, not 404), so a final URL with
that mark is a placeholder. Files already on disk carry no URL, so they are matched by
SHA-256 against `placeholders`, the digests of placeholder files you have met (config
nuswide.placeholder_sha256; a placeholder saved by an old crawl is identical bytes).

Downloads go to `folder` (tmp file + rename, so no half file ever has the final name) and
are never deleted: a rerun skips what is there and decodes, and what Flickr answered for
good (4xx, placeholder) is remembered in `folder/failures.jsonl`.
"""

import hashlib
import http.client
import io
import json
import logging
import os
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
from tqdm import tqdm

from neighborhoods import decoding

log = logging.getLogger(__name__)

PLACEHOLDER_MARK = "photo_unavailable"
STATUSES = ("ok", "missing", "corrupt", "placeholder", "unreachable", "too_large")
KEPT = ("ok", "too_large")  # files kept in the download folder
STATUS = pa.schema([("image_id", pa.int64()), ("status", pa.string())])
FAILURES = "failures.jsonl"
CHUNK = 256  # images submitted to the pool at a time, so memory stays flat


def classify(data: bytes | None, placeholders: set[str], max_pixels: int = decoding.MAX_PIXELS) -> str:
    """Status of an image's bytes (None: no file), decoded as feature extraction decodes them
    (a truncated JPEG is corrupt), at reduced scale: the whole stream, less work."""
    if data is None:
        return "missing"
    if hashlib.sha256(data).hexdigest() in placeholders:
        return "placeholder"
    try:
        decoding.decode(io.BytesIO(data), max_pixels, draft=(64, 64))
    except decoding.ImageError as error:
        return "too_large" if error.reason == decoding.TOO_LARGE else "corrupt"
    return "ok"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _pool_map(fn: Callable, items: list, workers: int, desc: str) -> list:
    """fn over items with `workers` threads, in order, with a progress bar."""
    results = []
    with (
        ThreadPoolExecutor(max_workers=workers) as pool,
        tqdm(total=len(items), desc=desc, mininterval=5) as bar,
    ):
        for start in range(0, len(items), CHUNK):
            for result in pool.map(fn, items[start : start + CHUNK]):
                results.append(result)
                bar.update()
    return results


def status_table(image_ids: Iterable[int], statuses: list[str]) -> pa.Table:
    return pa.table(
        {"image_id": pa.array(list(image_ids), pa.int64()), "status": pa.array(statuses, pa.string())}
    )


def check_folder(
    images: pa.Table,
    root: str | Path,
    *,
    placeholders: Iterable[str] = (),
    workers: int = 8,
    max_pixels: int = decoding.MAX_PIXELS,
) -> pa.Table:
    """Status of every image (`image_id`, `path` relative to root) in a folder given by the user."""
    root, marks = Path(root), set(placeholders)
    paths = images.column("path").to_pylist()
    statuses = _pool_map(
        lambda rel: classify(_read(root / rel), marks, max_pixels), paths, workers, "check images"
    )
    return status_table(images.column("image_id").to_pylist(), statuses)


class Fetcher:
    """GETs one URL with a timeout, retrying 429, 5xx and network failures with backoff."""

    def __init__(
        self, *, timeout: float = 30, retries: int = 4, backoff: float = 1.0, max_backoff: float = 60
    ):
        self.timeout, self.retries, self.backoff, self.max_backoff = timeout, retries, backoff, max_backoff

    def get(self, url: str) -> tuple[str, bytes | None, str]:
        """('ok', body, final url), ('gone', None, why) for a definite no, or ('unreachable', None, why)."""
        why = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))
            try:
                with urllib.request.urlopen(url, timeout=self.timeout) as response:
                    return "ok", response.read(), response.geturl()
            except urllib.error.HTTPError as error:
                error.close()
                if error.code != 429 and error.code < 500:
                    return "gone", None, f"HTTP {error.code}"
                why = f"HTTP {error.code}"
            except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
                why = f"{type(error).__name__}: {error}"
        return "unreachable", None, why


def _remembered(folder: Path) -> dict[int, str]:
    """Definite failures stored by earlier runs: image_id -> status."""
    path, known = folder / FAILURES, {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                known[int(record["image_id"])] = record["status"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash: that image is tried again
    return known


def fetch_one(
    image_id: int,
    rel: str,
    urls: list[str],
    folder: Path,
    fetcher: Fetcher,
    placeholders: set[str],
    max_pixels: int = decoding.MAX_PIXELS,
) -> str:
    """Status of one image after trying its URLs in order; the first that decodes is saved. One
    too large is saved too, so a rerun with a higher limit uses it without fetching it again."""
    target = folder / rel
    status = classify(_read(target), placeholders, max_pixels)
    if status in KEPT:
        return status
    outcomes = []
    for url in urls:
        state, body, detail = fetcher.get(url)
        if state == "ok":
            status = "placeholder" if PLACEHOLDER_MARK in detail else classify(body, placeholders, max_pixels)
            if status in KEPT:
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
                tmp.write_bytes(body)
                tmp.replace(target)
                return status
            outcomes.append(status)
        else:
            outcomes.append("missing" if state == "gone" else "unreachable")
            log.debug("image %d: %s: %s", image_id, url, detail)
    for status in ("unreachable", "placeholder", "corrupt", "missing"):
        if status in outcomes:
            return status
    return "missing"  # no URL at all


def download(
    images: pa.Table,
    urls: list[list[str]],
    folder: str | Path,
    *,
    fetcher: Fetcher,
    placeholders: Iterable[str] = (),
    workers: int = 8,
    max_pixels: int = decoding.MAX_PIXELS,
) -> pa.Table:
    """Fetch every image (`image_id`, `path`; `urls[i]` to try in order) into folder, resuming."""
    folder, marks = Path(folder), set(placeholders)
    folder.mkdir(parents=True, exist_ok=True)
    known = _remembered(folder)
    ids, paths = images.column("image_id").to_pylist(), images.column("path").to_pylist()
    log.info("%d images; %d known to be gone from earlier runs", len(ids), sum(i in known for i in ids))
    lock = threading.Lock()

    def one(i: int) -> str:
        if ids[i] in known:
            return known[ids[i]]
        status = fetch_one(ids[i], paths[i], urls[i], folder, fetcher, marks, max_pixels)
        if status in ("missing", "placeholder", "corrupt") and urls[i]:
            with lock, open(folder / FAILURES, "a", encoding="utf-8") as stream:
                stream.write(json.dumps({"image_id": ids[i], "status": status}) + "\n")
        return status

    statuses = _pool_map(one, list(range(len(ids))), workers, "download images")
    return status_table(ids, statuses)


def link_images(status: pa.Table, images: pa.Table, source: str | Path, target: str | Path) -> None:
    """Hard-link (or copy, across filesystems) the good images into the pipeline's image folder,
    so downstream rules see only images that decode and the downloads stay where they are."""
    source, target = Path(source), Path(target)
    good = {
        i
        for i, s in zip(
            status.column("image_id").to_pylist(), status.column("status").to_pylist(), strict=True
        )
        if s == "ok"
    }
    for image_id, rel in zip(
        images.column("image_id").to_pylist(), images.column("path").to_pylist(), strict=True
    ):
        if image_id not in good:
            continue
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source / rel, target / rel)
        except OSError:
            shutil.copy2(source / rel, target / rel)
