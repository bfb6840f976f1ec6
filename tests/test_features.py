"""Backbones load real pretrained weights offline, and extract() writes what the model computes."""

import numpy as np
import pyarrow as pa
import pytest
import skimage.data
import torch
import torchvision
from PIL import Image
from timm.data import create_transform, resolve_data_config

from neighborhoods import tables
from neighborhoods.backbones import BACKBONES, efficientnet_lite0_classifier, load_backbone
from neighborhoods.features import extract

ESPRESSO, CUP, COFFEE_MUG = 967, 968, 504
CATS = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat


@pytest.fixture(scope="module")
def classifier():
    return efficientnet_lite0_classifier()


def top5(model, image: np.ndarray) -> set[int]:
    transform = create_transform(**resolve_data_config({}, model=model))
    with torch.inference_mode():
        logits = model(transform(Image.fromarray(image)).unsqueeze(0))
    return set(logits[0].topk(5).indices.tolist())


def test_default_backbone_is_imagenet_pretrained(classifier):
    """Only a correct key renaming recognises these; random or shuffled weights would not."""
    assert top5(classifier, skimage.data.coffee()) & {ESPRESSO, CUP, COFFEE_MUG}
    assert top5(classifier, skimage.data.chelsea()) & set(CATS)


@pytest.fixture(scope="module")
def image_table(tmp_path_factory):
    """Images of several sizes and modes (grayscale, RGBA), ids deliberately unsorted."""
    root = tmp_path_factory.mktemp("images")
    sources = {
        42: skimage.data.coffee(),
        7: skimage.data.chelsea(),
        1000: skimage.data.camera(),  # grayscale
        3: skimage.data.astronaut(),
        19: skimage.data.rocket(),
        5: np.dstack(
            [skimage.data.coffee(), np.full(skimage.data.coffee().shape[:2], 200, np.uint8)]
        ),
    }
    paths = []
    for i, (image_id, array) in enumerate(sources.items()):
        image = Image.fromarray(array)
        image = image.resize((96 + 16 * i, 128 - 8 * i))
        path = f"sub/{image_id}.png"
        (root / "sub").mkdir(exist_ok=True)
        image.save(root / path)
        paths.append(path)
    ids = list(sources)
    empty = [[] for _ in ids]
    table = pa.table(
        {
            "image_id": ids,
            "path": paths,
            "labels": empty,
            "tags": empty,
            "sets": empty,
            "groups": empty,
            "owner": [None] * len(ids),
        }
    )
    images = root / "images.parquet"
    tables.write(table, images, tables.IMAGES)
    return images, root, ids, paths


@pytest.mark.parametrize("workers", [0, 2])
def test_extract_matches_direct_forward(image_table, classifier, tmp_path, workers):
    images, root, ids, paths = image_table
    out = tmp_path / "features" / "efficientnet_lite0.parquet"
    extract(
        images,
        root,
        out,
        backbone="efficientnet_lite0",
        batch_size=4,
        workers=workers,
        device="cpu",
    )

    got_ids, got = tables.read_features(out)
    assert got_ids.tolist() == ids
    assert got.shape == (len(ids), 1280)
    assert np.isfinite(got).all()

    transform = create_transform(**resolve_data_config({}, model=classifier))
    batch = torch.stack([transform(Image.open(root / p).convert("RGB")) for p in paths])
    with torch.inference_mode():
        expected = classifier.forward_head(classifier.forward_features(batch), pre_logits=True)
    np.testing.assert_allclose(got, expected.numpy(), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("workers", [0, 2])
def test_missing_image_names_file_and_row(image_table, tmp_path, workers):
    images, root, ids, paths = image_table
    table = tables.read(images, tables.IMAGES)
    broken = table.set_column(1, "path", pa.array(paths[:3] + ["sub/gone.png"] + paths[4:]))
    tables.write(broken, tmp_path / "images.parquet")
    with pytest.raises(OSError, match=r"sub/gone\.png \(images table row 3\)"):
        extract(
            tmp_path / "images.parquet",
            root,
            tmp_path / "f.parquet",
            backbone="efficientnet_lite0",
            batch_size=2,
            workers=workers,
            device="cpu",
        )
    assert not (tmp_path / "f.parquet").exists()


def test_unknown_backbone_lists_known_ones():
    with pytest.raises(ValueError, match="unknown backbone 'caffenet'") as error:
        load_backbone("caffenet")
    for name in BACKBONES:
        assert name in str(error.value)


def test_missing_torchvision_weights_say_where_and_how(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    expected = tmp_path / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth"
    with pytest.raises(FileNotFoundError) as error:
        load_backbone("alexnet")
    message = str(error.value)
    assert str(expected) in message and "features.weights" in message
    with pytest.raises(FileNotFoundError, match="nowhere.pth"):
        load_backbone("alexnet", weights=tmp_path / "nowhere.pth")


def test_alexnet_from_hub_cache_gives_fc7(tmp_path, monkeypatch):
    """The cached file is found and loaded; the feature is fc7 after its ReLU, not the logits."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    torch.manual_seed(0)
    reference = torchvision.models.alexnet().eval()
    cache = tmp_path / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    torch.save(reference.state_dict(), cache / "alexnet-owt-7be5be79.pth")

    backbone = load_backbone("alexnet")
    x = torch.randn(2, 3, 224, 224)
    with torch.inference_mode():
        got = backbone.model(x)
        hidden = torch.flatten(reference.avgpool(reference.features(x)), 1)
        fc7 = torch.relu(reference.classifier[4](torch.relu(reference.classifier[1](hidden))))
    assert backbone.width == 4096 and got.shape == (2, 4096)
    torch.testing.assert_close(got, fc7)
