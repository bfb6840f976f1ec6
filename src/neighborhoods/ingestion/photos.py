"""A user's photo folder as an images table: every decodable JPEG or PNG, nested folders
included, with the metadata photo managers leave behind.

Lightroom, digiKam and darktable write keywords into the files (XMP `dc:subject`, IPTC
Keywords); a sidecar table can add tags, albums and groups; a photo's album defaults to the
folder it sits in. Files that cannot be decoded are skipped with the reason, never fatal: an
archive of thousands of photos always has a few.
"""

import logging
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image, IptcImagePlugin

from neighborhoods import manifest, parquet

log = logging.getLogger(__name__)

SUFFIXES = (".jpg", ".jpeg", ".png")
JPEG = ("JPEG", "MPO")  # MPO: a JPEG with more pictures after the first (phones' HDR gain maps)
SIDECAR_COLUMNS = {"tags": "tags", "albums": "sets", "groups": "groups"}
SKIPPED = pa.schema([("path", pa.string()), ("reason", pa.string())])
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_SUBJECT = "{http://purl.org/dc/elements/1.1/}subject"
_IPTC_KEYWORDS = (2, 25)


@dataclass
class Photo:
    path: str  # relative to the folder, with / separators
    tags: set[str] = field(default_factory=set)
    sets: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)


def _keyword(value: str) -> str | None:
    word = " ".join(value.split()).lower()
    return word or None


def xmp_subjects(packet: bytes | str) -> list[str]:
    """The `dc:subject` keywords of an XMP packet."""
    root = ElementTree.fromstring(packet.encode() if isinstance(packet, str) else packet.strip(b"\x00"))
    return [item.text or "" for subject in root.iter(_SUBJECT) for item in subject.iter(f"{_RDF}li")]


def iptc_keywords(image: Image.Image) -> list[str]:
    """IPTC Keywords (2:25); UTF-8 as exiftool and Lightroom write them, else Latin-1."""
    info = IptcImagePlugin.getiptcinfo(image) or {}
    values = info.get(_IPTC_KEYWORDS, [])
    values = values if isinstance(values, list) else [values]
    out = []
    for value in values:
        try:
            out.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(value.decode("latin-1"))
    return out


def embedded_keywords(image: Image.Image, where: str = "") -> set[str]:
    """XMP and IPTC keywords of an opened JPEG or PNG, lower-cased, whitespace collapsed.
    A malformed block is logged and left out: the photo and its other keywords are kept."""
    words = []
    if image.format in JPEG:
        try:
            words += iptc_keywords(image)
        except (OSError, SyntaxError, ValueError) as error:
            log.warning("%s: unreadable IPTC block left out: %s", where, error)
    packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if packet:
        try:
            words += xmp_subjects(packet)
        except (ElementTree.ParseError, ValueError) as error:
            log.warning("%s: unreadable XMP packet left out: %s", where, error)
    return {word for word in map(_keyword, words) if word}


def _read(path: Path) -> set[str]:
    """Decode the whole photo (a truncated file fails here, not in feature extraction)."""
    with Image.open(path) as image:
        if image.format not in (*JPEG, "PNG"):
            raise OSError(f"a {image.format} file, not JPEG or PNG")
        keywords = embedded_keywords(image, str(path))
        image.convert("RGB")
    return keywords


