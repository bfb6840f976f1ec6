"""The generated dataset: deterministic, shaped like NUS-WIDE, and filtered like it."""

import itertools
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from neighborhoods import parquet
from neighborhoods.generated.concepts import CONCEPTS, EVENTS, SCENES, SYNONYMS, kind
from neighborhoods.generated.dataset import generate, glyph_design, sample_images, sample_world
from neighborhoods.ingestion.filtering import drop_unusable

SMALL = dict(images=300, users=40, topics=6, image_size=64)


def _generate(root: Path, seed: int, **overrides) -> Path:
    args = {**SMALL, **overrides}
    generate(root / "out", root / "img", seed=seed, **args)
    return root


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return _generate(tmp_path_factory.mktemp("a"), seed=3)


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """~1500 images for statistics that are too noisy at a few hundred; tiny pixels keep it fast."""
    return _generate(
        tmp_path_factory.mktemp("large"), seed=0, images=1500, users=125, topics=12, image_size=32
    )


def _images(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "img").iterdir())}


def _table(root: Path) -> pa.Table:
    return pq.read_table(root / "out" / "images.parquet")


def _stats(root: Path) -> dict:
    return json.loads((root / "out" / "stats.json").read_text())


def test_same_seed_same_bytes_other_seed_differs(small, tmp_path):
    again = _generate(tmp_path / "again", seed=3)
    for name in ("images.parquet", "concepts.txt", "stats.json", "ingest_counts.json"):
        assert (again / "out" / name).read_bytes() == (small / "out" / name).read_bytes(), name
    assert _images(again) == _images(small)

    other = _generate(tmp_path / "other", seed=4)
    assert _table(other).column("image_id") != _table(small).column("image_id")
    assert _table(other).column("labels") != _table(small).column("labels")
    assert _images(other) != _images(small)


def test_schema_paths_and_pixels(small):
    table = _table(small)
    assert table.schema.equals(parquet.IMAGES)
    files = {p.name for p in (small / "img").iterdir()}
    assert len(files) == table.num_rows  # dropped images get no file
    for path in table.column("path").to_pylist():
        assert not Path(path).is_absolute() and ".." not in Path(path).parts
        with Image.open(small / "img" / path) as image:
            image.load()
            assert image.size == (SMALL["image_size"],) * 2 and image.mode == "RGB"


def test_ids_and_owners(small):
    table = _table(small)
    ids = table.column("image_id").to_numpy()
    assert len(np.unique(ids)) == len(ids) and ids.min() > 0
    owners = table.column("owner").to_pylist()
    assert all(isinstance(o, str) and o for o in owners)


def test_concepts_file_is_the_official_order(small):
    lines = (small / "out" / "concepts.txt").read_text().splitlines()
    assert lines == list(CONCEPTS) and len(lines) == 81
    assert lines[:3] == ["airport", "animal", "beach"] and lines[-1] == "zebra"


def test_unusable_images_are_made_and_dropped(small):
    counts = json.loads((small / "out" / "ingest_counts.json").read_text())
    assert counts["input"] == SMALL["images"]
    assert counts["no_labels"] > 0 and counts["no_metadata"] > 0
    assert (
        counts["kept"]
        == _table(small).num_rows
        == counts["input"] - counts["no_labels"] - counts["no_metadata"]
    )
    assert drop_unusable(_table(small))[1]["kept"] == counts["kept"]  # nothing unusable left


def test_labels_per_image(large):
    labels = _table(large).column("labels").to_pylist()
    counts = np.array([len(row) for row in labels])
    assert counts.min() >= 1
    assert 2.0 <= counts.mean() <= 2.9
    assert all(len(set(row)) == len(row) and set(row) <= set(CONCEPTS) for row in labels)
    assert _stats(large)["labels_per_image"]["mean"] == pytest.approx(counts.mean(), abs=1e-3)


def test_tags_per_image_and_words(large):
    tags = _table(large).column("tags").to_pylist()
    counts = np.array([len(row) for row in tags])
    assert 11 <= counts.mean() <= 17
    assert np.median(counts) < counts.mean()
    words = {w for row in tags for w in row}
    assert all(w == w.lower() and w.isalnum() for w in words)
    synonyms = {w for ws in SYNONYMS.values() for w in ws}
    assert 0 < len(words & synonyms) < 0.1 * len(words)  # label words present, but rare
    # a label's words show up more often on images that have the label than on the rest
    rows = _table(large).to_pylist()
    with_sky = [r for r in rows if "sky" in r["labels"]]
    without = [r for r in rows if "sky" not in r["labels"]]
    share = lambda rs: np.mean([bool(set(r["tags"]) & set(SYNONYMS["sky"])) for r in rs])  # noqa: E731
    assert share(with_sky) > share(without) + 0.2


