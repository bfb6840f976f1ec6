from dataclasses import replace

import pandas as pd
import pytest
from test_train import toy_split

from neighborhoods import experiments, halving, train
from neighborhoods.settings import TrainingSettings


class ScriptedRun:
    """A run whose validation score at each epoch is given; it stops after `patience` epochs
    without a new best, like a training."""

    def __init__(self, scores, patience=2):
        self.scores, self.patience = scores, patience
        self.epoch, self.best_epoch, self.best_score, self.stopped = 0, 0, scores[0], False

    def train_until(self, last_epoch):
        while not self.stopped and self.epoch < min(last_epoch, len(self.scores) - 1):
            self.epoch += 1
            if self.scores[self.epoch] > self.best_score:
                self.best_score, self.best_epoch = self.scores[self.epoch], self.epoch
            elif self.epoch - self.best_epoch >= self.patience:
                self.stopped = True


def test_the_better_half_goes_on_to_a_rung_twice_as_far():
    # Hand-worked: rung 2 ranks a (3) > c (2) > b (1) and keeps a and c; rung 4 ranks c (6) > a (4)
    # and keeps c, which trains on until patience stops it at epoch 7 (best 7 at epoch 5).
    a = ScriptedRun([0, 1, 3, 4, 4, 4, 9, 9, 9])
    b = ScriptedRun([0, 1, 1, 8, 9, 9, 9, 9, 9])
    c = ScriptedRun([0, 1, 2, 5, 6, 7, 7, 7, 7])
    rungs = halving.train([a, b, c], first_rung=2, max_epochs=8)
    assert rungs == [2, 4]
    assert (a.epoch, b.epoch, c.epoch) == (4, 2, 7)
    assert halving.chosen([a, b, c]) == 2
    # The full grid trains all three to their stops, and b, cut at rung 2, would have won.
    full = [ScriptedRun(run.scores) for run in (a, b, c)]
    assert halving.train(full, first_rung=None, max_epochs=8) == []
    assert [run.epoch for run in full] == [5, 6, 7]
    assert halving.chosen(full) == 1


def test_a_run_stopped_before_a_rung_still_competes_and_ties_go_to_the_earlier_run():
    stopped = ScriptedRun([0, 5, 5, 5, 5], patience=2)  # stops at epoch 3 with 5
    late = ScriptedRun([0, 1, 2, 3, 5])
    halving.train([stopped, late], first_rung=4, max_epochs=4)  # the rung is the cap: no halving
    assert (stopped.epoch, late.epoch) == (3, 4)
    assert halving.chosen([stopped, late]) == 0
    one = [ScriptedRun([0, 2, 5, 5, 5]), ScriptedRun([0, 2, 3, 4, 5])]
    halving.train(one, first_rung=1, max_epochs=4)  # tied at rung 1: the first goes on
    assert [run.epoch for run in one] == [4, 1]


RATES = TrainingSettings(
    hidden=16,
    dropout=0.5,
    l2=3e-3,
    learning_rates=(3e-4, 3e-3, 3e-2),
    batch_size=50,
    max_epochs=12,
    patience=3,
    test_samples=4,
)


@pytest.mark.parametrize("name", ["visual", "imagepath", "nbr-sets-m3-M6"])
def test_halving_trains_the_very_runs_of_the_full_grid_and_cuts_the_others_short(name):
    experiment, data = experiments.parse(name), toy_split()
    _, full, full_lr, _ = train.fit_experiment(experiment, data, RATES, seed=2)
    _, halved, lr, _ = train.fit_experiment(experiment, data, replace(RATES, halving_epochs=2), seed=2)
    columns = ["epoch", "updates", "train_loss", "val_mAP_L"]
    cut = 0
    for rate in RATES.learning_rates:
        whole, part = full[full["lr"] == rate], halved[halved["lr"] == rate]
        # A paused run goes on exactly where it stood: its epochs are the full grid's.
        pd.testing.assert_frame_equal(
            part[columns].reset_index(drop=True), whole[columns].head(len(part)).reset_index(drop=True)
        )
        if part["stop"].iloc[0] == "halved":
            cut += 1
            assert len(part) < len(whole)
        else:
            assert part["stop"].iloc[0] == whole["stop"].iloc[0]
    assert cut >= 1 and len(halved) < len(full)
    assert halved[halved["chosen"]]["stop"].iloc[0] != "halved"
    if lr == full_lr:  # then the chosen model is the full grid's chosen model
        best = halved[halved["chosen"]]["val_mAP_L"].max()
        assert best == full[full["chosen"]]["val_mAP_L"].max()


def test_halving_is_read_by_every_trained_model_and_left_out_when_unset():
    settings = replace(RATES, halving_epochs=3)
    for model in ("neighborhood", "imagepath", "logistic"):
        assert settings.read_by(model)["halving_epochs"] == 3
        assert "halving_epochs" not in RATES.read_by(model)
    assert TrainingSettings.from_dict(RATES.read_by("neighborhood")) == RATES
    assert TrainingSettings.from_dict(settings.as_dict()) == settings


def test_the_benchmark_replays_saved_histories_as_halving_trains_them(tmp_path, monkeypatch):
    from benchmarks import halving as bench

    experiment, data = experiments.parse("imagepath"), toy_split()
    _, full, _, _ = train.fit_experiment(experiment, data, RATES, seed=2)
    _, halved, lr, _ = train.fit_experiment(experiment, data, replace(RATES, halving_epochs=2), seed=2)
    monkeypatch.setattr(bench, "OUT", tmp_path)
    for rate in RATES.learning_rates:
        path = bench.history_path(0, "imagepath", 100, rate)
        path.parent.mkdir(parents=True, exist_ok=True)
        full[full["lr"] == rate].to_parquet(path)
    table = bench.cases(RATES).set_index("first_rung")
    replayed = table.loc[2]
    assert replayed["halved_lr"] == lr
    assert replayed["halved_val"] == halved.loc[halved["chosen"], "val_mAP_L"].max()
    assert replayed["halved_epochs"] == len(halved) - len(RATES.learning_rates)  # epoch 0 is the start
    assert replayed["full_epochs"] == len(full) - len(RATES.learning_rates)
    assert replayed["full_lr"] == full.loc[full["chosen"], "lr"].iloc[0]
    kept = halved.groupby("lr")["epoch"].max()
    seconds = sum(full[(full["lr"] == r) & (full["epoch"] <= e)]["seconds"].sum() for r, e in kept.items())
    assert replayed["halved_seconds"] == pytest.approx(seconds)


def test_the_benchmark_block_sums_savings_over_cases():
    from benchmarks import halving as bench

    cases = pd.DataFrame(
        {
            "method": ["visual", "model"],
            "fraction": [100, 100],
            "split": ["split0", "split0"],
            "first_rung": [1, 1],
            "full_lr": [1e-3, 1e-4],
            "halved_lr": [1e-3, 1e-3],
            "full_val": [30.0, 40.0],
            "halved_val": [30.0, 39.5],
            "full_epochs": [100, 100],
            "halved_epochs": [50, 30],
            "full_seconds": [100.0, 300.0],
            "halved_seconds": [40.0, 60.0],
        }
    )
    where = {"date": "2026-12-07", "commit": "abc", "cpu": "CPU", "cores": 2, "memory_gib": 24}
    text = bench.block_text(where, cases, RATES)
    assert "| 1 | 75% | 60% | 1 of 2 | 0.25 | 0.50 |" in text  # 1 - 100/400, 1 - 80/200
    assert "| model | 1 of 1 |" in text and "| visual | 0 of 1 |" in text
