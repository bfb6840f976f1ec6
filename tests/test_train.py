from dataclasses import replace

import numpy as np
import pytest
import torch

from neighborhoods import checkpoint, experiments, metrics, model_inputs, seeds, splits, train, voting
from neighborhoods.model_inputs import SplitData, Subset
from neighborhoods.settings import TrainingSettings

LR = 3e-3
# Patience as long as the cap: these tests train a fixed number of epochs.
FIT = TrainingSettings(
    hidden=32,
    dropout=0.5,
    l2=3e-3,
    learning_rates=(LR,),
    batch_size=50,
    max_epochs=4,
    patience=4,
    test_samples=10,
)


def toy_split(n=900, d=12, noise=3.0, seed=0, shift=0) -> SplitData:
    """Three clusters, one label each; an image's own features are very noisy, and its
    neighbors are other images of the same cluster in the same subset, so pooling them helps
    (with `shift`, of cluster c + shift mod 3: their features still tell c, their labels not)."""
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, 3, n)
    centers = rng.normal(size=(3, d)) * 1.5
    features = centers[cluster] + noise * rng.normal(size=(n, d))
    subset_of = np.array(["train", "val", "test"])[np.arange(n) % 3]
    subsets = {}
    for name in ("train", "val", "test"):
        rows = np.flatnonzero(subset_of == name)
        neighbor_rows = np.stack(
            [
                rng.choice(rows[(cluster[rows] == (cluster[r] + shift) % 3) & (rows != r)], 8, replace=False)
                for r in rows
            ]
        )
        labels = np.eye(3, dtype=np.float32)[cluster[rows]]
        subsets[name] = Subset(rows, torch.tensor(rows), torch.tensor(labels), torch.tensor(neighbor_rows))
    return SplitData(torch.tensor(features, dtype=torch.float32), ["a", "b", "c"], subsets)


def test_sampled_neighborhoods_are_m_distinct_of_the_M_nearest():
    rows = torch.arange(1000).reshape(50, 20)
    generator = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(20):
        chosen = train.sample_neighborhoods(rows, m=3, M=6, generator=generator)
        assert chosen.shape == (50, 3)
        offsets = chosen - rows[:, :1]
        assert bool(((offsets >= 0) & (offsets < 6)).all())
        assert all(len(set(r)) == 3 for r in offsets.tolist())
        seen |= set(offsets.flatten().tolist())
    assert seen == set(range(6))
    with pytest.raises(ValueError, match="M=30"):
        train.sample_neighborhoods(rows, m=3, M=30, generator=generator)


def test_fit_is_deterministic_and_keeps_the_best_validation_snapshot():
    data = toy_split()
    experiment = experiments.parse("nbr-sets-m3-M6")
    model_a, history_a = train.fit(experiment, data, FIT, lr=LR, seed=5)
    model_b, history_b = train.fit(experiment, data, FIT, lr=LR, seed=5)
    assert len(history_a) == FIT.max_epochs + 1 and history_a["best"].sum() == 1  # epoch 0: the start
    np.testing.assert_array_equal(history_a["val_mAP_L"], history_b["val_mAP_L"])
    scores = train.predict(model_a, data, "val", experiment, samples=10, seed=5)
    np.testing.assert_array_equal(scores, train.predict(model_b, data, "val", experiment, samples=10, seed=5))
    # The kept model is the best epoch's: re-scoring it reproduces that epoch's validation mAP.
    best = history_a.loc[history_a["best"], "val_mAP_L"].item()
    assert best == history_a["val_mAP_L"].max()
    rescored = metrics.evaluate(data.subsets["val"].labels.numpy().astype(bool), scores)["mAP_L"]
    assert rescored == pytest.approx(best, abs=1e-9)
    _, other = train.fit(experiment, data, FIT, lr=LR, seed=6)
    assert not np.array_equal(other["val_mAP_L"], history_a["val_mAP_L"])


