"""Read the NUS-WIDE release exactly as distributed, and say precisely what is wrong with it.

Row i of every per-image file (the label files, All_Tags.txt, the URL list) describes image i
of Imagelist.txt, so the files are read in step and cross-checked. The concepts and their
order come from ConceptsList/Concepts81.txt, never from code. Rules for the quirks of the
real files (docs/nuswide.md):

- Line endings: LF and CRLF (or a mix) are accepted; trailing blank lines are not rows.
- Text is UTF-8, decoded strictly: a lenient decoder would turn each bad byte into U+FFFD and
  merge distinct tags, paths or concept names without a word.
- Bad lines (a label other than 0/1, a non-numeric photo id, a wrong field count, a photo id
  that disagrees with Imagelist.txt's row, a byte that is not UTF-8): `policy="stop"` raises
  `ReleaseError` naming the file, line and expectation; `policy="drop"` drops that image, logs
  the line and counts it. A bad line of Concepts81.txt stops the run under every policy.
- A file with a different number of rows than Imagelist.txt cannot be aligned, so it always
  stops the run, whatever the policy.
- Duplicated photo ids: one image is kept, at the first row's path, with the union of the
  positive labels of all its rows (each copy was annotated separately and a missed label is
  NUS-WIDE's common error); its tags are the union too. Merged rows and ids whose copies
  disagreed are counted.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

import numpy as np
import pyarrow as pa

from neighborhoods import photo_ids

log = logging.getLogger(__name__)

POLICIES = ("stop", "drop")
MAX_PHOTO_ID = photo_ids.MAX  # ids are stored as int64
URL_SIZES = ("Large", "Middle", "Small", "Original")  # NUS-WIDE-urls.txt columns 3..6
SHOWN = 10  # problems quoted in an error message


class ReleaseError(ValueError):
    """The release (or a metadata table beside it) cannot be read as distributed; the message
    names file, line and expectation."""


@dataclass(frozen=True)
class Problem:
    """One bad line: where it is and what was expected there."""

    path: Path
    line: int  # 1-based, as an editor shows it
    expected: str
    found: str
    row: int = (
        -1
    )  # the image it describes: 0-based row of Imagelist.txt (a photo id in a metadata table); -1 if none
    detail: str = ""  # said before the quoted line, when the line alone does not show what is wrong

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: expected {self.expected}, found {self.detail}{self.found!r}"


@dataclass
class Release:
    """The release after validation: one row per kept photo, plus what was dropped and why."""

    table: pa.Table  # image_id, path, labels, tags (release tags), row (0-based Imagelist row)
    concepts: list[str]
    counts: dict
    problems: list[Problem] = field(default_factory=list)


def files(root: str | Path) -> dict[str, Path]:
    """Where each file lives in the release folder, as distributed."""
    root = Path(root)
    return {
        "imagelist": root / "ImageList" / "Imagelist.txt",
        "concepts": root / "ConceptsList" / "Concepts81.txt",
        "labels": root / "Groundtruth" / "AllLabels",
        "tags": root / "NUS_WID_Tags" / "All_Tags.txt",
        "urls": root / "NUS-WIDE-urls.txt",
    }


def read_text(path: Path) -> tuple[list[str], dict[int, str]]:
    """Lines without their LF or CRLF ending (blank lines at the end of the file dropped), and
    for each line that is not UTF-8 (by 0-based index) where its first bad byte is; such a
    line's text shows its bytes as \\x escapes. Only a file that fails to decode is scanned
    line by line, so a good 269,648-line file costs one decode."""
    if not path.is_file():
        raise ReleaseError(f"{path}: file not found (expected the release's layout: docs/nuswide.md)")
    data = path.read_bytes()
    undecodable: dict[int, str] = {}
    try:
        lines = data.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        lines, offset = [], 0
        for i, chunk in enumerate(data.split(b"\n")):  # no UTF-8 sequence holds a newline byte
            try:
                lines.append(chunk.decode("utf-8"))
            except UnicodeDecodeError as error:
                lines.append(chunk.decode("utf-8", errors="backslashreplace"))
                where = f"byte 0x{chunk[error.start]:02x} at byte offset {offset + error.start} of the file"
                undecodable[i] = f"{where} ({error.start} of the line)"
            offset += len(chunk) + 1
    lines = [line.removesuffix("\r") for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines, undecodable


def read_lines(path: Path, header: int = 0) -> tuple[list[str], list[Problem]]:
    """read_text's lines, and a Problem for each line that is not UTF-8 (its row counted after
    `header` lines); callers skip those lines rather than report them twice."""
    lines, undecodable = read_text(path)
    return lines, [
        Problem(path, i + 1, "UTF-8 text", lines[i], i - header, f"{where} in ")
        for i, where in undecodable.items()
    ]


def read_concepts(path: Path) -> list[str]:
    """Concept names in file order: one per line, unique, no spaces, UTF-8 (under every policy)."""
    lines, problems = read_lines(path)
    if problems:
        raise ReleaseError(str(problems[0]))
    concepts = [line.strip() for line in lines]
    for i, name in enumerate(concepts, 1):
        if not name or len(name.split()) != 1:
            raise ReleaseError(str(Problem(path, i, "one concept name without spaces", name)))
        if name in concepts[: i - 1]:
            raise ReleaseError(str(Problem(path, i, "a concept not listed before", name)))
    if not concepts:
        raise ReleaseError(f"{path}: no concepts listed")
    return concepts


def _check_rows(path: Path, lines: list[str], n: int, header: int = 0) -> None:
    if len(lines) - header != n:
        raise ReleaseError(
            f"{path}: {len(lines) - header} rows, expected {n} (one per line of Imagelist.txt); "
            "the files cannot be aligned, so this stops the run under every bad_lines policy"
        )


def photo_path(windows_path: str) -> tuple[str, str]:
    """('<query>/<file>', photo id text) of an Imagelist entry like
    C:\\ImageData\\Flickr\\actor\\0001_2124494179.jpg."""
    parts = PureWindowsPath(windows_path.strip()).parts
    if len(parts) < 2:
        return "", ""
    stem = parts[-1].rsplit(".", 1)[0]
    return f"{parts[-2]}/{parts[-1]}", stem.rsplit("_", 1)[-1] if "_" in stem else ""


def photo_id(text: str) -> int | None:
    """The photo id `text` holds: ASCII digits of a number that fits int64; else None
    (photo_ids.parse, the one parser every reader uses)."""
    return photo_ids.parse(text)


def parse_image_list(path: Path) -> tuple[np.ndarray, list[str], list[Problem]]:
    """Photo ids (-1 where the line is bad), relative paths, and the bad lines."""
    lines, problems = read_lines(path)
    undecodable = {p.row for p in problems}
    ids = np.full(len(lines), -1, dtype=np.int64)
    paths = []
    for i, line in enumerate(lines):
        rel, photo = photo_path(line)
        paths.append(rel)
        if i in undecodable:
            continue
        if len(line.split()) != 1 or not rel:
            problems.append(
                Problem(path, i + 1, "one Windows path ...\\<query>\\<file>_<photo id>.jpg", line, i)
            )
        elif photo_id(photo) is None:
            expected = f"a numeric photo id (at most {MAX_PHOTO_ID}) after the last '_' of the file name"
            problems.append(Problem(path, i + 1, expected, line, i))
        else:
            ids[i] = photo_id(photo)
    return ids, paths, problems


def parse_labels(path: Path, n: int) -> tuple[np.ndarray, list[Problem]]:
    """A concept's 0/1 column (-1 on bad lines) and the bad lines; vectorised for 269,648 rows."""
    lines, problems = read_lines(path)
    _check_rows(path, lines, n)
    undecodable = {p.row for p in problems}
    raw = np.asarray(lines)
    values = np.full(n, -1, dtype=np.int8)
    values[raw == "0"], values[raw == "1"] = 0, 1
    for i in np.flatnonzero(values < 0):
        if i in undecodable:
            continue
        text = lines[i].strip()  # tolerate stray spaces before flagging the line
        if text in ("0", "1"):
            values[i] = int(text)
        else:
            problems.append(Problem(path, int(i) + 1, "0 or 1", lines[i], int(i)))
    return values, problems


