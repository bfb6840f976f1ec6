"""End to end on `dataset: nuswide`: a folder in the release's exact layout, its images and a
local Flickr endpoint, through the real `snakemake` command to Table 2.

The release is written from a small generated dataset (so the images carry signal and every
stage has something to learn), with the real release's faults added: a label line that is
not 0/1, a duplicated photo id with conflicting labels, CRLF line endings, an image without
labels, a missing and a corrupt image file, a photo Flickr no longer has and one without any
metadata. The Flickr server also fails some requests (429, 502 with an HTML body, code 105).
"""

import json
import shutil

import pandas as pd
import pytest
import yaml
from fake_flickr import FakeFlickr
from test_pipeline import TINY, snakemake

from neighborhoods import parquet
from neighborhoods.generated import dataset

KEY = "e2e-secret-key-0123456789abcdef"
INFO, CONTEXTS = "flickr.photos.getInfo", "flickr.photos.getAllContexts"

pytestmark = pytest.mark.slow


def _write(path, lines, eol="\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((eol.join(lines) + eol).encode())


def write_release(root, image_dir, source_dir, rows, concepts, *, label_overrides):
    """The release files and the Flickr/<query>/<file> image folder for `rows` (dicts with
    image_id, labels, tags, source file, query), in the order given (sorted by query, as
    distributed). `label_overrides` maps (row index, concept) to the raw text of that line."""
    files = [f"{row['query']}/{i:04d}_{row['image_id']}.jpg" for i, row in enumerate(rows)]
    _write(root / "ConceptsList" / "Concepts81.txt", concepts, "\r\n")
    _write(
        root / "ImageList" / "Imagelist.txt",
        ["C:\\ImageData\\Flickr\\" + f.replace("/", "\\") for f in files],
    )
    for c, concept in enumerate(concepts):
        values = [
            label_overrides.get((i, concept), "1" if concept in row["labels"] else "0")
            for i, row in enumerate(rows)
        ]
        _write(
            root / "Groundtruth" / "AllLabels" / f"Labels_{concept}.txt", values, "\r\n" if c % 2 else "\n"
        )
    _write(
        root / "NUS_WID_Tags" / "All_Tags.txt",
        [f"{r['image_id']}      {' '.join(r['tags'])} " for r in rows],
        "\r\n",
    )
    for file, row in zip(files, rows, strict=True):
        if row["source"] is not None:
            (image_dir / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source_dir / row["source"], image_dir / file)
    return files


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """Writes the release, images and expectations; returns them with the Flickr photos."""
    base = tmp_path_factory.mktemp("nuswide")
    dataset.generate(
        base / "source", base / "source-images", images=240, users=30, topics=6, image_size=64, seed=3
    )
    source = parquet.read(base / "source" / "images.parquet", parquet.IMAGES).to_pylist()
    concepts = (base / "source" / "concepts.txt").read_text().split()
    rows = [{**r, "query": r["labels"][0], "source": r["path"]} for r in source]
    bad_label, duplicated, missing, corrupt, not_on_flickr = (rows[i]["image_id"] for i in (0, 1, 2, 3, 4))
    duplicate = {
        **rows[1],
        "query": "zzz",
        "labels": rows[1]["labels"] + [c for c in concepts if c not in rows[1]["labels"]][:1],
    }
    unlabelled = {**rows[5], "image_id": 9_000_001, "labels": [], "query": "aaa"}
    bare = {**rows[6], "image_id": 9_000_002, "tags": [], "sets": [], "groups": [], "query": "aaa"}
    listed = sorted(rows + [duplicate, unlabelled, bare], key=lambda r: r["query"])
    for row in listed:
        row["source"] = None if row["image_id"] == missing else row["source"]
    index = {id(r): i for i, r in enumerate(listed)}
    overrides = {(index[id(rows[0])], concepts[-1]): "2"}
    files = write_release(
        base / "NUS-WIDE",
        base / "Flickr",
        base / "source-images",
        listed,
        concepts,
        label_overrides=overrides,
    )
    corrupt_file = base / "Flickr" / files[index[id(rows[3])]]
    corrupt_file.write_bytes(corrupt_file.read_bytes()[:150])

    photos = {r["image_id"]: r for r in rows + [bare] if r["image_id"] != not_on_flickr}
    expected = {
        r["image_id"]: r for r in rows if r["image_id"] not in (bad_label, missing, corrupt, not_on_flickr)
    }
    expected[duplicated] = {**rows[1], "labels": duplicate["labels"]}
    counts = {
        "input": len(listed), "bad_lines": 1, "duplicate_rows": 1, "duplicate_conflicts": 1, "no_labels": 1,
        "image_missing": 1, "image_corrupt": 1, "image_placeholder": 0, "image_unreachable": 0,
        "image_too_large": 0, "metadata_unavailable": 1, "no_metadata": 1, "kept": len(expected),
    }  # fmt: skip
    faults = {
        (rows[7]["image_id"], INFO): ["429", "502"],
        (rows[8]["image_id"], CONTEXTS): ["105", "truncated"],
    }
    asked = {r["image_id"] for r in rows + [bare]} - {bad_label}
    return {
        "base": base, "photos": photos, "faults": faults, "expected": expected, "counts": counts,
        "concepts": concepts, "asked": asked, "image_faults": {missing, corrupt},
    }  # fmt: skip


@pytest.fixture(scope="module")
def built(release, tmp_path_factory):
    """The pipeline run to table2 against the fake Flickr, with the key in the environment only."""
    workdir = tmp_path_factory.mktemp("nuswide-run")
    base = release["base"]
    photos = {
        p: {"owner": r["owner"], "tags": r["tags"], "sets": r["sets"], "groups": r["groups"]}
        for p, r in release["photos"].items()
    }
    with FakeFlickr(KEY, photos, faults=release["faults"]) as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLICKR_API_KEY", KEY)
        config = {
            **{k: v for k, v in TINY.items() if k not in ("synthetic", "figures")},
            "splits": {**TINY["splits"], "count": 1},  # one split: the release path, not the spread
            "dataset": "nuswide",
            "nuswide": {"root": str(base / "NUS-WIDE"), "images": str(base / "Flickr"), "bad_lines": "drop"},
            "flickr": {
                "api_url": server.url,
                "cache": "flickr-answers",
                # getInfo too (off by default with the release's tags): owners, and its faults retried.
                "get_info": True,
                "jobs": 2,
                "rate_per_hour": 360000,
                "backoff": 0.01,
                "timeout": 5,
            },
        }
        (workdir / "config.yaml").write_text(yaml.safe_dump(config))
        output = snakemake(workdir, "table2")
        requests = dict(server.requests)
    return {"workdir": workdir, "output": output, "requests": requests}


def test_release_to_table2_with_every_drop_counted(release, built):
    data = built["workdir"] / "results" / "nuswide" / "data"
    assert json.loads((data / "ingest_counts.json").read_text()) == release["counts"]
    assert (data / "concepts.txt").read_text().split() == release["concepts"]  # Concepts81.txt's order
    kept = {r["image_id"]: r for r in parquet.read(data / "images.parquet", parquet.IMAGES).to_pylist()}
    assert kept.keys() == release["expected"].keys()
    for photo, want in release["expected"].items():
        got = kept[photo]
        assert sorted(got["labels"]) == sorted(want["labels"]), photo  # the duplicate: union of both rows
        assert (got["tags"], got["sets"], got["groups"], got["owner"]) == (
            want["tags"],
            want["sets"],
            want["groups"],
            want["owner"],
        )
        assert got["path"].startswith(f"{want['query']}/") and got["path"].endswith(f"_{photo}.jpg")

    table = pd.read_csv(built["workdir"] / "results" / "nuswide" / "tables" / "table2.csv")
    assert "Our model: tag neighbors" in set(table["method"])
    assert (table["splits"] == 1).all() and table["mean"].between(0, 100).all()


def test_every_photo_is_asked_once_per_method_and_faults_are_retried(release, built):
    asked = {key: n for key, n in built["requests"].items() if key[0] != "img"}
    assert {photo for photo, _ in asked} == release["asked"]  # every labelled photo on a good line
    for photo in release["asked"]:
        for method in (INFO, CONTEXTS):
            assert asked[photo, method] == 1 + len(release["faults"].get((photo, method), [])), (
                photo,
                method,
            )


def test_the_key_is_written_nowhere(built):
    for path in built["workdir"].rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
