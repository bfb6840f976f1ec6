"""A NUS-WIDE-scale rehearsal: the real Snakefile on a release-layout folder of 269,648 rows.

    python -m benchmarks.rehearsal                      # write the folder, run, gather costs
    python -m benchmarks.rehearsal --rows 27000 --dims 512   # a tenth, to try it first

It writes, under --work (default results/rehearsal/), every release file the pipeline reads when
features are imported and there are no images (ImageList/Imagelist.txt, the label file of each
of the 81 concepts, NUS_WID_Tags/All_Tags.txt, ConceptsList/Concepts81.txt) with the real
release's faults: one corrupt label value, 6 duplicate photo ids with conflicting labels, CRLF
line endings, images without labels. Beside it: a `flickr.metadata` table with Table 1's
statistics (benchmarks/data.py) and random ReLU features in the BigFile layout, covering all
but 4% of the photos (the public VGG16 features cover about 259,000 of 269,648). Then it runs
`snakemake` on that folder with the paper's protocol on one split (Tables 2, 3 and 4, Figures
7 and 8), epochs cut to --epochs: the per-epoch cost is what is measured, and results on random
features mean nothing. Last, it gathers every job's Snakemake `benchmark:` file (wall time,
peak memory) with the memory its rule declares into `cost.csv` and `cost.md`. At full size
(the default --rows and --dims) it also writes those tables, with what ingestion kept and the
date, commit and machine of the run, into the rehearsal block of docs/performance.md.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from benchmarks import cost_model, data, page
from neighborhoods import halving, parquet
from neighborhoods.generated.concepts import CONCEPTS, POPULARITY
from neighborhoods.reporting import tables

ROOT = Path(__file__).resolve().parents[1]
ROWS = 269_648  # lines of the real release's Imagelist.txt
UNLABELLED = 0.22  # share of release rows without any of the 81 labels
UNCOVERED = 0.04  # share of photos the imported features leave out
NOT_ON_FLICKR = 0.02  # share of labelled photos the metadata table does not list
DUPLICATES = 6
TARGETS = ["table2", "table3", "table4", "fig7", "fig8"]
# The rehearsal measures the cost of an epoch, not how many epochs patience takes on the real
# features: the projection spans the paper's recipe and what config/nuswide.yaml's rule allows.
PAPER_EPOCHS = 10
CORES = (2, 32, 4 * 32, 16 * 32)


def _lines(path: Path, lines: list[str] | np.ndarray, crlf: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    eol = "\r\n" if crlf else "\n"
    path.write_bytes((eol.join(lines) + eol).encode())


def _digits(path: Path, column: np.ndarray, crlf: bool) -> None:
    """A label file: one 0/1 digit per line, written as bytes (81 files of 269,648 lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    eol = [13, 10] if crlf else [10]
    out = np.empty((len(column), 1 + len(eol)), dtype=np.uint8)
    out[:, 0] = 48 + column
    out[:, 1:] = eol
    path.write_bytes(out.tobytes())


def _names(prefix: str, X) -> list[list[str]]:
    return [[f"{prefix}{j}" for j in X.indices[X.indptr[i] : X.indptr[i + 1]]] for i in range(X.shape[0])]


def write_release(work: Path, rows: int, dims: int, seed: int = 0) -> dict:
    """The release folder, the metadata table and the BigFile features; what was written."""
    rng = np.random.default_rng(seed)
    root = work / "NUS-WIDE"
    photo = 10**9 + np.sort(rng.choice(8 * rows, rows, replace=False))
    rate = 1.0 / np.arange(1, len(CONCEPTS) + 1)
    rate = {c: r for c, r in zip(POPULARITY, 2.4 * rate / rate.sum(), strict=True)}  # 2.4 labels per image
    labels = rng.random((rows, len(CONCEPTS))) < np.array([min(rate[c], 0.5) for c in CONCEPTS])
    labelled = rng.random(rows) >= UNLABELLED
    labels[~labelled] = False
    labels[labelled & ~labels.any(axis=1), 0] = True
    query = np.array(CONCEPTS)[np.where(labels.any(axis=1), labels.argmax(axis=1), 0)]
    # The release lists photos grouped by the query that found them.
    order = np.argsort(query, kind="stable")
    photo, labels, query, labelled = photo[order], labels[order], query[order], labelled[order]
    # Duplicates: 6 photos listed again under another query, with one more label.
    twins = rng.choice(np.flatnonzero(labelled), 2 * DUPLICATES, replace=False)
    for first, second in zip(twins[:DUPLICATES], twins[DUPLICATES:], strict=True):
        photo[second] = photo[first]
        labels[second] = labels[first]
        labels[second, (labels[first].argmax() + 1) % len(CONCEPTS)] = True

    _lines(root / "ConceptsList" / "Concepts81.txt", list(CONCEPTS), crlf=True)
    _lines(
        root / "ImageList" / "Imagelist.txt",
        [
            f"C:\\ImageData\\Flickr\\{q}\\{i % 10000:04d}_{p}.jpg"
            for i, (q, p) in enumerate(zip(query, photo, strict=True))
        ],
    )
    corrupt = int(rng.choice(np.flatnonzero(labelled)))
    for c, concept in enumerate(CONCEPTS):
        column = labels[:, c].astype(np.uint8)
        if c == 0:
            column[corrupt] = 2  # the release's one label value that is not 0/1
        _digits(root / "Groundtruth" / "AllLabels" / f"Labels_{concept}.txt", column, crlf=c % 2 == 1)
    tags = _names("t", data.metadata("tags", rows, seed=seed))
    _lines(
        root / "NUS_WID_Tags" / "All_Tags.txt",
        [f"{p}      {' '.join(t)} " for p, t in zip(photo, tags, strict=True)],
        crlf=True,
    )

    unique = np.unique(photo)
    listed = unique[rng.random(len(unique)) >= NOT_ON_FLICKR]
    sets = data.metadata("sets", len(listed), seed=seed + 1)
    groups = data.metadata("groups", len(listed), seed=seed + 2)
    metadata = pa.table(
        {
            "photo_id": pa.array(listed, pa.int64()),
            "sets": pa.array(_names("s", sets), pa.list_(pa.string())),
            "groups": pa.array(_names("g", groups), pa.list_(pa.string())),
            "owner": pa.array([f"u{i % 20000}" for i in range(len(listed))], pa.string()),
        }
    )
    parquet.write(metadata, work / "metadata.parquet")

    covered = unique[rng.random(len(unique)) >= UNCOVERED]
    folder = work / "bigfile"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "id.txt").write_text(" ".join(map(str, covered)) + "\n")
    (folder / "shape.txt").write_text(f"{len(covered)} {dims}\n")
    with open(folder / "feature.bin", "wb") as out:
        for start in range(0, len(covered), 16384):
            chunk = min(16384, len(covered) - start)
            out.write(data.features(chunk, dims, seed=seed + start).astype(np.float32).tobytes())
    return {"rows": rows, "photos": len(unique), "with_metadata": len(listed), "with_features": len(covered)}


