"""Extract one CNN feature vector per image of the images table, in the table's row order.

Features are computed once per backbone and shared by every split, so this is the expensive
step: images are decoded in DataLoader worker processes while the model runs, the model runs
channels_last, on CUDA in float16 mixed precision, on CPU in float32 as one single-threaded
pass per thread of the job.

Extraction is incremental, because at NUS-WIDE's 190,000 images a full pass takes hours while
an edit to the image folder touches a few files. Beside the features file, a sources file
records what each row was computed from (the image's path, size and mtime, as the image
manifest lists them) and how (`identity`: backbone, weights file, precision). A rerun reuses
every row whose image is listed with the same size and mtime under the same identity, and
extracts only the others. Snakemake deletes a job's outputs before the job runs unless they
are flagged `update()`, so rule features flags both files that way (Snakemake then backs them
up and restores them if the job fails); the two files carry one token, so a pair of which only
one was rewritten is not trusted. A forced rerun reuses rows too: delete the features file to
recompute every row (after changing how images are preprocessed, say).
"""

import contextlib
import hashlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from neighborhoods import decoding, job, manifest, parquet
from neighborhoods.backbones import load_backbone

log = logging.getLogger(__name__)

SOURCES = pa.schema(
    [("image_id", pa.int64()), ("path", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64())]
)
TOKEN = b"neighborhoods.extraction"  # schema metadata shared by a features file and its sources
IDENTITY = b"neighborhoods.identity"  # schema metadata of the sources file


class ImageFiles(Dataset):
    """Decoded (decoding.decode), preprocessed images at `rows` of `paths`; a bad or too large
    file fails naming its path and its table row."""

    def __init__(
        self,
        root: Path,
        paths: list[str],
        rows: np.ndarray,
        transform: Callable,
        max_pixels: int = decoding.MAX_PIXELS,
    ):
        self.root = root
        self.paths = paths
        self.rows = rows
        self.transform = transform
        self.max_pixels = max_pixels

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> torch.Tensor:
        row = int(self.rows[i])
        path = self.root / self.paths[row]
        try:
            image = decoding.decode(path, self.max_pixels)
        except decoding.ImageError as error:
            raise OSError(f"{path} (images table row {row}): {error}") from error
        return self.transform(image)


def identity(backbone: str, weights: str | Path | None, cuda: bool, input_size: int | None = None) -> dict:
    """What besides the image decides its feature; a row made under another identity is not
    reused (float16 rows from a GPU are not mixed with float32 rows from a CPU). The input
    size is recorded only when set, so features made before it existed are still reused."""
    file = None
    if weights is not None:
        path = Path(weights).resolve()
        file = {"path": str(path), "size": None, "mtime_ns": None}
        if path.exists():  # a missing file fails in load_backbone, which names it
            info = path.stat()
            file.update(size=info.st_size, mtime_ns=info.st_mtime_ns)
    made = {"backbone": backbone, "weights": file, "precision": "float16 autocast" if cuda else "float32"}
    return made if input_size is None else made | {"input_size": input_size}


def _token(sources: pa.Table, ident: dict) -> bytes:
    """A digest of one extraction's sources and identity, written into both of its files."""
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode())
    digest.update("\0".join(sources.column("path").to_pylist()).encode())
    for name in ("image_id", "size", "mtime_ns"):
        digest.update(sources.column(name).to_numpy().tobytes())
    return digest.hexdigest().encode()


def _previous(out_path: Path, sources_path: Path, ident: dict) -> tuple[pa.Table, np.ndarray] | None:
    """(sources, features) of the last extraction when its rows may be reused; None, logged why,
    when there is none, it was made under another identity, or its two files disagree."""
    if not (out_path.exists() and sources_path.exists()):
        log.info("no previous features at %s to reuse", out_path)
        return None
    recorded = pq.read_schema(sources_path).metadata or {}
    if json.loads(recorded.get(IDENTITY, b"null")) != ident:
        log.info(
            "previous features were made as %s, now %s: every row is extracted", recorded.get(IDENTITY), ident
        )
        return None
    if (pq.read_schema(out_path).metadata or {}).get(TOKEN) != recorded.get(TOKEN):
        log.warning(
            "%s and %s are not from one extraction (an interrupted write?): every row is extracted",
            out_path,
            sources_path,
        )
        return None
    _, features = parquet.read_features(out_path)
    return parquet.read(sources_path, SOURCES), features


def _reusable_rows(previous: pa.Table, paths: list[str], sizes: np.ndarray, mtimes: np.ndarray) -> np.ndarray:
    """For each image, the row of `previous` computed from the same file (path, size, mtime), or -1."""
    rows, old_sizes, old_mtimes = manifest.lookup(previous, paths)
    same = (rows >= 0) & (sizes >= 0) & (old_sizes == sizes) & (old_mtimes == mtimes)
    return np.where(same, rows, -1)


