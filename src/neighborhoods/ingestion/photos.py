"""A user's photo folder as an images table: every decodable JPEG or PNG, nested folders
included, with the metadata photo managers leave behind.

Lightroom, digiKam and darktable write keywords into the files (XMP `dc:subject`, IPTC
Keywords); a sidecar table can add tags, albums and groups; a photo's album defaults to the
folder it sits in. Keywords become tags as the training tags were written (`tag`: Flickr's
normalised form, letters and digits lower-cased, so "New York" is "newyork"), in Unicode NFC
form, so "café" typed on two systems is one tag. Files that cannot be used (undecodable, too
large, a link to nothing) are skipped with the reason, never fatal: an archive of thousands of
photos always has a few.
"""

import csv
import io
import logging
import os
import re
import unicodedata
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image, IptcImagePlugin

from neighborhoods import decoding, manifest, parquet

log = logging.getLogger(__name__)

SUFFIXES = (".jpg", ".jpeg", ".png")
JPEG = ("JPEG", "MPO")  # MPO: a JPEG with more pictures after the first (phones' HDR gain maps)
SIDECAR_COLUMNS = {"tags": "tags", "albums": "sets", "groups": "groups"}
SKIPPED = pa.schema([("path", pa.string()), ("reason", pa.string())])
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_SUBJECT = "{http://purl.org/dc/elements/1.1/}subject"
_IPTC_KEYWORDS = (2, 25)
COLLECTIONS = Path("results/annotate")
FOLDER = b"neighborhoods.photo_folder"  # schema metadata of photos.parquet: the folder it lists
MARKER = "photo_folder.txt"  # in a collection folder: the photo folder it labels


@dataclass
class Photo:
    path: str  # relative to the folder, with / separators
    tags: set[str] = field(default_factory=set)
    sets: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)


def _keyword(value: str) -> str | None:
    """An album or group name: NFC, lower case, whitespace collapsed."""
    word = unicodedata.normalize("NFC", " ".join(value.split()).lower())
    return word or None


def tag(value: str) -> str | None:
    """A keyword as a tag, in the form the training tags have: Flickr's normalised tags (the
    `<tag>` text of photos.getInfo and of McAuley and Leskovec's XML) and NUS-WIDE's
    All_Tags.txt keep letters and digits only, lower-cased ("New York" and "new-york" are
    "newyork"). NFC first, so "café" typed on two systems is one tag."""
    word = "".join(c for c in unicodedata.normalize("NFC", value).lower() if c.isalnum())
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
    return {word for word in map(tag, words) if word}


def _read(path: Path, max_pixels: int) -> set[str]:
    """The photo's keywords, once it is decoded whole (a truncated file fails here, not in feature
    extraction) as feature extraction decodes it; decoding.ImageError if it cannot be."""
    with decoding.opened(path, max_pixels) as image:
        if image.format not in (*JPEG, "PNG"):
            raise decoding.ImageError(decoding.UNDECODABLE, f"a {image.format} file, not JPEG or PNG")
        keywords = embedded_keywords(image, str(path))
        decoding.rgb(image)
    return keywords


