"""Successive halving against the full learning-rate grid, on 55,000 training images.

    .venv/bin/python -m benchmarks.halving --splits 0 1   # train the full grid (resumable)
    .venv/bin/python -m benchmarks.halving --report       # replay halving, write the page block

The data is the positive control at its largest (config/control-scale.yaml: 55,000 training
images, and its 11,000-image fraction), built first with
`snakemake --cores 2 learning_curves --configfile config/control-scale.yaml`. Each method,
fraction and split trains config/nuswide.yaml's grid in full: every rate until patience or the
cap ends it, one history per rate saved under benchmarks/out/halving/ (a rerun skips what is
saved; two splits can train in two processes at once).

A run paused by halving goes on exactly where it stood (train.TrainingRun), so halving from a
first rung r trains each run's first epochs and nothing else. The report therefore replays the
schedule (neighborhoods.halving.train, the pipeline's own) on the saved histories for several
r: the training seconds halving spends against the full grid's, and how often its choice of rate
differs and by how much validation mAP_L. Seconds are the epochs' own (training and the
validation pass after each); the start's validation pass, the same under both, is left out.
"""

import argparse
from pathlib import Path

import pandas as pd
import yaml

from benchmarks import page
from neighborhoods import experiments, halving, job, model_inputs, seeds
from neighborhoods.settings import TrainingSettings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "results" / "control-scale"
OUT = ROOT / "benchmarks" / "out" / "halving"
# Every kind of trained model: logistic baselines (on features, on labels), the image path
# and the neighborhood model; those that start from another trained model are left out.
METHODS = ("visual", "upper", "imagepath", "nbr-tags-tau20000-m3-M6")
FRACTIONS = (20, 100)
FIRST_RUNGS = (1, 2, 3, 5, 10, 20)


def grid_settings() -> TrainingSettings:
    """config/nuswide.yaml's training rule (its grid of rates, cap and patience), on the CPU."""
    model = yaml.safe_load((ROOT / "config" / "nuswide.yaml").read_text())["model"]
    return TrainingSettings.from_config({"model": {"feature_dtype": "float32", **model, "device": "cpu"}})


def history_path(k: int, name: str, fraction: int, lr: float) -> Path:
    return OUT / f"split{k}" / f"{name}-train{fraction}" / f"lr{lr:g}.parquet"


def train_grid(k: int, settings: TrainingSettings) -> None:
    """Train every rate of every method and fraction on split k, skipping saved histories."""
    from neighborhoods import train  # imports torch, which compute_settings then sets up

    job.compute_settings(threads=1)
    seed = yaml.safe_load((ROOT / "config" / "control-scale.yaml").read_text()).get("seed", 0)
    for fraction in FRACTIONS:
        for name in METHODS:
            experiment = experiments.parse(name)
            todo = [lr for lr in settings.learning_rates if not history_path(k, name, fraction, lr).exists()]
            if not todo:
                continue
            data = model_inputs.load(
                DATA / "data" / "images.parquet",
                DATA / "data" / "concepts.txt",
                DATA / "splits" / f"split{k}.parquet",
                DATA / "features" / "control.parquet",
                DATA / "neighbors" / "tags-tau20000" / f"split{k}.parquet" if experiment.m else None,
                tag_tau=experiment.tau,
                matrix_path=DATA / "features" / "control.npy",
            )
            if fraction < 100:
                data = model_inputs.training_fraction(data, fraction, seeds.fraction(seed, k))
            for lr in todo:
                run = train.TrainingRun(experiment, data, settings, lr=lr, seed=seeds.training(seed, k))
                run.train_until(settings.max_epochs)
                path = history_path(k, name, fraction, lr)
                path.parent.mkdir(parents=True, exist_ok=True)
                run.result()[1].assign(lr=lr).to_parquet(path)
                print(
                    f"split {k} {name} train{fraction} lr {lr:g}: {run.epoch} epochs, {run.stop}", flush=True
                )


class RecordedRun:
    """A saved run replayed: training to an epoch reads its history up to there (where the
    run's stopping rule ended it, the history ends)."""

    def __init__(self, history: pd.DataFrame):
        self.history = history.set_index("epoch")
        self.epoch = 0
        self.best_score = float(self.history.loc[0, "val_mAP_L"])

    def train_until(self, last_epoch: int) -> None:
        self.epoch = min(last_epoch, int(self.history.index.max()))
        self.best_score = float(self.history.loc[: self.epoch, "val_mAP_L"].max())

    @property
    def seconds(self) -> float:
        return float(self.history.loc[: self.epoch, "seconds"].sum())


