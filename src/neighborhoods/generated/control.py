"""The control: a dataset generated at the level of CNN features, with the paper's mechanism
planted in it (or switched off), at any size up to NUS-WIDE's.

Images come in albums. For each label l, an album has l with its base rate pi_l, and each of
its images copies the album's label with probability s_l (the label's *sharing*) or draws its
own with probability pi_l; either way P(image has l) = pi_l. Features are Gaussian:

    phi(x) = clarity_x * sum_l y_xl * v_l * u_l + N(0, I),   phi(x)[0] = SIGNATURE * clarity_x

with u_l orthonormal directions (none along coordinate 0, which reads the image's clarity),
v_l the label's *visibility*. Tags, photo sets and groups carry the album and nothing else,
so an image's metadata neighbors are mostly its album mates.

The *positive* control plants what the paper's model can use and voting cannot: labels differ
in visibility and sharing (an album-level label is best read from the neighbors, an image-level
one from the image), and images differ in clarity (a weak image should lean on its neighbors),
which the features show. The *negative* control (`heterogeneous: false`) gives every label the
mean visibility and sharing and every image the mean clarity: a single mix of own and
neighbor scores, which voting tunes, is then all there is to learn.

Because the directions are orthonormal, u_l . phi(x) ~ N(y_xl v_l c_x, 1) independently per
label, so the posterior given an image and its album mates has a closed form (`oracle`).
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from neighborhoods import parquet, seeds
from neighborhoods.ingestion.filtering import drop_unusable
from neighborhoods.ingestion.statistics import table1

SIGNATURE = 3.0  # phi[0] / clarity: the feature coordinate that reads an image's clarity
FEATURES_FILE = "control_features.parquet"  # in the data folder; imported as the features
PLANTED_FILE = "planted.json"


@dataclass(frozen=True)
class Planted:
    """What the generator planted: the oracle's knowledge. Per label: base rate, sharing,
    visibility and direction; the clarity of weak and clear images."""

    base_rate: list[float]
    sharing: list[float]
    visibility: list[float]
    directions: list[list[float]]  # (L, dims) orthonormal rows
    clarity: list[float]  # the values an image's clarity takes
    signature: float = SIGNATURE

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self)) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "Planted":
        return cls(**json.loads(Path(path).read_text()))


def _two_levels(pair: list[float], heterogeneous: bool, n: int, rng: np.random.Generator) -> np.ndarray:
    """n values: half at each of the pair's two levels (shuffled), or all at their mean."""
    if not heterogeneous:
        return np.full(n, float(np.mean(pair)))
    levels = np.resize(np.asarray(pair, dtype=float), n)
    return rng.permutation(levels)


def plant(rng: np.random.Generator, settings: dict) -> Planted:
    """Draw the labels' parameters and directions."""
    L, dims, heterogeneous = settings["labels"], settings["dims"], settings["heterogeneous"]
    if L > dims - 1:
        raise ValueError(f"control: {L} labels need at least {L + 1} dims (one per label, one for clarity)")
    low, high = settings["base_rate"]
    base_rate = np.exp(rng.uniform(np.log(low), np.log(high), size=L))
    # Visibility and sharing are crossed: each of the four kinds of label gets a quarter.
    sharing = _two_levels(settings["sharing"], heterogeneous, L, rng)
    visibility = np.empty(L)
    for level in np.unique(sharing):
        at = np.flatnonzero(sharing == level)
        visibility[at] = _two_levels(settings["visibility"], heterogeneous, len(at), rng)
    q, _ = np.linalg.qr(rng.standard_normal((dims - 1, L)))
    directions = np.zeros((L, dims))
    directions[:, 1:] = q.T
    clarity = settings["clarity"] if heterogeneous else [float(np.mean(settings["clarity"]))]
    return Planted(
        base_rate=base_rate.round(6).tolist(),
        sharing=sharing.tolist(),
        visibility=visibility.tolist(),
        directions=directions.tolist(),
        clarity=[float(c) for c in clarity],
    )


def sample_labels(rng: np.random.Generator, planted: Planted, album: np.ndarray, albums: int) -> np.ndarray:
    """(n, L) boolean labels: each image copies its album's label with the label's sharing."""
    base, sharing = np.asarray(planted.base_rate), np.asarray(planted.sharing)
    album_labels = rng.random((albums, len(base))) < base
    own = rng.random((len(album), len(base))) < base
    copies = rng.random((len(album), len(base))) < sharing
    return np.where(copies, album_labels[album], own)


