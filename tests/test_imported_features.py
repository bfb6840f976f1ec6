"""Imported features: every format reads to the same rows, bad files are refused naming what is
wrong, and `table2` runs from a release-layout folder with BigFile features and no images."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from test_nuswide_pipeline import release  # noqa: F401 (a fixture)
from test_pipeline import TINY, planned_jobs, snakemake

from neighborhoods import imported_features, parquet

IDS = np.array([2124494179, 11, 12, 13], dtype=np.int64)


def features(rows=4, dims=5, seed=0):
    return np.random.default_rng(seed).random((rows, dims), dtype=np.float32)


def write_bigfile(folder, ids, values, id_text=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "id.txt").write_text(id_text or " ".join(map(str, ids)) + "\n")
    (folder / "shape.txt").write_text(f"{len(values)} {values.shape[1]}\n")
    np.ascontiguousarray(values, dtype=np.float32).tofile(folder / "feature.bin")
    return folder


def write_imagelist(path, ids):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"C:\\ImageData\\Flickr\\q\\{i:04d}_{photo}.jpg" for i, photo in enumerate(ids)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_every_format_reads_the_same_rows(tmp_path):
    values = features()
    out = {}
    # BigFile ids may be written as the release's file stems: 0001_<photo id>.
    stems = " ".join(f"{i:04d}_{photo}" for i, photo in enumerate(IDS))
    out["bigfile"] = write_bigfile(tmp_path / "big", IDS, values, id_text=stems)
    np.save(tmp_path / "x.npy", values)
    (tmp_path / "x.ids.txt").write_text("\n".join(map(str, IDS)))
    out["npy"] = tmp_path / "x.npy"
    parquet.write(parquet.features_table(IDS, values), tmp_path / "f.parquet")
    out["parquet"] = tmp_path / "f.parquet"
    imagelist = write_imagelist(tmp_path / "Imagelist.txt", IDS)
    for name, part in (("a.dat", values[:, :2]), ("b.dat", values[:, 2:])):
        np.savetxt(tmp_path / name, part, fmt="%.9g", delimiter=" ")
    out["low_level"] = [str(tmp_path / "a.dat"), str(tmp_path / "b.dat")]
    for kind, source in out.items():
        source = source if isinstance(source, list) else str(source)
        assert imported_features.kind(source) == kind
        target = tmp_path / f"{kind}.parquet"
        summary = imported_features.import_features(source, target, imagelist=imagelist)
        assert summary == {"format": kind, "rows": 4, "dims": 5, "dropped": 0}
        ids, read = parquet.read_features(target)
        np.testing.assert_array_equal(ids, IDS)
        np.testing.assert_allclose(read, values, rtol=1e-6)


@pytest.mark.parametrize(
    "fault, message",
    [
        ("duplicate", r"big: id 11 is listed more than once \(rows 2 and 3\)"),
        ("nan", r"big, row 3 \(id 12\): a NaN, infinite or null value"),
        ("shape", r"shape\.txt: 5 rows, but id\.txt lists 4 ids"),
        ("bytes", r"feature\.bin: 76 bytes, expected 4 x 5 float32 = 80"),
        ("id", r"id\.txt, line 1 \(row 2\): id 'x11' is not a photo id"),
    ],
)
def test_bad_bigfiles_are_refused_naming_the_file(tmp_path, fault, message):
    ids, values = IDS.copy(), features()
    if fault == "duplicate":
        ids[2] = 11
    if fault == "nan":
        values[2, 1] = np.nan
    folder = write_bigfile(
        tmp_path / "big", ids, values, id_text="2124494179 x11 12 13" if fault == "id" else None
    )
    if fault == "shape":
        (folder / "shape.txt").write_text("5 5")
    if fault == "bytes":
        (folder / "feature.bin").write_bytes((folder / "feature.bin").read_bytes()[:-4])
    with pytest.raises(ValueError, match=message):
        imported_features.import_features(str(folder), tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


def test_low_level_rows_must_match_the_image_list(tmp_path):
    imagelist = write_imagelist(tmp_path / "Imagelist.txt", IDS)
    np.savetxt(tmp_path / "BoW_int.dat", features(rows=3), fmt="%.6g")
    with pytest.raises(
        ValueError, match=r"BoW_int\.dat: 3 rows, expected 4 \(one per line of .*Imagelist\.txt\)"
    ):
        imported_features.import_features([str(tmp_path / "BoW_int.dat")], tmp_path / "o.parquet", imagelist)
    np.save(tmp_path / "y.npy", features())
    with pytest.raises(ValueError, match=r"y\.npy: its ids are expected beside it, in y\.ids\.txt"):
        imported_features.import_features(str(tmp_path / "y.npy"), tmp_path / "o.parquet")


@pytest.mark.slow
def test_table2_from_bigfile_features_without_images(release, tmp_path):  # noqa: F811
    """No image folder, no download: the images are never opened; images without imported
    features are dropped and counted; Table 2 has every row."""
    base, photos = release["base"], release["photos"]
    # Images are never checked, so the missing and the corrupt image are kept this time.
    unchecked = set(release["expected"]) | release["image_faults"]
    without_features = sorted(unchecked)[:2]
    # Every photo of the release (the one Flickr no longer has included) but those two.
    with_features = np.array(sorted((set(photos) | release["asked"]) - set(without_features)), dtype=np.int64)
    write_bigfile(tmp_path / "vgg16_fc7", with_features, features(len(with_features), 16, seed=1))
    table = pd.DataFrame(
        {
            "photo_id": list(photos),
            "tags": [" ".join(r["tags"]) for r in photos.values()],
            "sets": [" ".join(r["sets"]) for r in photos.values()],
            "groups": [" ".join(r["groups"]) for r in photos.values()],
            "owner": [r["owner"] for r in photos.values()],
        }
    )
    table.to_csv(tmp_path / "metadata.csv", index=False)
    workdir = tmp_path / "run"
    workdir.mkdir()
    config = {
        **{k: v for k, v in TINY.items() if k not in ("synthetic", "figures")},
        "splits": {**TINY["splits"], "count": 1},  # one split: the release path, not the spread
        "dataset": "nuswide",
        "nuswide": {"root": str(base / "NUS-WIDE"), "images": None, "bad_lines": "drop"},
        "flickr": {"metadata": str(tmp_path / "metadata.csv")},
        "features": {"backbone": "vgg16_fc7", "import": str(tmp_path / "vgg16_fc7")},
    }
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    jobs = planned_jobs(snakemake(workdir, "table2", "--dry-run"))
    assert jobs["import_features"] == 1
    assert not {"features", "image_manifest", "nuswide_download", "nuswide_check_images"} & set(jobs)
    snakemake(workdir, "table2")

    data = workdir / "results" / "nuswide" / "data"
    counts = json.loads((data / "ingest_counts.json").read_text())
    assert counts["no_features"] == 2 and not any(key.startswith("image_") for key in counts)
    kept = set(parquet.read(data / "images.parquet", parquet.IMAGES).column("image_id").to_pylist())
    assert kept == unchecked - set(without_features)
    drops = {k: v for k, v in counts.items() if k not in ("input", "duplicate_conflicts")}
    assert counts["kept"] == len(kept) and counts["input"] == sum(drops.values())
    table2 = pd.read_csv(workdir / "results" / "nuswide" / "tables" / "table2.csv")
    assert len(set(table2["method"])) == 7 and (table2["splits"] == 1).all()
    assert not (workdir / "results" / "nuswide" / "images").exists()


def test_an_import_needs_nuswide_and_a_backbone_name_needs_an_import():
    import copy

    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate
    from test_config_checks import SCHEMA

    from neighborhoods import config_checks

    config = {"dataset": "synthetic", "features": {"import": "/data/bigfile", "backbone": "vgg16_fc7"}}
    validate(copy.deepcopy(config), str(SCHEMA))  # any [a-z0-9_]+ name, with an import
    with pytest.raises(ValueError, match="imported features are for dataset nuswide"):
        config_checks.check_imported_features(config)
    with pytest.raises(WorkflowError):  # extracted here, it must be a backbone this pipeline loads
        validate({"features": {"backbone": "vgg16_fc7"}}, str(SCHEMA))