def parse_tags(path: Path, ids: np.ndarray) -> tuple[list[list[str]], list[Problem]]:
    """Each row's tags (whitespace-separated after the photo id), checked against Imagelist's id."""
    lines, problems = read_lines(path)
    _check_rows(path, lines, len(ids))
    undecodable = {p.row for p in problems}
    tags = []
    for i, line in enumerate(lines):
        fields = line.split()
        if i in undecodable:
            tags.append([])
            continue
        if not fields or photo_id(fields[0]) is None:
            expected = f"a numeric photo id (at most {MAX_PHOTO_ID}), then the tags"
            problems.append(Problem(path, i + 1, expected, line, i))
            tags.append([])
            continue
        if ids[i] >= 0 and photo_id(fields[0]) != ids[i]:
            problems.append(
                Problem(path, i + 1, f"photo id {ids[i]} (row {i + 1} of Imagelist.txt)", fields[0], i)
            )
        tags.append(fields[1:])
    return tags, problems


def parse_urls(path: Path, ids: np.ndarray) -> tuple[dict[str, list[str | None]], list[Problem]]:
    """URL columns of NUS-WIDE-urls.txt by size name (None where 'null' or the line is bad)."""
    lines, problems = read_lines(path, header=1)
    _check_rows(path, lines, len(ids), header=1)
    undecodable = {p.row for p in problems}
    urls: dict[str, list[str | None]] = {size: [] for size in URL_SIZES}
    for i, line in enumerate(lines[1:]):
        fields = line.split()
        ok = (
            i not in undecodable
            and len(fields) == 6
            and photo_id(fields[1]) is not None
            and (ids[i] < 0 or photo_id(fields[1]) == ids[i])
        )
        if not ok and i not in undecodable:  # an undecodable line is reported once, by read_lines
            expected = f"6 fields: Photo_file Photo_id(={ids[i]}) url_Large url_Middle url_Small url_Original"
            problems.append(Problem(path, i + 2, expected, line, i))
        for size, value in zip(URL_SIZES, fields[2:6] if ok else [None] * 4, strict=True):
            urls[size].append(None if value in (None, "null") else value)
    return urls, problems


