"""Successive halving of a grid of training runs (Jamieson and Talwalkar, 2016).

Every run trains to the first rung (`first_rung` epochs); the better half, by best validation
mAP_L so far, goes on to a rung twice as far, and so on until one run is left, which trains on
until its stopping rule ends it. Without a first rung every run trains to its stopping rule
(the full grid). Every trained method goes through the same schedule, so the grid stays one
rule for all of them.

A run paused at a rung goes on exactly where it stood (`train.TrainingRun`), so the run that
survives is the very run the full grid trains at that setting: halving decides which runs
finish, never what a run computes. Its choice differs from the full grid's only where a run cut
at a rung would have caught up with the survivor or overtaken it later.
"""

import math
from collections.abc import Sequence
from typing import Protocol


class Run(Protocol):
    best_score: float  # best validation mAP_L so far

    def train_until(self, last_epoch: int) -> None: ...


def train(runs: Sequence[Run], *, first_rung: int | None, max_epochs: int) -> list[int]:
    """Train `runs` under successive halving from `first_rung` (None: the full grid); return
    the rungs' epochs. A run that its stopping rule ended before a rung competes with its best
    score; ties go to the earlier run of the grid, as the full grid's choice does."""
    alive, rungs = list(runs), []
    rung = first_rung
    while rung is not None and len(alive) > 1 and rung < max_epochs:
        for run in alive:
            run.train_until(rung)
        ranked = sorted(alive, key=lambda run: -run.best_score)  # stable: earlier runs first on ties
        kept = {id(run) for run in ranked[: math.ceil(len(alive) / 2)]}
        alive = [run for run in alive if id(run) in kept]
        rungs.append(rung)
        rung *= 2
    for run in alive:
        run.train_until(max_epochs)
    return rungs


def chosen(runs: Sequence[Run]) -> int:
    """The index of the run best on validation: the first of the best on ties."""
    scores = [run.best_score for run in runs]
    return scores.index(max(scores))
