"""Training and prediction with the paper's recipe, shared by the model and its baselines.

Loss: per-label logistic losses summed over labels, averaged over the minibatch, plus
(l2 / 2) * sum of squared weight matrices. RMSProp at a fixed learning rate; after every
epoch the model is scored on the validation subset and the best snapshot (by mAP_L) is kept.
Neighborhoods are sampled for the whole minibatch in one indexing step.
"""

import logging
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from neighborhoods import halving, metrics
from neighborhoods.checkpoint import Checkpoint
from neighborhoods.checkpoint import load as read_checkpoint
from neighborhoods.experiments import TRAINED, Experiment, parse
from neighborhoods.model import ImagePath, Logistic, NeighborhoodModel
from neighborhoods.model_inputs import SplitData, Subset
from neighborhoods.rmsprop import RMSProp
from neighborhoods.settings import TrainingSettings

log = logging.getLogger(__name__)


def build_model(
    experiment: Experiment, *, feature_dim: int, n_labels: int, tag_dim: int, hidden: int, dropout: float
) -> nn.Module:
    if experiment.model == "neighborhood":
        return NeighborhoodModel(
            feature_dim,
            n_labels,
            hidden=hidden,
            dropout=dropout,
            tag_dim=tag_dim,
            pool="mean" if experiment.variant == "meanpool" else "max",
            image_branch=experiment.variant != "nbronly",
        )
    if experiment.model == "imagepath":
        return ImagePath(feature_dim, n_labels, hidden=hidden, dropout=dropout)
    input_dim = {"features": feature_dim, "labels": n_labels, "tags": tag_dim}[TRAINED[experiment.model]]
    return Logistic(input_dim, n_labels)


def sample_choices(n: int, m: int, M: int, generator: torch.Generator) -> torch.Tensor:
    """For each of n images, m distinct positions among its M nearest neighbors: (n, m)."""
    return torch.rand(n, M, generator=generator).argsort(dim=1)[:, :m]


def _check_depth(neighbor_rows: torch.Tensor, M: int) -> None:
    if neighbor_rows.shape[1] < M:
        raise ValueError(f"M={M} but only {neighbor_rows.shape[1]} neighbors are stored per image")


def sample_neighborhoods(
    neighbor_rows: torch.Tensor, m: int, M: int, generator: torch.Generator
) -> torch.Tensor:
    """One random m-subset of the M nearest neighbors per image: (B, Mmax) -> (B, m) rows."""
    _check_depth(neighbor_rows, M)
    return neighbor_rows[:, :M].gather(1, sample_choices(len(neighbor_rows), m, M, generator))


def _inputs(data: SplitData, subset: Subset, batch: torch.Tensor, experiment: Experiment) -> torch.Tensor:
    """The input vector of a logistic model, or the image features of the neighborhood model."""
    source = TRAINED[experiment.model]
    if source == "labels":
        return subset.labels[batch]
    if source == "tags":
        return data.tag_vectors(subset.rows[batch])
    return data.feature_rows(subset.rows[batch])


def _forward(
    model, data: SplitData, subset: Subset, batch: torch.Tensor, experiment: Experiment, generator, device
):
    x = _inputs(data, subset, batch, experiment).to(device, non_blocking=True)
    if experiment.model != "neighborhood":
        return model(x)
    neighborhood = sample_neighborhoods(subset.neighbor_rows[batch], experiment.m, experiment.M, generator)
    z = data.feature_rows(neighborhood).to(device, non_blocking=True)
    tags = data.tag_vectors(subset.rows[batch]).to(device) if experiment.tag_vector else None
    return model(x, z, tags)


