"""The default run, timed from fresh clones of two commits back to back on this machine, with
each rule's summed job time: what a user's first run costs, and what a change saved.

    .venv/bin/python -m benchmarks.default_run 7b6f523 HEAD

Each commit is cloned into a temporary folder and run with this checkout's environment
(`snakemake --cores 2` on the default config, as the README's first command does after its
install). The Snakefile puts its own clone's library first on the path, so each run uses its
own code. Only a ratio of two runs made back to back on one quiet machine means anything:
absolute times here move by half from one day to the next.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks.page import cpu_model

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def summed_times(benchmarks: Path) -> pd.DataFrame:
    """Per rule (the first folder under `benchmarks`), its jobs and their summed wall seconds,
    from the benchmark files Snakemake wrote (logs/<name>/benchmarks/<rule>/.../*.tsv)."""
    rows = []
    for path in sorted(benchmarks.glob("*/**/*.tsv")):
        seconds = pd.read_csv(path, sep="\t")["s"].iloc[-1]
        rows.append({"rule": path.relative_to(benchmarks).parts[0], "seconds": float(seconds)})
    if not rows:
        raise ValueError(f"{benchmarks}: no benchmark files; did the run finish?")
    table = pd.DataFrame(rows).groupby("rule")["seconds"].agg(jobs="count", summed="sum")
    return table.sort_values("summed", ascending=False)


def timed_run(commit: str, folder: Path) -> tuple[float, pd.DataFrame]:
    """Clone `commit` into `folder`, run the default config there; (wall seconds, per-rule times)."""
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(folder)], check=True)
    subprocess.run(["git", "-C", str(folder), "checkout", "--quiet", commit], check=True)
    start = time.perf_counter()
    subprocess.run(
        [
            str(SNAKEMAKE),
            "--snakefile",
            str(folder / "Snakefile"),
            "--directory",
            str(folder),
            "--cores",
            "2",
            "-q",
        ],
        check=True,
    )
    return time.perf_counter() - start, summed_times(folder / "logs" / "synthetic" / "benchmarks")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", help="the commit to compare against, e.g. 7b6f523")
    parser.add_argument("change", help="the commit measured, e.g. HEAD")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for label, commit in (("base", args.base), ("change", args.change)):
            results[label] = timed_run(commit, Path(scratch) / label)
    (base_wall, base_rules), (change_wall, change_rules) = results["base"], results["change"]
    table = base_rules.join(change_rules, how="outer", lsuffix=" base", rsuffix=" change").fillna(0)
    print(f"CPU: {cpu_model()}; {args.base} then {args.change}, back to back\n")
    print(table.round(1).to_string())
    ratio = change_wall / base_wall
    print(f"\nSnakemake wall time: {base_wall:.0f} s, then {change_wall:.0f} s: ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