def test_predict_scores_each_image_as_the_mean_of_forward_passes_over_its_sampled_neighborhoods():
    """Hidden states are computed once per distinct neighbor and shared: the scores must still
    be each image's own forward passes, batch by batch, with the choices drawn in order."""
    data = toy_split(n=150)
    experiment = experiments.parse("nbr-sets-m3-M6")
    torch.manual_seed(0)
    model = train.build_model(experiment, feature_dim=12, n_labels=3, tag_dim=0, hidden=16, dropout=0.5)
    test = data.subsets["test"]
    assert test.neighbor_rows[:, :6].unique().numel() < test.neighbor_rows[:, :6].numel()  # shared
    got = train.predict(model, data, "test", experiment, samples=4, seed=3, batch_size=20)
    generator, expected = torch.Generator().manual_seed(3), []
    with torch.no_grad():
        for batch in torch.arange(len(test.rows)).split(20):
            choices = [train.sample_choices(len(batch), 3, 6, generator) for _ in range(4)]
            for i, image in enumerate(batch.tolist()):
                x = data.features[test.rows[image]][None]
                passes = [model(x, data.features[test.neighbor_rows[image, c[i]]][None]) for c in choices]
                expected.append(torch.stack(passes).mean(0)[0])
    np.testing.assert_allclose(got, torch.stack(expected).numpy(), rtol=1e-5, atol=1e-6)


def test_informative_neighbors_beat_visual_only():
    data = toy_split()
    truth = data.subsets["test"].labels.numpy().astype(bool)
    result = {}
    for name in ("visual", "nbr-sets-m3-M6"):
        experiment = experiments.parse(name)
        model, _ = train.fit(experiment, data, FIT, lr=LR, seed=0)
        result[name] = metrics.evaluate(
            truth, train.predict(model, data, "test", experiment, samples=10, seed=0)
        )["mAP_L"]
    assert result["nbr-sets-m3-M6"] > result["visual"] + 10, result


def test_float16_features_train_as_their_float32_widening():
    """Held as float16, features reach the model widened to float32 in every gather (training,
    validation, prediction), so the run is the float32 run on float16-rounded features."""
    data = toy_split()
    rounded = SplitData(data.features.half().float(), data.concepts, data.subsets)
    half = SplitData(data.features.half(), data.concepts, data.subsets)
    assert half.features.element_size() * 2 == data.features.element_size()
    assert half.feature_rows(torch.tensor([[0, 1], [2, 3]])).dtype == torch.float32
    experiment = experiments.parse("nbr-sets-m3-M6")
    model_half, history_half = train.fit(experiment, half, FIT, lr=LR, seed=1)
    model_rounded, history_rounded = train.fit(experiment, rounded, FIT, lr=LR, seed=1)
    np.testing.assert_array_equal(history_half["val_mAP_L"], history_rounded["val_mAP_L"])
    np.testing.assert_array_equal(
        train.predict(model_half, half, "test", experiment, samples=10, seed=1),
        train.predict(model_rounded, rounded, "test", experiment, samples=10, seed=1),
    )
    with pytest.raises(ValueError, match="feature_dtype must be one of"):
        model_inputs.load("i", "c", "s", "f", feature_dtype="bfloat16")


def test_saved_model_predicts_the_same(tmp_path):
    data = toy_split(n=300)
    experiment = experiments.parse("nbr-sets-m2-M4")
    settings = replace(FIT, max_epochs=1, patience=1)
    model, _ = train.fit(experiment, data, settings, lr=LR, seed=0)
    train.save(tmp_path / "model.pt", model, experiment, settings, lr=LR, backbone="toy", seed=7, data=data)
    saved = checkpoint.load(tmp_path / "model.pt")
    assert (saved.experiment, saved.settings, saved.lr, saved.seed) == (experiment.name, settings, LR, 7)
    assert (saved.backbone, saved.feature_dim, saved.concepts) == ("toy", 12, ["a", "b", "c"])
    loaded, loaded_experiment = train.load(tmp_path / "model.pt", data)
    assert loaded_experiment == experiment
    np.testing.assert_array_equal(
        train.predict(model, data, "test", experiment, samples=3, seed=1),
        train.predict(loaded, data, "test", experiment, samples=3, seed=1),
    )
    narrow = SplitData(data.features[:, :5], data.concepts, data.subsets)
    with pytest.raises(ValueError, match="12-d features of backbone 'toy'"):
        train.load(tmp_path / "model.pt", narrow)
    data.concepts = ["x", "y", "z"]
    with pytest.raises(ValueError, match="other concepts"):
        train.load(tmp_path / "model.pt", data)


