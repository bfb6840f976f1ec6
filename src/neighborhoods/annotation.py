"""Label a photo collection with a trained model: the paper's test-time protocol on new photos.

The model reads metadata only to find neighbors, so a collection is labelled with neighbors
found within itself, ranked by Jaccard similarity over its own vocabulary: the training set,
its tags and its vocabulary are not needed, and the collection's keywords may share no word
with them. M, m and the number of sampled neighborhoods come from the checkpoint.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import torch
from scipy.special import expit

from neighborhoods import experiments, seeds, train
from neighborhoods.checkpoint import Checkpoint
from neighborhoods.jaccard import TieOrder, jaccard_topk
from neighborhoods.model_inputs import SplitData, Subset
from neighborhoods.vocabularies import binary_matrix, tag_vocabulary

SUBSET = "photos"


@dataclass(frozen=True)
class Neighbors:
    kind: str  # tags, sets or groups
    rows: np.ndarray  # (n, M) rows of the collection, nearest first
    similarity: np.ndarray  # (n, M) Jaccard similarity; 0 is the zero-similarity fill
    items: list[set[str]]  # each photo's items of `kind` within the vocabulary ranked over


def usable(saved: Checkpoint) -> experiments.Experiment:
    """The checkpoint's experiment, if it reads pixels and finds neighbors (if any) in metadata."""
    experiment = experiments.parse(saved.experiment)
    if experiments.labels_photos(experiment):
        return experiment
    raise ValueError(
        f"model {saved.experiment!r}: annotating photos needs the visual-only model or a "
        "neighborhood model with tag, set or group neighbors (it reads only pixels and metadata)"
    )


def collection_neighbors(photos: pa.Table, experiment: experiments.Experiment, seed: int) -> Neighbors:
    """Each photo's M Jaccard-nearest other photos by the experiment's kind of metadata, over
    the collection's own vocabulary (for tags: its tau most common); ties, and the fill of
    photos with too few overlapping ones, follow the collection's own seeded tie order."""
    meta, M = experiments.parse_neighbors(experiment.meta), experiment.M
    kind = meta.kind
    n = photos.num_rows
    if n <= M:
        raise ValueError(
            f"the collection has {n} photo(s), so {n - 1} neighbor(s) per photo; model "
            f"{experiment.name} samples from M={M}: it needs at least {M + 1} photos"
        )
    lists = photos.column(kind).to_pylist()
    vocabulary = tag_vocabulary(lists, meta.tau) if kind == "tags" else None
    X = binary_matrix(lists, vocabulary)
    ties = TieOrder.draw(photos.column("image_id").to_numpy(), seeds.annotation_ties(seed))
    rows, similarity = jaccard_topk(X, M, ties)
    kept = set(vocabulary) if vocabulary is not None else None
    items = [set(lst or ()) if kept is None else set(lst or ()) & kept for lst in lists]
    return Neighbors(kind, rows, similarity, items)


def scores(
    model: torch.nn.Module,
    saved: Checkpoint,
    experiment: experiments.Experiment,
    photos: pa.Table,
    features: np.ndarray,
    neighbors: Neighbors | None,
    seed: int,
) -> np.ndarray:
    """Each photo's probability of each concept, (n, L): the model's scores averaged over the
    checkpoint's number of sampled neighborhoods (train.predict), through the sigmoid."""
    n = photos.num_rows
    tags = None
    if experiment.tag_vector:  # the training vocabulary: the tag vector's columns are its words
        tags = binary_matrix(photos.column("tags").to_pylist(), saved.tag_vocabulary)
    subset = Subset(
        image_ids=photos.column("image_id").to_numpy(),
        rows=torch.arange(n),
        labels=torch.zeros(n, len(saved.concepts)),
        neighbor_rows=None if neighbors is None else torch.from_numpy(neighbors.rows),
    )
    data = SplitData(
        torch.from_numpy(features), list(saved.concepts), {SUBSET: subset}, tags, saved.tag_vocabulary
    )
    logits = train.predict(
        model,
        data,
        SUBSET,
        experiment,
        samples=saved.settings.test_samples,
        seed=seeds.annotation_sampling(seed),
    )
    return expit(logits.astype(np.float64))


def training_tags(saved: Checkpoint, images: str | None) -> set[str] | None:
    """The tags the model's training data had: the checkpoint's tag vocabulary where it has one,
    else every tag of the images table of the run it was trained in (`images`), else None."""
    if saved.tag_vocabulary is not None:
        return set(saved.tag_vocabulary)
    if not images:
        return None
    column = pq.read_table(images, columns=["tags"]).column("tags")
    return set(pc.unique(pc.list_flatten(column)).drop_null().to_pylist())


def unmatched_keywords(photos: pa.Table, known: set[str] | None) -> pd.Series:
    """How many of each photo's tags match no training tag (null where those are unknown)."""
    if known is None:
        return pd.Series([pd.NA] * photos.num_rows, dtype="Int64")
    counts = [len(set(tags or ()) - known) for tags in photos.column("tags").to_pylist()]
    return pd.Series(counts, dtype="Int64")


def annotations(
    photos: pa.Table,
    concepts: list[str],
    probabilities: np.ndarray,
    top: int,
    neighbors,
    known_tags: set[str] | None = None,
) -> pd.DataFrame:
    """One row per photo: its path, whether it had metadata to find neighbors with, how many of
    its keywords match no training tag (`known_tags`; null where those are unknown), its `top`
    labels with their probabilities, and every concept's probability (a column each)."""
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top]
    table = pd.DataFrame(
        {
            "path": photos.column("path").to_pylist(),
            "metadata": [bool(items) for items in neighbors.items] if neighbors else False,
            "unmatched_keywords": unmatched_keywords(photos, known_tags),
            "top_labels": [[concepts[j] for j in row] for row in order],
            "top_probabilities": [probabilities[i, row].round(4).tolist() for i, row in enumerate(order)],
        }
    )
    return pd.concat([table, pd.DataFrame(probabilities.astype(np.float32), columns=concepts)], axis=1)


NEIGHBOR_COLUMNS = ("path", "rank", "neighbor", "kind", "similarity", "shared", "fill")


def flat(annotations_table: pd.DataFrame) -> pd.DataFrame:
    """The annotations for a CSV file: top labels and probabilities as ';'-separated text."""
    return annotations_table.assign(
        top_labels=annotations_table["top_labels"].map(";".join),
        top_probabilities=annotations_table["top_probabilities"].map(
            lambda ps: ";".join(f"{p:.4f}" for p in ps)
        ),
    )


def neighbor_rows(photos: pa.Table, neighbors: Neighbors | None) -> pd.DataFrame:
    """Why each photo was labelled as it was: its M neighbors, nearest first, with the items
    they share and whether the neighbor is only the zero-similarity fill (no rows for a model
    without neighbors)."""
    if neighbors is None:
        return pd.DataFrame(columns=list(NEIGHBOR_COLUMNS))
    paths = photos.column("path").to_pylist()
    n, M = neighbors.rows.shape
    rows = neighbors.rows.ravel()
    query = np.repeat(np.arange(n), M)
    return pd.DataFrame(
        {
            "path": [paths[i] for i in query],
            "rank": np.tile(np.arange(1, M + 1), n),
            "neighbor": [paths[j] for j in rows],
            "kind": neighbors.kind,
            "similarity": neighbors.similarity.ravel(),
            "shared": [
                sorted(neighbors.items[i] & neighbors.items[j]) for i, j in zip(query, rows, strict=True)
            ],
            "fill": neighbors.similarity.ravel() == 0,
        }
    )