@torch.inference_mode()
def predict(
    model,
    data: SplitData,
    subset_name: str,
    experiment: Experiment,
    *,
    samples: int,
    seed: int,
    batch_size: int = 1024,
) -> np.ndarray:
    """Scores (n, L): for the neighborhood model, logits averaged over `samples` sampled
    neighborhoods of m of the M nearest; plain logits for the logistic models. Runs on the
    model's device; features stay in host memory and each batch is copied over.

    Images share neighbors (the default run's 621 validation images have 3,726 candidates, 596
    of them distinct), so each distinct candidate's hidden state is computed once per call."""
    model.eval()
    device = next(model.parameters()).device
    subset = data.subsets[subset_name]
    generator = torch.Generator().manual_seed(seed)
    if experiment.model == "neighborhood":
        _check_depth(subset.neighbor_rows, experiment.M)
        distinct, candidate = subset.neighbor_rows[:, : experiment.M].unique(return_inverse=True)
        states = torch.cat(
            [model.neighbor_states(data.feature_rows(rows).to(device)) for rows in distinct.split(batch_size)]
        )
    out = []
    for batch in torch.arange(len(subset.rows)).split(batch_size):
        x = _inputs(data, subset, batch, experiment).to(device)
        if experiment.model != "neighborhood":
            out.append(model(x).cpu())
            continue
        candidates = states[candidate[batch].to(device)]
        choices = [
            sample_choices(len(batch), experiment.m, experiment.M, generator).to(device)
            for _ in range(samples)
        ]
        tags = data.tag_vectors(subset.rows[batch]).to(device) if experiment.tag_vector else None
        out.append(model.averaged(x, candidates, choices, tags).cpu())
    return torch.cat(out).numpy()


def score_test_subset(
    model, data: SplitData, experiment: Experiment, settings: TrainingSettings, seed: int
) -> np.ndarray:
    """The test subset's scores, as every scoring job computes them (`seed`: the split's
    prediction stream, `seeds.prediction`)."""
    return predict(model, data, "test", experiment, samples=settings.test_samples, seed=seed)


def _start_from(model: nn.Module, experiment: Experiment, start: nn.Module) -> None:
    """Give the part of `model` that `start` trained alone its trained values."""
    if experiment.tag_vector:
        model.keep_tag_weights(start.output.weight.detach(), start.output.bias.detach())
        return
    first = start.image if isinstance(start, ImagePath) else start.output
    model.start_neighbor_branch(first.weight.detach(), first.bias.detach())