def with_tags(data: SplitData, noise: float = 0.0, seed: int = 0) -> SplitData:
    """Give the toy split a 6-column tag matrix: columns 0-2 copy the label, 3-5 are noise."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    labels = np.zeros((len(data.features), 3))
    for subset in data.subsets.values():
        labels[subset.rows.numpy()] = subset.labels.numpy()
    tags = np.hstack([labels, rng.random((len(labels), 3)) < 0.5]).astype(np.float32)
    data.tags = sp.csr_matrix(tags)
    data.tag_vocabulary = ["a", "b", "c", "x", "y", "z"]
    return data


@pytest.mark.parametrize("name", ["upper", "tagonly-tau6", "nbr-tags-tau6-m3-M6-tagvec"])
def test_label_and_tag_inputs_are_what_the_models_read(name):
    data = with_tags(toy_split(n=450))
    if name.endswith("tagvec"):
        experiment = experiments.parse(name)
    else:
        experiment = experiments.parse(name)
    model, _ = train.fit(experiment, data, replace(FIT, max_epochs=8, patience=8), lr=0.03, seed=0)
    truth = data.subsets["test"].labels.numpy().astype(bool)
    scores = train.predict(model, data, "test", experiment, samples=3, seed=0)
    # Labels, or tags that copy them, make the task trivial: only a model reading them gets there.
    assert metrics.evaluate(truth, scores)["mAP_L"] > 99


@pytest.mark.parametrize("name", ["visual", "imagepath", "nbr-sets-m3-M6"])
def test_every_trained_method_keeps_the_learning_rate_best_on_validation(name):
    """One grid for all: the model chooses its rate on validation exactly as the baselines do."""
    data = toy_split(n=300)
    settings = replace(FIT, learning_rates=(1e-4, 3e-2), max_epochs=2, patience=2)
    experiment = experiments.parse(name)
    model, history, lr, chosen_settings = train.fit_experiment(experiment, data, settings, seed=0)
    assert chosen_settings == settings
    best = history.groupby("lr")["val_mAP_L"].max()
    chosen = history.loc[history["chosen"], "lr"].unique()
    assert list(chosen) == [best.idxmax()] == [lr] and set(history["lr"]) == {1e-4, 3e-2}
    rescored = metrics.evaluate(
        data.subsets["val"].labels.numpy().astype(bool),
        train.predict(model, data, "val", experiment, samples=settings.test_samples, seed=0),
    )["mAP_L"]
    assert rescored == pytest.approx(best.max())


def test_training_stops_after_patience_epochs_without_a_new_best():
    """A rate too small to learn in a few epochs still improves at first; a huge one stalls at
    once. Either way the training ends `patience` epochs after its best, says so, and counts
    its updates."""
    data = toy_split(n=300)
    experiment = experiments.parse("visual")
    settings = replace(FIT, max_epochs=60, patience=3)
    _, history = train.fit(experiment, data, settings, lr=3.0, seed=0)
    best = int(history.loc[history["val_mAP_L"].idxmax(), "epoch"])  # epoch 0 is the start
    assert history["stop"].unique().tolist() == ["patience"]
    assert history["best_epoch"].unique().tolist() == [best] and history["best"].sum() == 1
    assert len(history) == best + 1 + 3 < 60
    assert (history.loc[: best - 1, "val_mAP_L"] < history["val_mAP_L"].max()).all()
    batches = -(-len(data.subsets["train"].rows) // FIT.batch_size)
    assert history["updates"].tolist() == [batches * e for e in range(len(history))]
    _, capped = train.fit(experiment, data, replace(settings, max_epochs=2), lr=1e-5, seed=0)
    assert capped["stop"].unique().tolist() == ["cap"] and len(capped) == 3


def test_the_image_path_has_the_models_depth_and_width_but_reads_no_neighbors():
    data = toy_split(n=450, noise=6.0)
    imagepath = train.build_model(
        experiments.parse("imagepath"), feature_dim=12, n_labels=3, tag_dim=0, hidden=32, dropout=0.5
    )
    model = train.build_model(
        experiments.parse("nbr-sets-m3-M6"), feature_dim=12, n_labels=3, tag_dim=0, hidden=32, dropout=0.5
    )
    assert imagepath.image.weight.shape == model.image.weight.shape
    assert imagepath.output.weight.shape == (3, 32) and model.output.weight.shape == (3, 64)
    # The toy task is hard from an image alone and easy with its neighbors: the image path
    # must stay near what the image alone allows, well below the model.
    settings = replace(FIT, max_epochs=12, patience=12)
    scores = {}
    for name in ("imagepath", "nbr-sets-m3-M6"):
        net, _ = train.fit(experiments.parse(name), data, settings, lr=LR, seed=0)
        predicted = train.predict(net, data, "test", experiments.parse(name), samples=5, seed=0)
        scores[name] = metrics.evaluate(data.subsets["test"].labels.numpy().astype(bool), predicted)["mAP_L"]
    assert scores["nbr-sets-m3-M6"] > scores["imagepath"] + 10


def test_a_tuned_model_keeps_the_hidden_size_and_l2_best_on_validation():
    data = toy_split(n=300)
    settings = replace(FIT, max_epochs=2, patience=2)
    grid = {"hidden": [4, 16], "l2": [0.0, 0.5]}
    model, history, _, chosen = train.fit_experiment(
        experiments.parse("nbr-sets-m3-M6-tuned"), data, settings, seed=0, grid=grid
    )
    best = history.groupby(["hidden", "l2"])["val_mAP_L"].max()
    assert len(best) == 4 and (chosen.hidden, chosen.l2) == best.idxmax()
    assert history.loc[history["chosen"], ["hidden", "l2"]].drop_duplicates().values.tolist() == [
        list(best.idxmax())
    ]
    assert model.image.out_features == chosen.hidden  # the model returned is the chosen one
    rescored = metrics.evaluate(
        data.subsets["val"].labels.numpy().astype(bool),
        train.predict(
            model, data, "val", experiments.parse("nbr-sets-m3-M6"), samples=settings.test_samples, seed=0
        ),
    )["mAP_L"]
    assert rescored == pytest.approx(best.max())
    with pytest.raises(ValueError, match="needs a grid"):
        train.fit_experiment(experiments.parse("nbr-sets-m3-M6-tuned"), data, settings, seed=0)


def test_a_training_fraction_keeps_nested_train_subsets_and_the_rest_fixed():
    data = toy_split(n=300)
    n = len(data.subsets["train"].rows)
    stream = seeds.fraction(0, 0)
    parts = {p: model_inputs.training_fraction(data, p, stream) for p in (10, 50, 100)}
    sizes = {p: len(part.subsets["train"].rows) for p, part in parts.items()}
    assert sizes == {10: splits.fraction_size(n, 10), 50: round(n / 2), 100: n}
    ids = {p: set(part.subsets["train"].image_ids.tolist()) for p, part in parts.items()}
    assert ids[10] < ids[50] < ids[100] == set(data.subsets["train"].image_ids.tolist())
    small, full = parts[10].subsets["train"], data.subsets["train"]
    at = [full.image_ids.tolist().index(i) for i in small.image_ids]
    assert torch.equal(small.rows, full.rows[at]) and torch.equal(small.labels, full.labels[at])
    assert torch.equal(small.neighbor_rows, full.neighbor_rows[at])
    for name in ("val", "test"):
        assert parts[10].subsets[name] is data.subsets[name]
    other = model_inputs.training_fraction(data, 10, seeds.fraction(0, 1))
    assert set(other.subsets["train"].image_ids.tolist()) != ids[10]  # each split its own order
    assert splits.fraction_size(7, 1) == 1


@pytest.mark.parametrize("shift", [0, 1])
def test_the_model_and_voting_on_tasks_whose_answer_is_known(shift):
    """Neighbors that share the image's label (shift 0): both voting and the model must beat
    visual only. Neighbors of another label whose features still tell the image's (shift 1):
    voting cannot use them and falls back to visual only, while the model learns the mapping
    and must beat it. A defect in either (a broken neighbor gather, a vote over the wrong rows)
    fails one of the two."""
    data = toy_split(shift=shift)
    settings = replace(FIT, max_epochs=12, patience=12)
    truth = data.subsets["test"].labels.numpy().astype(bool)
    visual, _ = train.fit(experiments.parse("visual"), data, settings, lr=0.03, seed=0)
    visual_map = metrics.label_map(
        truth, train.predict(visual, data, "test", experiments.parse("visual"), samples=1, seed=0)
    )
    votes, table = voting.neighborhood_vote_on_split(
        data, visual, M=6, alphas=[0, 0.25, 0.5, 0.75, 1], spaces=["logits", "probabilities"]
    )
    vote_map = metrics.label_map(truth, votes)
    experiment = experiments.parse("nbr-sets-m3-M6")
    model, _ = train.fit(experiment, data, settings, lr=LR, seed=0)
    model_map = metrics.label_map(truth, train.predict(model, data, "test", experiment, samples=5, seed=0))
    alpha = table.loc[table["chosen"], "alpha"].item()
    if shift == 0:
        assert vote_map > visual_map + 5 and model_map > visual_map + 5 and alpha > 0  # 88 -> 99.8
    else:
        assert alpha <= 0.25 and abs(vote_map - visual_map) < 5
        assert model_map > vote_map + 5  # 88 -> 99.4


def with_cluster_tags(data: SplitData, seed=0, informative=0.8) -> SplitData:
    """The toy split with tag vectors: each image carries its cluster's tag with probability
    `informative`, and two of 40 noise tags."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    n = len(data.features)
    cluster = np.zeros(n, dtype=int)
    for subset in data.subsets.values():
        cluster[subset.rows.numpy()] = subset.labels.numpy().argmax(axis=1)
    tags = np.zeros((n, 43), dtype=np.float32)
    tags[np.arange(n), cluster] = rng.random(n) < informative
    for column in rng.integers(3, 43, size=(2, n)):
        tags[np.arange(n), column] = 1
    vocabulary = [f"tag{i}" for i in range(43)]
    return replace(data, tags=sp.csr_matrix(tags), tag_vocabulary=vocabulary)


