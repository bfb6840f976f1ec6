"""NUS-WIDE-scale benchmarks: every measurement next to a baseline timed in the same run.

    .venv/bin/python -m benchmarks                 # every part
    .venv/bin/python -m benchmarks --only jaccard  # some parts: jaccard, visual, train, subnormal,
                                                   # float16, matrix, features, dag
    .venv/bin/python -m benchmarks --quick         # small sizes, to check that it runs

Each part's table is printed and written into its block of docs/performance.md (with the date,
commit and machine), replacing what the block held; --quick and --no-page leave the page alone.
Peak memory is the process's resident memory above what it held when the measurement began
(sampled every 5 ms), so it counts what the measured code allocates, not its inputs.
"""

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks import data, page
from benchmarks.page import cpu_model

ROOT = Path(__file__).resolve().parents[1]
ROWS: list[dict] = []
PART = ""  # the part being measured; each row is filed under it


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Peak:
    """Wall time and peak resident memory above the start, of the block it wraps."""

    def __enter__(self):
        self.start_rss = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self.t0 = time.perf_counter()
        return self

    def _sample(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())
        self.mb = (self.peak - self.start_rss) / 2**20


def row(what, figure, unit, baseline_name="", baseline=None, ratio=None, mb=None, target="", note=""):
    ROWS.append(
        dict(
            part=PART,
            what=what,
            figure=figure,
            unit=unit,
            baseline_name=baseline_name,
            baseline=baseline,
            ratio=ratio,
            mb=mb,
            target=target,
            note=note,
        )
    )
    fig = f"{figure:.2f} {unit}" if isinstance(figure, float) else f"{figure} {unit}"
    print(
        f"  {what}: {fig}"
        + (f" | {baseline_name} {baseline:.2f}" if baseline is not None else "")
        + (f" | ratio {ratio:.2f}" if ratio is not None else ""),
        flush=True,
    )


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---- 2. exact Jaccard top-M ---------------------------------------------------------------


def bench_jaccard(quick: bool, seed: int) -> None:
    import numba

    from benchmarks.baseline import scipy_topk
    from benchmarks.floor import floor_pass
    from neighborhoods.jaccard import TieOrder, jaccard_topk

    n_all, n_train = (20_000, 11_000) if quick else (190_253, 110_000)
    print(f"Jaccard top-M: generating metadata for {n_all} images ({numba.get_num_threads()} threads)")
    full = {kind: data.metadata(kind, n_all, seed) for kind in data.LAWS}
    for kind, X in full.items():
        d, t = data.describe(X), data.TABLE1[kind]
        print(
            f"  {kind}: {d['unique']} used of {t['vocabulary']}; per image "
            f"{d['per_image'][0]:.1f}/{d['per_image'][1]:.0f} "
            f"(Table 1: {t['per_image'][0]}/{t['per_image'][1]}); "
            f"images per item {d['per_item'][0]:.1f}/{d['per_item'][1]:.0f} (Table 1: "
            f"{t['per_item'][0]}/{t['per_item'][1]}); largest {d['largest_item']}"
        )
    splits = {
        f"tags-tau5000 {n_train // 1000}K": data.top_columns(full["tags"][:n_train], 5000),
        f"groups {n_train // 1000}K": full["groups"][:n_train].tocsr(),
    }
    ties = TieOrder.draw(np.arange(n_train), seed)
    small = splits[next(iter(splits))][:500]
    jaccard_topk(
        small, 6, TieOrder.draw(np.arange(500), seed)
    )  # compile (cached on disk after the first run)
    floor_pass(small)
    for name, X in splits.items():
        pairs = data.describe(X)["pairs"]
        with Peak() as p:
            floor_pass(X)
        floor = p.seconds
        row(f"Jaccard floor pass, {name}", floor, "s", note=f"{pairs:.3g} co-occurring pairs")
        for M in (6, 50):
            with Peak() as base:
                expected = scipy_topk(X, M, ties)
            with Peak() as fast:
                got = jaccard_topk(X, M, ties)
            same = np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])
            sim = expected[1]
            tie = float(np.mean((sim[:, -1] == sim[:, -2]) if M > 1 else 0))
            row(
                f"Jaccard top-{M}, {name}",
                fast.seconds,
                "s",
                "scipy sparse product + partition",
                base.seconds,
                base.seconds / fast.seconds,
                fast.mb,
                f">=4x scipy ({base.seconds / fast.seconds:.1f}x), "
                f"<=2x floor ({fast.seconds / floor:.1f}x), <2 GB",
                f"same as reference: {same}; scipy peak {base.mb:.0f} MB; tie at M-th place {tie:.0%}",
            )
            if not same:
                raise AssertionError(f"jaccard_topk differs from the reference on {name}, M={M}")


