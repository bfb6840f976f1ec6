"""Edits to the inputs rebuild what depends on them, through the real `snakemake` command.

Snakemake sees a folder only through its own timestamp, and a file only if a rule declares it:
so the ground-truth label files are declared inputs of the release table, and the image folder
is followed by a manifest of every file in it (path, size, mtime). Features are then extracted
again only for images that changed.
"""

import json
import os
import re
import subprocess

import numpy as np
import pytest
import yaml
from PIL import Image
from release_fixture import LABELS, write_images, write_release
from test_pipeline import REPO, SNAKEMAKE, TINY, planned_jobs, snakemake, write_config

from neighborhoods import manifest, parquet

BACKBONE = "efficientnet_lite0"
FEATURES = f"results/synthetic/features/{BACKBONE}.parquet"


def dry_run(workdir, target: str) -> dict[str, int]:
    return planned_jobs(snakemake(workdir, "--dry-run", target))


def extraction_counts(workdir) -> tuple[int, int]:
    """(reused, extracted) rows as the last features job logged them."""
    log = (workdir / "logs" / "synthetic" / "features" / f"{BACKBONE}.log").read_text()
    reused, extracted = re.search(r"features of \d+ images: (\d+) reused, (\d+) to extract", log).groups()
    return int(reused), int(extracted)


def test_the_manifest_lists_every_file_below_and_changes_with_any_of_them(tmp_path):
    root = tmp_path / "Flickr"
    (root / "sky").mkdir(parents=True)
    (root / "sky" / "1.jpg").write_bytes(b"one")
    (root / ".snakemake_timestamp").touch()  # Snakemake's, not an image
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "2.jpg").write_bytes(b"two!")
    (root / "linked").symlink_to(tmp_path / "elsewhere")
    (root / "sky" / "loop").symlink_to(root)  # listed once, not forever
    table = manifest.scan(root)
    assert table.column("path").to_pylist() == ["linked/2.jpg", "sky/1.jpg"]
    assert table.column("size").to_pylist() == [4, 3]
    rows, sizes, mtimes = manifest.lookup(table, ["sky/1.jpg", "sky/gone.jpg"])
    assert rows.tolist() == [1, -1]
    assert (
        sizes.tolist() == [3, -1]
        and mtimes[0] == (root / "sky" / "1.jpg").stat().st_mtime_ns
        and mtimes[1] == -1
    )

    first = manifest.fingerprint(root)
    assert first.startswith("2 files, sha256:") and manifest.fingerprint(root) == first
    (root / ".snakemake_timestamp").touch()
    assert manifest.fingerprint(root) == first
    replaced = tmp_path / "elsewhere" / "2.jpg"
    replaced.write_bytes(b"TWO!")
    os.utime(replaced, ns=(0, replaced.stat().st_mtime_ns - 10**9))  # same size, another mtime
    assert manifest.fingerprint(root) != first
    assert manifest.fingerprint(tmp_path / "not-yet") == manifest.ABSENT


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("rebuilds")
    write_config(workdir, {**TINY, "features": {**TINY["features"], "device": "cpu"}})
    snakemake(workdir, FEATURES)
    return workdir


@pytest.mark.slow
def test_image_changes_rerun_the_manifest_and_extract_only_the_changed_image(synthetic):
    images = synthetic / "results" / "synthetic" / "images"
    # The folder was made in the same run that listed it: the listing recorded is the made one.
    assert dry_run(synthetic, FEATURES) == {}

    extra = images / "extra" / "new.jpg"  # a file added one folder down: the top folder's mtime stays
    extra.parent.mkdir()
    Image.new("RGB", (8, 8)).save(extra)
    assert dry_run(synthetic, FEATURES) == {"image_manifest": 1, "features": 1}
    extra.unlink()
    extra.parent.rmdir()
    assert dry_run(synthetic, FEATURES) == {}  # the listing is as recorded again

    _, before = parquet.read_features(synthetic / FEATURES)
    paths = (
        parquet.read(synthetic / "results" / "synthetic" / "data" / "images.parquet")
        .column("path")
        .to_pylist()
    )
    replaced = images / paths[7]
    with Image.open(replaced) as image:
        image.transpose(Image.Transpose.ROTATE_180).save(replaced)
    assert dry_run(synthetic, FEATURES) == {"image_manifest": 1, "features": 1}

    snakemake(synthetic, FEATURES)
    assert extraction_counts(synthetic) == (len(paths) - 1, 1)
    ids, after = parquet.read_features(synthetic / FEATURES)
    assert len(ids) == len(paths)
    others = np.arange(len(paths)) != 7
    np.testing.assert_array_equal(after[others], before[others])
    assert not np.allclose(after[7], before[7])
    assert dry_run(synthetic, FEATURES) == {}