def quote(problems: list[Problem]) -> str:
    """The first SHOWN problems, one a line, for an error message."""
    more = f"\n... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    return "\n".join(str(p) for p in problems[:SHOWN]) + more


def refuse_unnamed(problems: list[Problem], path, unit: str = "line") -> None:
    """A bad line or record whose photo id cannot be read names no photo to drop and count, so
    it stops the run under every bad_lines policy."""
    unnamed = [p for p in problems if p.row < 0]
    if unnamed:
        raise ReleaseError(
            f"{len(unnamed)} {unit}(s) of {path} name no photo, so their photo cannot be dropped and "
            f"counted; this stops the run under every bad_lines policy:\n{quote(unnamed)}"
        )


def apply_policy(problems: list[Problem], policy: str, source: str = "the release") -> None:
    """Under 'stop', raise with the first bad lines; under 'drop', log every one, and how many
    each file had."""
    if policy not in POLICIES:
        raise ValueError(f"bad_lines policy: expected one of {POLICIES}, got {policy!r}")
    if not problems:
        return
    if policy == "stop":
        raise ReleaseError(
            f"{len(problems)} bad line(s) about {len({p.row for p in problems})} image(s) in {source} "
            f"(set nuswide.bad_lines: drop to drop those images and count them):\n{quote(problems)}"
        )
    per_file: dict[Path, int] = {}
    for problem in problems:
        log.warning("dropping the image of a bad line: %s", problem)
        per_file[problem.path] = per_file.get(problem.path, 0) + 1
    for path, count in per_file.items():
        log.warning("%s: %d bad line(s), their images dropped", path, count)


