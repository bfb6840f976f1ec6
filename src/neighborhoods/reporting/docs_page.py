"""The results page of the documentation, written from the tables and figures of one run.

Every number on the page is copied from a table the pipeline wrote, so the page cannot drift
from the results; the header says which run, commit, CPU and date they came from. The short
findings at the top read the paired comparisons (`comparison`) and say, from their signs and
the splits they hold on, which way each goes.
"""

import datetime
import platform
import re
import subprocess
from pathlib import Path

import pandas as pd
import yaml

SPLITS_AHEAD = re.compile(r"\((\d+)/(\d+)\)$")


def cpu_name() -> str:
    """The CPU's model name, as /proc/cpuinfo gives it (elsewhere, what platform knows)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def commit(repository: str | Path) -> str:
    """The checkout's commit, marked when it has uncommitted changes other than the results
    pages (the docs job deletes and rewrites them); 'unknown' outside git."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repository), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short=10", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)docs/results")
        return head + (" (with uncommitted changes)" if changed else "")
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown"


def verdict(cell: str) -> str:
    """What a paired cell (`+1.23 ± 0.45 (2/3)`) says: ahead or behind, on how many splits."""
    match = SPLITS_AHEAD.search(cell)
    if not match:
        raise ValueError(f"not a paired comparison cell: {cell!r}")
    ahead, splits = int(match[1]), int(match[2])
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
    repository: str | Path,
) -> None:
    """The page `out`, and each figure (figures: name -> (its PNG, where its copy goes beside
    the page)), the copies linked relative to the page."""
    out = Path(out)
    sources = [*tables.values(), *(source for source, _ in figures.values())]
    built = max(Path(path).stat().st_mtime for path in sources)
    built = datetime.datetime.fromtimestamp(built, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Results: {name}",
        "",
        "<!-- Written by `snakemake docs` from the run's tables and figures; edits are overwritten. -->",
        "",
        f"From `results/{name}/`, built {built} at commit {commit(repository)} on {cpu_name()}.",
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
    lines += ["## Config", "", "```yaml", yaml.safe_dump(config, sort_keys=True).strip(), "```", ""]
    out.write_text("\n".join(lines))
