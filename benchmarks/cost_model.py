"""What the full protocol costs, from the jobs a rehearsal measured and the DAG of the protocol.

Every job of the full DAG (5 splits, every sweep, 10 epochs) takes the cost measured for the
same rule and wildcards on split 0 of the rehearsal; a training's cost is its start-up plus
its epochs, each as long as the rehearsal's (the `seconds` of its history), so cutting the
rehearsal to one epoch loses nothing. Wall times come from a list schedule of that DAG (a job
starts when its inputs are done and its threads are free, longest remaining path first) on a
given number of cores; no schedule beats the DAG's critical path.
"""

import heapq
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Job:
    rule: str
    key: str  # rule and wildcards, split left out: what decides a job's cost
    seconds: float
    cpu_seconds: float
    threads: int
    peak_mb: float
    declared_mb: int
    benchmark: str


def _key(rule: str, wildcards: dict) -> str:
    return rule + "".join(f" {k}={v}" for k, v in sorted(wildcards.items()) if k != "k")


def logged_jobs(log: Path) -> list[dict]:
    """Each job block of a Snakemake log: rule, wildcards, threads, benchmark, mem_mb."""
    jobs, job = [], None
    for line in log.read_text(errors="replace").splitlines():
        text = line.strip()
        match = re.match(r"^(?:local)?rule (\w+):$", text)
        if match:
            job = {"rule": match.group(1), "wildcards": {}, "threads": 1, "benchmark": None, "mem_mb": 0}
            jobs.append(job)
        elif job is None:
            continue
        elif text.startswith("wildcards:"):
            pairs = (item.split("=", 1) for item in text.split(":", 1)[1].split(", "))
            job["wildcards"] = {k.strip(): v.strip() for k, v in pairs}
        elif text.startswith("threads:"):
            job["threads"] = int(text.split(":", 1)[1])
        elif text.startswith("benchmark:"):
            job["benchmark"] = text.split(":", 1)[1].strip()
        elif text.startswith("resources:"):
            mem = re.search(r"mem_mb=(\d+)", text)
            job["mem_mb"] = int(mem.group(1)) if mem else 0
    return [j for j in jobs if j["benchmark"]]


def measured(work: Path) -> list[Job]:
    """The jobs Snakemake ran in `work` (every run that executed jobs; a later run of a job
    replaces an earlier one, as its benchmark file does), with what their benchmark files say."""
    logs = sorted((work / ".snakemake" / "log").glob("*.snakemake.log"))
    blocks = {}
    for log in logs:
        if "Finished job" in log.read_text(errors="replace"):  # a dry run or --dag runs none
            blocks |= {job["benchmark"]: job for job in logged_jobs(log)}
    found = []
    for job in blocks.values():
        path = work / job["benchmark"]
        if not path.exists():  # stopped before it finished
            continue
        row = pd.read_csv(path, sep="\t").iloc[-1]
        found.append(
            Job(
                job["rule"],
                _key(job["rule"], job["wildcards"]),
                float(row["s"]),
                float(pd.to_numeric(row.get("cpu_time"), errors="coerce")),
                job["threads"],
                float(pd.to_numeric(row["max_rss"], errors="coerce")),
                job["mem_mb"],
                job["benchmark"],
            )
        )
    return found


def full_dag(
    work: Path, snakefile: Path, configfile: Path, targets: list[str]
) -> tuple[list[str], list[tuple]]:
    """(job keys, edges as (before, after) indices) of a config's whole DAG, from `--dag`."""
    snakemake = Path(sys.executable).with_name("snakemake")
    command = [
        str(snakemake),
        "--snakefile",
        str(snakefile),
        "--directory",
        str(work),
        "--configfile",
        str(configfile),
    ]
    dot = subprocess.run(
        [*command, "--forceall", "--dag", "dot", *targets], capture_output=True, text=True, check=True
    ).stdout
    nodes, edges = {}, []
    for line in dot.splitlines():
        node = re.match(r'\s*(\d+)\[label = "([^"]*)"', line)
        edge = re.match(r"\s*(\d+) -> (\d+)", line)
        if node:
            rule, *pairs = node.group(2).split("\\n")
            nodes[int(node.group(1))] = _key(rule, dict(p.split(": ", 1) for p in pairs))
        elif edge:
            edges.append((int(edge.group(1)), int(edge.group(2))))
    ids = sorted(nodes)
    index = {node: i for i, node in enumerate(ids)}
    return [nodes[i] for i in ids], [(index[a], index[b]) for a, b in edges]


