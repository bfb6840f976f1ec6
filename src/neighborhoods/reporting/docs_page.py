"""The results page of the documentation, written from the tables and figures of one run.

Every number on the page is copied from a table the pipeline wrote, so the page cannot drift
from the results; the header says which run and date they came from, and the provenance section
where and with what its runs ran, read from the runs' own metrics files (not from the docs
job, which may run at another commit or on another machine). The short findings at the top read
the paired comparisons (`comparison`) and say, from their signs and the splits they hold on,
which way each goes.
"""

import datetime
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import yaml

from neighborhoods import provenance

SPLITS_AHEAD = re.compile(r"\((\d+)/(\d+)\)$")
RUN_FOLDER = re.compile(r"(?:^|/)runs/(.+)/metrics\.json$")


def run_label(path: str | Path) -> str:
    """A run's name from its metrics file: `<experiment>/split<k>[/test-<neighbors>]`."""
    match = RUN_FOLDER.search(Path(path).as_posix())
    return match[1] if match else str(path)


def _commit(record: dict) -> str:
    if record.get("commit") is None:
        return f"unknown (not a git checkout; package {record.get('version') or 'version unknown'})"
    return record["commit"][:10] + (" with uncommitted changes" if record.get("dirty") else "")


def _machine(record: dict) -> str:
    return f"{record['gpu']} (GPU), {record['cpu']}" if record.get("gpu") else f"{record['cpu']} (CPU)"


def _dates(records: list[dict]) -> str:
    days = sorted({r["date"][:10] for r in records if r.get("date")})
    return "unknown" if not days else days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"


def _runs(labels: list[str]) -> str:
    """`visual (split0, split1); nbr-... (split0)`: the runs of a group, by experiment."""
    splits = defaultdict(list)
    for label in sorted(labels):
        experiment, _, rest = label.partition("/")
        splits[experiment].append(rest or "?")
    return "; ".join(f"{experiment} ({', '.join(rest)})" for experiment, rest in splits.items())


def provenance_section(metrics: list[str | Path]) -> tuple[str, list[str]]:
    """Where and with what the runs of `metrics` ran, from each run's own file: a summary for
    the page's header, and the section's lines (one table row per distinct commit, versions
    and machine; where there is more than one, each row lists its runs)."""
    if not metrics:
        return "no trained or scored run", ["No run lies behind the page's tables and figures.", ""]
    groups: dict[tuple, list[tuple[str, dict]]] = defaultdict(list)
    for path in metrics:
        record = provenance.read(path) or {}
        key = tuple(record.get(field) for field in provenance.SAME) if record else None
        groups[key].append((run_label(path), record))
    recorded = [(key, runs) for key, runs in groups.items() if key is not None]
    missing = groups.get(None, [])
    columns = ["runs", "commit", "torch", "Snakemake", "Python", "machine", "dates"]
    columns += ["which"] if len(groups) > 1 else []
    lines = [
        f"The {len(metrics)} runs behind this page, as each recorded it in its `metrics.json`:",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + " --- |" * len(columns),
    ]
    for _, runs in sorted(recorded, key=lambda item: -len(item[1])):
        record = runs[0][1]
        cells = [
            str(len(runs)),
            _commit(record),
            record.get("torch") or "unknown",
            record.get("snakemake") or "unknown",
            record.get("python") or "unknown",
            _machine(record),
            _dates([r for _, r in runs]),
        ]
        if len(groups) > 1:
            cells.append(_runs([label for label, _ in runs]))
        lines.append("| " + " | ".join(cells) + " |")
    if missing:
        cells = [str(len(missing)), *["not recorded"] * 6]
        if len(groups) > 1:
            cells.append(_runs([label for label, _ in missing]))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if len(groups) == 1 and recorded:
        record = recorded[0][1][0][1]
        summary = (
            f"{len(metrics)} runs at commit {_commit(record)} on {_machine(record)}, "
            f"torch {record.get('torch')}, Snakemake {record.get('snakemake')}, "
            f"{_dates([r for _, r in recorded[0][1]])}"
        )
    elif not recorded:
        summary = f"{len(metrics)} runs written before runs recorded their provenance"
    else:
        summary = f"{len(metrics)} runs that did not all run alike (listed under Provenance)"
    return summary, lines


