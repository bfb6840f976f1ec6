"""Load what each of the paper's figures shows from the pipeline's files, then draw it.

One function per figure, called by the figure rules with paths; the drawing itself is in
`figures`, which knows nothing about files.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from neighborhoods import parquet
from neighborhoods.labels import labels_by_id, read_concepts
from neighborhoods.reporting import comparison, figures, tables
from neighborhoods.splits import fraction_size

SHOWN_SIDE = 96  # pixels per side of the thumbnails in Figures 3 and 4


def _labels_by_id(images_path, concepts: list[str]) -> dict[int, np.ndarray]:
    return labels_by_id(parquet.read(images_path, parquet.IMAGES), concepts, dtype=bool)


def _subset_ids(split_path, subset: str) -> np.ndarray:
    ids, subsets = parquet.split_arrays(parquet.read(split_path, parquet.SPLIT))
    return ids[subsets == subset]


def _scores_pair(inputs):
    """The concepts, labels by id, and the model's and visual only's test scores, row-aligned
    on the model's image ids (`inputs`: a figure job's images, concepts and two scores files)."""
    concepts = read_concepts(inputs.concepts)
    labels = _labels_by_id(inputs.images, concepts)
    ids, model = parquet.read_scores(inputs.model_scores)
    visual_ids, visual = parquet.read_scores(inputs.visual_scores)
    order = pd.Index(visual_ids).get_indexer(ids)
    if (order < 0).any():
        raise ValueError(f"{inputs.model_scores} and {inputs.visual_scores} score different images")
    return concepts, labels, ids, model, visual[order]


def figure5(stem, *, inputs, highlight) -> None:
    """Precision-recall and per-label AP on one split's test subset; `inputs` names the images,
    concepts, split, and the model's and visual only's scores (rule fig5)."""
    concepts, labels, ids, model, visual = _scores_pair(inputs)
    frequency = np.mean([labels[int(i)] for i in _subset_ids(inputs.split, "train")], axis=0)
    figures.figure5(
        stem,
        concepts=concepts,
        y_true=np.stack([labels[int(i)] for i in ids]),
        model_scores=model,
        visual_scores=visual,
        label_frequency=frequency,
        highlight=tuple(highlight),
    )


def agreement_curve(
    neighbors_path, labels: dict[int, np.ndarray], zero_is_fill: bool
) -> tuple[np.ndarray, float, float]:
    """Fig. 6's curve for one neighbors file, pooling the images of every subset, without the
    zero-similarity fill when `zero_is_fill`; also the base rate and the share of fill slots."""
    table = parquet.read(neighbors_path, parquet.NEIGHBORS)
    ids = table.column("image_id").to_numpy()
    neighbor_ids = np.stack(table.column("neighbors").to_numpy(zero_copy_only=False))
    similarity = np.stack(table.column("similarity").to_numpy(zero_copy_only=False))
    rows = pd.Index(ids).get_indexer(neighbor_ids.ravel()).reshape(neighbor_ids.shape)
    real = similarity != 0 if zero_is_fill else np.ones(rows.shape, dtype=bool)
    curve, base_rate = figures.neighbor_label_agreement(np.stack([labels[int(i)] for i in ids]), rows, real)
    return curve, base_rate, float(1 - real.mean())


def figure6(stem, *, images, concepts, neighbors: dict[str, str]) -> None:
    """`neighbors`: kind -> file; every kind but `visual` (L2 distances) has fill at similarity 0."""
    labels = _labels_by_id(images, read_concepts(concepts))
    curves = {
        kind: agreement_curve(path, labels, zero_is_fill=kind != "visual") for kind, path in neighbors.items()
    }
    base_rate = next(iter(curves.values()))[1]
    figures.figure6(
        stem,
        {kind: curve for kind, (curve, _, _) in curves.items()},
        base_rate,
        {kind: fill for kind, (_, _, fill) in curves.items() if kind != "visual"},
    )


def sweep_table(points: list[tuple[float, list[str]]], key: str = "value") -> pd.DataFrame:
    """Mean and sample std over splits of mAP_L and mAP_I for each swept value."""
    rows = []
    for value, paths in points:
        summary = tables.summarize([("", tables.load_metrics(paths), None)], ["mAP_L", "mAP_I"]).set_index(
            "metric"
        )
        row = {key: value}
        for metric in ("mAP_L", "mAP_I"):
            row[metric], row[f"{metric}_std"] = summary.loc[metric, ["mean", "std"]]
        rows.append(row)
    return pd.DataFrame(rows)


def _baseline(paths: list[str]) -> dict[str, float]:
    values = tables.load_metrics(paths)
    return {metric: float(np.mean([v[metric] for v in values])) for metric in ("mAP_L", "mAP_I")}


def figure7(stem, *, sweeps: dict[str, list[tuple[float, list[str]]]], baseline: list[str]) -> None:
    figures.figure7(stem, {name: sweep_table(points) for name, points in sweeps.items()}, _baseline(baseline))


def figure8(stem, *, overlaps: list[tuple[float, list[str]]], baseline: list[str]) -> None:
    table = sweep_table([(percent / 100, paths) for percent, paths in overlaps], key="overlap")
    figures.figure8(stem, table, _baseline(baseline))


CURVE_LABELS = {method: label for method, (label, _, _) in figures.CURVE_STYLES.items()}


@dataclass(frozen=True)
class CurvePoint:
    """One method at one training fraction: its metrics files over the splits, and its
    histories where it is trained (voting is not)."""

    percent: int
    metrics: list[str]
    histories: list[str] | None = None


def _train_images(split_paths: list[str]) -> int:
    """Training images of the splits (every split of a config has the same number)."""
    counts = {
        int(np.sum(parquet.split_arrays(parquet.read(p, parquet.SPLIT))[1] == "train")) for p in split_paths
    }
    if len(counts) != 1:
        raise ValueError(
            f"the splits {split_paths} have different numbers of training images: {sorted(counts)}"
        )
    return counts.pop()


def chosen_run(history_path: str) -> dict:
    """The run a training kept, from its history: the settings it chose (learning rate,
    hidden size, L2; no hidden size for a logistic baseline), the updates it trained, its best
    epoch and why it stopped."""
    history = pd.read_parquet(history_path)
    chosen = history[history["chosen"]]
    last = chosen.iloc[-1]
    return {
        "lr": float(last["lr"]),
        "hidden": None if pd.isna(last["hidden"]) else int(last["hidden"]),
        "l2": float(last["l2"]),
        "updates": int(chosen["updates"].max()),
        "best_epoch": int(last["best_epoch"]),
        "stop": str(last["stop"]),
    }


def _training_cells(histories: list[str] | None, method: str) -> dict:
    """Mean updates and best epoch of the chosen runs over the splits, and their choices."""
    if not histories:
        return {"updates": "", "best epoch": "", "chosen": "", "stopped on": ""}
    runs = [chosen_run(path) for path in histories]
    settings = [f"lr {run['lr']:g}" for run in runs]
    if method == "tuned":
        settings = [
            f"{s}, h {run['hidden']}, L2 {run['l2']:g}" for s, run in zip(settings, runs, strict=True)
        ]
    stops = pd.Series([run["stop"] for run in runs]).value_counts()
    return {
        "updates": f"{np.mean([run['updates'] for run in runs]):,.0f}",
        "best epoch": f"{np.mean([run['best_epoch'] for run in runs]):.1f}",
        "chosen": "; ".join(settings),
        "stopped on": ", ".join(f"{stop} ({count}/{len(runs)})" for stop, count in stops.items()),
    }


def learning_curves(
    stem, table_outputs, *, curves: dict[str, list[CurvePoint]], splits: list[str]
) -> pd.DataFrame:
    """The learning-curve figure, and its table: per fraction and method, the mean ± std test
    mAP_L and mAP_I over the splits, with the updates, best epoch and choices of the trained
    runs, then the paired differences of `CURVE_GAPS` (also to `table_outputs.gaps_csv`).
    Returns the curves' table (method, percent, images, metric means and stds)."""
    n = _train_images(splits)
    parts = [
        sweep_table([(point.percent, point.metrics) for point in points], key="percent").assign(method=method)
        for method, points in curves.items()
    ]
    curve_table = pd.concat(parts, ignore_index=True)
    curve_table["images"] = [fraction_size(n, p) for p in curve_table["percent"]]
    figures.learning_curves(stem, curve_table)

    shown = []
    for percent in sorted(curve_table["percent"].unique()):
        for method, points in curves.items():
            point = next(point for point in points if point.percent == percent)
            part = curve_table[(curve_table["method"] == method) & (curve_table["percent"] == percent)]
            shown.append(
                {
                    "train images": f"{fraction_size(n, percent):,} ({percent}%)",
                    "method": CURVE_LABELS[method],
                    "splits": len(point.metrics),
                    "mAP_L": _mean_std(part, "mAP_L"),
                    "mAP_I": _mean_std(part, "mAP_I"),
                    **_training_cells(point.histories, method),
                }
            )
    note = (
        "Test metrics in %, mean ± sample std over the splits of each row; validation and test "
        "subsets are the same at every fraction. Updates and best epoch: the run each training "
        "kept (its learning rate, and for the tuned model its hidden size and L2, chosen on "
        "validation mAP_L), averaged over the splits. Voting trains nothing: it mixes the "
        "visual-only model's scores at the same fraction."
    )
    tables.write(pd.DataFrame(shown), curve_table, table_outputs, "Learning curves", note)
    gaps = curve_gaps(curves)
    gaps.to_csv(table_outputs.gaps_csv, index=False)
    with open(table_outputs.markdown, "a") as markdown:
        markdown.write(
            "\n" + tables.to_markdown(gaps, "Learning curves: paired differences in mAP_L", comparison.NOTE)
        )
    return curve_table