@pytest.mark.slow
def test_a_regenerated_image_folder_is_extracted_again(synthetic):
    """Images remade by a rule have new mtimes: none of the old rows may be taken for them."""
    snakemake(synthetic, FEATURES, "--forcerun", "synthesize")
    n = len(parquet.read(synthetic / "results" / "synthetic" / "data" / "images.parquet"))
    assert extraction_counts(synthetic) == (0, n)
    assert dry_run(synthetic, FEATURES) == {}


# ---- NUS-WIDE: the release's files and the user's image folder ----------------------------

IMAGES = "results/nuswide/data/images.parquet"


def nuswide_config(base) -> dict:
    return {
        **{k: v for k, v in TINY.items() if k not in ("synthetic", "figures")},
        "dataset": "nuswide",
        "nuswide": {"root": str(base / "NUS-WIDE"), "images": str(base / "Flickr"), "bad_lines": "drop"},
        "flickr": {"metadata": str(base / "metadata.csv")},
    }


@pytest.fixture
def nuswide(tmp_path):
    """The release fixture ingested once; metadata from a table, so no Flickr calls."""
    write_release(tmp_path / "NUS-WIDE")
    write_images(tmp_path / "Flickr")
    photos = [1001, 1002, 1005, 1007, 1008, 1009, 1010]
    (tmp_path / "metadata.csv").write_text(
        "photo_id,tags,sets,groups\n" + "".join(f"{p},,s{p},g1\n" for p in photos)
    )
    workdir = tmp_path / "run"
    workdir.mkdir()
    (workdir / "config.yaml").write_text(yaml.safe_dump(nuswide_config(tmp_path)))
    snakemake(workdir, IMAGES)
    return tmp_path, workdir


def kept(workdir) -> set[int]:
    return set(parquet.read(workdir / IMAGES).column("image_id").to_pylist())


def counts(workdir) -> dict:
    return json.loads((workdir / "results" / "nuswide" / "data" / "ingest_counts.json").read_text())


@pytest.mark.slow
def test_fixing_a_ground_truth_line_rebuilds_the_release(nuswide):
    base, workdir = nuswide
    assert 1005 not in kept(workdir) and counts(workdir)["bad_lines"] == 3  # Labels_sky.txt says "2"
    labels = base / "NUS-WIDE" / "Groundtruth" / "AllLabels" / "Labels_sky.txt"
    fixed = ["1" if value == "2" else value for value in LABELS["sky"]]
    labels.write_text("\n".join(fixed) + "\n")

    output = snakemake(workdir, "--dry-run", IMAGES)
    assert "Labels_sky.txt" in output  # the reason Snakemake gives: an updated input
    jobs = planned_jobs(output)
    assert jobs["nuswide_release"] == 1 and jobs["nuswide_ingest"] == 1 and "image_manifest" not in jobs

    snakemake(workdir, IMAGES)
    assert 1005 in kept(workdir) and counts(workdir)["bad_lines"] == 2


@pytest.mark.slow
def test_an_image_put_back_is_checked_and_kept(nuswide):
    base, workdir = nuswide
    assert 1010 not in kept(workdir) and counts(workdir)["image_missing"] == 1
    Image.new("RGB", (32, 24), (90, 40, 10)).save(base / "Flickr" / "sky" / "0004_1010.jpg")

    jobs = dry_run(workdir, IMAGES)
    assert jobs == {"image_manifest": 1, "nuswide_check_images": 1, "nuswide_ingest": 1}

    snakemake(workdir, IMAGES)
    assert 1010 in kept(workdir) and counts(workdir)["image_missing"] == 0
    assert dry_run(workdir, IMAGES) == {}


@pytest.mark.slow
def test_a_missing_release_folder_is_named(tmp_path):
    config = nuswide_config(tmp_path)  # nothing written there
    (tmp_path / "Flickr").mkdir()
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(tmp_path),
        "-n",
        IMAGES,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"nuswide.root is '{tmp_path / 'NUS-WIDE'}', which is not a folder" in output