def test_no_training_ends_worse_on_validation_than_its_start():
    data = toy_split()
    experiment = experiments.parse("visual")
    _, history = train.fit(experiment, data, FIT, lr=LR, seed=0)
    assert history["epoch"].tolist() == list(range(FIT.max_epochs + 1))
    assert history.loc[0, "updates"] == 0
    assert history.loc[history["best"], "val_mAP_L"].item() >= history.loc[0, "val_mAP_L"]


def test_the_tag_vector_model_reaches_tag_only_on_informative_tags():
    """Trained jointly from He initialisation, the hidden path fits the small training set
    first and the tag columns starve; keeping the tag-only weights, the model cannot end below
    tag-only on validation, and on test it stays within a point; the kept weights do not move."""
    data = with_cluster_tags(toy_split(n=600, noise=6.0))
    settings = replace(FIT, max_epochs=200, patience=10, hidden=64)
    truth = {name: data.subsets[name].labels.numpy().astype(bool) for name in ("val", "test")}

    def scored(experiment, model):
        return {
            name: metrics.label_map(
                truth[name], train.predict(model, data, name, experiment, samples=10, seed=0)
            )
            for name in truth
        }

    tag_only = experiments.parse("tagonly-tau43")
    tag_model, _ = train.fit(tag_only, data, settings, lr=1e-2, seed=0)
    tagvec = experiments.parse("nbr-tags-tau43-m3-M6-tagvec")
    assert experiments.starts_from(tagvec.name) == tag_only.name
    started, history = train.fit(tagvec, data, settings, lr=1e-2, seed=0, start=tag_model)
    assert history.loc[0, "val_mAP_L"] == pytest.approx(scored(tag_only, tag_model)["val"])
    ours, theirs = scored(tagvec, started), scored(tag_only, tag_model)
    assert ours["val"] >= theirs["val"]
    assert ours["test"] >= theirs["test"] - 1
    torch.testing.assert_close(started.tags.weight, tag_model.output.weight)
