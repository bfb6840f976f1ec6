"""A listing of the image folder (relative path, size, mtime) that changes when any image does.

Snakemake sees a folder input only through the folder's own timestamp (or the
`.snakemake_timestamp` file it keeps in a folder a rule made), which does not move when a
file deeper down is added, replaced or removed. So the pipeline lists the folder: rule
`image_manifest` carries `fingerprint()` of the folder as a params value, taken when the DAG
is built, and Snakemake's params rerun trigger reruns it when that differs from the value
recorded at its last run; it then writes `scan()`, and the rules that read images take that
file as input, so they rerun after it changes. Contents are not hashed (that would read every
image at every DAG build): a file replaced by one of the same size and the same mtime, to the
nanosecond, is not seen, as with make or rsync's default check.
"""

import hashlib
import logging
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neighborhoods import parquet

log = logging.getLogger(__name__)

MANIFEST = pa.schema([("path", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64())])
ABSENT = "no folder yet"  # the fingerprint of a folder a rule has not made yet


def _entries(root: Path, dangling: list[str] | None = None) -> list[tuple[str, int, int]]:
    """(relative '/'-separated path, size, mtime_ns) of every regular file, sorted by path; the
    relative paths of links that point at nothing are appended to `dangling`.

    Symlinks are followed (a folder may link its images from elsewhere), each directory once;
    hidden entries (Snakemake's .snakemake_timestamp, .DS_Store) are not images and are left out.
    """
    entries, seen = [], set()

    def walk(folder: str, prefix: str) -> None:
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in seen:
            return
        seen.add((info.st_dev, info.st_ino))
        with os.scandir(folder) as listing:
            for entry in listing:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file():
                    info = entry.stat()
                    entries.append((prefix + entry.name, info.st_size, info.st_mtime_ns))
                elif dangling is not None and entry.is_symlink() and not os.path.exists(entry.path):
                    dangling.append(prefix + entry.name)

    if not root.is_dir():
        raise NotADirectoryError(f"{root}: expected the image folder, found no folder there")
    walk(str(root), "")
    entries.sort()
    return entries


def scan(root: str | Path, dangling: list[str] | None = None) -> pa.Table:
    """MANIFEST of every file under `root`, sorted by path; links under it that point at nothing
    are appended to `dangling`."""
    entries = _entries(Path(root), dangling)
    paths, sizes, mtimes = zip(*entries, strict=True) if entries else ((), (), ())
    return pa.table(
        {
            "path": pa.array(paths, pa.string()),
            "size": pa.array(sizes, pa.int64()),
            "mtime_ns": pa.array(mtimes, pa.int64()),
        }
    )


def fingerprint(root: str | Path) -> str:
    """'<n> files, sha256:<digest of the listing>', or ABSENT while `root` does not exist."""
    root = Path(root)
    if not root.exists():
        return ABSENT
    digest = hashlib.sha256()
    entries = _entries(root)
    for path, size, mtime in entries:
        digest.update(f"{path}\0{size}\0{mtime}\n".encode())
    return f"{len(entries)} files, sha256:{digest.hexdigest()}"


def write(root: str | Path, out_path: str | Path) -> None:
    """Scan `root` and write the manifest to `out_path`."""
    table = scan(root)
    parquet.write(table, out_path, MANIFEST)
    log.info("%s: %d files, %d bytes", root, table.num_rows, pc.sum(table.column("size")).as_py() or 0)


def lookup(manifest: pa.Table, paths: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, size, mtime_ns) of each path in a table listing path, size and mtime_ns (a manifest,
    or the sources of earlier features); all -1 for a path it does not list."""
    index = {path: row for row, path in enumerate(manifest.column("path").to_pylist())}
    rows = np.array([index.get(path, -1) for path in paths], dtype=np.int64)
    listed = rows >= 0
    sizes, mtimes = np.full(len(paths), -1, np.int64), np.full(len(paths), -1, np.int64)
    sizes[listed] = manifest.column("size").to_numpy()[rows[listed]]
    mtimes[listed] = manifest.column("mtime_ns").to_numpy()[rows[listed]]
    return rows, sizes, mtimes