class TrainingRun:
    """One training at one learning rate that can stop after any epoch and go on later exactly
    as if it had never stopped: it keeps its own model, optimizer, sampling generator and
    global RNG state (dropout draws from the latter). Successive halving pauses runs at its
    rungs; a run trained in one go (`fit`) is the same run.

    The start is scored on validation as epoch 0, so no training ends worse on validation than
    where it started (a random start is never kept in practice). `start` is the trained model
    a part of this one starts from (`experiments.starts_from`): the tag-only model for the tag
    vector's weights, the image path or visual only for W_z of the variants that say so.
    Sampling and gathering stay on the CPU (seeded, so runs repeat); the model runs on `device`.
    """

    def __init__(
        self,
        experiment: Experiment,
        data: SplitData,
        settings: TrainingSettings,
        *,
        lr: float,
        seed: int,
        device: str | torch.device = "cpu",
        start: nn.Module | None = None,
    ):
        self.experiment, self.data, self.settings, self.lr, self.seed = experiment, data, settings, lr, seed
        self.device = torch.device(device)
        self._cuda = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=self._cuda):
            torch.manual_seed(seed)  # initialisation and dropout
            model = build_model(
                experiment,
                feature_dim=data.features.shape[1],
                n_labels=len(data.concepts),
                tag_dim=data.tags.shape[1] if experiment.tau is not None else 0,
                hidden=settings.hidden,
                dropout=settings.dropout,
            )
            if start is not None:
                _start_from(model, experiment, start)
            self.model = model.to(self.device)
            self._rng = self._rng_states()
        self.optimizer = RMSProp(self.model, lr=lr, l2=settings.l2)
        self.generator = torch.Generator().manual_seed(seed)
        self._val_labels = data.subsets["val"].labels.numpy().astype(bool)
        self.best_score = self._validation_score()
        self.best_epoch, self._best_state, self.epoch, self.updates = 0, self._snapshot(), 0, 0
        self.stop: str | None = None  # patience or cap, once the stopping rule has ended it
        self.rows = [
            {"epoch": 0, "updates": 0, "train_loss": np.nan, "val_mAP_L": self.best_score}
            | {"train_images": len(data.subsets["train"].rows), "seconds": 0.0}
        ]

    def _rng_states(self) -> list[torch.Tensor]:
        return [torch.get_rng_state(), *(torch.cuda.get_rng_state(d) for d in self._cuda)]

    def _snapshot(self) -> dict:
        return {name: value.detach().cpu().clone() for name, value in self.model.state_dict().items()}

    def _validation_score(self) -> float:
        scores = predict(
            self.model, self.data, "val", self.experiment, samples=self.settings.test_samples, seed=self.seed
        )
        return metrics.label_map(self._val_labels, scores)

    def train_until(self, last_epoch: int) -> None:
        """Train on to epoch `last_epoch` (at most the cap), unless `patience` epochs without a
        new best validation mAP_L end the run first."""
        last_epoch = min(last_epoch, self.settings.max_epochs)
        if self.stop is not None or self.epoch >= last_epoch:
            return
        name = f"train {self.experiment.name} lr {self.lr:g}"
        with torch.random.fork_rng(devices=self._cuda), tqdm(desc=name, unit="epoch", mininterval=10) as bar:
            torch.set_rng_state(self._rng[0])
            for device, state in zip(self._cuda, self._rng[1:], strict=True):
                torch.cuda.set_rng_state(state, device)
            while self.stop is None and self.epoch < last_epoch:
                self._epoch()
                bar.update()
                bar.set_postfix(
                    val_mAP_L=f"{self.rows[-1]['val_mAP_L']:.2f}", best=self.best_epoch, refresh=False
                )
            self._rng = self._rng_states()

    def _epoch(self) -> None:
        start, total_loss = time.perf_counter(), 0.0
        train, settings = self.data.subsets["train"], self.settings
        loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
        self.model.train()
        self.epoch += 1
        order = torch.randperm(len(train.rows), generator=self.generator)
        for batch in order.split(settings.batch_size):
            logits = _forward(
                self.model, self.data, train, batch, self.experiment, self.generator, self.device
            )
            data_loss = loss_fn(logits, train.labels[batch].to(self.device)) / len(batch)
            self.optimizer.zero_grad()
            data_loss.backward()
            self.optimizer.step()
            total_loss += data_loss.item() * len(batch)
            self.updates += 1
        val_map = self._validation_score()
        self.rows.append(
            {
                "epoch": self.epoch,
                "updates": self.updates,
                "train_loss": total_loss / len(train.rows),
                "val_mAP_L": val_map,
                "train_images": len(train.rows),
                "seconds": time.perf_counter() - start,
            }
        )
        log.info("lr %g epoch %d: %s", self.lr, self.epoch, self.rows[-1])
        if val_map > self.best_score:
            self.best_score, self.best_epoch, self._best_state = val_map, self.epoch, self._snapshot()
        elif self.epoch - self.best_epoch >= settings.patience:
            self.stop = "patience"
        if self.stop is None and self.epoch >= settings.max_epochs:
            self.stop = "cap"
        if self.stop is not None:
            log.info(
                "lr %g stopped on %s after %d epochs; best epoch %d",
                self.lr,
                self.stop,
                self.epoch,
                self.best_epoch,
            )
            self._keep_best()

    def _keep_best(self) -> None:
        """The run is over: its model takes its best state, and what only training needed (the
        optimizer's state, the snapshot) is let go, so a grid's finished runs hold one model each."""
        self.model.load_state_dict(self._best_state)
        self._best_state = self.optimizer = None

    def result(self) -> tuple[nn.Module, pd.DataFrame]:
        """The best-on-validation model and the per-epoch history; the run trains no further.
        Every row says why the run ended (`stop`: patience, cap, or halved where successive
        halving cut it) and at which epoch it was best."""
        if self._best_state is not None:  # cut short by halving
            self._keep_best()
        history = pd.DataFrame(self.rows).assign(stop=self.stop or "halved", best_epoch=self.best_epoch)
        history["best"] = history["epoch"] == self.best_epoch
        return self.model, history


def fit(
    experiment: Experiment,
    data: SplitData,
    settings: TrainingSettings,
    *,
    lr: float,
    seed: int,
    device: str | torch.device = "cpu",
    start: nn.Module | None = None,
) -> tuple[nn.Module, pd.DataFrame]:
    """Train from a seeded start at learning rate `lr` until `settings.patience` epochs pass
    without a new best validation mAP_L (or `settings.max_epochs` is reached); return the
    best-on-validation model and the per-epoch history (`TrainingRun`)."""
    run = TrainingRun(experiment, data, settings, lr=lr, seed=seed, device=device, start=start)
    run.train_until(settings.max_epochs)
    return run.result()


