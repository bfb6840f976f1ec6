"""Features extracted elsewhere, written as the pipeline's features file: no image is needed.

The format is recognised from what the path is:

- a Parquet file with `image_id` and `feature` (the pipeline's own features file);
- a BigFile folder: `id.txt` (whitespace-separated ids), `shape.txt` (`<rows> <dims>`) and
  `feature.bin` (float32, row-major), the layout in which tag-relevance benchmarks share
  VGG16 fc7 features of NUS-WIDE;
- a NUS-WIDE `Low_Level_Features` file (whitespace-separated text, one row per line of
  `Imagelist.txt`, e.g. `BoW_int.dat`), or a list of them, joined column-wise;
- a `.npy` array (rows x dims) with its ids beside it in `<stem>.ids.txt`.

Ids are NUS-WIDE's photo ids, read by the one parser every reader uses (`photo_ids`: ASCII
digits within int64); one written as the release's file names are, `<n>_<photo id>`, means
its photo id. Every row is checked before any is used or written. A bad row (an id that is
not a photo id or is null, a vector that is null, of another width or holding a NaN, an
infinite value or a null) follows the bad_lines policy: `stop` names the file, the row (and
line) and the id; `drop` leaves it out, logs it and counts it. An id listed twice, a count
that does not match, or a column that holds no numbers stops the job under every policy.
The features file keeps every usable row; images of the dataset without one are dropped at
ingestion and counted (`no_features`).
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from neighborhoods import parquet, photo_ids
from neighborhoods.ingestion import nuswide

log = logging.getLogger(__name__)

ROWS_PER_GROUP = 8192  # rows checked and written at a time: memory stays flat at any size


def kind(source: str | list[str]) -> str:
    """'parquet', 'bigfile', 'low_level' or 'npy', from what the path is."""
    paths = [Path(p) for p in ([source] if isinstance(source, str | Path) else source)]
    if len(paths) > 1 or paths[0].suffix == ".dat":
        return "low_level"
    path = paths[0]
    if path.is_dir():
        return "bigfile"
    if path.suffix in (".parquet", ".npy"):
        return path.suffix[1:]
    raise ValueError(
        f"features.import: {path} is neither a Parquet file, a BigFile folder (id.txt, shape.txt, "
        "feature.bin), a .npy array nor NUS-WIDE Low_Level_Features .dat files"
    )


def inputs(source: str | list[str]) -> list[str]:
    """The files an import reads, for the rule that runs it."""
    paths = [str(p) for p in ([source] if isinstance(source, str | Path) else source)]
    found = kind(source)
    if found == "bigfile":
        return [str(Path(paths[0]) / name) for name in ("id.txt", "shape.txt", "feature.bin")]
    if found == "npy":
        return [paths[0], str(_ids_beside(Path(paths[0])))]
    return paths


def _ids_beside(path: Path) -> Path:
    return path.with_name(path.stem + ".ids.txt")


@dataclass(frozen=True)
class BadRow:
    """A row of an import that cannot be used, and where it is."""

    where: str  # the file and the row (and line) in it
    photo: int | None  # its photo id, where one could be read
    reason: str
    index: int | None = None  # its position in the arrays read, where it is still in them

    def __str__(self) -> str:
        return f"{self.where}{'' if self.photo is None else f' (id {self.photo})'}: {self.reason}"


ID_EXPECTED = f"{photo_ids.EXPECTED}, or <n>_<photo id> as the release's file names are written"


def read_ids(path: Path) -> tuple[np.ndarray, list[BadRow]]:
    """The photo ids of an id file (whitespace-separated, as BigFile's id.txt; one a row), -1
    where a token is not one, with a BadRow naming its line for each of those."""
    lines, undecodable = nuswide.read_text(path)
    ids: list[int] = []
    bad: list[BadRow] = []
    for number, line in enumerate(lines, 1):
        for token in line.split():
            row = len(ids)
            where = f"{path}, line {number} (row {row + 1})"
            if number - 1 in undecodable:
                photo, found = None, f"{token!r} is not UTF-8 ({undecodable[number - 1]})"
            else:
                photo, found = photo_ids.from_name(token), f"{token!r} is not {ID_EXPECTED}"
            if photo is None:
                bad.append(BadRow(where, None, f"id {found}", row))
            ids.append(-1 if photo is None else photo)
    return np.array(ids, dtype=np.int64), bad


def _bigfile(folder: Path) -> tuple[np.ndarray, np.ndarray, list[BadRow]]:
    ids, bad = read_ids(folder / "id.txt")
    shape = (folder / "shape.txt").read_text(encoding="utf-8", errors="replace").split()
    if len(shape) != 2 or not all(s.isascii() and s.isdigit() for s in shape):
        raise ValueError(f"{folder / 'shape.txt'}: expected '<rows> <dims>', found {' '.join(shape)!r}")
    rows, dims = map(int, shape)
    if rows != len(ids):
        raise ValueError(f"{folder / 'shape.txt'}: {rows} rows, but id.txt lists {len(ids)} ids")
    binary = folder / "feature.bin"
    if binary.stat().st_size != rows * dims * 4:
        raise ValueError(
            f"{binary}: {binary.stat().st_size} bytes, expected {rows} x {dims} float32 = {rows * dims * 4}"
        )
    if rows == 0 or dims == 0:
        return ids, np.zeros((rows, dims), dtype=np.float32), bad
    return ids, np.memmap(binary, dtype=np.float32, mode="r", shape=(rows, dims)), bad


def _npy(path: Path) -> tuple[np.ndarray, np.ndarray, list[BadRow]]:
    try:
        features = np.load(path, mmap_mode="r")
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(f"{path}: expected a .npy array of numbers (rows x dims): {error}") from None
    if not isinstance(features, np.ndarray) or not (
        np.issubdtype(features.dtype, np.integer) or np.issubdtype(features.dtype, np.floating)
    ):
        raise ValueError(
            f"{path}: an array of {getattr(features, 'dtype', type(features))}, expected numbers"
        )
    beside = _ids_beside(path)
    if not beside.exists():
        raise ValueError(f"{path}: its ids are expected beside it, in {beside.name}")
    ids, bad = read_ids(beside)
    if features.ndim != 2 or len(features) != len(ids):
        raise ValueError(
            f"{path}: shape {features.shape}, expected ({len(ids)}, dims): one row per id of {beside}"
        )
    return ids, features, bad


def _low_level(paths: list[Path], imagelist: Path) -> tuple[np.ndarray, np.ndarray]:
    """Rows aligned with Imagelist.txt; lines whose photo id cannot be read are left out."""
    ids, _, problems = nuswide.parse_image_list(imagelist)
    parts = []
    for path in paths:
        try:
            values = pd.read_csv(path, sep=r"\s+", header=None, dtype=np.float32, engine="c").to_numpy()
        except (ValueError, pd.errors.ParserError, OSError) as error:
            raise ValueError(
                f"{path}: expected whitespace-separated numbers, as many on every line: {error}"
            ) from None
        if len(values) != len(ids):
            raise ValueError(f"{path}: {len(values)} rows, expected {len(ids)} (one per line of {imagelist})")
        parts.append(values)
    if problems:
        log.warning(
            "%s: %d line(s) without a photo id; their feature rows are left out", imagelist, len(problems)
        )
    keep = ids >= 0
    return ids[keep], np.hstack(parts)[keep]


def read_rows(
    source: str | list[str], imagelist: str | Path | None = None
) -> tuple[np.ndarray, np.ndarray, list[BadRow]]:
    """(photo ids, features (n, d), the bad rows) of an import; features may be memory-mapped.
    A bad row whose `index` is set is still in the arrays (its id is -1 where none was read);
    a Parquet file's bad rows are left out of them."""
    found = kind(source)
    if found == "low_level":
        if imagelist is None:
            raise ValueError("features.import: Low_Level_Features rows are aligned through Imagelist.txt")
        paths = [Path(p) for p in ([source] if isinstance(source, str) else source)]
        return *_low_level(paths, Path(imagelist)), []
    path = Path(source if isinstance(source, str) else source[0])
    if found == "bigfile":
        return _bigfile(path)
    if found == "npy":
        return _npy(path)
    rows: list[tuple] = []
    ids, features = parquet.read_features(path, bad=rows)
    return ids, features, [BadRow(f"{path}, row {row}", photo, reason) for row, photo, reason in rows]


def read(source: str | list[str], imagelist: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(photo ids, features (n, d)) of an import, stopping at its first bad row."""
    ids, features, bad = read_rows(source, imagelist)
    if bad:
        raise ValueError(str(bad[0]))
    return ids, features


def non_finite(ids: np.ndarray, features: np.ndarray, source: str, skip=()) -> list[BadRow]:
    """Each row (but those in `skip`) with a NaN or infinite value, or a null where a number
    was expected, read ROWS_PER_GROUP rows at a time."""
    bad = []
    for start in range(0, len(features), ROWS_PER_GROUP):
        block = np.asarray(features[start : start + ROWS_PER_GROUP])
        for row in start + np.flatnonzero(~np.isfinite(block).all(axis=1)):
            if row not in skip:
                reason = "a NaN, infinite or null value; expected finite features"
                bad.append(BadRow(f"{source}, row {row + 1}", int(ids[row]), reason, int(row)))
    return bad


def check_shape(features: np.ndarray, source: str) -> None:
    if features.ndim != 2 or features.shape[1] == 0:
        raise ValueError(
            f"{source}: features of shape {features.shape}, expected (rows, dims) with dims >= 1"
        )


def check_unique(ids: np.ndarray, source: str, rows: np.ndarray | None = None) -> None:
    """Stop at an id listed twice (which of its rows is right cannot be known, under any
    policy); `rows`: each id's row in the file, counted from 0."""
    unique, counts = np.unique(ids, return_counts=True)
    if len(unique) < len(ids):
        twice = unique[counts > 1][0]
        at = np.flatnonzero(ids == twice)[:2]
        first, second = (rows[at] if rows is not None else at) + 1
        raise ValueError(
            f"{source}: id {twice} is listed more than once (rows {first} and {second}); ids must be unique"
        )


def check(ids: np.ndarray, features: np.ndarray, source: str) -> None:
    """Stop at the first id listed twice, or the first row with a NaN or infinite value."""
    check_unique(ids, source)
    check_shape(features, source)
    bad = non_finite(ids, features, source)
    if bad:
        raise ValueError(str(bad[0]))


def apply_policy(bad: list[BadRow], policy: str, source: str) -> None:
    """Under 'stop', raise naming the first bad rows; under 'drop', log each one."""
    if policy not in nuswide.POLICIES:
        raise ValueError(f"bad_lines policy: expected one of {nuswide.POLICIES}, got {policy!r}")
    if not bad:
        return
    if policy == "stop":
        shown = "\n".join(str(row) for row in bad[: nuswide.SHOWN])
        more = f"\n... and {len(bad) - nuswide.SHOWN} more" if len(bad) > nuswide.SHOWN else ""
        raise ValueError(
            f"{len(bad)} bad row(s) in the imported features {source}, expected one photo id and one "
            f"vector of finite numbers per row (set nuswide.bad_lines: drop to leave them out and "
            f"count them):\n{shown}{more}"
        )
    for row in bad:
        log.warning("left out of the imported features: %s", row)


def write(
    ids: np.ndarray, features: np.ndarray, out_path: str | Path, keep: np.ndarray | None = None
) -> None:
    """The features file (the rows `keep` says, all by default), in row groups, atomically (an
    interrupted job leaves no half file)."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    schema = parquet.features_table(ids[:1], np.zeros((1, features.shape[1]), np.float32)).schema
    with pq.ParquetWriter(tmp, schema) as writer:
        for start in range(0, len(ids), ROWS_PER_GROUP):
            stop = start + ROWS_PER_GROUP
            block_ids, block = ids[start:stop], np.asarray(features[start:stop])
            if keep is not None:
                block_ids, block = block_ids[keep[start:stop]], block[keep[start:stop]]
            writer.write_table(parquet.features_table(block_ids, block))
    tmp.replace(out_path)


def import_features(
    source: str | list[str],
    out_path: str | Path,
    imagelist: str | Path | None = None,
    policy: str = "stop",
) -> dict:
    """Read, check and write an import; returns its size for the log. Every row is checked
    before any is written; bad rows follow the bad_lines `policy`: 'stop' raises naming them,
    'drop' leaves them out and counts them."""
    ids, features, bad = read_rows(source, imagelist)
    check_shape(features, str(source))
    bad += non_finite(ids, features, str(source), skip={row.index for row in bad})
    apply_policy(bad, policy, str(source))
    keep = np.ones(len(ids), dtype=bool)
    keep[[row.index for row in bad if row.index is not None]] = False
    check_unique(ids[keep], str(source), np.flatnonzero(keep))
    if not keep.any():
        raise ValueError(f"{source}: no usable row of features")
    write(ids, features, out_path, None if keep.all() else keep)
    summary = {"format": kind(source), "rows": int(keep.sum()), "dims": int(features.shape[1])}
    summary["dropped"] = len(bad)
    log.info("imported features: %s", summary)
    return summary
