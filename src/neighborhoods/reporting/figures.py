"""The paper's figures (3 to 8) as plain functions of arrays and tables.

Each ``figureN`` takes an output *stem* and writes ``<stem>.png`` and ``<stem>.pdf``; the
pipeline's scripts load the data and call them. Computations a figure needs are separate pure
functions so they can be tested on numbers. Figures are built on ``matplotlib.figure.Figure``
directly, so no pyplot state or interactive backend is involved.

mAP values in the sweep and overlap tables are in percent, as ``metrics.evaluate`` returns
them; per-label AP from ``metrics.average_precision`` is a fraction and is plotted in percent.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from neighborhoods.metrics import average_precision

MODEL_COLOR, VISUAL_COLOR = "tab:blue", "tab:gray"
RIGHT, WRONG = "tab:green", "tab:red"


def _save(fig: Figure, stem) -> None:
    """Write ``<stem>.png`` and ``<stem>.pdf``; the stem may itself contain dots."""
    Path(stem).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(f"{stem}.png", dpi=150)
    fig.savefig(f"{stem}.pdf")


def _label_fontsize(n_labels: int) -> float:
    """Tick font small enough that n_labels names fit on one axis (81 concepts get ~5 pt)."""
    return float(np.clip(420 / max(n_labels, 1), 4, 9))


# ----------------------------------------------------------------------------- Figure 5


def figure5(
    stem, *, concepts, y_true, model_scores, visual_scores, label_frequency, highlight=("wedding", "food")
) -> None:
    """PR curves of two concepts, per-label AP of model vs visual, and AP gain vs frequency."""
    from sklearn.metrics import precision_recall_curve  # here: only this figure draws PR curves

    concepts = list(concepts)
    missing = [c for c in highlight if c not in concepts]
    if missing:
        raise ValueError(
            f"figure5: highlighted concept(s) {missing} not among the {len(concepts)} concepts: {concepts}"
        )
    y_true = np.asarray(y_true, dtype=bool)
    ap_model = average_precision(y_true, model_scores)
    ap_visual = average_precision(y_true, visual_scores)
    freq = np.asarray(label_frequency, dtype=np.float64)

    fig = Figure(figsize=(16, 5), layout="constrained")
    ax_pr, ax_ap, ax_gain = fig.subplots(1, 3)

    for concept, color in zip(highlight, ("tab:orange", "tab:purple"), strict=True):
        j = concepts.index(concept)
        for scores, ap, name, style in (
            (model_scores, ap_model, "our model", "-"),
            (visual_scores, ap_visual, "visual only", "--"),
        ):
            prec, rec, _ = precision_recall_curve(y_true[:, j], np.asarray(scores)[:, j])
            ax_pr.plot(
                rec,
                prec,
                style,
                color=color,
                drawstyle="steps-post",
                label=f"{concept}, {name} (AP {100 * ap[j]:.1f})",
            )
    ax_pr.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title="(a) precision-recall")
    ax_pr.legend(fontsize=8, loc="lower left")

    ok = ~np.isnan(ap_model) & ~np.isnan(ap_visual)
    worse = np.flatnonzero(ok & (ap_visual > ap_model))
    colors = np.where(ap_visual > ap_model, WRONG, MODEL_COLOR)
    ax_ap.scatter(100 * ap_visual[ok], 100 * ap_model[ok], s=14, c=colors[ok])
    ax_ap.plot([0, 100], [0, 100], "k--", lw=1, label="equal AP")
    worst = worse[np.argsort(ap_model[worse] - ap_visual[worse])][:8]
    for j in worst:
        ax_ap.annotate(
            concepts[j],
            (100 * ap_visual[j], 100 * ap_model[j]),
            fontsize=8,
            xytext=(4, -10),
            textcoords="offset points",
            color=WRONG,
        )
    ax_ap.set(
        xlabel="AP visual only (%)",
        ylabel="AP our model (%)",
        xlim=(0, 100),
        ylim=(0, 100),
        aspect="equal",
        title="(b) per-label AP",
    )
    ax_ap.legend(fontsize=8, loc="upper left")

    ok_freq = ok & (freq > 0)
    gain = 100 * (ap_model - ap_visual)
    ax_gain.scatter(freq[ok_freq], gain[ok_freq], s=14, c=colors[ok_freq])
    ax_gain.axhline(0, color="k", ls="--", lw=1)
    ax_gain.set_xscale("log")
    ax_gain.set(
        xlabel="label frequency in the training set (log scale)",
        ylabel="AP our model − AP visual only (points)",
        title="(b) AP gain against label frequency",
    )
    _save(fig, stem)


# ----------------------------------------------------------------------------- Figure 6


def neighbor_label_agreement(labels: np.ndarray, neighbor_rows: np.ndarray, real: np.ndarray | None = None):
    """P(k-th neighbor has l | image has l) for k = 1..K, and the base rate P(image has l).

    Both are averaged over the labels with at least one positive image, so a flat curve far
    above the base rate says that more distant neighbors still carry signal. `real` (n, K)
    marks the neighbors to count: zero-similarity fill is not a neighbor found by metadata,
    so at rank k only the images whose k-th neighbor is real are counted.
    """
    labels = np.asarray(labels, dtype=bool)
    neighbor_rows = np.asarray(neighbor_rows)
    real = np.ones(neighbor_rows.shape, dtype=bool) if real is None else np.asarray(real, dtype=bool)
    positives = labels.sum(axis=0)
    present = positives > 0
    curve = []
    for k in range(neighbor_rows.shape[1]):
        counted = labels & real[:, k, None]
        agree = (counted & labels[neighbor_rows[:, k]]).sum(axis=0)
        total = counted.sum(axis=0)
        usable = present & (total > 0)
        curve.append((agree[usable] / total[usable]).mean() if usable.any() else np.nan)
    base_rate = float((positives[present] / labels.shape[0]).mean())
    return np.array(curve), base_rate


def figure6(stem, curves: dict, base_rate: float, fill: dict[str, float] | None = None) -> None:
    """One agreement curve per metadata kind against neighbor rank k, base rate dashed; the
    legend gives each kind's share of zero-similarity fill, which the curves leave out."""
    fig = Figure(figsize=(6.5, 4.5), layout="constrained")
    ax = fig.subplots()
    for kind, curve in curves.items():
        curve = np.asarray(curve)
        share = (fill or {}).get(kind)
        label = kind if share is None else f"{kind} ({100 * share:.0f}% fill left out)"
        ax.plot(np.arange(1, len(curve) + 1), curve, marker="o", ms=3, label=label)
    ax.axhline(base_rate, color="k", ls="--", lw=1, label="base rate")
    ax.set(
        xlabel="neighbor rank k",
        ylabel="P(k-th neighbor has l | image has l)",
        title="Label agreement of the k-th nearest neighbor",
        ylim=(0, None),
    )
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(title="neighbors by")
    _save(fig, stem)