# The differences the learning curves are read for, where both methods are drawn: (ours, theirs).
CURVE_GAPS = (
    ("model", "nbrvote"),
    ("tuned", "nbrvote"),
    ("model", "vote_logits"),
    ("model", "vote_perlabel"),
    ("model", "imagepath"),
    ("nbrvote", "visual"),
    ("imagepath", "visual"),
    ("model_nbronly", "vote_nbronly"),
    ("model_meanpool", "model"),
    ("model_zinit_imagepath", "model"),
    ("model_zinit_visual", "model"),
    ("oracle", "model"),
    ("oracle", "nbrvote"),
)


def curve_gaps(curves: dict[str, list[CurvePoint]], metric: str = "mAP_L") -> pd.DataFrame:
    """Per fraction, each pair of `CURVE_GAPS` whose methods are both drawn, as a paired
    difference over the splits they share (the first ones: a method may cover fewer)."""
    metrics = {
        method: {point.percent: tables.load_metrics(point.metrics) for point in points}
        for method, points in curves.items()
    }
    rows = []
    for percent in sorted(next(iter(metrics.values()))):
        row = {"train %": str(percent)}
        for ours, theirs in CURVE_GAPS:
            if ours not in metrics or theirs not in metrics:
                continue
            shared = min(len(metrics[ours][percent]), len(metrics[theirs][percent]))
            result = comparison.paired(
                metrics[ours][percent][:shared], metrics[theirs][percent][:shared], metric
            )
            row[f"{CURVE_LABELS[ours]} − {CURVE_LABELS[theirs]}"] = comparison.cell(result)
        rows.append(row)
    return pd.DataFrame(rows)


