"""The annotate target end to end: real photos, keywords embedded by exiftool, the real
`snakemake annotate` (which builds the tiny config's tag-neighbor model first), and the
contact sheet rendered by headless Chromium."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from test_pipeline import REPO, snakemake

from neighborhoods import annotation, config_checks, experiments, parquet
from neighborhoods.checkpoint import Checkpoint
from neighborhoods.ingestion import photos
from neighborhoods.settings import TrainingSettings
from tests import photo_collection
from tests.photo_collection import CAT, DRINK, SPACE

REQUIRED = os.environ.get("NEIGHBORHOODS_REQUIRE_TOOLS") == "1"  # set by .ci/run, which installs them
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def _need(tool: str | None, name: str) -> str:
    if tool is None:
        if REQUIRED:
            pytest.fail(f"{name} is not installed (.ci/run installs it from Debian's packages)")
        pytest.skip(f"{name} is not installed")
    return tool


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    _need(photo_collection.EXIFTOOL, "exiftool")
    return photo_collection.write(tmp_path_factory.mktemp("photos"))


@pytest.fixture(scope="module")
def annotated(built, collection) -> Path:
    """The tiny pipeline's folder, which has the tag-neighbor model the annotate target reads."""
    sidecar = collection.parent / "sidecar.csv"
    config = f"annotate={{images: {collection}, metadata: {sidecar}, top: 4}}"
    output = snakemake(built, "annotate", "--config", config)
    assert "rule train:" not in output  # the model was there
    return built / "results" / "annotate" / "holiday"


@pytest.mark.slow
def test_embedded_keywords_are_read_from_xmp_and_iptc(collection, tmp_path):
    png = Image.new("RGB", (16, 16), "blue")
    png.save(tmp_path / "blue.png")
    photo_collection.embed(tmp_path / "blue.png", ["Deep  Blue", "sea"], iptc=False)  # PNG: XMP only
    assert photos.scan(tmp_path)[0][0].tags == {"deepblue", "sea"}  # as Flickr writes tags: no spaces
    found, _ = photos.scan(collection)
    tags = {p.path: p.tags for p in found}
    assert tags["cats/cats0.jpg"] == {"kitty", "whiskers"}  # both
    assert tags["cats/cats1.jpg"] == {"kitty", "whiskers", "tabby"}  # IPTC only
    assert tags["cats/cats2.jpg"] == {"kitty", "whiskers"}  # XMP only
    assert tags["space/space1.jpg"] == {
        "nasa",
        "astronautsuit",
        "launchpad",
    }  # keywords as Flickr writes tags
    assert tags["space/untagged.png"] == set()
    assert {p.path: p.sets for p in found}["kitchen/kitchen0.jpg"] == {"kitchen"}
    assert {p.path: p.sets for p in found}["a_red.jpg"] == {"holiday"}


@pytest.mark.slow
def test_the_four_outputs_and_the_skipped_files(annotated, collection):
    table = pd.read_parquet(annotated / "annotations.parquet")
    csv = pd.read_csv(annotated / "annotations.csv")
    concepts = (annotated.parents[2] / "results" / "synthetic" / "data" / "concepts.txt").read_text().split()
    assert len(table) == len(csv) == 12  # 9 themed, the copy, the untagged PNG, the red one
    assert set(table.columns) >= {"path", "metadata", "top_labels", "top_probabilities", *concepts}
    assert table["unmatched_keywords"].notna().all() and (table["unmatched_keywords"] >= 0).all()
    probabilities = table[concepts].to_numpy()
    assert ((probabilities > 0) & (probabilities < 1)).all()
    for row in table.itertuples():
        assert len(row.top_labels) == 4
        best = sorted(concepts, key=lambda c: -getattr(row, c))[:4]
        assert list(row.top_labels) == best
        assert np.allclose(
            row.top_probabilities, sorted(probabilities[row.Index], reverse=True)[:4], atol=1e-4
        )
    assert csv["top_labels"].str.split(";").map(len).eq(4).all()
    skipped = pd.read_csv(annotated / "skipped.csv").set_index("path")["reason"]
    assert set(skipped.index) == {"space/broken.jpg", "notes.txt"}
    assert skipped["space/broken.jpg"].startswith("cannot decode")
    assert (annotated / "index.html").stat().st_size > 10_000


