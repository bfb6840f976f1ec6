"""How much of a neighbors file is real: the zero-similarity fill, and hubs.

An image with fewer than M overlapping images gets zero-similarity fill in its top M; the
model then sees neighbors that say nothing about it. An image that is in many top-M lists (a
hub) makes many neighborhoods alike. Both are invisible in the metrics, so every neighbors
file gets this summary beside it, and the report shows it.
"""

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