def scan(root: str | Path) -> tuple[list[Photo], list[tuple[str, str]]]:
    """Every decodable photo under `root` in path order, with its embedded keywords and its
    folder as album; and (path, reason) for every file that is not one. Files are listed as the
    image manifest lists them: symlinked folders followed, hidden files left out."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"annotate.images: {root} is not a folder")
    photos, skipped = [], []
    for relative in manifest.scan(root).column("path").to_pylist():
        path = root / relative
        if path.suffix.lower() not in SUFFIXES:
            skipped.append((relative, f"not a JPEG or PNG file ({path.suffix or 'no suffix'})"))
            continue
        try:
            keywords = _read(path)
        except (OSError, ValueError, SyntaxError, ElementTree.ParseError) as error:
            skipped.append((relative, f"cannot decode: {error}"))
            continue
        folder = path.parent.relative_to(root).as_posix()
        album = _keyword(folder if folder != "." else root.resolve().name)
        photos.append(Photo(relative, tags=keywords, sets={album} if album else set()))
    log.info("%s: %d photos, %d files skipped", root, len(photos), len(skipped))
    return photos, skipped


def _items(value, where: str) -> set[str]:
    """A sidecar cell: a list (Parquet), or text separated by semicolons, else by whitespace."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return set()
    if isinstance(value, list | tuple | np.ndarray):
        words = [str(v) for v in value if isinstance(v, str)]
    elif isinstance(value, str):
        words = value.split(";") if ";" in value else value.split()
    else:
        raise ValueError(f"{where}: expected a list or a space- or semicolon-separated text, got {value!r}")
    return {word for word in map(_keyword, words) if word}


def _read_sidecar(path: Path) -> tuple[pd.DataFrame, str]:
    """The table, its key column ('path' or 'file') and each row's line (CSV: header is line 1)."""
    table = pq.read_table(path).to_pandas() if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    keys = [c for c in ("path", "file") if c in table.columns]
    if len(keys) != 1 or not any(c in table.columns for c in SIDECAR_COLUMNS):
        raise ValueError(
            f"{path}: expected one column 'path' (relative to the photo folder) or 'file' (a file "
            f"name) and at least one of {', '.join(SIDECAR_COLUMNS)}; found {', '.join(table.columns)}"
        )
    table["line"] = np.arange(len(table)) + (1 if path.suffix == ".parquet" else 2)
    return table, keys[0]


def _name(path: str, by: str) -> str:
    return path if by == "path" else path.rsplit("/", 1)[-1]


def apply_sidecar(photos: list[Photo], path: str | Path, skipped: list[tuple[str, str]] = ()) -> int:
    """Add the items of a sidecar table (CSV or Parquet: a `path` or `file` column, any of tags,
    albums, groups) to the photos it names; its albums replace the folder default. Returns how
    many photos it named. Rows without a key, or naming a `skipped` file, are left out; a row
    naming no file of the folder, or a file name two photos share, is an error naming its line."""
    path = Path(path)
    table, by = _read_sidecar(path)
    index: dict[str, list[Photo]] = {}
    for photo in photos:
        index.setdefault(_name(photo.path, by), []).append(photo)
    left_out = {_name(file, by) for file, _ in skipped}
    named = set()
    for row in table.to_dict("records"):
        where = f"{path}, line {row['line']}"
        key = "" if pd.isna(row[by]) else str(row[by]).strip()
        if not key or (key in left_out and key not in index):
            continue
        matches = index.get(key, [])
        if len(matches) != 1:
            problem = "no decodable photo" if not matches else f"{len(matches)} photos (use a 'path' column)"
            raise ValueError(f"{where}: {by} {key!r} names {problem} of the folder")
        photo = matches[0]
        for column, kind in SIDECAR_COLUMNS.items():
            if column in row:
                items = _items(row[column], f"{where}, column {column}")
                if kind == "sets" and items:
                    photo.sets = items
                else:
                    getattr(photo, kind).update(items)
        named.add(photo.path)
    return len(named)


def images_table(photos: list[Photo]) -> pa.Table:
    """The IMAGES table of a collection: ids are row numbers, there are no labels or owners."""
    return pa.table(
        {
            "image_id": pa.array(np.arange(len(photos)), pa.int64()),
            "path": [p.path for p in photos],
            "labels": [[] for _ in photos],
            "tags": [sorted(p.tags) for p in photos],
            "sets": [sorted(p.sets) for p in photos],
            "groups": [sorted(p.groups) for p in photos],
            "owner": [""] * len(photos),
        },
        schema=parquet.IMAGES,
    )


def skipped_table(skipped: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(skipped, columns=SKIPPED.names)
