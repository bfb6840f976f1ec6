"""Extract one CNN feature vector per image of the images table, in the table's row order.

Features are computed once per backbone and shared by every split, so this is the expensive
step: images are decoded in DataLoader worker processes while the model runs, the model runs
channels_last, and on CUDA in float16 mixed precision (float32 on CPU).
"""

import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from neighborhoods import tables
from neighborhoods.backbones import load_backbone

log = logging.getLogger(__name__)


class ImageFiles(Dataset):
    """Decoded, preprocessed images; a bad file fails naming its path and its table row."""

    def __init__(self, root: Path, paths: list[str], transform: Callable):
        self.root = root
        self.paths = paths
        self.transform = transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, row: int) -> torch.Tensor:
        path = self.root / self.paths[row]
        try:
            with Image.open(path) as file:
                image = file.convert("RGB")  # decodes fully, so a truncated file fails here
        except OSError as error:
            raise OSError(f"{path} (images table row {row}): cannot read image: {error}") from error
        return self.transform(image)


def resolve_device(device: str) -> torch.device:
    """'auto' means CUDA when available, else CPU."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


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
) -> None:
    """Write `out_path` (image_id, feature) with one row per image, in the images table's order."""
    images = tables.read(images_parquet, tables.IMAGES)
    image_ids = images.column("image_id").to_numpy()
    dev = resolve_device(device)
    cuda = dev.type == "cuda"
    net = load_backbone(backbone, weights=weights, device=dev)
    model = net.model.to(memory_format=torch.channels_last)  # faster on CPU (oneDNN) and on GPU
    loader = DataLoader(
        ImageFiles(Path(image_root), images.column("path").to_pylist(), net.transform),
        batch_size=batch_size,
        shuffle=False,
        num_workers=workers,
        pin_memory=cuda,
    )
    log.info(
        "extracting %s features (width %d) of %d images from %s on %s, batch %d, %d workers",
        backbone,
        net.width,
        len(image_ids),
        image_root,
        dev,
        batch_size,
        workers,
    )
    features = np.empty((len(image_ids), net.width), dtype=np.float32)
    start = time.perf_counter()
    done = 0
    with (
        torch.inference_mode(),
        tqdm(total=len(image_ids), unit="img", desc=f"{backbone} features") as bar,
    ):
        for batch in loader:
            batch = batch.to(dev, non_blocking=cuda, memory_format=torch.channels_last)
            with torch.autocast("cuda", dtype=torch.float16, enabled=cuda):
                out = model(batch)
            features[done : done + len(batch)] = out.float().cpu().numpy()
            done += len(batch)
            bar.update(len(batch))
    seconds = time.perf_counter() - start
    tables.write(tables.features_table(image_ids, features), out_path)
    rate = done / max(seconds, 1e-9)
    log.info(
        "wrote %s: %d x %d in %.1f s (%.1f images/s)", out_path, *features.shape, seconds, rate
    )
