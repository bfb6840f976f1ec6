"""Aggregate per-split metrics into the paper's tables: mean ± std beside the paper's figure.

The std is the sample standard deviation over splits (ddof = 1), as the spread of a mean
over random splits is usually reported; a row covering one split shows no std.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .paper import METRICS


def load_metrics(paths: list[str | Path]) -> list[dict]:
    return [json.loads(Path(p).read_text()) for p in paths]


def summarize(rows: list[tuple[str, list[dict], dict | None]]) -> pd.DataFrame:
    """Long table: one line per (method, metric) with mean, std, splits and the paper's value.

    `rows` holds (method label, per-split metrics dicts, paper's numbers or None).
    """
    records = []
    for method, per_split, paper in rows:
        for metric in METRICS:
            values = np.array([m[metric] for m in per_split], dtype=float)
            records.append(
                {
                    "method": method,
                    "metric": metric,
                    "mean": values.mean(),
                    "std": values.std(ddof=1) if len(values) > 1 else np.nan,
                    "splits": len(values),
                    "paper": (paper or {}).get(metric, np.nan),
                }
            )
    return pd.DataFrame.from_records(records)


def _cell(mean: float, std: float) -> str:
    if np.isnan(mean):
        return ""
    return f"{mean:.2f}" if np.isnan(std) else f"{mean:.2f} ± {std:.2f}"


def to_markdown(summary: pd.DataFrame, quoted: dict[str, dict] | None = None, title: str = "") -> str:
    """Ours as `mean ± std`, the paper's figure in parentheses; quoted rows marked as such."""
    header = ["method", "splits", *METRICS]
    lines = [f"# {title}", ""] if title else []
    lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for method, group in summary.groupby("method", sort=False):
        by_metric = group.set_index("metric")
        cells = []
        for metric in METRICS:
            ours = _cell(by_metric.at[metric, "mean"], by_metric.at[metric, "std"])
            paper = by_metric.at[metric, "paper"]
            cells.append(ours if np.isnan(paper) else f"{ours} ({paper:.2f})")
        lines.append(f"| {method} | {int(group['splits'].iloc[0])} | " + " | ".join(cells) + " |")
    for method, numbers in (quoted or {}).items():
        cells = [f"({numbers[m]:.2f})" if m in numbers else "" for m in METRICS]
        lines.append(f"| {method} [quoted] | – | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Ours: mean ± sample std over splits, in %. In parentheses: the paper's figure on NUS-WIDE. "
        "[quoted]: the paper quotes these rows from other work; they are not rerun.",
    ]
    return "\n".join(lines) + "\n"