def features_of(
    rng: np.random.Generator, planted: Planted, labels: np.ndarray, clarity: np.ndarray
) -> np.ndarray:
    """(n, dims) float32 features of images with the given labels and clarity."""
    directions = np.asarray(planted.directions)
    signal = (labels * np.asarray(planted.visibility)) @ directions
    features = clarity[:, None] * signal + rng.standard_normal(signal.shape)
    features[:, 0] = planted.signature * clarity
    return features.astype(np.float32)


def _metadata(rng: np.random.Generator, album: np.ndarray, settings: dict) -> dict[str, list]:
    """Tags, sets and groups that carry the album: album words, a few noise tags; the album's
    photo set; the album's group (albums are pooled into groups) and sometimes a random one."""
    albums = int(album.max()) + 1
    words = settings["album_words"]
    album_words = np.arange(albums * words).reshape(albums, words)
    noise_pool = settings["noise_tags"]["pool"]
    noise_weight = 1.0 / np.arange(1, noise_pool + 1)
    noise_weight /= noise_weight.sum()
    group_of = rng.integers(0, max(1, albums // settings["albums_per_group"]), size=albums)
    n_groups = int(group_of.max()) + 1
    counts = rng.poisson(settings["noise_tags"]["mean"], size=len(album))
    noise = np.split(rng.choice(noise_pool, size=int(counts.sum()), p=noise_weight), np.cumsum(counts)[:-1])
    present = rng.random((len(album), words)) < settings["album_word_prob"]
    extra = np.where(rng.random(len(album)) < 0.5, rng.integers(n_groups, size=len(album)), -1)
    tags = [
        [f"album{w}" for w in album_words[a][keep]] + [f"word{w}" for w in np.unique(extra_tags)]
        for a, keep, extra_tags in zip(album, present, noise, strict=True)
    ]
    groups = [
        [f"group{g}" for g in sorted({int(group_of[a]), int(e)} - {-1})]
        for a, e in zip(album, extra, strict=True)
    ]
    return {"tags": tags, "sets": [[f"set{a}"] for a in album], "groups": groups}


def generate(out_dir: str | Path, *, seed: int, **settings) -> dict:
    """Writes in out_dir: images.parquet (no image files: `path` names none; images drawn with
    no label are dropped and counted), concepts.txt,
    control_features.parquet (imported as the features), planted.json (the oracle's
    parameters), stats.json and ingest_counts.json. Returns the stats."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seeds.dataset(seed))
    planted = plant(rng, settings)
    n = settings["images"]
    albums = max(1, round(n / settings["album_size"]))
    album = np.sort(rng.integers(0, albums, size=n))
    albums = int(album.max()) + 1
    labels = sample_labels(rng, planted, album, albums)
    clarity = rng.choice(np.asarray(planted.clarity), size=n)
    features = features_of(rng, planted, labels, clarity)
    metadata = _metadata(rng, album, settings)
    image_ids = rng.choice(10 * n, size=n, replace=False).astype(np.int64) + 1  # no album order
    order = np.argsort(image_ids)
    concepts = [f"label{i:02d}" for i in range(labels.shape[1])]
    drafted = pa.table(
        {
            "image_id": image_ids[order],
            "path": [f"{i}.jpg" for i in image_ids[order]],
            "labels": [[concepts[c] for c in np.flatnonzero(labels[i])] for i in order],
            **{kind: [values[i] for i in order] for kind, values in metadata.items()},
            "owner": [f"owner{album[i]}" for i in order],
        }
    )
    # Images with no label are dropped as the paper drops them (the same rule as every dataset).
    table, counts = drop_unusable(drafted)
    kept = order[labels[order].any(axis=1)]
    out_dir.mkdir(parents=True, exist_ok=True)
    parquet.write(table, out_dir / "images.parquet", parquet.IMAGES)
    parquet.write(parquet.features_table(image_ids[kept], features[kept]), out_dir / FEATURES_FILE)
    planted.save(out_dir / PLANTED_FILE)
    (out_dir / "concepts.txt").write_text("\n".join(concepts) + "\n")
    stats = {
        **table1(table),
        "albums": albums,
        "weak_image_share": round(float((clarity[kept] < max(planted.clarity)).mean()), 3),
    }
    (out_dir / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    (out_dir / "ingest_counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    return stats