# ----------------------------------------------------------------------------- Figures 7, 8


def _baseline_line(ax, value: float) -> None:
    ax.axhline(value, color=VISUAL_COLOR, ls="--", lw=1.2, label="visual only")


def _model_and_baseline(ax, x, table: pd.DataFrame, metric: str, baseline: dict) -> None:
    """A sweep's curve, mean ± std over splits, over the visual-only baseline's line."""
    ax.errorbar(
        x,
        table[metric],
        yerr=table[f"{metric}_std"],
        marker="o",
        capsize=3,
        color=MODEL_COLOR,
        label="our model",
    )
    _baseline_line(ax, baseline[metric])


def figure7(stem, sweeps: dict, baseline: dict) -> None:
    """mAP_L and mAP_I as each hyperparameter (m, M, tau, ...) varies, visual only dashed."""
    fig = Figure(figsize=(4 * len(sweeps), 6), layout="constrained")
    axes = fig.subplots(2, len(sweeps), squeeze=False, sharey="row")
    for col, (param, table) in enumerate(sweeps.items()):
        table = table.sort_values("value")
        for row, metric in enumerate(("mAP_L", "mAP_I")):
            ax = axes[row, col]
            _model_and_baseline(ax, table["value"], table, metric, baseline)
            if param == "tau":
                ax.set_xscale("log")
                ax.minorticks_off()
            ax.set_xticks(table["value"], [f"{v:g}" for v in table["value"]])
            ax.set(xlabel=param, ylabel=f"{metric} (%)" if col == 0 else "")
            if row == 0:
                ax.set_title(f"varying {param}")
    axes[0, 0].legend(fontsize=8)
    _save(fig, stem)


