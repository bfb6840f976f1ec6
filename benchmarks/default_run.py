"""The default run, timed from fresh clones of two commits back to back on this machine, with
each rule's summed job time: what a user's first run costs, and what a change saved.

    .venv/bin/python -m benchmarks.default_run 7b6f523 HEAD

Each commit is cloned into a temporary folder and set up and run there as the README's first
command does: a virtual environment and `pip install -e .` (timed as the install; pip's cache
is whatever this machine holds), then `snakemake --cores 2` on the default config. It prints
both runs' per-rule summed job times and the ratio of their Snakemake times, and writes them
into docs/performance.md. Only a ratio of two runs made back to back on one quiet machine means
anything: absolute times here move by half from one day to the next.
"""

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import page

REPO = Path(__file__).resolve().parents[1]


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


def _timed(command: list[str], folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=folder, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def machine_speed(seconds: float = 3.0) -> float:
    """The machine's speed now: GFLOP/s of a one-thread float32 matrix product of the model's
    shape (a minibatch's neighbors times W_z), the median of a few timings. On a shared host
    it moves within minutes, so each run is bracketed by it: a ratio of two runs means
    something only where the speed held between them."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    a, b = torch.randn(150, 1280), torch.randn(1280, 500)
    rates = []
    for _ in range(5):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 5:
            a @ b
            count += 1
        rates.append(2 * 150 * 1280 * 500 * count / (time.perf_counter() - start) / 1e9)
    torch.set_num_threads(threads)
    return float(np.median(rates))


def timed_run(commit: str, folder: Path) -> dict:
    """Clone `commit` into `folder`, install and run the default config there: install and
    Snakemake seconds, the per-rule times, and the machine's speed before and after."""
    speed_before = machine_speed()
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(folder)], check=True)
    subprocess.run(["git", "-C", str(folder), "checkout", "--quiet", commit], check=True)
    install = _timed(["python3", "-m", "venv", ".venv"], folder)
    install += _timed([".venv/bin/pip", "install", "--quiet", "-e", "."], folder)
    run = _timed([".venv/bin/snakemake", "--cores", "2", "--quiet"], folder)
    rules = summed_times(folder / "logs" / "synthetic" / "benchmarks")
    speeds = (speed_before, machine_speed())
    return {"commit": commit, "install": install, "snakemake": run, "rules": rules, "speeds": speeds}


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {round(seconds % 60):02d} s"


def block_text(where: dict, base: dict, change: dict, load: float, *, change_first: bool = False) -> str:
    """The default-run block of docs/performance.md: both runs' times, the machine's speed
    around each, per rule, and the ratio."""
    rules = base["rules"].join(change["rules"], how="outer", suffixes=("_base", "_change")).fillna(0)
    rules = rules.sort_values("summed_base", ascending=False)
    names = (base["commit"], change["commit"])
    order = names[::-1] if change_first else names
    ratio = change["snakemake"] / base["snakemake"]
    rows = [
        [rule, int(r.jobs_base), f"{r.summed_base:,.0f}", int(r.jobs_change), f"{r.summed_change:,.0f}"]
        for rule, r in rules.iterrows()
    ]
    rows.append(
        ["all jobs", int(rules.jobs_base.sum()), f"{rules.summed_base.sum():,.0f}"]
        + [int(rules.jobs_change.sum()), f"{rules.summed_change.sum():,.0f}"]
    )
    lines = [
        page.header(where, f"{order[0]} then {order[1]}, back to back; load average {load:.2f} before"),
        "",
        "| run | install | Snakemake | install and run | machine speed before / after, GFLOP/s |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {run['commit']} | {_minutes(run['install'])} | {_minutes(run['snakemake'])} "
            f"| {_minutes(run['install'] + run['snakemake'])} "
            f"| {run['speeds'][0]:.0f} / {run['speeds'][1]:.0f} |"
            for run in (base, change)
        ),
        "",
        f"Snakemake time, {names[1]} / {names[0]}: **{ratio:.2f}**. Per rule, summed job seconds:",
        "",
        page.markdown(
            ["rule", f"jobs {names[0]}", f"s {names[0]}", f"jobs {names[1]}", f"s {names[1]}"],
            rows,
            right={f"jobs {names[0]}", f"s {names[0]}", f"jobs {names[1]}", f"s {names[1]}"},
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", help="the commit to compare against, e.g. 7b6f523")
    parser.add_argument("change", help="the commit measured, e.g. HEAD")
    parser.add_argument(
        "--change-first", action="store_true", help="run the change first (an order effect shows)"
    )
    parser.add_argument("--no-page", action="store_true", help="leave docs/performance.md alone")
    args = parser.parse_args(argv)
    load, where = os.getloadavg()[0], page.machine()
    commits = [
        subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", commit], capture_output=True,
                       text=True, check=True).stdout.strip()
        for commit in (args.base, args.change)
    ]  # fmt: skip
    named = dict(zip(("base", "change"), commits, strict=True))
    where |= {"commit": named["change"]}  # the code measured, not this checkout's state
    runs = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in ("change", "base") if args.change_first else ("base", "change"):
            runs[name] = timed_run(named[name], Path(scratch) / name)
    text = block_text(where, runs["base"], runs["change"], load, change_first=args.change_first)
    print(text)
    if not args.no_page:
        page.write_block("default-run", text)


if __name__ == "__main__":
    main()
