"""A model whose features annotating cannot extract from photos (trained on imported features,
the public route's vgg16_fc7) is refused when the workflow loads, naming the checkpoint, its
backbone and what would work, before any job runs."""

import subprocess

import pytest
import yaml
from PIL import Image
from test_imported_features import features, write_bigfile
from test_nuswide_pipeline import release  # noqa: F401 (a fixture)
from test_pipeline import REPO, SNAKEMAKE, TINY

from neighborhoods import backbones, extractable
from neighborhoods.checkpoint import Checkpoint
from neighborhoods.settings import TrainingSettings


def enums_of_backbone(node) -> list[list[str]]:
    """Every `enum` the schema gives a `backbone` property, wherever it sits."""
    found = []
    if isinstance(node, dict):
        backbone = node.get("properties", {}).get("backbone", {})
        if isinstance(backbone, dict) and "enum" in backbone:
            found.append(backbone["enum"])
        for value in node.values():
            found += enums_of_backbone(value)
    elif isinstance(node, list):
        for value in node:
            found += enums_of_backbone(value)
    return found


def test_the_names_known_at_load_are_the_backbones_the_features_job_builds():
    assert extractable.BACKBONES == tuple(backbones.BACKBONES)
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    assert enums_of_backbone(schema) == [list(extractable.BACKBONES)]


def test_imported_backbones_are_refused_saying_why_and_what_works():
    model = "results/nuswide/runs/nbr-tags-tau5000-m3-M6/split0/model.pt"
    with pytest.raises(ValueError) as refused:
        extractable.check_annotate_model(model, "vgg16_fc7", imported=True)
    message = str(refused.value)
    assert model in message and "reads vgg16_fc7 features" in message
    assert "cannot extract from photos, so it cannot annotate them" in message
    assert "features.weights" in message and "features.import null" in message
    # Imported under a name the pipeline extracts: refused unless the checkpoint is named itself.
    with pytest.raises(ValueError, match=r"same network, weights file \(features.weights\)") as refused:
        extractable.check_annotate_model(model, "vgg16", imported=True)
    assert f"model: {model}" in str(refused.value)
    extractable.check_annotate_model(model, "vgg16", imported=False)
    extractable.check_annotate_model("elsewhere/model.pt", "efficientnet_lite0", imported=False)


def load_only(workdir, config: dict) -> subprocess.CompletedProcess:
    """`snakemake --dry-run annotate` in `workdir` with `config`: the workflow loads, nothing runs."""
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    command = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
    return subprocess.run(
        [*command, "--cores", "1", "--dry-run", "annotate"], capture_output=True, text=True, timeout=600
    )


def photo_folder(path):
    path.mkdir()
    for i in range(8):
        Image.new("RGB", (32, 32), (30 * i, 60, 90)).save(path / f"{i}.jpg")
    return path


@pytest.mark.slow
def test_a_checkpoint_file_of_imported_features_is_refused_at_load(tmp_path):
    settings = TrainingSettings(8, 0.5, 0.0, (1e-3,), 50, 10, 2, 10)
    checkpoint = tmp_path / "public.pt"
    saved = Checkpoint("nbr-tags-tau300-m3-M6", settings, 1e-3, "vgg16_fc7", 4096, ["c"], 0, None, {})
    saved.save(checkpoint)
    workdir = tmp_path / "run"
    workdir.mkdir()
    annotate = {"images": str(photo_folder(tmp_path / "photos")), "model": str(checkpoint)}
    result = load_only(workdir, {**TINY, "annotate": annotate})
    assert result.returncode != 0
    assert f"the model {checkpoint} reads vgg16_fc7 features" in result.stderr + result.stdout
    assert not (workdir / "results").exists()


@pytest.mark.slow
def test_the_public_route_is_refused_at_load_before_training(release, tmp_path):  # noqa: F811
    """dataset nuswide with imported VGG16 fc7 features: the default annotate model would be
    trained on them, so the annotate target is refused before any job (no training first)."""
    workdir = tmp_path / "run"
    workdir.mkdir()
    ids = sorted(release["photos"])
    write_bigfile(tmp_path / "vgg16_fc7", ids, features(len(ids), 16))
    config = {
        **{k: v for k, v in TINY.items() if k not in ("synthetic", "figures")},
        "dataset": "nuswide",
        "nuswide": {"root": str(release["base"] / "NUS-WIDE"), "images": None},
        "features": {"backbone": "vgg16_fc7", "import": str(tmp_path / "vgg16_fc7")},
        "annotate": {"images": str(photo_folder(tmp_path / "photos"))},
    }
    result = load_only(workdir, config)
    assert result.returncode != 0
    output = result.stderr + result.stdout
    assert "the model results/nuswide/runs/nbr-tags-tau300-m3-M6/split0/model.pt reads vgg16_fc7" in output
    assert "cannot annotate them" in output and "rule train" not in output
    assert not (workdir / "results").exists()