def config(work: Path, rows: int, epochs: int) -> dict:
    """config/nuswide.yaml's protocol on one split, on the rehearsal folder; below the real
    size, its 110,000 / 40,000 split sizes become the same fractions of the kept images."""
    protocol = yaml.safe_load((ROOT / "config" / "nuswide.yaml").read_text())
    splits = {"count": 1} if rows == ROWS else {"count": 1, "train": 0.58, "val": 0.21}
    return {
        **{k: protocol[k] for k in ("seed", "neighbors", "sweeps")},
        "dataset": "nuswide",
        "nuswide": {"root": str(work / "NUS-WIDE"), "images": None, "bad_lines": "drop"},
        "flickr": {"metadata": str(work / "metadata.parquet")},
        "features": {"backbone": "vgg16_fc7", "import": str(work / "bigfile")},
        "splits": {**protocol["splits"], **splits},
        # One rate, a fixed number of epochs: the cost of an epoch is what is measured.
        "model": {
            **protocol["model"],
            "learning_rates": protocol["model"]["learning_rates"][:1],
            "max_epochs": epochs,
            "patience": epochs,
        },
        "sweeps": {**protocol["sweeps"], "splits": 1},
    }


def by_rule(jobs: pd.DataFrame) -> pd.DataFrame:
    """Per rule: jobs, total and largest wall time, CPU time, peak memory against the declared."""
    table = jobs.groupby("rule").agg(
        jobs=("key", "size"),
        seconds=("seconds", "sum"),
        longest=("seconds", "max"),
        cpu_seconds=("cpu_seconds", "sum"),
        peak_mb=("peak_mb", "max"),
        declared_mb=("declared_mb", "max"),
    )
    table["over"] = table["peak_mb"] > table["declared_mb"]
    return table.sort_values("seconds", ascending=False).reset_index()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.rehearsal", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--dims", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--work", type=Path, default=ROOT / "results" / "rehearsal")
    parser.add_argument("--write-only", action="store_true", help="write the folder, do not run")
    parser.add_argument("--gather-only", action="store_true", help="gather the costs of a finished run")
    parser.add_argument("--no-page", action="store_true", help="leave docs/performance.md alone")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    if not args.gather_only:
        # Writing the folder again would make every job out of date; an interrupted run resumes.
        marker = work / "written.json"
        wanted = {"rows": args.rows, "dims": args.dims}
        written = json.loads(marker.read_text()) if marker.exists() else {}
        if written.items() >= wanted.items():
            print(f"reusing the folder in {work}: {written}")
        else:
            start = time.perf_counter()
            written = write_release(work, args.rows, args.dims)
            marker.write_text(json.dumps({**wanted, **written}) + "\n")
            print(f"wrote {written} in {time.perf_counter() - start:.0f} s")
        (work / "config.yaml").write_text(yaml.safe_dump(config(work, args.rows, args.epochs)))
        if args.write_only:
            return 0
        snakemake = Path(sys.executable).with_name("snakemake")
        command = [str(snakemake), "--snakefile", str(ROOT / "Snakefile"), "--directory", str(work)]
        run = page.machine()  # the date and commit the costs are from, for the page
        start = time.perf_counter()
        result = subprocess.run([*command, "--cores", str(args.cores), *TARGETS])
        run["seconds"] = time.perf_counter() - start
        print(f"snakemake: exit {result.returncode} after {run['seconds']:.0f} s")
        if result.returncode:
            return result.returncode
        (work / "run.json").write_text(json.dumps(run) + "\n")
    report(work, args)
    return 0


