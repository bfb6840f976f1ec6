"""A photo's keywords become tags the way the training tags were written (Flickr's normalised
form: "New York" is "newyork"), and its annotation row counts those no training tag matches."""

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from neighborhoods import annotation, parquet
from neighborhoods.checkpoint import Checkpoint
from neighborhoods.ingestion import photos
from neighborhoods.settings import TrainingSettings

XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag>'
    "{items}</rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>"
)


def xmp(words: list[str]) -> bytes:
    return XMP.format(items="".join(f"<rdf:li>{w}</rdf:li>" for w in words)).encode()


def test_keywords_are_tags_as_flickr_writes_them():
    assert photos.tag("New York") == "newyork" and photos.tag("new-york") == "newyork"
    assert photos.tag("  Deep\tBlue ") == "deepblue" and photos.tag("St. Louis") == "stlouis"
    assert photos.tag("cafe\u0301") == photos.tag("café") == "café"  # NFC, then letters kept
    assert photos.tag("東京") == "東京" and photos.tag("2024") == "2024"
    assert photos.tag(" - ") is None


def test_embedded_and_sidecar_keywords_become_tags_and_albums_keep_their_spaces(tmp_path):
    folder = tmp_path / "Summer Trip"
    folder.mkdir()
    Image.new("RGB", (16, 16), "blue").save(folder / "a.jpg", xmp=xmp(["New York", "Sea"]))
    Image.new("RGB", (16, 16), "red").save(folder / "b.jpg")
    found, _ = photos.scan(folder)
    assert found[0].tags == {"newyork", "sea"} and found[0].sets == {"summer trip"}
    sidecar = tmp_path / "sidecar.csv"
    sidecar.write_text(
        'file,tags,albums,groups\nb.jpg,Golden Gate;San-Francisco,Road Trip;Coast,"My Group,Other"\n'
    )
    photos.apply_sidecar(found, sidecar)
    assert found[1].tags == {"goldengate", "sanfrancisco"}
    assert found[1].sets == {"road trip", "coast"} and found[1].groups == {"my group", "other"}


def checkpoint(vocabulary):
    settings = TrainingSettings(8, 0.5, 0.0, 1e-3, 10, 1, 2, (1e-3,))
    return Checkpoint("nbr-tags-tau5-m1-M2", settings, 1e-3, "b", 4, ["sky", "sea"], 0, vocabulary, {})


def test_each_annotation_row_counts_the_keywords_no_training_tag_matches(tmp_path):
    table = photos.images_table(
        [
            photos.Photo("a.jpg", tags={"newyork", "sea"}),
            photos.Photo("b.jpg", tags={"zzz", "qqq"}),
            photos.Photo("c.jpg"),
        ]
    )
    images = tmp_path / "images.parquet"
    training = [["newyork", "sky"], ["sea"], []]
    parquet.write(pa.table({"image_id": [1, 2, 3], "tags": training}), images)
    known = annotation.training_tags(checkpoint(None), str(images))
    assert known == {"newyork", "sky", "sea"}
    assert annotation.training_tags(checkpoint(["sea"]), str(images)) == {"sea"}  # the model's own
    assert annotation.training_tags(checkpoint(None), None) is None
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    rows = annotation.annotations(table, ["sky", "sea"], probabilities, 1, None, known)
    assert rows["unmatched_keywords"].tolist() == [0, 2, 0]
    unknown = annotation.annotations(table, ["sky", "sea"], probabilities, 1, None)
    assert unknown["unmatched_keywords"].isna().all()
    assert list(rows.columns[:3]) == ["path", "metadata", "unmatched_keywords"]


@pytest.mark.parametrize("count", [0, 1])
def test_an_empty_collection_of_tags_counts_nothing(count):
    table = photos.images_table([photos.Photo(f"{i}.jpg") for i in range(count)])
    assert annotation.unmatched_keywords(table, set()).tolist() == [0] * count
