"""A small photo collection like a photo manager leaves it: real photos (scikit-image's) in
nested folders with keywords embedded by exiftool, one photo without any, a corrupt JPEG, a
text file, and a sidecar table. The annotate tests use it; the contact sheet in docs/annotate.md shows it.

    python -m tests.photo_collection DIR     # writes DIR/holiday/ and DIR/sidecar.csv
"""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image

EXIFTOOL = shutil.which("exiftool")

# Keywords no generated tag uses (the tests check it against the training vocabulary).
CAT = ["kitty", "whiskers", "tabby"]
DRINK = ["espresso", "mug", "breakfast"]
SPACE = ["nasa", "astronaut suit", "launchpad"]


def embed(path: Path, keywords: list[str], xmp: bool = True, iptc: bool = True) -> None:
    """Write keywords into a photo the way photo managers do, with exiftool."""
    if EXIFTOOL is None:
        raise FileNotFoundError("exiftool is not installed (Debian: libimage-exiftool-perl)")
    args = [f"-XMP-dc:Subject={k}" for k in keywords if xmp] + [
        f"-IPTC:Keywords={k}" for k in keywords if iptc
    ]
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", *args, str(path)], check=True)


def _save(image: np.ndarray, path: Path, size: int = 96) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).convert("RGB").resize((size, size)).save(path)
    return path


def write(folder: Path) -> Path:
    """folder/holiday: three themes of three photos sharing keywords (in XMP, IPTC or both), an
    exact copy of the first cat filed in the kitchen with the coffee keywords, a pure red photo,
    one photo without metadata, a corrupt JPEG and a text file; folder/sidecar.csv adds two
    tags to one photo by its file name. Returns folder/holiday."""
    root = folder / "holiday"
    themes = {
        "cats": (skimage.data.chelsea(), CAT),
        "kitchen": (skimage.data.coffee(), DRINK),
        "space": (skimage.data.astronaut(), SPACE),
    }
    for name, (image, words) in themes.items():
        for i in range(3):
            path = _save(np.roll(image, 7 * i, axis=1), root / name / f"{name}{i}.jpg")
            embed(path, words[: 2 + i % 2], xmp=i != 1, iptc=i != 2)
    embed(_save(skimage.data.chelsea(), root / "kitchen" / "cat_in_kitchen.jpg"), DRINK)
    _save(skimage.data.rocket(), root / "space" / "untagged.png")
    red = np.zeros((96, 96, 3), dtype=np.uint8)
    red[..., 0] = 255
    embed(_save(red, root / "a_red.jpg"), ["ruby"])
    (root / "space" / "broken.jpg").write_bytes((root / "space" / "space0.jpg").read_bytes()[:600])
    (root / "notes.txt").write_text("not a photo\n")
    (folder / "sidecar.csv").write_text("file,tags\nspace2.jpg,rocketry;nasa\n")
    return root


if __name__ == "__main__":
    print(write(Path(sys.argv[1])))