def full_protocol(work: Path) -> Path:
    """config/nuswide.yaml's whole protocol (5 splits, every sweep) on the folder: its DAG."""
    rehearsed = yaml.safe_load((work / "config.yaml").read_text())
    protocol = yaml.safe_load((ROOT / "config" / "nuswide.yaml").read_text())
    full = {
        **rehearsed,
        "splits": {**rehearsed["splits"], "count": protocol["splits"]["count"]},
        "sweeps": protocol["sweeps"],
    }
    path = work / "full_protocol.yaml"
    path.write_text(yaml.safe_dump(full))
    return path


class _Bounded:
    """A run that improves on validation every epoch until it stops after `last` epochs: the
    bounds of the rule, run through the pipeline's own halving schedule."""

    def __init__(self, last: int):
        self.last, self.epoch, self.best_score = last, 0, 0.0

    def train_until(self, last_epoch: int) -> None:
        self.epoch = max(self.epoch, min(last_epoch, self.last))
        self.best_score = float(self.epoch)


def _grid_epochs(rates: int, last: int, first_rung: int | None, cap: int) -> int:
    runs = [_Bounded(last) for _ in range(rates)]
    halving.train(runs, first_rung=first_rung, max_epochs=cap)
    return sum(run.epoch for run in runs)


def training_scenarios(model: dict | None = None) -> dict[str, int]:
    """Epochs per training job in the projection, by what trains them: the paper's recipe, and
    the least and most that config/nuswide.yaml's rule (`model`, read from it by default) can
    take. Under that rule each rate of the grid trains until `patience` epochs bring no new
    best: patience + 1 epochs when its first epoch is its best (patience when no epoch beats the
    start, which the fewest leaves aside), at most `max_epochs`; with `halving_epochs`, halving
    cuts runs short. How many it takes on real features is not known."""
    if model is None:
        model = yaml.safe_load((ROOT / "config" / "nuswide.yaml").read_text())["model"]
    rates, patience, cap = len(model["learning_rates"]), model["patience"], model["max_epochs"]
    rung = model.get("halving_epochs")
    grid = f"{rates} rates" + (f", halving from {rung} epochs" if rung else "")
    fewest, most = (_grid_epochs(rates, last, rung, cap) for last in (patience + 1, cap))
    return {
        f"the paper's recipe: 1 rate, {PAPER_EPOCHS} epochs": PAPER_EPOCHS,
        f"config/nuswide.yaml, fewest: {grid}, {fewest} epochs": fewest,
        f"config/nuswide.yaml, most: {grid}, {most} epochs (each run to the cap of {cap} unless cut)": most,
    }