def verdict(cell: str) -> str:
    """What a paired cell (`+1.23 ± 0.45 (2/3)`) says: ahead or behind, on how many splits. A
    difference of 0.00 ± 0.00 ahead on no split is a tie on every split, not a loss (a model
    that keeps its start, say)."""
    match = SPLITS_AHEAD.search(cell)
    if not match:
        raise ValueError(f"not a paired comparison cell: {cell!r}")
    ahead, splits = int(match[1]), int(match[2])
    if ahead == 0 and cell.startswith(("+0.00 ± 0.00 ", "-0.00 ± 0.00 ")):
        return "level on every split (to 0.01 points)"
    if ahead == splits:
        return "ahead on every split"
    if ahead == 0:
        return "behind on every split"
    return f"ahead on {ahead} of {splits} splits"


def comparison_findings(table: pd.DataFrame) -> list[str]:
    """One line per comparison row: its cells, and which way mAP_L goes."""
    lines = []
    for row in table.itertuples(index=False):
        cells = ", ".join(f"{metric} {getattr(row, metric)}" for metric in ("mAP_L", "mAP_I"))
        lines.append(f"- **{row.comparison}**: {cells}; on mAP_L, {verdict(row.mAP_L)}.")
    return lines


def curve_findings(gaps: pd.DataFrame) -> list[str]:
    """One line per pair of the learning curves: its mAP_L difference at each fraction."""
    lines = []
    for column in gaps.columns[1:]:
        cells = "; ".join(
            f"{percent}%: {cell} ({verdict(cell)})"
            for percent, cell in zip(gaps["train %"], gaps[column], strict=True)
        )
        lines.append(f"- **{column}** (mAP_L): {cells}.")
    return lines


def _demoted(markdown: str) -> str:
    """A table's markdown with its headings one level down, to sit under the page's sections."""
    return re.sub(r"^#", "##", markdown, flags=re.M).strip() + "\n"


def _caption(path: Path) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in path.read_text().strip().splitlines())


def write(
    out: str | Path,
    *,
    name: str,
    tables: dict[str, str],
    figures: dict[str, tuple[str, str]],
    captions: dict[str, str],
    comparison_csv: str | None,
    gaps_csv: str | None,
    config: dict,
    runs: list[str | Path] = (),
) -> None:
    """The page `out`, and each figure (figures: name -> (its PNG, where its copy goes beside
    the page)), the copies linked relative to the page; `runs`: the metrics files of the runs
    behind the tables and figures, whose provenance the page states."""
    out = Path(out)
    sources = [*tables.values(), *(source for source, _ in figures.values())]
    built = max(Path(path).stat().st_mtime for path in sources)
    built = datetime.datetime.fromtimestamp(built, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    summary, provenance_lines = provenance_section(list(runs))
    lines = [
        f"# Results: {name}",
        "",
        "<!-- Written by `snakemake docs` from the run's tables and figures; edits are overwritten. -->",
        "",
        f"From `results/{name}/`, built {built}, from {summary}.",
        "",
    ]
    findings = []
    if comparison_csv:
        findings += comparison_findings(pd.read_csv(comparison_csv))
    if gaps_csv:
        findings += curve_findings(pd.read_csv(gaps_csv, dtype=str))
    if findings:
        lines += ["## Does the model beat its simple baselines?", "", *findings, ""]
    lines += [_demoted(Path(path).read_text()) for path in tables.values()]
    for figure, (source, copy) in figures.items():
        Path(copy).parent.mkdir(parents=True, exist_ok=True)
        Path(copy).write_bytes(Path(source).read_bytes())
        link = Path(copy).relative_to(out.parent).as_posix()
        lines += [f"## {figure}", "", f"![{figure}]({link})", "", _caption(Path(captions[figure])), ""]
    lines += ["## Provenance", "", *provenance_lines]
    lines += ["## Config", "", "```yaml", yaml.safe_dump(config, sort_keys=True).strip(), "```", ""]
    out.write_text("\n".join(lines))
