"""Names that become folders (results/<name>, results/annotate/<name>) are plain folder names,
refused at load otherwise; no planned output of any shipped config lies outside results/, logs/
and docs/results/; the annotate target never writes into a folder it did not make."""

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from release_fixture import write_images, write_release
from test_imported_features import features, write_bigfile
from test_mcauley import write_xml
from test_pipeline import REPO, SNAKEMAKE

from benchmarks.mcauley_xml import record
from neighborhoods import config_checks
from neighborhoods.ingestion import photos

HOSTILE = ["..", ".", "/tmp/x", "a/b", "../../x", "", ".hidden", "a\\b"]
CONFIGS = ["config.yaml", *sorted(p.relative_to(REPO).as_posix() for p in (REPO / "config").glob("*.yaml"))]
ALLOWED = ("results/", "logs/", "docs/results/")


# ---- the rule, in the library --------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("key", ["name", "annotate.name"])
def test_a_name_that_is_not_a_plain_folder_name_is_refused_naming_the_key_and_the_rule(key, name):
    config = {"name": name} if key == "name" else {"annotate": {"images": "photos", "name": name}}
    with pytest.raises(ValueError) as error:
        config_checks.check_names(config)
    message = str(error.value)
    assert message.startswith(f"{key} is {name!r}: it names ") and "a plain folder name" in message, message
    assert "no '/', no '..', no absolute path" in message


def test_plain_names_pass_and_a_number_is_asked_to_be_quoted():
    for name in ("tiny", "nuswide-public", "seed_1", "v1.2", "2024"):
        config_checks.check_names({"name": name, "annotate": {"images": "x", "name": name}})
    config_checks.check_names({"name": None, "annotate": {"images": "x"}})
    config_checks.check_names({"annotate": "not a section"})  # left to the schema
    with pytest.raises(ValueError, match=r"name is 2024, a number: expected a folder name as text; quote it"):
        config_checks.check_names({"name": 2024})


def test_the_schema_states_the_same_rule():
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    patterns = [
        schema["properties"]["name"]["pattern"],
        schema["properties"]["annotate"]["properties"]["name"]["pattern"],
    ]
    for pattern in patterns:
        for name in HOSTILE:
            assert not re.search(pattern, name), (pattern, name)
        assert re.search(pattern, "nuswide-public") and re.search(pattern, "v1.2")
        assert pattern == f"^{config_checks.FOLDER_NAME.pattern}$"


# ---- the annotate target's folder ----------------------------------------------------------


def photo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 16), "red").save(path)
    return path


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    photo(tmp_path / "holiday" / "a.jpg")
    return tmp_path


def test_a_folder_the_annotate_target_did_not_make_is_refused(here):
    images = here / "holiday"
    folder = here / "results" / "annotate" / "holiday"
    photos.check_collection(images, None)  # not there yet
    folder.mkdir(parents=True)
    photos.check_collection(images, None)  # empty: nothing to lose (a first run that failed)
    (folder / "index.html").write_text("someone else's page")
    with pytest.raises(
        ValueError, match=r"holds files the annotate target did not write \(it has no photo_folder.txt\)"
    ):
        photos.check_collection(images, None)
    photos.write_marker(images, folder / photos.MARKER)
    photos.check_collection(images, None)  # its own folder, without photos.parquet
    other = photo(here / "2024" / "holiday" / "b.jpg").parent
    with pytest.raises(
        ValueError, match=r"holds the annotations of the photo folder .*/holiday.*annotate.name"
    ):
        photos.check_collection(other, None)


