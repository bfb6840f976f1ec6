"""Table 1 of the paper for an images table, as both datasets write it to stats.json."""

from collections import Counter

import numpy as np
import pyarrow as pa

KINDS = ("labels", "tags", "sets", "groups")


def _mean_median(values: list[int]) -> dict:
    values = np.asarray(values or [0], dtype=float)
    return {"mean": round(float(values.mean()), 3), "median": float(np.median(values))}


def table1(table: pa.Table) -> dict:
    """Images; per kind of item: distinct items, images per item, items per image."""
    stats: dict = {"images": table.num_rows}
    for name in KINDS:
        column = table.column(name).to_pylist()
        per_item = Counter(item for row in column for item in row)
        stats[f"unique_{name}"] = len(per_item)
        stats[f"{name}_per_image"] = _mean_median([len(row) for row in column])
        stats[f"images_per_{name.rstrip('s')}"] = _mean_median(list(per_item.values()))
    return stats