@pytest.mark.slow
def test_neighbors_come_from_the_collections_own_keywords(annotated, collection):
    training = parquet.read(annotated.parents[2] / "results" / "synthetic" / "data" / "images.parquet")
    vocabulary = {t for tags in training.column("tags").to_pylist() for t in tags}
    assert not vocabulary & set(CAT + DRINK + SPACE + ["ruby", "rocketry"])  # no word in common
    neighbors = pd.read_parquet(annotated / "neighbors.parquet")
    table = pd.read_parquet(annotated / "annotations.parquet").set_index("path")
    assert neighbors.groupby("path").size().eq(6).all()  # M: the schema's default
    # Brute force: the Jaccard similarity of each listed pair over the photos' keywords.
    found, _ = photos.scan(collection)
    photos.apply_sidecar(found, collection.parent / "sidecar.csv")
    tags = {p.path: p.tags for p in found}
    for row in neighbors.itertuples():
        a, b = tags[row.path], tags[row.neighbor]
        expected = len(a & b) / len(a | b) if a | b else 0.0
        assert row.similarity == pytest.approx(expected, abs=1e-6)
        assert set(row.shared) == a & b
        assert row.fill == (expected == 0)
    first = neighbors[neighbors["rank"] == 1].set_index("path")["neighbor"]
    assert first["cats/cats0.jpg"].startswith("cats/")
    assert first["kitchen/kitchen0.jpg"] in {"kitchen/kitchen2.jpg", "kitchen/cat_in_kitchen.jpg"}
    assert "rocketry" in tags["space/space2.jpg"]  # the sidecar's tags
    untagged = neighbors[neighbors["path"] == "space/untagged.png"]
    assert untagged["fill"].all() and not table.loc["space/untagged.png", "metadata"]
    assert table.loc["cats/cats0.jpg", "metadata"]


@pytest.mark.slow
def test_the_same_pixels_with_other_keywords_get_other_labels(annotated):
    """The cat copied into the kitchen album with the coffee keywords has the cat's features
    but the coffee photos as neighbors: if the neighbors were ignored, its scores would match."""
    table = pd.read_parquet(annotated / "annotations.parquet").set_index("path")
    features = dict(zip(*parquet.read_features(annotated / "features.parquet"), strict=True))
    paths = pd.read_parquet(annotated / "photos.parquet").set_index("path")["image_id"]
    info = ("metadata", "unmatched_keywords", "top_labels", "top_probabilities")
    concepts = [c for c in table.columns if c not in info]
    cat = features[paths["cats/cats0.jpg"]]
    copy = features[paths["kitchen/cat_in_kitchen.jpg"]]
    assert np.abs(cat - copy).max() < 0.05 * np.abs(cat).max()  # nearly the same pixels (rolled)
    difference = np.abs(
        table.loc["cats/cats0.jpg", concepts] - table.loc["kitchen/cat_in_kitchen.jpg", concepts]
    )
    assert difference.max() > 0.01