def projection(work: Path, jobs: list, keys: list[str], edges: list[tuple], epochs: int) -> dict:
    """The full DAG's cost with `epochs` epochs per training: CPU-hours, and wall hours on 2 to
    512 cores and along the critical path, on two bases: wall times as measured (beside other
    work, inflated) and CPU time per thread (what each job computed, as if it had its threads
    to itself)."""
    full = cost_model.project(work, jobs, keys, epochs=epochs)
    threads = full["threads"].tolist()
    after = [[] for _ in keys]
    for a, b in edges:
        after[a].append(b)
    model = {
        "epochs per training": epochs,
        "jobs": len(keys),
        "jobs costed by their rule's median (no measured twin)": int(full["estimated"].sum()),
        "rules with no measured job (costed 0)": sorted(set(full.loc[full["seconds"] == 0, "rule"])),
        "CPU-hours": full["cpu_seconds"].sum() / 3600,
    }
    for basis, column in (("measured wall time", "seconds"), ("CPU time", "busy_seconds")):
        seconds = full[column].tolist()
        model[f"critical path, hours ({basis})"] = max(cost_model.critical_paths(seconds, after)) / 3600
        for cores in CORES:
            model[f"wall hours on {cores} cores ({basis})"] = (
                cost_model.schedule(seconds, threads, edges, cores) / 3600
            )
    return model


def report(work: Path, args) -> None:
    """cost.csv (every job), cost.md (per rule, and the full protocol's projected cost under
    each training scenario)."""
    jobs = cost_model.measured(work)
    table = pd.DataFrame([job.__dict__ for job in jobs])
    table.to_csv(work / "cost.csv", index=False)
    rules = by_rule(table)
    keys, edges = cost_model.full_dag(work, ROOT / "Snakefile", full_protocol(work), TARGETS)
    models = {
        scenario: projection(work, jobs, keys, edges, epochs)
        for scenario, epochs in training_scenarios().items()
    }
    title = f"Rehearsal costs per rule ({args.rows} release rows, {args.dims}-d features, 1 split)"
    note = "seconds: wall time summed over the rule's jobs; peak_mb: the largest max_rss of one job."
    lines = [tables.to_markdown(rules.round(1), title, note)]
    for scenario, model in models.items():
        lines += ["", f"# The full protocol, projected: {scenario}", ""]
        lines += [
            f"- {name}: {value:.2f}" if isinstance(value, float) else f"- {name}: {value}"
            for name, value in model.items()
        ]
    (work / "cost.md").write_text("\n".join(lines) + "\n")
    print((work / "cost.md").read_text())
    marker = work / "written.json"
    written = json.loads(marker.read_text()) if marker.exists() else {}
    if written.get("rows") == ROWS and written.get("dims") == 4096 and not args.no_page:
        page.write_block("rehearsal", page_text(work, rules, models, written))


