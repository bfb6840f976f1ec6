"""Features extracted elsewhere, written as the pipeline's features file: no image is needed.

The format is recognised from what the path is:

- a Parquet file with `image_id` and `feature` (the pipeline's own features file);
- a BigFile folder: `id.txt` (whitespace-separated ids), `shape.txt` (`<rows> <dims>`) and
  `feature.bin` (float32, row-major), the layout in which tag-relevance benchmarks share
  VGG16 fc7 features of NUS-WIDE;
- a NUS-WIDE `Low_Level_Features` file (whitespace-separated text, one row per line of
  `Imagelist.txt`, e.g. `BoW_int.dat`), or a list of them, joined column-wise;
- a `.npy` array (rows x dims) with its ids beside it in `<stem>.ids.txt`.

Ids are NUS-WIDE's photo ids; one written as the release's file names are, `<n>_<photo id>`,
means its photo id. Rows are checked before anything is written: an id listed twice, a count
or width that does not match, a NaN or infinite value each stop the job with an error that
names the file and what was expected. The features file keeps every imported row; images of
the dataset without one are dropped at ingestion and counted (`no_features`).
"""

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from neighborhoods import parquet
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


def parse_ids(tokens: list[str], path: Path) -> np.ndarray:
    """Photo ids from id tokens (`2124494179` or `0001_2124494179`)."""
    ids = np.empty(len(tokens), dtype=np.int64)
    for i, token in enumerate(tokens):
        photo = token.rsplit("_", 1)[-1]
        if not photo.isdigit():
            raise ValueError(
                f"{path}: id {i + 1} is {token!r}; expected a photo id (digits, or <n>_<digits>)"
            )
        ids[i] = int(photo)
    return ids


def _bigfile(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    ids = parse_ids((folder / "id.txt").read_text().split(), folder / "id.txt")
    shape = (folder / "shape.txt").read_text().split()
    if len(shape) != 2 or not all(s.isdigit() for s in shape):
        raise ValueError(f"{folder / 'shape.txt'}: expected '<rows> <dims>', found {' '.join(shape)!r}")
    rows, dims = map(int, shape)
    if rows != len(ids):
        raise ValueError(f"{folder / 'shape.txt'}: {rows} rows, but id.txt lists {len(ids)} ids")
    binary = folder / "feature.bin"
    if binary.stat().st_size != rows * dims * 4:
        raise ValueError(
            f"{binary}: {binary.stat().st_size} bytes, expected {rows} x {dims} float32 = {rows * dims * 4}"
        )
    return ids, np.memmap(binary, dtype=np.float32, mode="r", shape=(rows, dims))


def _npy(path: Path) -> tuple[np.ndarray, np.ndarray]:
    features = np.load(path, mmap_mode="r")
    beside = _ids_beside(path)
    if not beside.exists():
        raise ValueError(f"{path}: its ids are expected beside it, in {beside.name}")
    ids = parse_ids(beside.read_text().split(), beside)
    if features.ndim != 2 or len(features) != len(ids):
        raise ValueError(
            f"{path}: shape {features.shape}, expected ({len(ids)}, dims): one row per id of {beside}"
        )
    return ids, features


def _low_level(paths: list[Path], imagelist: Path) -> tuple[np.ndarray, np.ndarray]:
    """Rows aligned with Imagelist.txt; lines whose photo id cannot be read are left out."""
    ids, _, problems = nuswide.parse_image_list(imagelist)
    parts = []
    for path in paths:
        values = pd.read_csv(path, sep=r"\s+", header=None, dtype=np.float32, engine="c").to_numpy()
        if len(values) != len(ids):
            raise ValueError(f"{path}: {len(values)} rows, expected {len(ids)} (one per line of {imagelist})")
        parts.append(values)
    if problems:
        log.warning(
            "%s: %d line(s) without a photo id; their feature rows are left out", imagelist, len(problems)
        )
    keep = ids >= 0
    return ids[keep], np.hstack(parts)[keep]


def read(source: str | list[str], imagelist: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(photo ids, features (n, d)) of an import, unchecked; features may be memory-mapped."""
    found = kind(source)
    if found == "low_level":
        if imagelist is None:
            raise ValueError("features.import: Low_Level_Features rows are aligned through Imagelist.txt")
        paths = [Path(p) for p in ([source] if isinstance(source, str) else source)]
        return _low_level(paths, Path(imagelist))
    path = Path(source if isinstance(source, str) else source[0])
    if found == "bigfile":
        return _bigfile(path)
    if found == "npy":
        return _npy(path)
    return parquet.read_features(path)


def check(ids: np.ndarray, features: np.ndarray, source: str) -> None:
    """Stop at the first id listed twice, or the first row with a NaN or infinite value."""
    unique, counts = np.unique(ids, return_counts=True)
    if len(unique) < len(ids):
        twice = unique[counts > 1][0]
        rows = np.flatnonzero(ids == twice)[:2] + 1
        raise ValueError(
            f"{source}: id {twice} is listed more than once (rows {rows[0]} and {rows[1]}); "
            "ids must be unique"
        )
    if features.ndim != 2 or features.shape[1] == 0:
        raise ValueError(
            f"{source}: features of shape {features.shape}, expected (rows, dims) with dims >= 1"
        )
    for start in range(0, len(features), ROWS_PER_GROUP):
        block = np.asarray(features[start : start + ROWS_PER_GROUP])
        bad = ~np.isfinite(block).all(axis=1)
        if bad.any():
            row = start + int(np.argmax(bad))
            raise ValueError(
                f"{source}: row {row + 1} (id {ids[row]}) has a NaN or infinite value; "
                "expected finite features"
            )


def write(ids: np.ndarray, features: np.ndarray, out_path: str | Path) -> None:
    """The features file, in row groups, atomically (an interrupted job leaves no half file)."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    schema = parquet.features_table(ids[:1], np.zeros((1, features.shape[1]), np.float32)).schema
    with pq.ParquetWriter(tmp, schema) as writer:
        for start in range(0, len(ids), ROWS_PER_GROUP):
            stop = start + ROWS_PER_GROUP
            writer.write_table(parquet.features_table(ids[start:stop], np.asarray(features[start:stop])))
    tmp.replace(out_path)


def import_features(
    source: str | list[str], out_path: str | Path, imagelist: str | Path | None = None
) -> dict:
    """Read, check and write an import; returns its size for the log."""
    ids, features = read(source, imagelist)
    check(ids, features, str(source))
    write(ids, features, out_path)
    summary = {"format": kind(source), "rows": int(len(ids)), "dims": int(features.shape[1])}
    log.info("imported features: %s", summary)
    return summary