def schedule(seconds: list[float], threads: list[int], edges: list[tuple], cores: int) -> float:
    """Makespan of a list schedule on `cores`: ready jobs by longest remaining path first."""
    n = len(seconds)
    after = [[] for _ in range(n)]
    waiting = [0] * n
    for a, b in edges:
        after[a].append(b)
        waiting[b] += 1
    rest = critical_paths(seconds, after)
    ready = [(-rest[i], i) for i in range(n) if waiting[i] == 0]
    heapq.heapify(ready)
    running, free, now = [], cores, 0.0
    while ready or running:
        blocked = []
        while ready:
            _, i = heapq.heappop(ready)
            need = min(threads[i], cores)
            if need <= free:
                free -= need
                heapq.heappush(running, (now + seconds[i], i, need))
            else:
                blocked.append((-rest[i], i))
        for item in blocked:
            heapq.heappush(ready, item)
        now, i, need = heapq.heappop(running)
        free += need
        for j in after[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, (-rest[j], j))
    return now


def critical_paths(seconds: list[float], after: list[list[int]]) -> list[float]:
    """Per job, the longest chain of durations from it to the end of the DAG."""
    rest = [None] * len(seconds)

    def longest(i):
        if rest[i] is None:
            rest[i] = seconds[i] + max((longest(j) for j in after[i]), default=0.0)
        return rest[i]

    for i in range(len(seconds)):
        longest(i)
    return rest


def project(work: Path, jobs: list[Job], keys: list[str], epochs: int) -> pd.DataFrame:
    """Each job of the full DAG with the cost of its measured twin, trainings at `epochs`; a
    job with no twin (a rehearsal cut short) takes the median of its rule's measured jobs, and
    is marked `estimated`."""
    costs = {}
    for job in jobs:
        seconds, cpu = job.seconds, job.cpu_seconds
        if job.rule == "train":  # start-up, then epochs as long as the measured ones
            history = _history(work, job)
            extra = history["seconds"].sum() * (epochs / history["epoch"].max() - 1)
            # The epochs compute as the measured job did: its CPU seconds per wall second.
            seconds, cpu = seconds + extra, cpu + extra * cpu / max(seconds, 1e-9)
        costs[job.key] = {
            "rule": job.rule,
            "seconds": seconds,
            "cpu_seconds": cpu,
            # As long as the job would take with its threads to itself: a wall time measured
            # beside other work is inflated, its CPU time is not.
            "busy_seconds": cpu / job.threads,
            "threads": job.threads,
        }
    by_rule = pd.DataFrame(costs.values()).groupby("rule").median(numeric_only=True)
    rows = []
    for key in keys:
        rule = key.split()[0]
        if key in costs:
            rows.append({"key": key, **costs[key], "estimated": False})
        elif rule in by_rule.index:
            median = by_rule.loc[rule]
            rows.append(
                {
                    "key": key,
                    "rule": rule,
                    "seconds": median["seconds"],
                    "cpu_seconds": median["cpu_seconds"],
                    "busy_seconds": median["busy_seconds"],
                    "threads": int(median["threads"]),
                    "estimated": True,
                }
            )
        else:
            rows.append(
                {
                    "key": key,
                    "rule": rule,
                    "seconds": 0.0,
                    "cpu_seconds": 0.0,
                    "busy_seconds": 0.0,
                    "threads": 1,
                    "estimated": True,
                }
            )
    return pd.DataFrame(rows)


def _history(work: Path, job: Job) -> pd.DataFrame:
    experiment = job.key.split("experiment=", 1)[1]
    return pd.read_parquet(work / "results" / "nuswide" / "runs" / experiment / "split0" / "history.parquet")