def figure8(stem, overlap: pd.DataFrame, baseline: dict) -> None:
    """mAP against the overlap of training and test tag vocabularies, visual only dashed."""
    fig = Figure(figsize=(9, 4), layout="constrained")
    table = overlap.sort_values("overlap")
    for ax, metric in zip(fig.subplots(1, 2), ("mAP_L", "mAP_I"), strict=True):
        _model_and_baseline(ax, 100 * table["overlap"], table, metric, baseline)
        ax.set(xlabel="vocabulary overlap (%)", ylabel=f"{metric} (%)", title=metric)
        ax.legend(fontsize=8)
    fig.suptitle("Generalization to a different tag vocabulary")
    _save(fig, stem)


# ----------------------------------------------------------------------------- Figure 3


CURVE_STYLES = {  # method -> (label, color, marker)
    "visual": ("visual only", VISUAL_COLOR, "s"),
    "imagepath": ("image path alone (no neighbors)", "tab:brown", "D"),
    "vote_logits": ("image neighborhoods + CNN voting (logits)", "tab:red", "v"),
    "nbrvote": ("image neighborhoods + CNN voting (tuned)", "tab:orange", "^"),
    "vote_perlabel": ("voting, alpha per label", "tab:pink", "<"),
    "vote_nbronly": ("voting, neighbors only (alpha 1)", "tab:olive", ">"),
    "model": ("our model: tag neighbors", MODEL_COLOR, "o"),
    "tuned": ("our model, hidden size and L2 tuned", "tab:purple", "*"),
    "model_nbronly": ("our model without its image branch", "tab:cyan", "h"),
    "model_meanpool": ("our model, mean-pooled neighbors", "tab:green", "p"),
    "model_zinit_imagepath": ("our model, W_z from the image path", "tab:gray", "X"),
    "model_zinit_visual": ("our model, W_z from visual only", "darkblue", "P"),
    "oracle": ("oracle (planted parameters)", "black", "_"),
}


def learning_curves(stem, curves: pd.DataFrame) -> None:
    """Test mAP_L and mAP_I against the number of labelled training images (log scale), mean ±
    std over splits per method."""
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    for ax, metric in zip(fig.subplots(1, 2), ("mAP_L", "mAP_I"), strict=True):
        for method, (label, color, marker) in CURVE_STYLES.items():
            part = curves[curves["method"] == method].sort_values("images")
            if part.empty:
                continue
            ax.errorbar(
                part["images"],
                part[metric],
                yerr=part[f"{metric}_std"],
                marker=marker,
                capsize=3,
                color=color,
                label=label,
            )
        images = sorted(curves["images"].unique())
        ax.set_xscale("log")
        ax.minorticks_off()
        ax.set_xticks(images, [f"{n:,}" for n in images])
        ax.set(xlabel="labelled training images", ylabel=f"test {metric} (%)", title=metric)
    fig.axes[0].legend(fontsize=8)
    fig.suptitle("Learning curves: when does the model overtake voting?")
    _save(fig, stem)


def score_shares(W_y: np.ndarray, v_x: np.ndarray, v_z: np.ndarray) -> np.ndarray:
    """Share of each label score due to the image half v_x rather than the neighbor half v_z.

    share_x = |W_y^x v_x| / (|W_y^x v_x| + |W_y^z v_z|), 0.5 where both terms are 0; columns of
    W_y beyond 2h (the optional tag vector) are ignored.
    """
    W_y, v_x, v_z = (np.asarray(a, dtype=np.float64) for a in (W_y, v_x, v_z))
    h = v_x.shape[1]
    a_x = np.abs(v_x @ W_y[:, :h].T)
    a_z = np.abs(v_z @ W_y[:, h : 2 * h].T)
    total = a_x + a_z
    return np.divide(a_x, total, out=np.full(total.shape, 0.5), where=total > 0)