def save(
    path,
    model: nn.Module,
    experiment: Experiment,
    settings: TrainingSettings,
    *,
    lr: float,
    backbone: str,
    seed: int,
    data: SplitData,
) -> None:
    Checkpoint(
        experiment=experiment.name,
        settings=settings,
        lr=lr,
        backbone=backbone,
        feature_dim=int(data.features.shape[1]),
        concepts=list(data.concepts),
        seed=seed,
        tag_vocabulary=data.tag_vocabulary if experiment.tau is not None else None,
        state_dict=model.state_dict(),
    ).save(path)


def rebuild(saved: Checkpoint, path, feature_dim: int) -> tuple[nn.Module, Experiment]:
    """The model a checkpoint holds, checked against the width of the features it will read."""
    if saved.feature_dim != feature_dim:
        raise ValueError(
            f"{path}: trained on {saved.feature_dim}-d features of backbone {saved.backbone!r}, "
            f"but the features given are {feature_dim}-d"
        )
    experiment = parse(saved.experiment)
    model = build_model(
        experiment,
        feature_dim=saved.feature_dim,
        n_labels=len(saved.concepts),
        tag_dim=len(saved.tag_vocabulary or ()),
        hidden=saved.settings.hidden,
        dropout=saved.settings.dropout,
    )
    model.load_state_dict(saved.state_dict)
    return model, experiment


def load(path, data: SplitData) -> tuple[nn.Module, Experiment]:
    """The saved model, checked against the data it is about to read."""
    saved = read_checkpoint(path)
    if saved.concepts != data.concepts:
        raise ValueError(f"{path}: trained on other concepts than the dataset's concepts.txt")
    if saved.tag_vocabulary is not None and data.tag_vocabulary != saved.tag_vocabulary:
        raise ValueError(
            f"{path}: needs the tag vectors it was trained with ({len(saved.tag_vocabulary)} tags)"
        )
    return rebuild(saved, path, data.features.shape[1])


def fit_experiment(
    experiment: Experiment,
    data: SplitData,
    settings: TrainingSettings,
    *,
    seed: int,
    device: str | torch.device = "cpu",
    grid: dict | None = None,
    start: nn.Module | None = None,
) -> tuple[nn.Module, pd.DataFrame, float, TrainingSettings]:
    """The pipeline's training step: one run per setting tried, keeping the model best on
    validation mAP_L, with the learning rate and the settings it was trained with.

    The settings tried: each rate of `settings.learning_rates`, the same grid for every method,
    and, for a tuned experiment, each hidden size x L2 of `grid` ({"hidden": [...], "l2":
    [...]}). With `settings.halving_epochs` the runs go through successive halving
    (`halving`); without it each trains until its stopping rule ends it. The history of every
    run is kept, the chosen run's rows marked `chosen`. `start` (a variant's trained image path
    or visual-only model) starts every run's W_z.
    """
    tried = [settings]
    if experiment.tuned:
        if not grid:
            raise ValueError(f"{experiment.name}: a tuned experiment needs a grid of hidden sizes and L2")
        tried = [replace(settings, hidden=h, l2=l2) for h in grid["hidden"] for l2 in grid["l2"]]
    candidates = [(candidate, lr) for candidate in tried for lr in candidate.learning_rates]
    runs = [
        TrainingRun(experiment, data, candidate, lr=lr, seed=seed, device=device, start=start)
        for candidate, lr in candidates
    ]
    halving.train(runs, first_rung=settings.halving_epochs, max_epochs=settings.max_epochs)
    best = halving.chosen(runs)
    histories = [
        run.result()[1].assign(lr=lr, hidden=candidate.hidden, l2=candidate.l2, chosen=i == best)
        for i, ((candidate, lr), run) in enumerate(zip(candidates, runs, strict=True))
    ]
    chosen, lr = candidates[best]
    return runs[best].model, pd.concat(histories, ignore_index=True), lr, chosen
