"""Every random stream of the pipeline, one purpose each, all derived from the config's seed.

A stream is `SeedSequence([seed, purpose, *keys])`: two purposes, or two splits of one, never
share numbers, and adding a stream moves no other. Scripts ask here for the stream they need;
none derives its own. Streams that seed numpy Generators are SeedSequences; those that seed
torch are 31-bit integers (what `torch.manual_seed` takes, and what a checkpoint records).
"""

import numpy as np

from neighborhoods.parquet import SUBSETS

# The purposes, in a fixed order: a purpose's index is part of its streams' entropy.
PURPOSES = (
    "dataset",
    "image",
    "split",
    "ties",
    "vocabulary",
    "training",
    "prediction",
    "figure",
    "annotation",
    "fraction",
    "pools",
)


def sequence(purpose: str, seed: int, *keys: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, PURPOSES.index(purpose), *keys])


def integer(purpose: str, seed: int, *keys: int) -> int:
    """A 31-bit seed of the stream, stable across runs and platforms."""
    return int(sequence(purpose, seed, *keys).generate_state(1)[0] >> 1)


def dataset(seed: int) -> np.random.SeedSequence:
    """The generated dataset's world and metadata."""
    return sequence("dataset", seed)


def image(seed: int, image_id: int) -> np.random.SeedSequence:
    """One generated image's pixels: an image depends only on its id and content."""
    return sequence("image", seed, image_id)


def split(seed: int, k: int) -> np.random.SeedSequence:
    """Split k's train / val / test assignment."""
    return sequence("split", seed, k)


def ties(seed: int, k: int, subset: str) -> np.random.SeedSequence:
    """The tie order of one subset's neighbors in split k (the same for every metadata kind)."""
    return sequence("ties", seed, k, SUBSETS.index(subset))


def vocabulary(seed: int, k: int) -> np.random.SeedSequence:
    """Fig. 8: the shuffle that splits split k's top tags into two vocabularies."""
    return sequence("vocabulary", seed, k)


def training(seed: int, k: int) -> int:
    """A model's initialisation, dropout, minibatch order and sampled neighborhoods on split k."""
    return integer("training", seed, k)


def prediction(seed: int, k: int) -> int:
    """The neighborhoods sampled when a model of split k scores its test images."""
    return integer("prediction", seed, k)


def figure(seed: int, number: int) -> int:
    """What a figure picks at random (Fig. 3's examples)."""
    return integer("figure", seed, number)


def annotation_ties(seed: int) -> np.random.SeedSequence:
    """The tie order of a photo collection's neighbors (the `annotate` target)."""
    return sequence("annotation", seed, 0)


def annotation_sampling(seed: int) -> int:
    """The neighborhoods sampled when a model scores a photo collection."""
    return integer("annotation", seed, 1)


def fraction(seed: int, k: int) -> np.random.SeedSequence:
    """Split k's order of the training images, whose prefixes are the learning curves' fractions."""
    return sequence("fraction", seed, k)


def pools(seed: int, k: int) -> np.random.SeedSequence:
    """Split k's deal of the training images into pools the test subset's size (`-pooled`)."""
    return sequence("pools", seed, k)