def replay(histories: list[pd.DataFrame], first_rung: int | None, max_epochs: int) -> dict:
    """What halving from `first_rung` (None: the full grid) trains on these saved runs."""
    runs = [RecordedRun(history) for history in histories]
    halving.train(runs, first_rung=first_rung, max_epochs=max_epochs)
    best = halving.chosen(runs)
    return {
        "lr": float(histories[best]["lr"].iloc[0]),
        "val": runs[best].best_score,
        "epochs": sum(run.epoch for run in runs),
        "seconds": sum(run.seconds for run in runs),
    }


def cases(settings: TrainingSettings) -> pd.DataFrame:
    """One row per method, fraction, split and first rung whose whole grid is saved."""
    rows = []
    for split_folder in sorted(OUT.glob("split*")):
        for folder in sorted(split_folder.iterdir()):
            name, fraction = folder.name.rsplit("-train", 1)
            paths = [
                history_path(int(split_folder.name[5:]), name, int(fraction), lr)
                for lr in settings.learning_rates
            ]
            if not all(path.exists() for path in paths):
                continue
            histories = [pd.read_parquet(path) for path in paths]
            full = replay(histories, None, settings.max_epochs)
            for rung in FIRST_RUNGS:
                halved = replay(histories, rung, settings.max_epochs)
                rows.append(
                    {
                        "method": name,
                        "fraction": int(fraction),
                        "split": split_folder.name,
                        "first_rung": rung,
                    }
                    | {f"full_{key}": value for key, value in full.items()}
                    | {f"halved_{key}": value for key, value in halved.items()}
                )
    return pd.DataFrame(rows)


def block_text(where: dict, table: pd.DataFrame, settings: TrainingSettings) -> str:
    table = table.assign(
        differs=table["halved_lr"] != table["full_lr"], lost=table["full_val"] - table["halved_val"]
    )
    rows = [
        [
            rung,
            f"{1 - group['halved_seconds'].sum() / group['full_seconds'].sum():.0%}",
            f"{1 - group['halved_epochs'].sum() / group['full_epochs'].sum():.0%}",
            f"{int(group['differs'].sum())} of {len(group)}",
            f"{group['lost'].mean():.2f}",
            f"{group['lost'].max():.2f}",
        ]
        for rung, group in table.groupby("first_rung")
    ]
    by_method = [
        [method, *(f"{int(g['differs'].sum())} of {len(g)}" for _, g in group.groupby("first_rung"))]
        for method, group in table.groupby("method")
    ]
    first = table[table["first_rung"] == FIRST_RUNGS[0]]
    fractions = ", ".join(f"{f}%" for f in sorted(table["fraction"].unique()))
    lines = [
        page.header(where),
        "",
        f"The grid: rates {', '.join(f'{lr:g}' for lr in settings.learning_rates)}, cap "
        f"{settings.max_epochs} epochs, patience {settings.patience} (config/nuswide.yaml). "
        f"{len(first)} full grids ({', '.join(sorted(table['method'].unique()))}; {fractions} of "
        f"the control's 55,000 training images; {first['split'].nunique()} splits) took "
        f"{first['full_seconds'].sum() / 3600:.1f} h of epochs, each timed as it ran beside whatever "
        "else the machine ran (the epochs saved do not depend on it). Halving replayed on them:",
        "",
        page.markdown(
            [
                "first rung (epochs)",
                "training time saved",
                "epochs saved",
                "choice of rate differs",
                "validation mAP_L lost, mean",
                "at most",
            ],
            rows,
            right={"training time saved", "epochs saved", "validation mAP_L lost, mean", "at most"},
        ),  # fmt: skip
        "",
        "How often the choice differs, per method and first rung:",
        "",
        page.markdown(
            ["method", *(f"rung {rung}" for rung in sorted(table["first_rung"].unique()))], by_method
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--splits", type=int, nargs="*", default=[], help="train the full grid on these splits"
    )
    parser.add_argument("--report", action="store_true", help="replay halving and write the page block")
    parser.add_argument(
        "--no-page", action="store_true", help="print the block, leave docs/performance.md alone"
    )
    args = parser.parse_args(argv)
    settings = grid_settings()
    if args.splits and not (DATA / "features" / "control.npy").exists():
        parser.error(f"{DATA} holds no control features: build them as the docstring says")
    for k in args.splits:
        train_grid(k, settings)
    if args.report:
        table = cases(settings)
        if table.empty:
            parser.error(f"{OUT}: no method has its whole grid saved; train it first (--splits 0)")
        OUT.mkdir(parents=True, exist_ok=True)
        table.to_csv(OUT / "cases.csv", index=False)
        text = block_text(page.machine(), table, settings)
        print(text)
        if not args.no_page:
            page.write_block("halving", text)


if __name__ == "__main__":
    main()