# ---- 3. visual L2 top-k -------------------------------------------------------------------


def bench_visual(quick: bool, seed: int) -> None:
    from neighborhoods.visual import l2_topk

    n_base, n_queries_full = (20_000, 8_000) if quick else (110_000, 40_000)
    measured, loop_sample, k = (400 if quick else 2_000), 10 if quick else 20, 50
    print(f"Visual L2 top-{k}: {measured} of {n_queries_full} queries x {n_base} base x 4096")
    base = data.features(n_base, seed=seed)
    queries = data.features(measured, seed=seed + 1)
    with Peak() as p:
        idx, dist = l2_topk(queries, base, k)
    per_query = p.seconds / measured
    base_sq = np.einsum("ij,ij->i", base, base)
    agree = 0
    t0 = time.perf_counter()
    for q in range(loop_sample):  # the plain per-query loop: one matrix-vector product each
        d = base_sq - 2.0 * (base @ queries[q])
        plain = np.argsort(d, kind="stable")[:k]
        agree += np.array_equal(plain, idx[q])
    loop_per_query = (time.perf_counter() - t0) / loop_sample
    full = per_query * n_queries_full
    row(
        f"Visual L2 top-{k}, {n_queries_full // 1000}K x {n_base // 1000}K x 4096 "
        f"(extrapolated from {measured} queries)",
        full,
        "s",
        f"per-query numpy loop ({loop_sample} queries, x{n_queries_full})",
        loop_per_query * n_queries_full,
        loop_per_query / per_query,
        p.mb,
        "",
        f"{1 / per_query:.0f} queries/s; loop agrees on {agree}/{loop_sample} queries",
    )


# ---- 4. training throughput ---------------------------------------------------------------