def _mean_std(part: pd.DataFrame, metric: str) -> str:
    mean, std = float(part[metric].iloc[0]), float(part[f"{metric}_std"].iloc[0])
    return f"{mean:.2f}" if np.isnan(std) else f"{mean:.2f} ± {std:.2f}"


# Said on Figures 3 and 4 when the images are not there (features imported, no image folder).
NO_IMAGES = "No images (features imported): grey squares stand in for the photos"


def _thumbnail(image_root, path: str) -> np.ndarray:
    """The photo, resized; a grey square when there is no image folder."""
    if image_root is None:
        return np.full((SHOWN_SIDE, SHOWN_SIDE, 3), 200, dtype=np.uint8)
    with Image.open(Path(image_root) / path) as image:
        return np.asarray(image.convert("RGB").resize((SHOWN_SIDE, SHOWN_SIDE)))


def _paths_by_id(images_path) -> dict[int, str]:
    images = parquet.read(images_path, parquet.IMAGES)
    return dict(zip(images.column("image_id").to_pylist(), images.column("path").to_pylist(), strict=True))


def figure3(stem, *, inputs, model, image_root, seed: int, examples: int = 4) -> None:
    """W_y, and the test images whose labels lean most on v_x and most on v_z (eq. 6); `inputs`
    are the job's data inputs and neighbors (`model_inputs.for_job`)."""
    import torch  # here: the other figures read files only, and importing torch takes seconds

    from neighborhoods import model_inputs, train

    data = model_inputs.for_job(inputs)
    images = inputs.images
    net, experiment = train.load(model, data)
    test = data.subsets["test"]
    generator = torch.Generator().manual_seed(seed)
    rows = train.sample_neighborhoods(test.neighbor_rows, experiment.m, experiment.M, generator)
    with torch.inference_mode():
        v_x, v_z = net.hidden_states(data.feature_rows(test.rows), data.feature_rows(rows))
    W_y = net.output.weight.detach().numpy()
    shares = figures.score_shares(W_y, v_x.numpy(), v_z.numpy())
    truth = test.labels.numpy().astype(bool)
    per_image = (shares * truth).sum(axis=1) / truth.sum(axis=1)
    order = np.argsort(per_image, kind="stable")
    chosen = np.concatenate([order[::-1][:examples], order[:examples]])
    paths = _paths_by_id(images)
    figures.figure3(
        stem,
        W_y=W_y,
        hidden=v_x.shape[1],
        concepts=data.concepts,
        shares=shares,
        images=[_thumbnail(image_root, paths[int(test.image_ids[i])]) for i in chosen],
        example_titles=[f"v_x share {per_image[i]:.2f}" for i in chosen],
        note=NO_IMAGES if image_root is None else None,
    )


