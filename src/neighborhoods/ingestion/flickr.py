"""Tags, owner, photo sets and groups of NUS-WIDE photos from the Flickr API, crawled politely.

Two calls per photo (flickr.photos.getInfo, flickr.photos.getAllContexts) at Flickr's 3,600
queries per hour per key take days, so the crawl is built to be stopped and resumed:

- Every answer is appended, as one JSON line, to a file of its own process in a cache folder
  and synced to disk before the next call; a rerun reads the folder and asks only what is
  missing. Each process writes only its own file, so several jobs (shards) can fill one
  folder on a shared filesystem without locks.
- SIGTERM / SIGINT (Ctrl-C, a cluster job reaching its time limit) let the call in flight
  finish and be stored, then stop.
- Transient failures (HTTP 429, 5xx with any body, timeouts, truncated or invalid JSON,
  Flickr code 105) are retried with exponential backoff; code 1 (photo not found) is an
  answer ("unavailable") and stored; code 100 (invalid key) stops at once.

The API key comes from the FLICKR_API_KEY environment variable and is never stored: it is
sent only in the request and scrubbed from every message, answer and log line.
"""

import argparse
import contextlib
import csv
import http.client
import io
import itertools
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from neighborhoods.ingestion import mcauley, nuswide
from neighborhoods.photo_ids import RULE as PHOTO_ID
from neighborhoods.photo_ids import parse as parse_photo_id

log = logging.getLogger(__name__)

KEY_ENV = "FLICKR_API_KEY"
GET_INFO = "flickr.photos.getInfo"
GET_CONTEXTS = "flickr.photos.getAllContexts"
UNAVAILABLE_CODES = {1}  # photo not found (deleted, or not public)
RETRY_CODES = {105}  # service currently unavailable
INVALID_KEY = 100
# ok; unavailable: Flickr no longer has the photo;
# bad_line: its line of a metadata table was bad (bad_lines: drop)
METADATA_STATUSES = ("ok", "unavailable", "bad_line")
METADATA = pa.schema(
    [
        ("photo_id", pa.int64()),
        ("status", pa.string()),  # one of METADATA_STATUSES
        ("tags", pa.list_(pa.string())),
        ("sets", pa.list_(pa.string())),
        ("groups", pa.list_(pa.string())),
        ("owner", pa.string()),
    ]
)


class FlickrError(RuntimeError):
    """The crawl cannot go on; everything fetched so far is kept in the cache."""


class InvalidKey(FlickrError):
    """Flickr rejected the key (code 100)."""


class Stopped(FlickrError):
    """A signal asked the crawl to stop."""


class _Transient(Exception):
    """A failure worth retrying; `retry_after` is the server's hint in seconds, if any."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


def api_key(environ=os.environ) -> str:
    """The key from FLICKR_API_KEY; the error never shows any value."""
    key = environ.get(KEY_ENV, "").strip()
    if not key:
        raise FlickrError(
            f"the environment variable {KEY_ENV} is not set: export your Flickr API key there "
            "(docs/nuswide.md), or point flickr.metadata at metadata fetched before"
        )
    return key


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Answer:
    """Flickr's answer for one photo and method: status 'ok' or 'unavailable', and its JSON."""

    photo_id: int
    method: str
    status: str
    body: dict

    def record(self) -> dict:
        fetched = datetime.now(UTC).isoformat(timespec="seconds")
        return {
            "photo_id": self.photo_id,
            "method": self.method,
            "status": self.status,
            "fetched": fetched,
            "answer": self.body,
        }


