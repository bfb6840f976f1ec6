"""Aggregate per-split metrics into the paper's tables: mean ± std beside the paper's figure.

The std is the sample standard deviation over splits (ddof = 1), as the spread of a mean
over random splits is usually reported; a row covering one split shows no std. Every table
is written as Markdown, CSV (long form: one line per row and metric) and LaTeX.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from neighborhoods.reporting.paper import METRICS

NOTE = "Ours: mean ± sample std over splits, in %. In parentheses: the paper's figure on NUS-WIDE."


def load_metrics(paths: list[str | Path]) -> list[dict]:
    return [json.loads(Path(p).read_text()) for p in paths]


def summarize(rows: list[tuple[str, list[dict], dict | None]], metrics=METRICS) -> pd.DataFrame:
    """Long table: one line per (method, metric) with mean, std, splits and the paper's value.

    `rows` holds (method label, per-split metrics dicts, paper's numbers or None).
    """
    records = []
    for method, per_split, paper in rows:
        for metric in metrics:
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


def _cell(mean: float, std: float, paper: float) -> str:
    ours = "" if np.isnan(mean) else f"{mean:.2f}" if np.isnan(std) else f"{mean:.2f} ± {std:.2f}"
    return ours if np.isnan(paper) else f"{ours} ({paper:.2f})"


def wide(summary: pd.DataFrame, quoted: dict[str, dict] | None = None) -> pd.DataFrame:
    """One row per method: splits, then `ours (paper)` per metric; quoted rows marked as such."""
    metrics = list(dict.fromkeys(summary["metric"]))
    rows = []
    for method, group in summary.groupby("method", sort=False):
        by_metric = group.set_index("metric")
        cells = {m: _cell(*by_metric.loc[m, ["mean", "std", "paper"]]) for m in metrics}
        rows.append({"method": method, "splits": str(int(group["splits"].iloc[0])), **cells})
    for method, numbers in (quoted or {}).items():
        cells = {m: f"({numbers[m]:.2f})" if m in numbers else "" for m in metrics}
        rows.append({"method": f"{method} [quoted]", "splits": "–", **cells})
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame, title: str, note: str = NOTE) -> str:
    lines = [f"# {title}", "", "| " + " | ".join(table.columns) + " |", "|" + " --- |" * len(table.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines + ["", note]) + "\n"


def to_latex(table: pd.DataFrame, title: str, note: str = NOTE) -> str:
    body = table.to_latex(index=False, column_format="l" + "r" * (table.shape[1] - 1))
    body = body.replace("±", r"$\pm$").replace("_", r"\_")
    return f"% {title}. {note}\n{body}"


def write(table: pd.DataFrame, summary: pd.DataFrame, outputs, title: str, note: str = NOTE) -> None:
    """Markdown, LaTeX and the long CSV, to `outputs.markdown`, `.latex`, `.csv`."""
    Path(outputs.markdown).write_text(to_markdown(table, title, note))
    Path(outputs.latex).write_text(to_latex(table, title, note))
    summary.to_csv(outputs.csv, index=False)


def matrix(summary: pd.DataFrame, cells: dict[str, tuple[str, str]], metric: str = "mAP_L") -> pd.DataFrame:
    """Table 4's layout: each method's `metric` placed at its (train, test) cell of a grid."""
    part = summary[summary["metric"] == metric]
    grid: dict[str, dict[str, str]] = {}
    for row in part.itertuples():
        train, test = cells[row.method]
        grid.setdefault(train, {})[test] = _cell(row.mean, row.std, row.paper)
    table = pd.DataFrame.from_dict(grid, orient="index")
    return table.rename_axis(f"train \\ test ({metric})").reset_index()
