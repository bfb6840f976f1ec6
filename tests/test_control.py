"""The control: its planted structure is in what it writes, and its oracle is right by hand."""

import json

import numpy as np
import pytest

from neighborhoods import oracle, parquet, splits
from neighborhoods.generated import control
from neighborhoods.labels import label_matrix, read_concepts
from neighborhoods.neighbors import metadata_neighbors

SETTINGS = {
    "images": 6000,
    "album_size": 50,
    "labels": 30,
    "dims": 40,
    "base_rate": [0.05, 0.25],
    "heterogeneous": True,
    "visibility": [0.8, 2.4],
    "sharing": [0.1, 0.9],
    "clarity": [0.35, 1.0],
    "album_words": 4,
    "album_word_prob": 0.7,
    "noise_tags": {"pool": 2000, "mean": 4},
    "albums_per_group": 8,
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("control")
    control.generate(out, seed=0, **SETTINGS)
    return out


def test_the_same_seed_writes_the_same_files(generated, tmp_path):
    control.generate(tmp_path, seed=0, **SETTINGS)
    for name in ("images.parquet", control.FEATURES_FILE, control.PLANTED_FILE):
        assert (tmp_path / name).read_bytes() == (generated / name).read_bytes()


def test_labels_differ_in_visibility_and_sharing_and_the_negative_control_has_one_level():
    rng = np.random.default_rng(0)
    planted = control.plant(rng, SETTINGS)
    kinds = set(zip(planted.sharing, planted.visibility, strict=True))
    assert kinds == {(s, v) for s in (0.1, 0.9) for v in (0.8, 2.4)}
    flat = control.plant(rng, {**SETTINGS, "heterogeneous": False})
    assert set(flat.sharing) == {0.5} and set(flat.visibility) == {1.6} and flat.clarity == [0.675]


def test_features_read_the_labels_along_their_directions_and_the_clarity_on_coordinate_0(generated):
    planted = control.Planted.load(generated / control.PLANTED_FILE)
    images = parquet.read(generated / "images.parquet", parquet.IMAGES)
    ids, features = parquet.read_features(generated / control.FEATURES_FILE)
    assert ids.tolist() == images.column("image_id").to_pylist()
    labels = label_matrix(images.column("labels").to_pylist(), read_concepts(generated / "concepts.txt"))
    clarity = features[:, 0].astype(np.float64) / planted.signature
    assert set(np.round(clarity, 4).tolist()) == {0.35, 1.0}
    projection = features @ np.asarray(planted.directions).T
    residual = projection - clarity[:, None] * labels * np.asarray(planted.visibility)
    assert abs(residual.mean()) < 0.02 and abs(residual.std() - 1) < 0.02  # the unit noise, nothing else


def test_jaccard_neighbors_share_each_label_as_its_planted_sharing_says(generated):
    """For an album mate, P(mate has l | image has l) is q1 * q1 + (1 - q1) * q0, with
    q1 = s + (1 - s) pi and q0 = (1 - s) pi; for an image of another album it is pi. Tag
    neighbors mix the two in the share of album mates among them."""
    planted = control.Planted.load(generated / control.PLANTED_FILE)
    images = parquet.read(generated / "images.parquet", parquet.IMAGES)
    split = splits.make_split(images.column("image_id").to_numpy(), index=0, train=0.6, val=0.2, seed=0)
    table = metadata_neighbors(images, split, "tags", max_rank=6, seed=0, k=0, tau=5000)
    concepts = read_concepts(generated / "concepts.txt")
    labels = dict(
        zip(
            images.column("image_id").to_pylist(),
            label_matrix(images.column("labels").to_pylist(), concepts).astype(bool),
            strict=True,
        )
    )
    ids, rows = table.column("image_id").to_pylist(), table.column("neighbors").to_pylist()
    album = dict(zip(images.column("image_id").to_pylist(), images.column("owner").to_pylist(), strict=True))
    pairs = [(i, j) for i, row in zip(ids, rows, strict=True) for j in row]
    mate = np.array([album[i] == album[j] for i, j in pairs])
    assert mate.mean() > 0.75  # tag neighbors are mostly album mates
    own = np.stack([labels[i] for i, _ in pairs])
    theirs = np.stack([labels[j] for _, j in pairs])
    s, pi = np.asarray(planted.sharing), np.asarray(planted.base_rate)
    q1, q0 = s + (1 - s) * pi, (1 - s) * pi

    def agreement(among):
        return (own[among] & theirs[among]).sum(axis=0) / own[among].sum(axis=0)

    np.testing.assert_allclose(agreement(mate), q1 * q1 + (1 - q1) * q0, atol=0.05)
    np.testing.assert_allclose(agreement(~mate), pi, atol=0.05)
    shared = agreement(np.ones(len(pairs), dtype=bool))
    assert shared[s == 0.9].min() > shared[s == 0.1].max() - 0.05


def _one_label(sharing: float, base_rate: float = 0.5) -> control.Planted:
    return control.Planted(
        base_rate=[base_rate],
        sharing=[sharing],
        visibility=[1.0],
        directions=[[0.0, 1.0]],
        clarity=[1.0],
        signature=1.0,
    )


def test_the_oracle_matches_a_hand_worked_case():
    """One label, pi = 1/2, v = c = 1: r = p - 1/2. With s = 1 the image has its album's label,
    so the log-odds add: r(x) + r(z). With s = 0 the neighbor says nothing: r(x) alone."""
    features = np.array([[1.0, 2.0], [1.0, 1.0]])  # x: p = 2, r = 1.5; z: p = 1, r = 0.5
    rows, neighbors = np.array([0]), np.array([[1]])
    copied = oracle.scores(_one_label(1.0), features, rows, neighbors)
    assert copied[0, 0] == pytest.approx(2.0)
    alone = oracle.scores(_one_label(0.0), features, rows, neighbors)
    assert alone[0, 0] == pytest.approx(1.5)
    # s = 1/2, pi = 1/2: q1 = 3/4, q0 = 1/4; P(a | z) = (e^.5 * 3/4 + 1/4, e^.5 / 4 + 3/4) up to a factor.
    half = oracle.scores(_one_label(0.5), features, rows, neighbors)
    w1, w0 = np.exp(0.5) * 0.75 + 0.25, np.exp(0.5) * 0.25 + 0.75
    odds = (w1 * 0.75 + w0 * 0.25) * np.exp(1.5) / (w1 * 0.25 + w0 * 0.75)
    assert half[0, 0] == pytest.approx(np.log(odds))


def test_the_oracle_beats_the_image_alone_on_the_positive_control(generated):
    planted = control.Planted.load(generated / control.PLANTED_FILE)
    images = parquet.read(generated / "images.parquet", parquet.IMAGES)
    _, features = parquet.read_features(generated / control.FEATURES_FILE)
    truth = label_matrix(images.column("labels").to_pylist(), read_concepts(generated / "concepts.txt"))
    album = np.array([int(o.removeprefix("owner")) for o in images.column("owner").to_pylist()])
    mates = [np.flatnonzero(album == a) for a in album]
    neighbors = np.array([[m for m in mates[i] if m != i][:6] for i in range(len(album))])
    from sklearn.metrics import average_precision_score

    alone = average_precision_score(truth, oracle.likelihood_ratios(planted, features))
    with_mates = average_precision_score(
        truth, oracle.scores(planted, features, np.arange(len(album)), neighbors)
    )
    assert with_mates > alone + 0.05


def test_stats_count_what_was_dropped(generated):
    counts = json.loads((generated / "ingest_counts.json").read_text())
    assert counts["kept"] + counts["no_labels"] == SETTINGS["images"]
    assert counts["kept"] == parquet.read(generated / "images.parquet").num_rows