class Client:
    """Calls one REST method for one photo at a held rate, retrying what is transient."""

    def __init__(
        self,
        api_url: str,
        key: str,
        *,
        per_hour: float = 3600,
        timeout: float = 30,
        retries: int = 8,
        backoff: float = 2.0,
        max_backoff: float = 600,
    ):
        self.api_url, self._key = api_url, key
        self.interval = 3600.0 / per_hour
        self.timeout, self.retries = timeout, retries
        self.backoff, self.max_backoff = backoff, max_backoff
        self.stop = threading.Event()  # set by a signal: sleeps end and no new call starts
        self._next = 0.0

    def redact(self, text: object) -> str:
        """The text with the key replaced, for every message that leaves the client."""
        return str(text).replace(self._key, "***")

    def _sleep(self, seconds: float) -> None:
        if seconds > 0 and self.stop.wait(seconds):
            raise Stopped("stopped by a signal")

    def _hold_rate(self) -> None:
        now = time.monotonic()
        self._sleep(self._next - now)
        self._next = max(now, self._next) + self.interval

    def call(self, method: str, photo_id: int) -> Answer:
        """Flickr's answer; raises InvalidKey, FlickrError after the last retry, or Stopped."""
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
                log.warning(
                    "%s photo %d: %s; retry %d/%d in %.1f s",
                    method,
                    photo_id,
                    reason,
                    attempt,
                    self.retries,
                    delay,
                )
                self._sleep(delay)
            self._hold_rate()
            try:
                return self._once(method, photo_id)
            except _Transient as failure:
                reason = self.redact(failure)
                if failure.retry_after is not None:
                    self._next = max(
                        self._next, time.monotonic() + min(failure.retry_after, self.max_backoff)
                    )
        raise FlickrError(
            f"{method} for photo {photo_id}: no answer after {self.retries + 1} attempts (last: {reason}); "
            "everything fetched is kept, rerun to resume"
        )

    def _once(self, method: str, photo_id: int) -> Answer:
        query = {
            "method": method,
            "api_key": self._key,
            "photo_id": photo_id,
            "format": "json",
            "nojsoncallback": 1,
        }
        url = f"{self.api_url}?{urllib.parse.urlencode(query)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            status, retry_after = error.code, _seconds(error.headers.get("Retry-After"))
            error.close()
            if status == 429 or status >= 500:
                raise _Transient(f"HTTP {status}", retry_after) from None
            raise FlickrError(f"{method} for photo {photo_id}: HTTP {status} from {self.api_url}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            raise _Transient(f"{type(error).__name__}: {self.redact(error)}") from None
        try:
            data = json.loads(body.replace(self._key.encode(), b"***"))
        except ValueError:
            raise _Transient(f"invalid or truncated JSON ({len(body)} bytes)") from None
        if not isinstance(data, dict) or data.get("stat") not in ("ok", "fail"):
            raise _Transient("JSON without stat ok/fail")
        if data["stat"] == "ok":
            return Answer(photo_id, method, "ok", data)
        code, message = data.get("code"), self.redact(data.get("message", ""))
        if code in UNAVAILABLE_CODES:
            return Answer(photo_id, method, "unavailable", data)
        if code == INVALID_KEY:
            raise InvalidKey(
                f"Flickr rejected the API key (code 100: {message}); check {KEY_ENV}. Nothing more was asked."
            )
        if code in RETRY_CODES:
            raise _Transient(f"Flickr code {code}: {message}")
        raise FlickrError(f"{method} for photo {photo_id}: Flickr error {code}: {message}")


class Cache:
    """A folder of JSON-lines answer files; each Cache writes a new file of its own, so no
    writer ever appends to a line another (perhaps killed) writer left unfinished."""

    def __init__(self, folder: str | Path, label: str = "answers"):
        self.folder = Path(folder)
        self.label = label
        self._stream = None

    def records(self) -> Iterator[dict]:
        """Every stored answer; a line cut short by a crash, or not UTF-8, is skipped and named
        (that call is asked again). Read as bytes, so one bad byte cannot end the whole read."""
        for path in sorted(self.folder.glob("*.jsonl")) if self.folder.is_dir() else []:
            with open(path, "rb") as stream:
                for number, line in enumerate(stream, 1):
                    try:
                        record = json.loads(line)
                        yield {**record, "photo_id": int(record["photo_id"]), "method": str(record["method"])}
                    except (ValueError, KeyError, TypeError):
                        log.warning("%s:%d: not a complete answer record; ignored", path, number)

    def done(self) -> set[tuple[int, str]]:
        return {(r["photo_id"], r["method"]) for r in self.records()}

    def append(self, answer: Answer) -> None:
        """Store one answer durably (flush + fsync) before the crawl goes on."""
        if self._stream is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            name = f"{self.label}-{socket.gethostname()}-{os.getpid()}-{stamp}-{uuid.uuid4().hex[:8]}.jsonl"
            self._stream = open(self.folder / name, "x", encoding="utf-8")  # noqa: SIM115 (kept open across calls, closed by close())
        self._stream.write(json.dumps(answer.record(), separators=(",", ":")) + "\n")
        self._stream.flush()
        os.fsync(self._stream.fileno())

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def shard(photo_ids: Iterable[int], index: int, count: int) -> list[int]:
    """Photo ids of shard `index` of `count` (id mod count), sorted: stable across reruns."""
    if not 0 <= index < count:
        raise ValueError(f"shard {index} of {count}: expected 0 <= index < count")
    return sorted(int(p) for p in photo_ids if int(p) % count == index)


@contextlib.contextmanager
def _stop_on_signals(event: threading.Event):
    """SIGTERM and SIGINT set `event` instead of killing the process mid-write."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for s in previous:
        signal.signal(s, lambda *_: event.set())
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def crawl(
    photo_ids: Iterable[int],
    methods: list[str],
    cache: Cache,
    make_client: Callable[[], Client],
    *,
    known: set | None = None,
) -> dict:
    """Ask every (photo, method) not in the cache nor in `known`; returns counts.

    `make_client` is called only when something is left to ask, so a complete cache needs no
    key. Raises Stopped after a signal and FlickrError when Flickr cannot be reached; every
    answer received before is stored either way."""
    done = cache.done() | (known or set())
    photo_ids = list(photo_ids)
    todo = [(p, m) for p in photo_ids for m in methods if (p, m) not in done]
    summary = {
        "photos": len(photo_ids),
        "calls": len(photo_ids) * len(methods),
        "cached": 0,
        "asked": 0,
        "unavailable": 0,
    }
    summary["cached"] = summary["calls"] - len(todo)
    if not todo:
        log.info("all %d calls already answered in %s", summary["calls"], cache.folder)
        return summary
    client = make_client()
    hours = len(todo) * client.interval / 3600
    log.info(
        "%d calls to make (%d cached) at one per %.2f s: about %.1f hours",
        len(todo),
        summary["cached"],
        client.interval,
        hours,
    )
    try:
        with _stop_on_signals(client.stop):
            for photo, method in tqdm(todo, unit="call", mininterval=5, smoothing=0.05, desc="flickr"):
                if client.stop.is_set():
                    raise Stopped("stopped by a signal")
                answer = client.call(method, photo)
                cache.append(answer)
                summary["asked"] += 1
                summary["unavailable"] += answer.status == "unavailable"
    except Stopped:
        raise Stopped(
            f"stopped by a signal after {summary['asked']} new answers; all are kept in {cache.folder}, "
            "rerun to resume"
        ) from None
    finally:
        cache.close()
    return summary


def _fields(method: str, body: dict) -> dict:
    """The metadata one answer carries: getInfo -> tags, owner; getAllContexts -> sets, groups."""
    if method == GET_INFO:
        photo = body.get("photo", {})
        tags = [t["_content"] for t in photo.get("tags", {}).get("tag", [])]
        return {"tags": tags, "owner": photo.get("owner", {}).get("nsid")}
    return {"sets": [s["id"] for s in body.get("set", [])], "groups": [p["id"] for p in body.get("pool", [])]}


def metadata_from_answers(photo_ids: Iterable[int], methods: list[str], records: Iterable[dict]) -> pa.Table:
    """A METADATA table from stored answers: a photo is unavailable when any method said so.

    Fails naming the count and the first missing photos when a call has no answer: the crawl
    is not finished, and dropping those images silently would change the dataset."""
    wanted = {int(p) for p in photo_ids}
    found: dict[tuple[int, str], dict] = {}
    for record in records:
        key = (record["photo_id"], record["method"])
        if record["photo_id"] in wanted and record["method"] in methods and key not in found:
            found[key] = record
    missing = [(p, m) for p in sorted(wanted) for m in methods if (p, m) not in found]
    if missing:
        raise FlickrError(
            f"{len(missing)} call(s) have no stored answer, e.g. {missing[:5]}: finish the crawl first"
        )
    rows = []
    for photo in sorted(wanted):
        row = {"photo_id": photo, "status": "ok", "tags": None, "sets": None, "groups": None, "owner": None}
        for method in methods:
            record = found[(photo, method)]
            if record["status"] != "ok":
                row["status"] = "unavailable"
            else:
                row.update(_fields(method, record["answer"]))
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=METADATA)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value]


def _check_columns(path: Path, columns: list[str]) -> None:
    """photo_id and at least one kind of metadata; a kind without a column is missing (the
    pipeline leaves out what needs it, src/neighborhoods/ingestion/sources.py)."""
    if "photo_id" not in columns or not {"tags", "sets", "groups"} & set(columns):
        raise nuswide.ReleaseError(
            f"{path}: columns {columns}; expected photo_id and any of tags, sets, groups[, owner]"
        )


def _csv_rows(path: Path) -> tuple[list[dict], list[nuswide.Problem]]:
    """The rows of a metadata CSV by column name (photo_id an int), and its bad lines, in line
    order: not UTF-8, no numeric photo_id, a field count other than the header's, a photo
    listed before. A bad line's Problem.row is the photo id read from its column, -1 where
    that is not a number."""
    lines, undecodable = nuswide.read_text(path)
    if 0 in undecodable:
        raise nuswide.ReleaseError(
            f"{path}:1: expected a UTF-8 header line, found {undecodable[0]} in {lines[0]!r}"
        )
    reader = csv.reader(io.StringIO("\n".join(lines).removeprefix("\ufeff")))
    names = next(reader, [])
    header = ["photo_id" if name == "image_id" else name for name in names]
    _check_columns(path, header)
    at = header.index("photo_id")
    rows, problems = [], []
    first = reader.line_num + 1
    for fields in reader:  # a quoted field may span lines: a row runs from `line` to reader.line_num
        line, first = first, reader.line_num + 1
        if not fields:
            continue  # a blank line is no row
        text = fields[at].strip() if at < len(fields) else ""
        photo = parse_photo_id(text)
        photo = -1 if photo is None else photo
        bad = [i for i in range(line - 1, reader.line_num) if i in undecodable]
        if bad:
            where = f"{undecodable[bad[0]]} in "
            problems.append(nuswide.Problem(path, bad[0] + 1, "UTF-8 text", lines[bad[0]], photo, where))
        elif photo < 0:
            problems.append(nuswide.Problem(path, line, f"a numeric photo_id ({PHOTO_ID})", text))
        elif len(fields) != len(header):
            expected = f"{len(header)} fields ({','.join(names)})"
            found = "\n".join(lines[line - 1 : reader.line_num])
            problems.append(
                nuswide.Problem(path, line, expected, found, photo, f"{len(fields)} field(s) in ")
            )
        else:
            rows.append({**dict(zip(header, fields, strict=True)), "photo_id": photo, "line": line})
    listed: dict[int, int] = {}  # photo id -> its first line
    for row in rows:
        photo = row["photo_id"]
        if photo in listed:
            expected = f"a photo_id not listed before (line {listed[photo]})"
            problems.append(nuswide.Problem(path, row["line"], expected, str(photo), photo))
        listed.setdefault(photo, row["line"])
    return rows, sorted(problems, key=lambda p: p.line)


def _parquet_rows(path: Path) -> list[dict]:
    """The rows of a metadata Parquet table; a typed table has no lines to drop, so a bad
    photo_id stops the run."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise nuswide.ReleaseError(f"{path}: expected a Parquet table: {error}") from None
    names = ["photo_id" if c == "image_id" else c for c in table.column_names]
    _check_columns(path, names)
    rows = table.rename_columns(names).to_pylist()
    seen: dict[int, int] = {}
    for i, row in enumerate(rows):
        photo = parse_photo_id(row["photo_id"])
        if photo is None:
            raise nuswide.ReleaseError(
                f"{path}: row {i} (0-based): expected a numeric photo_id ({PHOTO_ID}), found "
                f"{row['photo_id']!r}; a row without a photo id names no photo to drop and count, so "
                "this stops the run under every bad_lines policy"
            )
        row["photo_id"] = photo
        if photo in seen:
            raise nuswide.ReleaseError(
                f"{path}: photo_id {photo} is listed more than once (rows {seen[photo]} and {i}, 0-based)"
            )
        seen[photo] = i
    return rows


def read_metadata_table(path: str | Path, policy: str = "stop") -> pa.Table:
    """A table fetched before (Parquet, or CSV with space-separated lists): photo_id (or
    image_id), any of tags, sets and groups (a kind without a column is null), and optionally
    owner; listed photos have status 'ok'.

    A bad CSV line (see _csv_rows) obeys the bad_lines `policy` as in the release: 'stop'
    raises naming file and line, 'drop' logs it and gives its photo status 'bad_line', which
    ingest.assemble counts as bad_lines (read leniently, a short row became empty groups and
    no owner without a word). A line whose photo_id cannot be read names no photo to drop,
    so it stops the run under every policy."""
    path = Path(path)
    if path.suffix == ".parquet":
        rows, problems = _parquet_rows(path), []
    else:
        rows, problems = _csv_rows(path)
    nuswide.refuse_unnamed(problems, path)
    nuswide.apply_policy(problems, policy, "the metadata table")
    bad = {p.row for p in problems}
    records = [{"photo_id": photo, "status": "bad_line"} for photo in bad]
    for row in rows:
        if row["photo_id"] not in bad:
            lists = {c: _as_list(row[c]) if c in row else None for c in ("tags", "sets", "groups")}
            records.append(
                {"photo_id": row["photo_id"], "status": "ok", **lists, "owner": row.get("owner") or None}
            )
    return pa.Table.from_pylist(sorted(records, key=lambda r: r["photo_id"]), schema=METADATA)


def is_table(path: str | Path | None) -> bool:
    """Metadata fetched before as one file (a Parquet or CSV table, or McAuley and Leskovec's
    photo XML) rather than a folder of stored answers."""
    return path is not None and Path(path).suffix in (".parquet", ".csv", ".xml")


def read_mcauley(path: str | Path, policy: str = "stop", sets_from: str = "sets") -> pa.Table:
    """METADATA from McAuley and Leskovec's photo XML (src/neighborhoods/ingestion/mcauley.py)."""
    columns, _ = mcauley.read(path, policy, sets_from)
    return pa.table(columns, schema=METADATA)


def load_metadata(
    photo_ids: Iterable[int],
    methods: list[str],
    cache: str | Path,
    reuse: str | Path | None = None,
    *,
    policy: str = "stop",
    sets_from: str = "sets",
) -> pa.Table:
    """METADATA from a file fetched before (`reuse` a table or McAuley and Leskovec's XML, whose
    `sets_from` says what fills the sets column; its bad lines or records under the bad_lines
    `policy`), else from the answers stored in `reuse` (a folder, read first) and `cache`."""
    if is_table(reuse) and Path(reuse).suffix == ".xml":
        return read_mcauley(reuse, policy, sets_from)
    if is_table(reuse):
        return read_metadata_table(reuse, policy)
    folders = [f for f in (reuse, cache) if f]
    return metadata_from_answers(photo_ids, methods, itertools.chain(*(Cache(f).records() for f in folders)))


def photos_to_crawl(release: pa.Table) -> list[int]:
    """Photos worth asking about: those with a positive label (the others are dropped anyway)."""
    lengths = pc.list_value_length(release.column("labels")).to_numpy(zero_copy_only=False)
    return sorted(release.column("image_id").to_numpy()[lengths > 0].tolist())


def methods(get_info: bool) -> list[str]:
    """getAllContexts always (sets, groups); getInfo for tags from Flickr and owners."""
    return [GET_INFO, GET_CONTEXTS] if get_info else [GET_CONTEXTS]


def main(argv: list[str] | None = None) -> None:
    """Crawl one shard from the command line, e.g. under another key than the pipeline's."""
    parser = argparse.ArgumentParser(
        prog="python -m neighborhoods.ingestion.flickr", description=main.__doc__
    )
    parser.add_argument("--release", required=True, help="the NUS-WIDE release folder")
    parser.add_argument("--cache", required=True, help="folder of stored answers, shared by all shards")
    parser.add_argument("--shard", type=int, default=0)
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--api-url", default="https://api.flickr.com/services/rest/")
    parser.add_argument("--rate", type=float, default=3600, help="queries per hour for this job's key")
    parser.add_argument(
        "--no-info", action="store_true", help="skip getInfo (tags from All_Tags.txt, no owners)"
    )
    parser.add_argument("--bad-lines", choices=nuswide.POLICIES, default="stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    release = nuswide.read_release(args.release, policy=args.bad_lines)
    photos = shard(photos_to_crawl(release.table), args.shard, args.shards)
    cache = Cache(args.cache, f"shard{args.shard}of{args.shards}")
    try:
        summary = crawl(
            photos,
            methods(not args.no_info),
            cache,
            lambda: Client(args.api_url, api_key(), per_hour=args.rate),
        )
    except FlickrError as error:
        sys.exit(f"error: {error}")
    log.info("done: %s", summary)


if __name__ == "__main__":
    main()