def scan(
    root: str | Path, max_pixels: int = decoding.MAX_PIXELS
) -> tuple[list[Photo], list[tuple[str, str]]]:
    """Every usable photo under `root` in path order, with its embedded keywords and its folder
    as album; and (path, reason) for every file that is not one, and every link to nothing.
    Files are listed as the image manifest lists them: symlinked folders followed, hidden files
    left out."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"annotate.images: {root} is not a folder")
    photos, skipped, dangling = [], [], []
    for relative in manifest.scan(root, dangling).column("path").to_pylist():
        path = root / relative
        if path.suffix.lower() not in SUFFIXES:
            skipped.append((relative, f"not a JPEG or PNG file ({path.suffix or 'no suffix'})"))
            continue
        try:
            keywords = _read(path, max_pixels)
        except decoding.ImageError as error:
            skipped.append((relative, str(error)))
            continue
        folder = path.parent.relative_to(root).as_posix()
        album = _keyword(folder if folder != "." else root.resolve().name)
        photos.append(Photo(relative, tags=keywords, sets={album} if album else set()))
    for relative in dangling:
        skipped.append((relative, f"a link to nothing ({os.readlink(root / relative)} does not exist)"))
    log.info("%s: %d photos, %d files skipped", root, len(photos), len(skipped))
    return photos, sorted(skipped)


def _word(value, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{where}: expected keywords as text or integers, found {value!r}")


def _items(value, where: str, normalise=_keyword) -> set[str]:
    """A sidecar cell: a list (Parquet; one keyword an element), or text whose keywords are
    separated by ';' or ',' if it holds either, else by whitespace. Integers are keywords too."""
    if value is None:
        return set()
    if isinstance(value, str):
        words = re.split("[;,]", value) if re.search("[;,]", value) else value.split()
    elif isinstance(value, list | tuple | np.ndarray):
        words = [_word(v, where) for v in value if v is not None]
    else:
        words = [_word(value, where)]
    return {word for word in map(normalise, words) if word}


def _text(path: Path) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252, else
    Latin-1 (which reads any byte), as spreadsheet programs write them; a fallback is logged."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text, encoding = data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:  # a byte Windows-1252 leaves undefined
        text, encoding = data.decode("latin-1"), "Latin-1"
    log.warning("%s is not UTF-8: read as %s", path, encoding)
    return text


def _csv_records(path: Path) -> tuple[list[str], list[tuple[str, dict]]]:
    """The header and (where, row) for each row that is not blank; `where` names the row's
    first physical line, which a quoted field spanning lines or a blank line does not shift."""
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    records, header, last = [], None, 0
    try:
        for row in reader:
            first, last = last + 1, reader.line_num
            if not row:
                continue
            if header is None:
                header = [name.strip() for name in row]
                continue
            if len(row) > len(header):
                raise ValueError(
                    f"{path}, line {first}: {len(row)} fields, expected at most {len(header)} "
                    f"({', '.join(header)}); put a field holding a comma in double quotes"
                )
            records.append((f"{path}, line {first}", dict(zip(header, row, strict=False))))
    except csv.Error as error:
        raise ValueError(f"{path}, line {reader.line_num}: not CSV as expected: {error}") from None
    return header or [], records


def _parquet_records(path: Path) -> tuple[list[str], list[tuple[str, dict]]]:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise ValueError(f"{path}: expected a Parquet file: {error}") from None
    return table.column_names, [(f"{path}, row {i + 1}", row) for i, row in enumerate(table.to_pylist())]


def _read_sidecar(path: Path) -> tuple[list[tuple[str, dict]], str]:
    """Each row with where it is (CSV: its line; Parquet: its row), and the key column ('path'
    or 'file')."""
    columns, records = _parquet_records(path) if path.suffix == ".parquet" else _csv_records(path)
    keys = [c for c in ("path", "file") if c in columns]
    if len(keys) != 1 or not any(c in columns for c in SIDECAR_COLUMNS):
        raise ValueError(
            f"{path}: expected one column 'path' (relative to the photo folder) or 'file' (a file "
            f"name) and at least one of {', '.join(SIDECAR_COLUMNS)}; found {', '.join(columns)}"
        )
    return records, keys[0]


def _name(path: str, by: str) -> str:
    return unicodedata.normalize("NFC", path if by == "path" else path.rsplit("/", 1)[-1])


def apply_sidecar(photos: list[Photo], path: str | Path, skipped: list[tuple[str, str]] = ()) -> int:
    """Add the items of a sidecar table (CSV or Parquet: a `path` or `file` column, any of tags,
    albums, groups) to the photos it names; its albums replace the folder default. Returns how
    many photos it named. Rows without a key, or naming a `skipped` file, are left out; a row
    naming no file of the folder, or a file name two photos share, is an error naming its line."""
    path = Path(path)
    records, by = _read_sidecar(path)
    index: dict[str, list[Photo]] = {}
    for photo in photos:
        index.setdefault(_name(photo.path, by), []).append(photo)
    left_out = {_name(file, by) for file, _ in skipped}
    named = set()
    for where, row in records:
        key = "" if row.get(by) is None else _name(str(row[by]).strip(), by)
        if not key or (key in left_out and key not in index):
            continue
        matches = index.get(key, [])
        if len(matches) != 1:
            problem = "no decodable photo" if not matches else f"{len(matches)} photos (use a 'path' column)"
            raise ValueError(f"{where}: {by} {key!r} names {problem} of the folder")
        photo = matches[0]
        for column, kind in SIDECAR_COLUMNS.items():
            if column in row:
                items = _items(row[column], f"{where}, column {column}", tag if kind == "tags" else _keyword)
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


def collection(images: str | Path, name: str | None) -> Path:
    """Where a photo folder's annotations go: results/annotate/<name>, by default the folder's
    own name. `name` is checked at load (config_checks.check_names); the default is refused here
    where it cannot name a folder (the file system's root has no name; a brace is a wildcard)."""
    if name:
        return COLLECTIONS / name
    default = Path(images).resolve().name
    if not default or default.startswith(".") or any(c in default for c in "{}") or not default.isprintable():
        raise ValueError(
            f"annotate.images: the photo folder's name {default!r} cannot name its results folder "
            f"{COLLECTIONS}/<name>/; set annotate.name (ASCII letters, digits, '_', '-' and '.')"
        )
    return COLLECTIONS / default


def write_photos(photos: list[Photo], images: str | Path, path: str | Path) -> None:
    """The collection's images table, recording the photo folder it was made from."""
    table = images_table(photos)
    source = {FOLDER: str(Path(images).resolve()).encode()}
    parquet.write(table.replace_schema_metadata(source), path)


def write_marker(images: str | Path, path: str | Path) -> None:
    """The file that says a collection folder is the annotate target's, and which photo folder
    it labels (MARKER): the first file written into it."""
    Path(path).write_text(str(Path(images).resolve()) + "\n", encoding="utf-8", errors="surrogateescape")


def made_from(path: str | Path) -> str | None:
    """The photo folder a collection's images table was made from (None: not recorded)."""
    return (pq.read_schema(path).metadata or {}).get(FOLDER, b"").decode() or None


def labelled_by(folder: Path) -> str | None:
    """The photo folder a collection folder was made for: its MARKER file, or, in a collection
    written before the marker existed, the folder recorded in its photos.parquet; None when the
    folder holds neither (the annotate target did not make it)."""
    marker = folder / MARKER
    if marker.is_file():
        return marker.read_text(encoding="utf-8", errors="surrogateescape").strip() or None
    table = folder / "photos.parquet"
    if table.is_file():
        try:
            return made_from(table)
        except (pa.ArrowException, OSError, UnicodeDecodeError):
            return None
    return None


def check_collection(images: str | Path, name: str | None) -> None:
    """Refuse to write into a collection folder the annotate target did not make for this photo
    folder: one holding another folder's annotations (two folders called holiday, say), one
    holding anything without the annotate target's MARKER, a symbolic link (to a folder
    elsewhere) or a file. An empty folder holds nothing to lose (a first run that failed leaves
    one)."""
    folder = collection(images, name)
    where = f"set annotate.name to another name (the results go to {COLLECTIONS}/<name>)"
    if folder.is_symlink():
        raise ValueError(
            f"{folder} is a symbolic link (to {os.readlink(folder)}), not a folder the annotate "
            f"target made; it never writes through one: {where}"
        )
    if not folder.exists():
        return
    if not folder.is_dir():
        raise ValueError(f"{folder} is a file, not a folder the annotate target made: {where}")
    source = labelled_by(folder)
    if source is None:
        if any(folder.iterdir()):
            raise ValueError(
                f"{folder} holds files the annotate target did not write (it has no {MARKER}); it never "
                f"writes into a folder it did not make: {where}, or move those files away"
            )
        return
    if source != str(Path(images).resolve()):
        raise ValueError(
            f"{folder} holds the annotations of the photo folder {source}, and annotate.images is "
            f"{images}: {where} to keep both, or delete {folder} to replace them"
        )
