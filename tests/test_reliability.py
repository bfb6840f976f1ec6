"""Nothing lost, nothing silently wrong: the cases a new user met, replayed.

Two photo folders of one name, keywords separated by commas, a 20000 x 20000 PNG beside good
photos, 16-bit, palette, CMYK and transparent images, sidecars in Latin-1 or with a comma too
many, nested command-line overrides, a negative seed, a text file as a checkpoint, a photo id
too large for int64, and a photo added to an annotated folder."""

import os
import re
import struct
import subprocess
import unicodedata
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import release_fixture as fx
import skimage.data
import yaml
from PIL import Image
from test_config_checks import dry_run, merged
from test_pipeline import REPO, SNAKEMAKE, TINY, snakemake

from neighborhoods import checkpoint, config_checks, decoding, features, parquet
from neighborhoods.ingestion import assembly, download, nuswide, photos

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
HUGE = 20000


def huge_png(path: Path, side: int = HUGE) -> Path:
    """A side x side black PNG, written row by row as 1-bit gray: a few kilobytes on disk and
    no image in memory, yet side * side pixels to whoever decodes it."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    row = bytes(1 + (side + 7) // 8)  # filter byte, then the packed pixels
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


def photo(path: Path, image: np.ndarray | None = None, size: int = 48) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = skimage.data.astronaut() if image is None else image
    Image.fromarray(pixels).convert("RGB").resize((size, size)).save(path)
    return path


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image).astype(int)


# ---- one decoder for every stage -----------------------------------------------------------


def gray8() -> np.ndarray:
    return np.asarray(Image.fromarray(skimage.data.camera()).resize((64, 48)))


def write_16_and_8_bit(folder: Path) -> tuple[Path, Path]:
    """A 16-bit grayscale PNG and its 8-bit conversion (every 16-bit value is v8 * 257)."""
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(gray8().astype(np.uint16) * 257).save(folder / "sixteen.png")
    Image.fromarray(gray8()).save(folder / "eight.png")
    return folder / "sixteen.png", folder / "eight.png"


def test_a_16_bit_png_is_scaled_not_clipped_to_white(tmp_path):
    sixteen, eight = write_16_and_8_bit(tmp_path)
    assert Image.open(sixteen).mode == "I;16"
    decoded = decoding.decode(sixteen, decoding.MAX_PIXELS)
    assert decoded.mode == "RGB"
    np.testing.assert_array_equal(pixels(decoded), pixels(decoding.decode(eight, decoding.MAX_PIXELS)))
    assert pixels(decoded).mean() < 200  # Pillow's convert("RGB") clips it: nearly all 255


def test_the_16_bit_photos_features_equal_its_8_bit_conversions(tmp_path):
    sixteen, eight = write_16_and_8_bit(tmp_path / "images")
    empty = [[], []]
    table = pa.table(
        {
            "image_id": [1, 2],
            "path": [sixteen.name, eight.name],
            "labels": empty,
            "tags": empty,
            "sets": empty,
            "groups": empty,
            "owner": [None, None],
        }
    )
    parquet.write(table, tmp_path / "images.parquet", parquet.IMAGES)
    out = tmp_path / "features.parquet"
    options = {"backbone": "efficientnet_lite0", "batch_size": 1, "workers": 0, "device": "cpu"}
    features.extract(tmp_path / "images.parquet", tmp_path / "images", out, **options)
    _, values = parquet.read_features(out)
    np.testing.assert_array_equal(values[0], values[1])


def test_transparency_is_composited_on_white(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 200  # red under every pixel
    rgba[:4, :, 3] = 255  # top half opaque, bottom half transparent
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    got = pixels(decoding.decode(tmp_path / "rgba.png", decoding.MAX_PIXELS))
    assert (got[:4] == [200, 0, 0]).all() and (got[4:] == 255).all()

    Image.fromarray(rgba[..., [0, 3]]).convert("LA").save(tmp_path / "la.png")
    assert (pixels(decoding.decode(tmp_path / "la.png", decoding.MAX_PIXELS))[4:] == 255).all()

    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)  # 0 black, 1 blue
    palette.paste(0, (0, 0, 8, 4))
    palette.save(tmp_path / "palette.png", transparency=0)
    got = pixels(decoding.decode(tmp_path / "palette.png", decoding.MAX_PIXELS))
    assert (got[:4] == 255).all() and (got[4:] == [0, 0, 255]).all()


def test_cmyk_and_exif_orientation(tmp_path):
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")
    red = pixels(decoding.decode(tmp_path / "cmyk.jpg", decoding.MAX_PIXELS)).mean(axis=(0, 1))
    assert red[0] > 240 and red[1] < 15 and red[2] < 15
    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side: a viewer turns it 90 degrees clockwise
    Image.new("RGB", (20, 10), "green").save(tmp_path / "turned.jpg", exif=exif)
    assert decoding.decode(tmp_path / "turned.jpg", decoding.MAX_PIXELS).size == (10, 20)


def test_too_large_and_broken_images_are_refused_with_their_reason(tmp_path):
    with pytest.raises(decoding.ImageError, match=r"^too large: more than features.max_pixels") as error:
        decoding.decode(huge_png(tmp_path / "huge.png"), decoding.MAX_PIXELS)
    assert error.value.reason == decoding.TOO_LARGE
    small = photo(tmp_path / "small.png", size=16)
    with pytest.raises(decoding.ImageError, match=r"^too large: 16 x 16 pixels, more than .*\(100\)"):
        decoding.decode(small, max_pixels=100)
    (tmp_path / "cut.jpg").write_bytes(photo(tmp_path / "whole.jpg").read_bytes()[:400])
    with pytest.raises(decoding.ImageError, match="^cannot decode") as error:
        decoding.decode(tmp_path / "cut.jpg", decoding.MAX_PIXELS)
    assert error.value.reason == decoding.UNDECODABLE


def test_the_schema_default_limit_is_the_librarys():
    schema = yaml.safe_load(SCHEMA.read_text())
    limit = schema["properties"]["features"]["properties"]["max_pixels"]
    assert limit["default"] == decoding.MAX_PIXELS
    assert limit["maximum"] == 2 * Image.MAX_IMAGE_PIXELS  # above it Pillow refuses on its own


def test_the_nuswide_image_check_counts_too_large_images(tmp_path):
    release = nuswide.read_release(fx.write_release(tmp_path / "NUS-WIDE"), policy="drop")
    images = fx.write_images(tmp_path / "Flickr")
    huge_png(images / "sky" / "0002_1008.jpg")  # a PNG under a .jpg name, as Flickr serves some
    labelled = assembly.labelled(release.table)
    status = download.check_folder(labelled, images, workers=2)
    statuses = dict(
        zip(status.column("image_id").to_pylist(), status.column("status").to_pylist(), strict=True)
    )
    assert statuses[1008] == "too_large" and statuses[1001] == "ok"
    counts = {}
    assembly._checked_images(labelled, status, counts)
    assert counts["image_too_large"] == 1


# ---- the photo folder ----------------------------------------------------------------------


def test_a_huge_png_and_a_link_to_nothing_are_skipped_and_the_others_kept(tmp_path):
    folder = tmp_path / "holiday"
    for i in range(3):
        photo(folder / f"photo{i}.jpg")
    huge_png(folder / "huge.png")
    os.symlink(folder / "moved.jpg", folder / "gone.jpg")
    found, skipped = photos.scan(folder)
    assert [p.path for p in found] == ["photo0.jpg", "photo1.jpg", "photo2.jpg"]
    reasons = dict(skipped)
    assert reasons["huge.png"].startswith("too large")
    assert reasons["gone.jpg"].startswith("a link to nothing")
    _, skipped = photos.scan(folder, max_pixels=1000)
    assert dict(skipped)["photo0.jpg"] == "too large: 48 x 48 pixels, more than features.max_pixels (1,000)"


@pytest.fixture
def folder(tmp_path) -> Path:
    for i in range(3):
        photo(tmp_path / "trip" / f"photo{i}.jpg")
    return tmp_path / "trip"


def tags_from(folder: Path, sidecar: Path) -> dict[str, set[str]]:
    found, skipped = photos.scan(folder)
    photos.apply_sidecar(found, sidecar, skipped)
    return {p.path: p.tags for p in found}


def test_keywords_separated_by_commas_or_semicolons_and_in_any_unicode_form(folder, tmp_path):
    sidecar = tmp_path / "tags.csv"
    nfd = unicodedata.normalize("NFD", "café")
    sidecar.write_text(
        f'file,tags\nphoto0.jpg,"kitty, tabby, whiskers"\nphoto1.jpg,café;Tabby\nphoto2.jpg,{nfd} bar\n',
        encoding="utf-8",
    )
    tags = tags_from(folder, sidecar)
    assert tags["photo0.jpg"] == {"kitty", "tabby", "whiskers"}
    assert tags["photo1.jpg"] == {"café", "tabby"}
    assert tags["photo2.jpg"] == {"café", "bar"}  # one tag with photo1's, in NFC form


def test_a_latin1_sidecar_is_read(folder, tmp_path):
    sidecar = tmp_path / "tags.csv"
    sidecar.write_bytes("file,tags\nphoto0.jpg,café crème\n".encode("latin-1"))
    assert tags_from(folder, sidecar)["photo0.jpg"] == {"café", "crème"}
    sidecar.write_bytes("\ufefffile,tags\nphoto0.jpg,thé\n".encode())  # UTF-8 with a byte-order mark
    assert tags_from(folder, sidecar)["photo0.jpg"] == {"thé"}


def test_sidecar_errors_name_the_true_line(folder, tmp_path):
    sidecar = tmp_path / "tags.csv"
    sidecar.write_text("file,tags\nphoto0.jpg,kitty, tabby\n")
    with pytest.raises(ValueError, match=r"tags.csv, line 2: 3 fields, expected at most 2 \(file, tags\)"):
        tags_from(folder, sidecar)
    # A quoted field over two lines, then a blank line: the bad row is on line 5.
    sidecar.write_text('file,tags\nphoto0.jpg,"kitty\ntabby"\n\nnope.jpg,x\n')
    with pytest.raises(ValueError, match=r"tags.csv, line 5: file 'nope.jpg' names no decodable photo"):
        tags_from(folder, sidecar)


def test_integer_keywords_in_a_parquet_sidecar_are_kept(folder, tmp_path):
    sidecar = tmp_path / "tags.parquet"
    pq.write_table(pa.table({"file": ["photo0.jpg", "photo1.jpg"], "tags": [[2024, 7], [12]]}), sidecar)
    tags = tags_from(folder, sidecar)
    assert tags["photo0.jpg"] == {"2024", "7"} and tags["photo1.jpg"] == {"12"}
    pq.write_table(pa.table({"file": ["photo0.jpg", "photo1.jpg"], "groups": [1999, 2000]}), sidecar)
    found, _ = photos.scan(folder)
    photos.apply_sidecar(found, sidecar)
    assert found[1].groups == {"2000"}
    pq.write_table(pa.table({"file": ["photo0.jpg", "photo1.jpg"], "tags": [[1.5], [2.5]]}), sidecar)
    with pytest.raises(ValueError, match=r"tags.parquet, row 1, column tags: expected keywords as text"):
        tags_from(folder, sidecar)


def test_a_second_folder_of_the_same_name_is_refused_naming_annotate_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first, second = tmp_path / "2023" / "holiday", tmp_path / "2024" / "holiday"
    for root in (first, second):
        photo(root / "photo.jpg")
    found, _ = photos.scan(first)
    photos.write_photos(found, first, photos.collection(first, None) / "photos.parquet")
    assert photos.collection(second, None) == Path("results/annotate/holiday")
    photos.check_collection(first, None)  # the same folder again: its own results
    with pytest.raises(
        ValueError, match=r"holds the annotations of the photo folder .*2023/holiday.*annotate.name"
    ):
        photos.check_collection(second, None)
    photos.check_collection(second, "holiday-2024")


# ---- the config, at load time --------------------------------------------------------------


def test_command_line_overrides_follow_the_schemas_types():
    config = {
        "model": {"hidden": "5", "dropout": "1e-1"},
        "flickr": {"get_info": "false"},
        "features": {"backbone": "alexnet", "weights": "null"},
        "sweeps": {"m": ["1", "2"]},
        "annotate": {"images": "photos", "top": "4", "name": "2024"},
    }
    config_checks.command_line_types(config, SCHEMA)
    assert config == {
        "model": {"hidden": 5, "dropout": 0.1},
        "flickr": {"get_info": False},
        "features": {"backbone": "alexnet", "weights": None},
        "sweeps": {"m": [1, 2]},
        "annotate": {"images": "photos", "top": 4, "name": "2024"},  # a string stays a string
    }
    with pytest.raises(ValueError, match=r"model.hidden is 'five': expected integer"):
        config_checks.command_line_types({"model": {"hidden": "five"}}, SCHEMA)
    with pytest.raises(ValueError, match=r"sweeps.m\[1\] is '2.5': expected integer"):
        config_checks.command_line_types({"sweeps": {"m": ["1", "2.5"]}}, SCHEMA)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, message",
    [
        (["--config", "model={hidden: 5}", "sweeps={m: [1, 2]}", "flickr={get_info: false}"], None),
        (["--config", "seed=-1"], "-1 is less than the minimum of 0"),
        (
            ["--config", "annotate={images: 'photos/{year}'}"],
            "annotate.images ('photos/{year}') holds a brace",
        ),
    ],
)
def test_dry_run_accepts_nested_overrides_and_refuses_what_the_config_shows(tmp_path, args, message):
    result = dry_run(tmp_path, merged(TINY, {}), *args)
    output = result.stdout + result.stderr
    if message is None:
        assert result.returncode == 0, output
    else:
        assert result.returncode != 0 and message in output, output


def test_a_text_file_as_checkpoint_is_named_at_load_and_in_the_job(tmp_path):
    (tmp_path / "photos").mkdir()
    text = tmp_path / "model.pt"
    text.write_text("not a model\n")
    section = {
        "images": str(tmp_path / "photos"),
        "name": None,
        "metadata": None,
        "model": str(text),
        "top": 3,
    }
    with pytest.raises(ValueError, match=r"annotate.model: .*model.pt is not a checkpoint of this pipeline"):
        config_checks.check_annotate({"annotate": section, "neighbors": {"max_rank": 20}})
    with pytest.raises(ValueError, match=r"model.pt: not a checkpoint of this pipeline") as error:
        checkpoint.load(text)
    assert "weights_only" not in str(error.value)


def test_a_photo_id_too_large_for_int64_is_a_bad_line(tmp_path):
    root = fx.write_release(tmp_path / "NUS-WIDE")
    imagelist = root / "ImageList" / "Imagelist.txt"
    lines = imagelist.read_text().splitlines()
    lines[0] = lines[0].replace("_1001.jpg", "_99999999999999999999.jpg")
    imagelist.write_text("\n".join(lines) + "\n")
    with pytest.raises(nuswide.ReleaseError, match=r"Imagelist.txt:1: expected a numeric photo id \(at most"):
        nuswide.read_release(root, policy="stop")
    release = nuswide.read_release(root, policy="drop")
    assert 1001 not in release.table.column("image_id").to_pylist()
    assert release.counts["bad_lines"] == fx.BAD_LINES + 1


def test_examples_name_the_target_before_the_config_file():
    """`snakemake --configfile mine.yaml table2` reads table2 as a second config file."""
    files = [
        REPO / "README.md",
        *REPO.glob("docs/*.md"),
        *REPO.glob("config/*.yaml"),
        *REPO.glob("workflow/**/*.smk"),
    ]
    wrong = re.compile(r"--configfile +\S+ +(?!-|\\|#)[\w/.]+")
    found = [
        f"{path.name}: {line}"
        for path in files
        for line in path.read_text().splitlines()
        if wrong.search(line)
    ]
    assert not found, found


# ---- the annotate target end to end ---------------------------------------------------------


def annotate(workdir: Path, folder: Path, *args: str) -> str:
    return snakemake(workdir, "annotate", "--config", f"annotate={{images: {folder}}}", *args)


@pytest.mark.slow
def test_adding_a_photo_extracts_one_photo_and_a_namesake_folder_is_refused(built, tmp_path):
    folder = tmp_path / "2023" / "album"
    sources = [skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea()]
    for i in range(9):
        photo(folder / f"photo{i}.jpg", np.roll(sources[i % 3], 11 * i, axis=1))
    huge_png(folder / "huge.png")
    annotate(built, folder)
    results = built / "results" / "annotate" / "album"
    skipped = pd.read_csv(results / "skipped.csv")
    assert skipped["path"].tolist() == ["huge.png"] and skipped["reason"].str.startswith("too large").all()
    assert len(pd.read_parquet(results / "annotations.parquet")) == 9

    photo(folder / "photo9.jpg", skimage.data.rocket())
    annotate(built, folder)
    log = (built / "logs" / "annotate" / "album" / "features.log").read_text()
    assert "10 images: 9 reused, 1 to extract" in log
    assert len(pd.read_parquet(results / "annotations.parquet")) == 10

    namesake = tmp_path / "2024" / "album"
    photo(namesake / "photo.jpg")
    before = (results / "annotations.parquet").read_bytes()
    command = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--directory", str(built), "annotate"]
    config = ["--config", f"annotate={{images: {namesake}}}"]
    result = subprocess.run(command + config, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "set annotate.name" in result.stdout + result.stderr
    assert (results / "annotations.parquet").read_bytes() == before
