"""The benchmarks write their own tables into docs/performance.md, so its numbers are never typed.

Each table sits between two marker comments (`<!-- benchmark:jaccard:begin -->` and
`<!-- benchmark:jaccard:end -->`); a run replaces what lies between the markers of the blocks
it measured and leaves the rest of the page as it is. Every block opens with one line giving
the date, commit and machine it was measured on.
"""

import datetime
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "performance.md"


def cpu_model() -> str:
    """The CPU's model name: what is fast differs between CPU kinds (subnormals: Intel vs AMD)."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def commit() -> str:
    """The checkout's short commit, marked when tracked files differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" with uncommitted changes" if changed else "")


def machine() -> dict:
    """Date, commit and machine of a measurement taken now."""
    return {
        "date": datetime.date.today().isoformat(),
        "commit": commit(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib()),
    }


def header(where: dict, extra: str = "") -> str:
    """The block's first line: date, commit and machine."""
    line = (
        f"Measured {where['date']} at commit {where['commit']} on {where['cpu']}, "
        f"{where['cores']} cores, {where['memory_gib']} GiB"
    )
    return line + (f"; {extra}" if extra else "") + "."


def write_block(name: str, body: str, page: Path = PAGE) -> None:
    """Replace what lies between `<!-- name:begin -->` and `<!-- name:end -->` in `page`."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = page.read_text()
    start = text.find(begin)
    stop = text.find(end, start + len(begin)) if start >= 0 else -1
    if start < 0 or stop < 0:
        raise ValueError(f"{page}: no block '{begin}' ... '{end}' to write the table into")
    page.write_text(text[: start + len(begin)] + "\n" + body.strip("\n") + "\n" + text[stop:])
    print(f"wrote block {name} of {page}")


def markdown(columns: list[str], rows: list[list], right: set[str] = frozenset()) -> str:
    """A Markdown table; the columns named in `right` are right-aligned, and a `|` in a cell is escaped."""
    lines = ["| " + " | ".join(columns) + " |"]
    lines.append("|" + "".join(" ---: |" if c in right else " --- |" for c in columns))
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)
