"""A small NUS-WIDE release in the exact distributed formats, with the real release's faults.

Shared by test_nuswide, test_flickr and test_download. Rows (0-based) of Imagelist.txt:

 0 actor/0001_1001.jpg   sky                       kept
 1 actor/0002_1002.jpg   dog                       kept (merged with row 4)
 2 animal/0001_1003.jpg  -                         no_labels
 3 animal/0002_12ab.jpg  non-numeric photo id      bad line
 4 dog/0001_1002.jpg     dog, wedding              duplicate of 1002, conflicting labels
 5 dog/0002_1005.jpg     Labels_sky says "2"       bad line
 6 dog/0003_1006.jpg     Labels_wedding "1 0"      bad line (wrong field count)
 7 sky/0001_1007.jpg     wedding                   Flickr: photo not found (code 1)
 8 sky/0002_1008.jpg     sky                       no tags, sets or groups: no_metadata
 9 sky/0003_1009.jpg     sky                       image corrupt
10 sky/0004_1010.jpg     dog                       image missing

Labels_dog.txt and All_Tags.txt use CRLF line endings.
"""

from pathlib import Path

import numpy as np
from PIL import Image

CONCEPTS = ["sky", "dog", "wedding"]  # not NUS-WIDE's 81: nothing on the path may assume them
FILES = [
    "actor/0001_1001.jpg", "actor/0002_1002.jpg", "animal/0001_1003.jpg", "animal/0002_12ab.jpg",
    "dog/0001_1002.jpg", "dog/0002_1005.jpg", "dog/0003_1006.jpg", "sky/0001_1007.jpg",
    "sky/0002_1008.jpg", "sky/0003_1009.jpg", "sky/0004_1010.jpg",
]  # fmt: skip
IDS = ["1001", "1002", "1003", "12ab", "1002", "1005", "1006", "1007", "1008", "1009", "1010"]
LABELS = {
    "sky": ["1", "0", "0", "0", "0", "2", "0", "0", "1", "1", "0"],
    "dog": ["0", "1", "0", "0", "1", "0", "0", "0", "0", "0", "1"],
    "wedding": ["0", "0", "0", "0", "1", "0", "1 0", "1", "0", "0", "0"],
}
TAGS = {
    "1001": "sky blue",
    "1002": "puppy",
    "1003": "nothing",
    "12ab": "bad",
    "1005": "x",
    "1006": "y",
    "1007": "bride",
    "1008": "",
    "1009": "cloud",
    "1010": "woof",
}
TAGS_SECOND_1002 = "dog puppy"  # row 4, the duplicate: tags become the union
BAD_LINES = 3
KEPT = [1001, 1002]
LABELLED = [1001, 1002, 1007, 1008, 1009, 1010]  # photos worth an image check or a Flickr call


def _write(path: Path, lines: list[str], eol: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((eol.join(lines) + eol).encode())


def write_release(root: Path, *, drop_label_line: bool = False) -> Path:
    """The release folder; `drop_label_line` removes a row of Labels_sky.txt (a count mismatch)."""
    _write(root / "ConceptsList" / "Concepts81.txt", CONCEPTS, "\r\n")
    _write(
        root / "ImageList" / "Imagelist.txt",
        ["C:\\ImageData\\Flickr\\" + f.replace("/", "\\") for f in FILES],
    )
    for concept, values in LABELS.items():
        values = values[:-1] if drop_label_line and concept == "sky" else values
        _write(
            root / "Groundtruth" / "AllLabels" / f"Labels_{concept}.txt",
            values,
            "\r\n" if concept == "dog" else "\n",
        )
    tag_lines = []
    for i, photo in enumerate(IDS):
        text = TAGS_SECOND_1002 if i == 4 else TAGS[photo]
        tag_lines.append(f"{photo}      {text}".rstrip() + " ")
    _write(root / "NUS_WID_Tags" / "All_Tags.txt", tag_lines, "\r\n")
    url_lines = ["Photo_file Photo_id url_Large url_Middle url_Small url_Original"]
    for f, photo in zip(FILES, IDS, strict=True):
        url_lines.append(
            f"C:\\ImageData\\Flickr\\{f.replace('/', chr(92))} {photo} null "
            f"http://{{host}}/img/{photo}_m.jpg http://{{host}}/img/{photo}_s.jpg null"
        )
    _write(root / "NUS-WIDE-urls.txt", url_lines)
    return root


def write_images(folder: Path) -> Path:
    """Images in the release's <query>/<file> layout: good JPEGs, one corrupt, one missing."""
    for i, rel in enumerate(FILES):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith("_1010.jpg"):
            continue
        pixels = np.full((24, 32, 3), 40 * (i % 6), dtype=np.uint8)
        Image.fromarray(pixels).save(path, quality=90)
        if rel.endswith("_1009.jpg"):
            path.write_bytes(path.read_bytes()[:200])  # truncated: the header is there, the scan is not
    return folder


def jpeg_bytes(shade: int = 100) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray(np.full((16, 16, 3), shade, dtype=np.uint8)).save(buffer, format="JPEG")
    return buffer.getvalue()
