"""The controls' results page (docs/results/controls.md): the learning curves of several
control runs side by side, each with its paired differences, and where the runs ran.

The runs are built by their own configs (config/control*.yaml); this page only reads their
tables, figures and the metrics.json of every run in their folders, so its commit, machine
and dates are the runs' own.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from neighborhoods.reporting.docs_page import _demoted, curve_findings, provenance_section

INTRODUCTION = (
    "The control is generated at the level of CNN features, in albums: labels differ in how "
    "visible they are and how much an album shares them, and images differ in clarity, which "
    "one feature coordinate reads (the positive control); or every label and image is alike "
    "(the negative control). The oracle knows the planted parameters and reads the same "
    "inputs as the model: it is the ceiling. See docs/method.md#the-control."
)


@dataclass(frozen=True)
class ControlRun:
    """One control run's learning curves: its name (results/<name>/), the curves' markdown
    table, their paired differences (CSV) and figure, the copy of the figure beside the page,
    and the dataset's stats.json."""

    name: str
    table: str
    gaps: str
    figure: str
    figure_copy: str
    stats: str

    def metrics(self) -> list[str]:
        """The metrics.json of every run in the run's folder (results/<name>/runs/)."""
        runs = Path(self.table).parents[1] / "runs"
        return sorted(str(path) for path in runs.glob("*/split*/metrics.json"))


def _title(run: ControlRun) -> str:
    stats = json.loads(Path(run.stats).read_text())
    kind = "Negative control" if "negative" in run.name else "Positive control"
    return f"{kind}: `{run.name}` ({stats['images']:,} images)"


MODEL_VS_VOTE = "our model: tag neighbors − image neighborhoods + CNN voting (tuned)"
ORACLE_VS_MODEL = "oracle (planted parameters) − our model: tag neighbors"


def headline(runs: list[ControlRun]) -> str:
    """One sentence: our model − tuned voting at each run's largest share, and the oracle's lead
    over the model there (the README quotes it)."""
    parts = []
    for run in runs:
        gaps = pd.read_csv(run.gaps, dtype=str).iloc[-1]
        images = pd.read_csv(Path(run.table).with_suffix(".csv"))["images"].max()
        kind = "negative" if "negative" in run.name else "positive"
        part = f"{gaps[MODEL_VS_VOTE]} mAP_L on the {kind} control at {images:,} training images"
        if ORACLE_VS_MODEL in gaps:
            part += f" (the oracle − the model: {gaps[ORACLE_VS_MODEL]})"
        parts.append(part)
    return f"Our model − tuned voting: {'; '.join(parts)}."


def write(out: str | Path, runs: list[ControlRun]) -> None:
    """The page `out`: per run its findings, table and figure (copied to `figure_copy`, linked
    relative to the page), then the provenance of every run in their folders."""
    out = Path(out)
    summary, provenance = provenance_section([path for run in runs for path in run.metrics()])
    lines = [
        "# Results: the controls",
        "",
        "<!-- Written by `snakemake controls_page` from the runs' tables and figures; "
        "edits are overwritten. -->",
        "",
        f"From {', '.join(f'`results/{run.name}/`' for run in runs)}: {summary}.",
        "",
        INTRODUCTION,
        "",
        f"**Headline.** {headline(runs)}",
        "",
    ]
    for run in runs:
        lines += [f"## {_title(run)}", "", "### Paired differences (mAP_L)", ""]
        lines += curve_findings(pd.read_csv(run.gaps, dtype=str)) + [""]
        lines.append(_demoted(_demoted(Path(run.table).read_text())))
        Path(run.figure_copy).parent.mkdir(parents=True, exist_ok=True)
        Path(run.figure_copy).write_bytes(Path(run.figure).read_bytes())
        link = Path(run.figure_copy).relative_to(out.parent).as_posix()
        lines += [f"![learning curves of {run.name}]({link})", ""]
    lines += ["## Provenance", "", *provenance]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