def _hours(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def page_text(work: Path, rules: pd.DataFrame, models: dict[str, dict], written: dict) -> str:
    """The rehearsal block of docs/performance.md: what ran, what ingestion kept, each rule's
    measured cost and the full protocol's projected cost under each training scenario."""
    marker = work / "run.json"
    run = json.loads(marker.read_text()) if marker.exists() else {**page.machine(), "seconds": None}
    jobs = int(rules["jobs"].sum())
    took = "" if run.get("seconds") is None else f", the last `snakemake` call {run['seconds']:,.0f} s"
    what = f"{written['rows']:,} release rows, {written['dims']}-d features, one split; {jobs} jobs{took}"
    lines = [page.header(run, what), ""]
    counts_file = work / "results" / "nuswide" / "data" / "ingest_counts.json"
    if counts_file.exists():
        counts = json.loads(counts_file.read_text())
        dropped = ", ".join(
            f"{reason} {n:,}" for reason, n in counts.items() if reason not in ("input", "kept") and n
        )
        kept = f"Ingestion kept {counts['kept']:,} of {counts['input']:,} rows; dropped: {dropped}."
        split = work / "results" / "nuswide" / "splits" / "split0.parquet"
        if split.exists():
            sizes = pd.read_parquet(split)["subset"].value_counts()
            kept += (
                " Split 0: " + ", ".join(f"{s} {sizes.get(s, 0):,}" for s in ("train", "val", "test")) + "."
            )
        lines += [kept, ""]
    lines += [
        "Per rule: wall and CPU seconds summed over the rule's jobs; peak: the largest `max_rss` of one job.",
        "",
        page.markdown(
            ["rule", "jobs", "wall s", "longest job", "CPU s", "peak MB", "declared MB"],
            [
                [r.rule, r.jobs, f"{r.seconds:,.0f}", f"{r.longest:,.0f}", f"{r.cpu_seconds:,.0f}"]
                + [f"{r.peak_mb:,.0f}", f"{r.declared_mb:,.0f}"]
                for r in rules.itertuples()
            ],
            right={"jobs", "wall s", "longest job", "CPU s", "peak MB", "declared MB"},
        ),
        "",
    ]
    over = rules.loc[rules["over"], "rule"].tolist()
    lines += [f"Peak memory above the declared: {', '.join(over) if over else 'none'}.", ""]
    first = next(iter(models.values()))
    estimated = first["jobs costed by their rule's median (no measured twin)"]
    unmeasured = first["rules with no measured job (costed 0)"]
    lines += [
        f"The full protocol, projected: {first['jobs']} jobs"
        + (f"; {estimated} costed by their rule's median" if estimated else "")
        + (f"; no measured job for {', '.join(unmeasured)} (costed 0)" if unmeasured else "")
        + ". Wall hours from CPU time per thread, and in brackets from the measured wall time.",
        "",
    ]

    def hours(model: dict, key: str) -> str:
        return f"{_hours(model[f'{key} (CPU time)'])} ({_hours(model[f'{key} (measured wall time)'])})"

    lines.append(
        page.markdown(
            ["training", "epochs per job", "CPU-hours"]
            + [f"wall h, {cores} cores" for cores in CORES]
            + ["critical path h"],
            [
                [scenario, model["epochs per training"], f"{model['CPU-hours']:,.0f}"]
                + [hours(model, f"wall hours on {cores} cores") for cores in CORES]
                + [hours(model, "critical path, hours")]
                for scenario, model in models.items()
            ],
            right={"epochs per job", "CPU-hours", "critical path h"} | {f"wall h, {c} cores" for c in CORES},
        )
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