def figure3(
    stem, *, W_y, hidden: int, concepts, shares, images, example_titles, note: str | None = None
) -> None:
    """Learned W_y halves, mean v_x share per label, and example images; `note` titles the
    figure (it says when placeholders stand in for the photos)."""
    W_y = np.asarray(W_y)
    concepts = list(concepts)
    n_labels = len(concepts)
    fs = _label_fontsize(n_labels)
    n_img = max(len(images), 1)
    fig = Figure(figsize=(14, 11), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[4, 1])
    ax_x, ax_z, ax_bar = top.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 0.8]})

    vmax = float(np.abs(W_y[:, : 2 * hidden]).max()) or 1.0
    for ax, part, name in (
        (ax_x, W_y[:, :hidden], "image half (v_x)"),
        (ax_z, W_y[:, hidden : 2 * hidden], "neighbor half (v_z)"),
    ):
        im = ax.imshow(part, aspect="auto", cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
        ax.set_yticks(range(n_labels), concepts, fontsize=fs)
        ax.set(xlabel="hidden unit", title=f"W_y, {name}")
    ax_z.tick_params(labelleft=False)
    top.colorbar(im, ax=[ax_x, ax_z], location="right", shrink=0.5, pad=0.01, label="weight")

    mean_share = np.asarray(shares).mean(axis=0)
    order = np.argsort(mean_share)
    ax_bar.barh(range(n_labels), mean_share[order], color=MODEL_COLOR)
    ax_bar.axvline(0.5, color="k", ls="--", lw=1)
    ax_bar.set_yticks(range(n_labels), [concepts[j] for j in order], fontsize=fs)
    ax_bar.set(
        ylim=(-0.6, n_labels - 0.4),
        xlim=(0, 1),
        xlabel="mean share of score due to v_x",
        title="Image vs neighbor share per label",
    )

    for ax, image, title in zip(
        np.atleast_1d(bottom.subplots(1, n_img)), images, example_titles, strict=True
    ):
        ax.imshow(image)
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    if note:
        fig.suptitle(note)
    _save(fig, stem)


# ----------------------------------------------------------------------------- Figure 4


def _label_column(ax, header: str, predicted, truth) -> None:
    """Top-3 labels as text, right ones green with a check mark, wrong ones red."""
    ax.axis("off")
    ax.set_title(header, fontsize=9)
    for i, label in enumerate(predicted):
        right = label in truth
        ax.text(
            0.02,
            0.8 - 0.28 * i,
            f"{'✓' if right else '✗'} {label}",
            fontsize=9,
            color=RIGHT if right else WRONG,
            transform=ax.transAxes,
            va="center",
        )


def figure4(stem, examples: list, note: str | None = None) -> None:
    """Qualitative examples: image, its 6 nearest neighbors, top-3 of visual only and ours;
    `note` titles the figure (it says when placeholders stand in for the photos)."""
    n_nb = max(len(ex["neighbors"]) for ex in examples)
    ratios = [2] + [1] * n_nb + [2, 2]
    fig = Figure(figsize=(2.0 + 0.9 * n_nb + 4.4, 1.7 * len(examples)), layout="constrained")
    axes = fig.subplots(len(examples), len(ratios), squeeze=False, gridspec_kw={"width_ratios": ratios})
    for r, ex in enumerate(examples):
        row = axes[r]
        row[0].imshow(ex["image"])
        for ax, nb in zip(row[1 : 1 + n_nb], ex["neighbors"], strict=True):
            ax.imshow(nb)
        for ax in row[: 1 + n_nb]:
            ax.axis("off")
        first = r == 0
        row[0].set_title("image" if first else "", fontsize=9)
        if first:
            row[1].set_title(f"{n_nb} nearest neighbors", fontsize=9, loc="left")
        _label_column(row[-2], "visual only" if first else "", ex["visual_top3"], ex["truth"])
        _label_column(row[-1], "our model" if first else "", ex["model_top3"], ex["truth"])
    if note:
        fig.suptitle(note)
    _save(fig, stem)