def test_a_collection_written_before_the_marker_is_still_known_by_its_photos_table(here):
    images = here / "holiday"
    found, _ = photos.scan(images)
    photos.write_photos(found, images, photos.collection(images, None) / "photos.parquet")
    photos.check_collection(images, None)
    (photos.collection(images, None) / "photos.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match="holds files the annotate target did not write"):
        photos.check_collection(images, None)


def test_a_collection_folder_that_is_a_link_or_a_file_is_refused(here):
    images = here / "holiday"
    elsewhere = here / "elsewhere"
    elsewhere.mkdir()
    (here / "results" / "annotate").mkdir(parents=True)
    (here / "results" / "annotate" / "holiday").symlink_to(elsewhere)
    with pytest.raises(ValueError, match=r"results/annotate/holiday is a symbolic link \(to .*elsewhere\)"):
        photos.check_collection(images, None)
    (here / "results" / "annotate" / "other").write_text("x")
    with pytest.raises(ValueError, match=r"results/annotate/other is a file"):
        photos.check_collection(images, "other")


def test_a_default_name_that_cannot_name_a_folder_asks_for_annotate_name(here):
    with pytest.raises(
        ValueError, match=r"the photo folder's name '' cannot name its results folder.*annotate.name"
    ):
        photos.collection("/", None)
    braces = photo(here / "{x}" / "a.jpg").parent
    with pytest.raises(ValueError, match=r"the photo folder's name '\{x\}' cannot name"):
        photos.collection(braces, None)
    assert photos.collection(braces, "x") == Path("results/annotate/x")


# ---- the real snakemake: every shipped config ----------------------------------------------


def run(workdir: Path, *args: str, dry: bool = True) -> subprocess.CompletedProcess:
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--cores",
        "1",
    ]
    return subprocess.run(
        [*command, *(["-n"] if dry else []), *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """What the NUS-WIDE configs read, and a photo folder for the annotate target."""
    base = tmp_path_factory.mktemp("inputs")
    root = write_release(base / "NUS-WIDE")
    images = write_images(base / "Flickr")
    ids = np.arange(1001, 1013, dtype=np.int64)
    bigfile = write_bigfile(base / "bigfile", ids, features(len(ids), 8))
    xml = write_xml(base / "photos.xml", [record(str(i), "u", ["t"], ["s"], ["g"]) for i in ids])
    for i in range(8):
        photo(base / "holiday" / f"{i}.jpg")
    return {"root": root, "images": images, "bigfile": bigfile, "xml": xml, "photos": base / "holiday"}


def overlay(config_file: str, inputs: dict) -> dict:
    """The shipped config's own keys, with the data paths it names pointed at the fixture's."""
    shipped = yaml.safe_load((REPO / config_file).read_text())
    if shipped.get("dataset") != "nuswide":
        return {}
    out = {
        "nuswide": {
            "root": str(inputs["root"]),
            "images": shipped["nuswide"]["images"] and str(inputs["images"]),
        }
    }
    if shipped.get("features", {}).get("import"):
        out["features"] = {"import": str(inputs["bigfile"])}
    if shipped.get("flickr", {}).get("metadata"):
        out["flickr"] = {"metadata": str(inputs["xml"])}
    return out


def workdir_for(tmp_path: Path, config_file: str, inputs: dict, extra: dict | None = None) -> Path:
    workdir = tmp_path / "run"
    workdir.mkdir(exist_ok=True)
    (workdir / "config.yaml").write_text((REPO / "config.yaml").read_text())
    (workdir / "shipped.yaml").write_text((REPO / config_file).read_text())
    (workdir / "paths.yaml").write_text(yaml.safe_dump({**overlay(config_file, inputs), **(extra or {})}))
    return workdir


def planned_paths(output: str) -> list[str]:
    """Every output, log and benchmark file of the jobs a dry run lists."""
    found = re.findall(r"^\s+(?:output|log|benchmark): (.+)$", output, re.M)
    return [path for line in found for path in line.split(", ")]


@pytest.mark.slow
@pytest.mark.parametrize("config_file", CONFIGS)
def test_every_config_refuses_hostile_names_and_plans_nothing_outside_the_result_folders(
    tmp_path, inputs, config_file
):
    workdir = workdir_for(tmp_path, config_file, inputs)
    files = ["--configfile", str(workdir / "shipped.yaml"), str(workdir / "paths.yaml")]
    # Names are checked when the workflow loads, before anything a config sets: one config
    # shows a refusal of each key (each a Snakemake start; the library's check is tested above
    # on every hostile name), every config its plan.
    for name, other in [("../../x", "/tmp/x")] if config_file == "config.yaml" else []:
        refused = run(workdir, *files, "--config", f"name={name}")
        output = refused.stdout + refused.stderr
        assert (
            refused.returncode != 0 and f"name is {name!r}: it names the folders results/<name>/" in output
        ), output
        annotate = f"annotate={{images: {inputs['photos']}, name: '{other}'}}"
        refused = run(workdir, "annotate", *files, "--config", annotate)
        output = refused.stdout + refused.stderr
        assert refused.returncode != 0 and f"annotate.name is {other!r}" in output, output
    assert {p.name for p in workdir.iterdir()} - {".snakemake"} == {
        "config.yaml",
        "paths.yaml",
        "shipped.yaml",
    }

    # Annotating photos needs features extracted here: not imported ones, nor the control's.
    shipped = yaml.safe_load((REPO / config_file).read_text())
    annotates = not shipped.get("features", {}).get("import") and shipped.get("dataset") != "control"
    annotate = (
        ["annotate", *files, "--config", f"annotate={{images: {inputs['photos']}}}"] if annotates else files
    )
    planned = run(workdir, "all", "docs", "learning_curves", *annotate)
    assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr[-3000:]
    paths = planned_paths(planned.stdout)
    assert len(paths) > 20 and any(p.startswith("results/annotate/holiday/") for p in paths) == annotates
    outside = [p for p in paths if os.path.isabs(p) or not os.path.normpath(p).startswith(ALLOWED)]
    assert not outside, outside


@pytest.mark.slow
def test_annotate_with_a_name_pointing_elsewhere_is_refused_before_any_job_and_leaves_the_folder_alone(
    tmp_path, inputs
):
    workdir = workdir_for(tmp_path, "config/tiny.yaml", inputs)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "index.html").write_text("my page")
    (victim / "annotations.csv").write_text("mine\n")
    before = {p.name: p.read_bytes() for p in victim.iterdir()}

    def annotate(name: str) -> str:
        result = run(workdir, "annotate", "--configfile", str(workdir / "shipped.yaml"), "--config",
                     f"annotate={{images: {inputs['photos']}, name: '{name}'}}", dry=False)  # fmt: skip
        assert result.returncode != 0, result.stdout[-2000:]
        assert "rule " not in result.stdout + result.stderr  # no job ran
        return result.stdout + result.stderr

    assert "annotate.name is" in annotate(str(victim))
    assert "annotate.name is" in annotate(os.path.relpath(victim, workdir / "results" / "annotate"))
    collections = workdir / "results" / "annotate"
    collections.mkdir(parents=True)
    (collections / "mine").symlink_to(victim)
    assert "results/annotate/mine is a symbolic link" in annotate("mine")
    (collections / "copied").mkdir()
    (collections / "copied" / "index.html").write_text("copied by hand")
    assert "results/annotate/copied holds files the annotate target did not write" in annotate("copied")
    assert {p.name: p.read_bytes() for p in victim.iterdir()} == before
    assert (collections / "copied" / "index.html").read_text() == "copied by hand"
    assert not (workdir / "logs").exists()
