"""How much of a neighbors file is real: the zero-similarity fill, hubs, and label agreement
per subset.

An image with fewer than M overlapping images gets zero-similarity fill in its top M; the
model then sees neighbors that say nothing about it. An image that is in many top-M lists (a
hub) makes many neighborhoods alike. Both are invisible in the metrics, so every neighbors
file gets this summary beside it, and the report shows it. Training neighbors are ranked
within the training subset and test neighbors within the (smaller) test subset, so the model
learns how far to trust its neighbors from one pool and is tested on another: the fill and
the share of neighbors that share a label with their image are given for each subset apart.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa


def summarize(table: pa.Table, depths: list[int], zero_is_fill: bool) -> dict:
    """Per depth d (the top d of each image): share of fill slots and of rows with fill, and
    the in-degree (how many top-d lists hold an image: mean d) at its max and 99th percentile,
    the share of images in no list, and the most fill slots on one image, also against the
    mean (where fill is rare this ratio is large even when fill is spread at random: a mean of
    0.1 slots per image and one image with 2 is 20x). `zero_is_fill`: similarity 0 marks fill
    (metadata neighbors; not L2 ones)."""
    ids = table.column("image_id").to_numpy()
    neighbors = np.stack(table.column("neighbors").to_numpy(zero_copy_only=False))
    similarity = np.stack(table.column("similarity").to_numpy(zero_copy_only=False))
    rows = pd.Index(ids).get_indexer(neighbors.ravel()).reshape(neighbors.shape)
    out = {"images": len(ids)}
    for depth in depths:
        top = rows[:, :depth]
        fill = similarity[:, :depth] == 0 if zero_is_fill else np.zeros(top.shape, dtype=bool)
        degree = np.bincount(top.ravel(), minlength=len(ids))
        fill_degree = np.bincount(top[fill], minlength=len(ids))
        out[f"top{depth}"] = {
            "fill_slots": float(fill.mean()),
            "rows_with_fill": float(fill.any(axis=1).mean()),
            "in_degree_max": int(degree.max()),
            "in_degree_p99": float(np.percentile(degree, 99)),
            "in_no_list": float((degree == 0).mean()),
            "fill_in_degree_max": int(fill_degree.max()),
            "fill_in_degree_max_over_mean": float(fill_degree.max() / fill_degree.mean())
            if fill.any()
            else None,
        }
    return out


SUBSETS = ("train", "val", "test")


def _label_bits(images: pa.Table, ids: np.ndarray) -> np.ndarray:
    """Each image's labels as packed bits (one row per id, in the order of `ids`): two images
    share a label exactly when their rows have a common bit."""
    names = sorted({label for labels in images.column("labels").to_pylist() for label in labels})
    index = {name: i for i, name in enumerate(names)}
    hot = np.zeros((len(images), max(len(names), 1)), dtype=bool)
    for row, labels in enumerate(images.column("labels").to_pylist()):
        hot[row, [index[label] for label in labels]] = True
    rows = pd.Index(images.column("image_id").to_numpy()).get_indexer(ids)
    if (rows < 0).any():
        raise ValueError(f"{int((rows < 0).sum())} neighbors-file images are not in the images table")
    return np.packbits(hot, axis=1)[rows]


def by_subset(table: pa.Table, images: pa.Table, depths: list[int], zero_is_fill: bool) -> dict:
    """Per subset (train, val, test) and depth d: the share of fill slots in the top d, and
    the share of top-d neighbors that share at least one label with their image (fill slots
    included, as the model sees them)."""
    ids = table.column("image_id").to_numpy()
    neighbors = np.stack(table.column("neighbors").to_numpy(zero_copy_only=False))
    similarity = np.stack(table.column("similarity").to_numpy(zero_copy_only=False))
    bits = _label_bits(images, ids)
    rows = pd.Index(ids).get_indexer(neighbors.ravel()).reshape(neighbors.shape)
    subsets = table.column("subset").to_numpy(zero_copy_only=False)
    out = {}
    for name in SUBSETS:
        mine = np.flatnonzero(subsets == name)
        part = {"images": len(mine)}
        for depth in depths:
            top = rows[mine, :depth]
            shared = (bits[mine][:, None, :] & bits[top]).any(axis=2)
            fill = similarity[mine, :depth] == 0 if zero_is_fill else np.zeros(top.shape, dtype=bool)
            part[f"top{depth}"] = {
                "fill_slots": float(fill.mean()) if len(mine) else None,
                "label_agreement": float(shared.mean()) if len(mine) else None,
            }
        out[name] = part
    return out


def write(table: pa.Table, images: pa.Table, depths: list[int], zero_is_fill: bool, path: str | Path) -> dict:
    """The summary of a neighbors file (`summarize`, and `by_subset` under "subsets"), as JSON."""
    summary = summarize(table, depths, zero_is_fill)
    summary["subsets"] = by_subset(table, images, depths, zero_is_fill)
    Path(path).write_text(json.dumps(summary, indent=2))
    return summary


def subset_table(summaries: dict[str, dict], depths: list[int]) -> pd.DataFrame:
    """One row per kind of neighbors and subset: fill and label agreement at each depth, in %."""
    rows = []
    for kind, summary in summaries.items():
        for subset, part in summary["subsets"].items():
            row = {"neighbors": kind, "subset": subset, "images": part["images"]}
            for depth in depths:
                row[f"fill in top {depth} (%)"] = _percent(part[f"top{depth}"]["fill_slots"])
            for depth in depths:
                row[f"share a label, top {depth} (%)"] = _percent(part[f"top{depth}"]["label_agreement"])
            rows.append(row)
    return pd.DataFrame(rows)


def _percent(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.1f}"


def table(summaries: dict[str, dict], depth: int) -> pd.DataFrame:
    """One row per kind of neighbors, from their summaries at one depth, shares in %."""
    rows = []
    for kind, summary in summaries.items():
        part = summary[f"top{depth}"]
        ratio = part["fill_in_degree_max_over_mean"]
        rows.append(
            {
                "neighbors": kind,
                "images": summary["images"],
                f"fill slots in top {depth} (%)": f"{100 * part['fill_slots']:.1f}",
                "images with fill (%)": f"{100 * part['rows_with_fill']:.1f}",
                "largest in-degree": part["in_degree_max"],
                "99th pct in-degree": f"{part['in_degree_p99']:.0f}",
                "in no list (%)": f"{100 * part['in_no_list']:.1f}",
                "most fill slots on one image": part["fill_in_degree_max"],
                "(x mean)": "" if ratio is None else f"{ratio:.1f}",
            }
        )
    return pd.DataFrame(rows)