def test_sets_and_groups_shapes(large):
    stats = _stats(large)
    assert 1.3 <= stats["sets_per_image"]["mean"] <= 2.7 and stats["sets_per_image"]["median"] <= 2
    assert 9 <= stats["groups_per_image"]["mean"] <= 17
    assert stats["groups_per_image"]["median"] < stats["groups_per_image"]["mean"]


def test_label_frequencies_are_zipf_like(large):
    stats = _stats(large)
    assert stats["label_frequency_slope"] < -0.6
    frequency = stats["label_frequency"]
    common = min(frequency[c] for c in ("sky", "clouds", "person", "water"))
    assert common > 5 * max(frequency[c] for c in ("earthquake", "map"))


def test_events_are_visible_less_often_than_objects(large):
    share = _stats(large)["visible_share_by_concept"]
    frequency = _stats(large)["label_frequency"]

    def mean_share(concepts):
        return np.mean([share[c] for c in concepts if frequency[c] >= 5])

    objects = [c for c in CONCEPTS if kind(c) == "object"]
    assert mean_share(EVENTS) < 0.35 < mean_share(SCENES) < 0.65 < mean_share(objects)
    assert 0.4 < _stats(large)["visible_label_share"] < 0.8


def test_sets_are_single_owner_and_single_topic():
    rng = np.random.default_rng(0)
    world = sample_world(rng, images=600, users=50, topics=8)
    draft = sample_images(rng, world, 600)
    owners_topics: dict[str, set] = {}
    for owner, topic, sets in zip(draft.owner, draft.topic, draft.sets, strict=True):
        for s in sets:
            owners_topics.setdefault(s, set()).add((int(owner), int(topic)))
    assert len(owners_topics) > 50
    assert all(len(v) == 1 for v in owners_topics.values())
    assert max(sum(s in row for row in draft.sets) for s in owners_topics) >= 3  # albums grow
    # ids are random: their order says nothing about topic
    order = np.argsort(np.argsort(draft.image_id))
    assert abs(np.corrcoef(order, draft.topic)[0, 1]) < 0.15


def test_glyphs_differ_in_two_of_three_attributes():
    designs = [glyph_design(i) for i in range(len(CONCEPTS))]
    for a, b in itertools.combinations(designs, 2):
        assert sum(x != y for x, y in zip(a, b, strict=True)) >= 2


def test_drop_unusable_counts_on_a_hand_built_table():
    rows = [
        # labels,   tags,  sets,  groups
        (["sky"], ["a"], [], []),  # kept: tags only
        (["dog"], [], [], ["g"]),  # kept: groups only
        (["cat"], [], ["s"], []),  # kept: sets only
        ([], ["a"], ["s"], ["g"]),  # no labels
        (None, ["a"], [], []),  # null labels count as none
        ([], [], [], []),  # neither: counted once, under no_labels
        (["sky"], [], [], []),  # no metadata
        (["sky"], None, None, None),  # null metadata counts as none
    ]
    table = pa.table(
        {
            "image_id": pa.array(range(len(rows)), pa.int64()),
            "labels": [r[0] for r in rows],
            "tags": [r[1] for r in rows],
            "sets": [r[2] for r in rows],
            "groups": [r[3] for r in rows],
        },
        schema=pa.schema(
            [
                (n, pa.list_(pa.string())) if n != "image_id" else (n, pa.int64())
                for n in ("image_id", "labels", "tags", "sets", "groups")
            ]
        ),
    )
    kept, counts = drop_unusable(table)
    assert counts == {"input": 8, "no_labels": 3, "no_metadata": 2, "kept": 3}
    assert kept.column("image_id").to_pylist() == [0, 1, 2]
    # only the metadata columns a dataset has are looked at
    kept, counts = drop_unusable(table.drop_columns(["sets", "groups"]))
    assert counts == {"input": 8, "no_labels": 3, "no_metadata": 4, "kept": 1}
    with pytest.raises(ValueError, match="labels"):
        drop_unusable(table.drop_columns(["labels"]))