def bench_train(quick: bool, seed: int) -> None:
    import torch
    from torch import nn

    from neighborhoods import train as tr
    from neighborhoods.experiments import parse
    from neighborhoods.model_inputs import SplitData, Subset
    from neighborhoods.rmsprop import RMSProp
    from neighborhoods.settings import TrainingSettings

    torch.manual_seed(seed)
    n_train, n_val, d, L, Mmax = (11_000, 500, 4096, 81, 20) if quick else (110_000, 500, 4096, 81, 20)
    # fit() runs whole epochs; to stay in the time budget it trains on every `fraction`-th
    # image (neighbors and features still span all n_train) and the time is scaled up.
    fraction = 8
    print(
        f"Training: 1/{fraction} epoch over {n_train} images, 4096-d, m=3 M=6 "
        f"({torch.get_num_threads()} threads)"
    )
    rng = np.random.default_rng(seed)
    feats = torch.from_numpy(data.features(n_train + n_val, seed=seed))
    subsets = {}
    for name, lo, hi in (("train", 0, n_train), ("val", n_train, n_train + n_val)):
        n = hi - lo
        labels = (rng.random((n, L)) < 2.4 / L).astype(np.float32)
        labels[np.arange(n), rng.integers(0, L, n)] = 1
        nb = lo + (np.arange(n)[:, None] + rng.integers(1, n, (n, Mmax))) % n
        keep = slice(None, None, fraction if name == "train" else 1)
        subsets[name] = Subset(
            np.arange(lo, hi)[keep],
            torch.arange(lo, hi)[keep],
            torch.from_numpy(labels[keep]),
            torch.from_numpy(nb[keep]),
        )
    split = SplitData(feats, [f"c{i}" for i in range(L)], subsets)
    experiment = parse("nbr-tags-tau5000-m3-M6")
    settings = TrainingSettings(
        hidden=500,
        dropout=0.5,
        l2=3e-3,
        learning_rates=(1e-4,),
        batch_size=50,
        max_epochs=1,
        patience=1,
        test_samples=10,
    )
    batches = -(-n_train // 50)
    measured = batches // fraction

    def bare_loop() -> float:
        # The model alone: forward, loss, backward and step on fixed batches.
        torch.manual_seed(seed)
        model = tr.build_model(experiment, feature_dim=d, n_labels=L, tag_dim=0, hidden=500, dropout=0.5)
        optimizer = RMSProp(model, lr=1e-4, l2=3e-3)
        loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
        # Distinct batches gathered in advance (64 x 3.3 MB, more than the caches hold), so
        # the model reads its inputs from memory as in training; only the gathering is left out.
        picks = torch.randint(0, n_train, (64, 200), generator=torch.Generator().manual_seed(seed))
        inputs = [(feats[p[:50]], feats[p[50:]].reshape(50, 3, d)) for p in picks]
        y = subsets["train"].labels[:50]
        batches_in_turn = itertools.cycle(inputs)

        def step():
            x, z = next(batches_in_turn)
            loss = loss_fn(model(x, z), y) / 50
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        step()  # warm-up: the first step imports and allocates what later steps reuse
        t0 = time.perf_counter()
        for _ in range(measured):
            step()
        return (time.perf_counter() - t0) * batches / measured

    # Bare, fit, bare: the machine's load drifts, so the model-only time is the mean of two
    # runs on either side of fit's. fit() ends each epoch with a validation pass (model forward
    # passes over n_val images, not scaled with the training fraction); it is timed again on
    # its own and taken out, so the share compares the training loop with the bare loop.
    before = bare_loop()
    with Peak() as p:
        model, history = tr.fit(experiment, split, settings, lr=settings.learning_rates[0], seed=seed)
    t0 = time.perf_counter()
    tr.predict(model, split, "val", experiment, samples=settings.test_samples, seed=seed)
    validation = time.perf_counter() - t0
    epoch = (p.seconds - validation) * fraction
    bare = (before + bare_loop()) / 2
    outside = 1 - bare / epoch
    row(
        f"Training epoch, {n_train // 1000}K images, m=3, 4096-d, float32 "
        f"(fit on 1/{fraction} epoch, scaled; validation excluded)",
        epoch,
        "s",
        f"model forward+backward+step only ({measured} of {batches} batches, scaled; "
        "mean of runs before and after)",
        bare,
        bare / epoch,
        p.mb,
        "outside model <=15%",
        f"outside the model: {outside:.1%}; {n_train / epoch:.0f} images/s; "
        f"validation: {n_val} images x 10 neighborhoods "
        f"in {validation:.2f} s ({n_val / validation:.0f} images/s)",
    )


# ---- 4a. subnormal floats over a long training ----------------------------------------------


def _default_split0() -> list[Path] | None:
    """Split 0 of the default generated dataset, as the pipeline built it (or None)."""
    results = ROOT / "results" / "synthetic"
    inputs = [
        results / p
        for p in (
            "data/images.parquet",
            "data/concepts.txt",
            "splits/split0.parquet",
            "features/efficientnet_lite0.parquet",
            "neighbors/tags-tau5000/split0.parquet",
        )
    ]
    return inputs if all(p.exists() for p in inputs) else None


def bench_subnormal(quick: bool, seed: int) -> None:
    """A 40-epoch training of the neighborhood model on split 0 of the default data, with and
    without flushing subnormal floats (what `job.start` sets for every job): the last 5 epochs
    against the first 5, and test mAP_L against what a change of training seed does."""
    import torch
    import yaml

    from neighborhoods import experiments, metrics, model_inputs, seeds, train
    from neighborhoods.settings import TrainingSettings

    inputs = _default_split0()
    if inputs is None:
        print("subnormal: skipped, run `snakemake --cores 2` on the default config first")
        return
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    epochs = 6 if quick else 40  # fixed, so that every run trains as long
    settings = replace(TrainingSettings.from_config(config), max_epochs=epochs, patience=epochs)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as a pipeline training job runs
    experiment = experiments.parse(f"nbr-tags-tau{config['neighbors']['tau']}-m3-M6")
    data = model_inputs.load(*inputs)
    truth = data.subsets["test"].labels.numpy().astype(bool)
    print(
        f"Subnormals: {settings.max_epochs} epochs of {experiment.name} on split 0 of the default data, "
        "1 thread"
    )
    results = {}
    # The pipeline's training seed for split 0, then those of three other config seeds.
    train_seeds = [seeds.training(config["seed"] + extra, 0) for extra in range(4)]
    train_seeds = train_seeds[: 2 if quick else 4]
    for train_seed in train_seeds:
        for flush in (False, True):
            torch.set_flush_denormal(flush)
            model, history = train.fit(
                experiment, data, settings, lr=settings.learning_rates[0], seed=train_seed
            )
            weights = torch.cat([w.detach().flatten() for w in model.weight_matrices()])
            subnormal = int(((weights != 0) & (weights.abs() < torch.finfo(torch.float32).tiny)).sum())
            scores = train.predict(
                model,
                data,
                "test",
                experiment,
                samples=settings.test_samples,
                seed=seeds.prediction(config["seed"], 0),
            )
            seconds = history["seconds"].to_numpy()
            results[train_seed, flush] = (
                seconds[:5].mean(),
                seconds[-5:].mean(),
                seconds.sum(),
                metrics.label_map(truth, scores),
                subnormal,
            )
    torch.set_flush_denormal(True)
    torch.set_num_threads(threads)
    for flush in (False, True):
        first, last, total, _, subnormal = np.mean([results[s, flush] for s in train_seeds], axis=0)
        row(
            f"{settings.max_epochs}-epoch training, "
            f"{'subnormals flushed (the pipeline)' if flush else 'subnormals kept'}: "
            f"mean of last 5 epochs",
            last,
            "s",
            "mean of first 5 epochs",
            first,
            last / first,
            None,
            "last/first <=1.3" if flush else "",
            f"whole training {total:.1f} s; {subnormal:.0f} subnormal weights at the end "
            f"(means over {len(train_seeds)} seeds)",
        )
    maps = {flush: np.array([results[s, flush][3] for s in train_seeds]) for flush in (False, True)}
    change = maps[True].mean() - maps[False].mean()
    spread = np.std(
        np.concatenate([maps[False] - maps[False].mean(), maps[True] - maps[True].mean()]), ddof=2
    )
    row(
        f"test mAP_L change from flushing (mean over {len(train_seeds)} seeds)",
        change,
        "points",
        "spread of one training from seed to seed (pooled std)",
        spread,
        None,
        None,
        "|change| within the seed spread",
        "mAP_L kept: "
        + ", ".join(f"{v:.2f}" for v in maps[False])
        + "; flushed: "
        + ", ".join(f"{v:.2f}" for v in maps[True]),
    )


# ---- 4b. float16 feature storage -----------------------------------------------------------


def bench_float16(quick: bool, seed: int) -> None:
    """Do metrics move when training holds its features as float16? Trained on split 0 of the
    default generated dataset (real images, real labels), float32 vs float16, same seed."""
    import torch
    import yaml

    from neighborhoods import experiments, metrics, model_inputs, seeds, train
    from neighborhoods.settings import TrainingSettings

    inputs = _default_split0()
    if inputs is None:
        print("float16: skipped, run `snakemake --cores 2` on the default config first")
        return
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    settings = TrainingSettings.from_config(config)
    if quick:
        settings = replace(settings, max_epochs=3, patience=3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as a pipeline training job runs
    print(f"float16 storage: split 0 of the default generated dataset, {settings.max_epochs} epochs")
    # Rounding the features perturbs training the way another seed does (dropout, sampling and
    # the best-epoch choice), so the float32 run is also repeated with another seed for scale.
    pipeline_seed, other_seed = seeds.training(config["seed"], 0), seeds.training(config["seed"] + 1, 0)
    runs = {
        "float32": ("float32", pipeline_seed),
        "float16": ("float16", pipeline_seed),
        "other seed": ("float32", other_seed),
    }
    for name in ("visual", "nbr-tags-tau5000-m3-M6"):
        experiment = experiments.parse(name)
        result = {}
        for label, (dtype, train_seed) in runs.items():
            data = model_inputs.load(
                *inputs[:4], inputs[4] if experiment.model == "neighborhood" else None, feature_dtype=dtype
            )
            model, *_ = train.fit_experiment(experiment, data, settings, seed=train_seed)
            scores = train.predict(
                model,
                data,
                "test",
                experiment,
                samples=settings.test_samples,
                seed=seeds.prediction(config["seed"], 0),
            )
            truth = data.subsets["test"].labels.numpy().astype(bool)
            result[label] = (
                metrics.evaluate(truth, scores),
                data.features.element_size() * data.features.nelement() / 2**20,
            )
        (m32, mb32), (m16, mb16), (other, _) = result.values()
        row(
            f"float16 features, {name}, split 0: test mAP_L",
            m16["mAP_L"],
            "%",
            "float32 features",
            m32["mAP_L"],
            m16["mAP_L"] / m32["mAP_L"],
            None,
            "metrics unchanged",
            f"mAP_I {m16['mAP_I']:.2f} vs {m32['mAP_I']:.2f}; "
            f"float32 with another seed: mAP_L {other['mAP_L']:.2f}, "
            f"mAP_I {other['mAP_I']:.2f}; features in memory {mb16:.1f} vs {mb32:.1f} MB",
        )
    torch.set_num_threads(threads)


# ---- 4b. reading the features in a job -------------------------------------------------


def bench_matrix(quick: bool, seed: int) -> None:
    """Reading NUS-WIDE-sized features (197,643 x 4096 float32, 3.2 GB) as a job does: decoding
    the Parquet file (before) against memory-mapping the .npy copy of rule feature_matrix
    (after), for a prediction (it touches a quarter of the rows: the test images and their
    neighbors) and for a training (every row). The files are in the page cache, as they are
    for the many jobs that read them one after another."""
    import pyarrow.parquet as pq

    from neighborhoods import parquet

    n, d = (20_000, 512) if quick else (197_643, 4096)
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        path, matrix = Path(tmp) / "features.parquet", Path(tmp) / "features.npy"
        with pq.ParquetWriter(
            path, parquet.features_table(np.zeros(1, np.int64), np.zeros((1, d))).schema
        ) as w:
            for start in range(0, n, 8192):
                block = rng.random((min(8192, n - start), d), dtype=np.float32)
                w.write_table(parquet.features_table(np.arange(start, start + len(block)), block))
        parquet.write_matrix(path, matrix)
        touched = np.sort(rng.choice(n, n // 4, replace=False))
        print(f"features: {n} x {d} float32 ({n * d * 4 / 2**30:.1f} GiB)")
        with Peak() as decoded:
            _, features = parquet.read_features(path)
            features[touched].sum()
        del features
        with Peak() as mapped:
            _, features = parquet.open_features(path, matrix)
            features[touched].sum()
        del features
        with Peak() as whole:
            _, features = parquet.open_features(path, matrix)
            features.sum(axis=0)
        del features
    row(
        "features of a prediction (a quarter of the rows), memory-mapped .npy",
        mapped.seconds,
        "s",
        "decoding the Parquet file",
        decoded.seconds,
        decoded.seconds / mapped.seconds,
        mapped.mb,
        "",
        f"peak extra MB: {mapped.mb:.0f} mapped (the pages touched, shared between jobs), "
        f"{decoded.mb:.0f} decoded",
    )
    row(
        "features of a training (every row), memory-mapped .npy",
        whole.seconds,
        "s",
        "decoding the Parquet file",
        decoded.seconds,
        decoded.seconds / whole.seconds,
        whole.mb,
        "",
        "the mapped pages are the page cache's: a second job on the same node maps the same ones",
    )


# ---- 5. feature extraction ----------------------------------------------------------------


def bench_features(quick: bool, seed: int) -> None:
    import pyarrow as pa
    import torch
    from PIL import Image

    from neighborhoods import parquet
    from neighborhoods.backbones import load_backbone
    from neighborhoods.features import extract

    n, batch = (64, 32) if quick else (256, 32)
    print(f"Feature extraction: {n} JPEGs of 500x375, efficientnet_lite0 on CPU, batch {batch}")
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "img").mkdir()
        for i in range(n):  # smooth random photos: blurred noise, upsampled
            small = (rng.random((24, 32, 3)) * 255).astype(np.uint8)
            Image.fromarray(small).resize((500, 375), Image.BICUBIC).save(
                tmp / "img" / f"{i}.jpg", quality=90
            )
        images = pa.table(
            {
                "image_id": np.arange(n, dtype=np.int64),
                "path": [f"{i}.jpg" for i in range(n)],
                "labels": [["sky"]] * n,
                "tags": [[]] * n,
                "sets": [[]] * n,
                "groups": [[]] * n,
                "owner": [None] * n,
            },
            schema=parquet.IMAGES,
        )
        parquet.write(images, tmp / "images.parquet")

        net = load_backbone("efficientnet_lite0", device=torch.device("cpu"))
        model = net.model.to(memory_format=torch.channels_last)
        decoded = [net.transform(Image.open(tmp / "img" / f"{i}.jpg").convert("RGB")) for i in range(n)]
        stacked = torch.stack(decoded)
        with torch.inference_mode():
            model(stacked[:batch].contiguous(memory_format=torch.channels_last))  # warm up
            t0 = time.perf_counter()
            for start in range(0, n, batch):
                model(
                    stacked[start : start + batch].contiguous(memory_format=torch.channels_last)
                ).float().numpy()
            bare = time.perf_counter() - t0
        bare_rate = n / bare
        best = None
        for workers in (0, 1, 2):
            with Peak() as p:
                extract(
                    tmp / "images.parquet",
                    tmp / "img",
                    tmp / f"f{workers}.parquet",
                    backbone="efficientnet_lite0",
                    batch_size=batch,
                    workers=workers,
                    device="cpu",
                )
            rate = n / p.seconds
            print(f"  extract, {workers} workers: {rate:.1f} images/s")
            if best is None or rate > best[1]:
                best = (workers, rate, p.mb)
        workers, rate, mb = best
        row(
            f"Feature extraction, CPU, efficientnet_lite0 ({n} images, best of 0/1/2 workers: {workers})",
            rate,
            "img/s",
            "bare model loop over decoded tensors",
            bare_rate,
            rate / bare_rate,
            mb,
            "extractor >=0.9x bare",
            "extract() timed whole: model load, decoding, workers' start, parquet write",
        )


# ---- 6. DAG -------------------------------------------------------------------------------


def bench_dag(quick: bool, seed: int) -> None:
    config = ROOT / "config" / "nuswide.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # The release's files the first rules read. A dry run only checks that they exist, but the
        # workflow reads the concept list when it loads, to know which label files are inputs.
        raw = tmp / "raw"
        labels = [f"Groundtruth/AllLabels/Labels_{c}.txt" for c in ("sky", "water")]
        for rel in ("NUS_WID_Tags/All_Tags.txt", "ImageList/Imagelist.txt", *labels):
            (raw / rel).parent.mkdir(parents=True, exist_ok=True)
            (raw / rel).touch()
        (raw / "ConceptsList").mkdir()
        (raw / "ConceptsList" / "Concepts81.txt").write_text("sky\nwater\n")
        (raw / "Flickr").mkdir()
        (tmp / "config.yaml").write_text((ROOT / "config.yaml").read_text())
        override = tmp / "paths.yaml"
        override.write_text(f"nuswide:\n  root: {raw}\n  images: {raw / 'Flickr'}\n")
        if config.exists():
            configs, label = [str(config), str(override)], "config/nuswide.yaml"
        else:
            override.write_text("dataset: synthetic\nsplits: {count: 5}\nsweeps: {splits: 5}\n")
            configs, label = [str(override)], "synthetic, 5 splits, full sweeps"
        cmd = [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(ROOT / "Snakefile"),
            "--directory",
            str(tmp),
            "--configfile",
            *configs,
            "-n",
        ]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        seconds = time.perf_counter() - t0
        if out.returncode:
            raise RuntimeError(f"dry run failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
        total = re.search(r"^total\s+(\d+)", out.stdout + out.stderr, re.M)
        jobs = int(total.group(1)) if total else -1
        row(
            f"DAG dry run ({label}, 5 splits)",
            seconds,
            "s",
            mb=None,
            target="<10 s",
            note=f"{jobs} jobs; whole `snakemake -n` process incl. Python start",
        )


PARTS = {
    "jaccard": bench_jaccard,
    "visual": bench_visual,
    "train": bench_train,
    "subnormal": bench_subnormal,
    "float16": bench_float16,
    "matrix": bench_matrix,
    "features": bench_features,
    "dag": bench_dag,
}


COLUMNS = [
    "measurement",
    "figure",
    "baseline (same run)",
    "baseline",
    "ratio",
    "peak extra MB",
    "target",
    "notes",
]


def table(rows: list[dict]) -> str:
    cells = []
    for r in rows:
        fig = f"{r['figure']:.2f} {r['unit']}"
        base = "" if r["baseline"] is None else f"{r['baseline']:.2f} {r['unit']}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        mb = "" if r["mb"] is None else f"{r['mb']:.0f}"
        cells.append([r["what"], fig, r["baseline_name"], base, ratio, mb, r["target"], r["note"]])
    return page.markdown(COLUMNS, cells, right={"figure", "baseline", "ratio", "peak extra MB"})


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ", ".join(PARTS))
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that everything runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--page", type=Path, default=page.PAGE, help="the page the tables are written into")
    parser.add_argument("--no-page", action="store_true", help="print the tables, leave the page alone")
    args = parser.parse_args(argv)
    global PART
    started = time.perf_counter()
    where = page.machine()
    load_before = load()
    parts = args.only.split(",")
    for PART in parts:
        PARTS[PART](args.quick, args.seed)
    print()
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores; "
        f"load average (1, 5, 15 min) before {load_before}, after {load()}; "
        f"total {time.perf_counter() - started:.0f} s{' (--quick)' if args.quick else ''}"
    )
    print(
        "ratio: baseline / figure for times (speed-up), figure / baseline for rates; "
        "training's ratio is model-only / whole epoch"
    )
    print(table(ROWS))
    if args.quick or args.no_page:
        return
    line = page.header(where, f"load average (1, 5, 15 min) before {load_before}, after {load()}")
    for part in parts:
        rows = [r for r in ROWS if r["part"] == part]
        if rows:  # a part that skipped (no default run to train on) keeps its block as it was
            page.write_block(f"benchmark:{part}", line + "\n\n" + table(rows), args.page)


if __name__ == "__main__":
    main()