def merge_duplicates(ids: np.ndarray, rows: np.ndarray, labels: np.ndarray, tags: list[list[str]]):
    """One entry per photo id, at its first row; labels and tags are the union over its rows.

    Returns (kept rows in Imagelist order, their labels (kept x concepts), their tags, the number
    of rows merged into an earlier one, the ids whose copies had different labels)."""
    slot: dict[int, int] = {}
    kept, merged_labels, merged_tags, conflicts = [], [], [], set()
    for row in rows:
        photo = int(ids[row])
        k = slot.get(photo)
        if k is None:
            slot[photo] = len(kept)
            kept.append(row)
            merged_labels.append(labels[row].copy())
            merged_tags.append(list(tags[row]))
            continue
        if not np.array_equal(labels[kept[k]], labels[row]):
            conflicts.add(photo)
        merged_labels[k] |= labels[row]
        merged_tags[k] += [t for t in tags[row] if t not in merged_tags[k]]
    labels_out = np.array(merged_labels, dtype=np.int8).reshape(len(kept), labels.shape[1])
    return np.array(kept, dtype=np.int64), labels_out, merged_tags, len(rows) - len(kept), sorted(conflicts)


def read_release(root: str | Path, *, policy: str = "stop") -> Release:
    """Parse and validate the release; see the module docstring for the rules."""
    paths = files(root)
    concepts = read_concepts(paths["concepts"])
    ids, rel_paths, problems = parse_image_list(paths["imagelist"])
    n = len(ids)
    if n == 0:
        raise ReleaseError(f"{paths['imagelist']}: no images listed")
    labels = np.zeros((n, len(concepts)), dtype=np.int8)
    for c, concept in enumerate(concepts):
        labels[:, c], bad = parse_labels(paths["labels"] / f"Labels_{concept}.txt", n)
        problems += bad
    tags, bad = parse_tags(paths["tags"], ids)
    problems += bad
    apply_policy(problems, policy)
    bad_rows = {p.row for p in problems}
    rows = np.array([i for i in range(n) if i not in bad_rows], dtype=np.int64)
    kept, labels, tags, merged, conflicts = merge_duplicates(ids, rows, np.maximum(labels, 0), tags)
    for photo in conflicts:
        log.info("photo %d: duplicated rows with different labels; keeping the union", photo)
    names = np.asarray(concepts, dtype=object)
    table = pa.table(
        {
            "image_id": pa.array(ids[kept], pa.int64()),
            "path": pa.array([rel_paths[i] for i in kept], pa.string()),
            "labels": pa.array([list(names[row > 0]) for row in labels], pa.list_(pa.string())),
            "tags": pa.array(tags, pa.list_(pa.string())),
            "row": pa.array(kept, pa.int64()),
        }
    )
    counts = {
        "lines": n,
        "bad_lines": len(bad_rows),
        "duplicate_rows": merged,
        "duplicate_conflicts": len(conflicts),
        "images": table.num_rows,
    }
    log.info("release %s: %s", root, counts)
    return Release(table, concepts, counts, problems)


def image_urls(
    table: pa.Table, imagelist: str | Path, urls_file: str | Path, sizes: list[str], policy: str = "stop"
) -> list[list[str]]:
    """For each row of a release table, its URLs in NUS-WIDE-urls.txt in the order of `sizes`.

    A bad line of the URL file obeys `policy`; under 'drop' its image simply has no URL (and is
    counted as image_missing)."""
    ids, _, _ = parse_image_list(Path(imagelist))
    urls, problems = parse_urls(Path(urls_file), ids)
    apply_policy(problems, policy)
    return [[urls[s][row] for s in sizes if urls[s][row]] for row in table.column("row").to_pylist()]