@pytest.mark.slow
def test_the_contact_sheet_shows_the_thumbnails_in_chromium(annotated, tmp_path):
    chromium = _need(CHROMIUM, "chromium")
    shot = tmp_path / "sheet.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1400,1000",
            f"--screenshot={shot}",
            (annotated / "index.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
    assert red.sum() > 0.8 * 96 * 96  # the red photo's thumbnail (96 px, not enlarged), first card
    colours = len(np.unique(pixels.reshape(-1, 3) // 8, axis=0))
    assert colours > 2000  # real photos, not a page of text


@pytest.mark.slow
def test_a_sidecar_row_naming_no_photo_is_an_error_with_its_line(collection, tmp_path):
    found, _ = photos.scan(collection)
    sidecar = tmp_path / "tags.csv"
    sidecar.write_text("path,tags\ncats/cats0.jpg,a b\ncats/nope.jpg,c\n")
    with pytest.raises(ValueError, match=r"tags.csv, line 3: path 'cats/nope.jpg' names no decodable photo"):
        photos.apply_sidecar(found, sidecar)
    sidecar.write_text("name,tags\nx,y\n")
    with pytest.raises(ValueError, match="expected one column 'path'"):
        photos.apply_sidecar(found, sidecar)


@pytest.mark.slow
def test_annotate_config_from_the_command_line_is_typed_and_checked(collection):
    config = {
        "annotate": {"images": str(collection), "top": "5", "model": "null", "name": "", "metadata": None}
    }
    config_checks.command_line_types(config, SCHEMA)
    assert config["annotate"] == {
        "images": str(collection),
        "top": 5,
        "model": None,
        "name": None,
        "metadata": None,
    }
    with pytest.raises(ValueError, match="annotate.top is 'x'"):
        config_checks.command_line_types({"annotate": {"images": "d", "top": "x"}}, SCHEMA)
    with pytest.raises(ValueError, match="annotate.model: unknown experiment 'nbr-tags'"):
        config_checks.check_annotate({"annotate": {**config["annotate"], "model": "nbr-tags"}})
    with pytest.raises(ValueError, match="is not a folder"):
        config_checks.check_annotate({"annotate": {**config["annotate"], "images": "/nonexistent"}})


@pytest.mark.slow
def test_models_that_cannot_label_photos_are_refused_and_small_collections_named(collection):
    def saved(name):
        settings = TrainingSettings(8, 0.5, 0.0, 1e-3, 10, 1, 2, (1e-3,))
        return Checkpoint(name, settings, 1e-3, "b", 4, ["c"], 0, None, {})

    for name in (
        "knn",
        "tagonly-tau10",
        "nbr-visual-efficientnet_lite0-m3-M6",
        "nbr-tagsplit10-overlap50-m1-M3",
    ):
        with pytest.raises(ValueError, match="annotating photos needs"):
            annotation.usable(saved(name))
    assert annotation.usable(saved("nbr-sets-m2-M4")).M == 4
    few = photos.images_table(photos.scan(collection)[0][:4])
    with pytest.raises(
        ValueError, match="the collection has 4 photo.s., so 3 neighbor.s. per photo.*at least 7"
    ):
        annotation.collection_neighbors(few, experiments.parse("nbr-groups-m3-M6"), seed=0)


def test_phone_jpegs_bad_xmp_and_messy_sidecars_keep_their_photos(tmp_path):
    """A multi-picture JPEG (phones' HDR gain map) is a photo; a malformed XMP packet loses
    only its keywords; a sidecar's blank rows and rows naming a corrupt file are left out."""
    folder = tmp_path / "Trip"
    folder.mkdir()
    first, second = Image.new("RGB", (32, 32), "green"), Image.new("RGB", (16, 16), "white")
    first.save(folder / "phone.jpg", format="MPO", save_all=True, append_images=[second])
    Image.new("RGB", (32, 32), "blue").save(folder / "odd.jpg", xmp=b"<x:xmpmeta><unclosed>")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    found, skipped = photos.scan(folder)
    assert [p.path for p in found] == ["odd.jpg", "phone.jpg"]
    assert all(p.tags == set() and p.sets == {"trip"} for p in found)  # album: the folder, lower-cased
    assert [path for path, _ in skipped] == ["broken.jpg"]
    sidecar = tmp_path / "sidecar.csv"
    sidecar.write_text("file,tags,albums\nphone.jpg,beach sun,Summer 2024\n,,\nbroken.jpg,x,\n")
    assert photos.apply_sidecar(found, sidecar, skipped) == 1
    phone = next(p for p in found if p.path == "phone.jpg")
    assert phone.tags == {"beach", "sun"} and phone.sets == {"summer", "2024"}  # no ';': spaces separate


@pytest.mark.slow
def test_models_the_config_names_must_label_photos(collection):
    section = {"images": str(collection), "top": 3, "name": None, "metadata": None}
    for model in ("knn", "nbrvote-tags-tau5-M6", "upper", "nbr-visual-resnet50-m3-M6"):
        config = {"annotate": {**section, "model": model}, "neighbors": {"max_rank": 20}}
        with pytest.raises(ValueError, match="annotating photos needs"):
            config_checks.check_annotate(config)
    config = {"annotate": {**section, "model": "nbr-sets-m3-M30"}, "neighbors": {"max_rank": 20}}
    with pytest.raises(ValueError, match="M=30 is above neighbors.max_rank"):
        config_checks.check_annotate(config)