def figure4(stem, *, inputs, image_root, examples: int = 6) -> None:
    """The test images where the model's top 3 gains most over visual only, with 6 neighbors;
    `inputs` names the images, concepts, neighbors and both scores files (rule fig4)."""
    images, neighbors = inputs.images, inputs.neighbors
    concepts, labels, ids, model, visual = _scores_pair(inputs)
    truth = np.stack([labels[int(i)] for i in ids])
    top = {
        name: np.argsort(-s, axis=1, kind="stable")[:, :3]
        for name, s in (("model", model), ("visual", visual))
    }
    correct = {name: np.take_along_axis(truth, t, axis=1).sum(axis=1) for name, t in top.items()}
    gain = correct["model"] - correct["visual"]
    chosen = np.argsort(-gain, kind="stable")[:examples]
    table = parquet.read(neighbors, parquet.NEIGHBORS)
    neighbor_ids = dict(
        zip(table.column("image_id").to_pylist(), table.column("neighbors").to_pylist(), strict=True)
    )
    paths = _paths_by_id(images)
    figures.figure4(
        stem,
        [
            {
                "image": _thumbnail(image_root, paths[int(ids[i])]),
                "neighbors": [_thumbnail(image_root, paths[j]) for j in neighbor_ids[int(ids[i])][:6]],
                "truth": [concepts[c] for c in np.flatnonzero(truth[i])],
                "visual_top3": [concepts[c] for c in top["visual"][i]],
                "model_top3": [concepts[c] for c in top["model"][i]],
            }
            for i in chosen
        ],
        note=NO_IMAGES if image_root is None else None,
    )