def extract(
    images_parquet: str | Path,
    image_root: str | Path,
    out_path: str | Path,
    *,
    backbone: str,
    batch_size: int,
    workers: int,
    device: str = "auto",
    weights: str | Path | None = None,
    image_manifest: str | Path | None = None,
    sources_path: str | Path | None = None,
    max_pixels: int = decoding.MAX_PIXELS,
    input_size: int | None = None,
) -> dict:
    """Write `out_path` (image_id, feature) with one row per image, in the images table's order,
    and its sources (default: `<out_path stem>.sources.parquet`); images are keyed by
    `image_manifest` (default: a scan of `image_root` now); images are decoded by
    decoding.decode, which refuses one over `max_pixels`, and read by the CNN at `input_size`
    pixels per side (`backbones.load_backbone`). Returns the rows reused and extracted."""
    out_path = Path(out_path)
    sources_path = Path(sources_path) if sources_path else out_path.with_suffix(".sources.parquet")
    images = parquet.read(images_parquet, parquet.IMAGES)
    image_ids = images.column("image_id").to_numpy()
    paths = images.column("path").to_pylist()
    listing = parquet.read(image_manifest, manifest.MANIFEST) if image_manifest else manifest.scan(image_root)
    _, sizes, mtimes = manifest.lookup(listing, paths)
    dev = job.device(device)
    cuda = dev.type == "cuda"
    ident = identity(backbone, weights, cuda, input_size)

    previous = _previous(out_path, sources_path, ident)
    reuse = _reusable_rows(previous[0], paths, sizes, mtimes) if previous else np.full(len(paths), -1)
    todo = np.flatnonzero(reuse < 0)
    net = (
        load_backbone(backbone, weights=weights, device=dev, input_size=input_size)
        if todo.size or previous is None
        else None
    )
    features = np.empty((len(image_ids), net.width if net else previous[1].shape[1]), dtype=np.float32)
    if previous:
        kept = reuse >= 0
        features[kept] = previous[1][reuse[kept]]
        previous = None  # the old features leave memory before the model runs
    log.info(
        "%s features of %d images: %d reused, %d to extract",
        backbone,
        len(paths),
        len(paths) - todo.size,
        todo.size,
    )
    if todo.size:
        _extract_rows(
            net,
            ImageFiles(Path(image_root), paths, todo, net.transform, max_pixels),
            features,
            todo,
            dev,
            batch_size,
            workers,
        )

    sources = pa.table(
        {
            "image_id": pa.array(image_ids, pa.int64()),
            "path": pa.array(paths, pa.string()),
            "size": pa.array(sizes),
            "mtime_ns": pa.array(mtimes),
        }
    )
    token = _token(sources, ident)
    table = parquet.features_table(image_ids, features)
    parquet.write(table.replace_schema_metadata({TOKEN: token}), out_path)  # features first: see _previous
    parquet.write(
        sources.replace_schema_metadata({TOKEN: token, IDENTITY: json.dumps(ident).encode()}), sources_path
    )
    return {"reused": len(paths) - int(todo.size), "extracted": int(todo.size)}


def extract_for_job(images: str | Path, image_root: str | Path, backbone: str, snakemake_job) -> dict:
    """`extract` with the wiring the two feature rules share (rule features, rule
    annotate_features), so their scripts pass only what differs: `snakemake_job` (the script's
    `snakemake` object) gives the features and sources outputs, the optional weights (and
    manifest) inputs, and batch_size, workers, device, max_pixels and the optional input_size
    as params."""
    params, output = snakemake_job.params, snakemake_job.output
    return extract(
        images,
        image_root,
        output.features,
        backbone=backbone,
        batch_size=params.batch_size,
        workers=params.workers,
        device=params.device,
        weights=snakemake_job.input.weights or None,
        image_manifest=snakemake_job.input.get("manifest"),
        sources_path=output.sources,
        max_pixels=params.max_pixels,
        input_size=params.get("input_size"),
    )


@contextlib.contextmanager
def _ops_on_calling_thread(enabled: bool):
    """One intra-op thread while enabled: each torch op then runs on the thread that calls it."""
    threads = torch.get_num_threads()
    if enabled:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _extract_rows(
    net,
    files: ImageFiles,
    features: np.ndarray,
    rows: np.ndarray,
    dev: torch.device,
    batch_size: int,
    workers: int,
) -> None:
    """Fill features[rows] with what the model computes for those images."""
    cuda = dev.type == "cuda"
    model = net.model.to(memory_format=torch.channels_last)  # faster on CPU (oneDNN) and on GPU
    loader = DataLoader(files, batch_size=batch_size, shuffle=False, num_workers=workers, pin_memory=cuda)
    log.info(
        "extracting %s features (width %d) of %d images from %s on %s, batch %d, %d workers",
        net.name,
        net.width,
        len(rows),
        files.root,
        dev,
        batch_size,
        workers,
    )
    start = time.perf_counter()
    done = 0

    def forward(batch: torch.Tensor) -> np.ndarray:
        # Grad and autocast modes are per thread, so each forward pass sets its own.
        with torch.inference_mode(), torch.autocast("cuda", dtype=torch.float16, enabled=cuda):
            batch = batch.to(dev, non_blocking=cuda, memory_format=torch.channels_last)
            return model(batch).float().cpu().numpy()

    # On CPU, one single-threaded forward pass per thread the job has: depthwise convolutions
    # gain little from more threads per pass (2 threads per pass took 36 ms an image where
    # 2 passes of 1 thread took 30, on a 2-core AMD EPYC). On CUDA, one pass at a time.
    streams = 1 if cuda else torch.get_num_threads()
    with (
        _ops_on_calling_thread(streams > 1),
        ThreadPoolExecutor(streams) as pool,
        tqdm(total=len(rows), unit="img", desc=f"{net.name} features") as bar,
    ):
        pending = deque()  # at most one batch per stream in flight: memory stays flat

        def write_oldest() -> None:
            nonlocal done
            out = pending.popleft().result()
            features[rows[done : done + len(out)]] = out
            done += len(out)
            bar.update(len(out))

        for batch in loader:
            pending.append(pool.submit(forward, batch))
            if len(pending) == streams:
                write_oldest()
        while pending:
            write_oldest()
    seconds = time.perf_counter() - start
    log.info(
        "extracted %d x %d in %.1f s (%.1f images/s)", done, net.width, seconds, done / max(seconds, 1e-9)
    )
