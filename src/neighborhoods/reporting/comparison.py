"""Paired comparisons over splits: does one method beat another on the same splits?

Two methods differ less than two splits do, so each difference is taken split by split
(paired) and summarised by its mean, its sample std and the splits on which it holds.
"""

import numpy as np
import pandas as pd

from neighborhoods.reporting import tables


def paired(ours: list[dict], theirs: list[dict], metric: str) -> dict:
    """Mean and sample std of ours - theirs over the splits, and the splits where ours is ahead."""
    if len(ours) != len(theirs):
        raise ValueError(f"paired comparison needs the same splits: {len(ours)} against {len(theirs)}")
    differences = np.array([a[metric] - b[metric] for a, b in zip(ours, theirs, strict=True)])
    return {
        "mean": float(differences.mean()),
        "std": float(differences.std(ddof=1)) if len(differences) > 1 else float("nan"),
        "ahead": int((differences > 0).sum()),
        "splits": len(differences),
    }


def cell(result: dict) -> str:
    """`+1.23 ± 0.45 (3/3)`: the mean difference in points, its std, and the splits ahead."""
    spread = "" if np.isnan(result["std"]) else f" ± {result['std']:.2f}"
    return f"{result['mean']:+.2f}{spread} ({result['ahead']}/{result['splits']})"


def table(pairs: list[tuple[str, list[str], list[str]]], metrics=("mAP_L", "mAP_I")) -> pd.DataFrame:
    """One row per (label, our metrics files, their metrics files), one column per metric."""
    rows = []
    for label, ours, theirs in pairs:
        a, b = tables.load_metrics(ours), tables.load_metrics(theirs)
        rows.append({"comparison": label, **{metric: cell(paired(a, b, metric)) for metric in metrics}})
    return pd.DataFrame(rows)


NOTE = (
    "Differences in points, ours minus theirs, taken split by split: mean ± sample std over the "
    "splits, and in parentheses the splits on which the first method is ahead."
)
