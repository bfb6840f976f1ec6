"""An image file as the RGB picture every stage reads: one decoder, so feature extraction, the
NUS-WIDE image check and the annotate scan agree on which files are usable and what they show.

- Upright as a viewer shows it (EXIF orientation applied).
- 16-bit grayscale (PNG's I;16) is scaled to 8 bits (v / 257, rounded); Pillow's own
  conversion clips it at 255, which turns most photos white.
- Transparency (RGBA, LA, a palette or colour with a transparent entry) is composited on white,
  as a viewer on a white page shows it: the colour under a transparent pixel is arbitrary.
- Palette, grayscale, 1-bit and CMYK images are converted by Pillow.
- An image of more than `max_pixels` pixels is refused as too large, judged from its header
  before any pixel is decoded (config features.max_pixels; Pillow's own decompression-bomb
  limit, twice Image.MAX_IMAGE_PIXELS, is the schema's maximum for it).

Every failure is an ImageError whose text starts with its reason, "too large" or "cannot
decode", so callers skip and count the file by reason.
"""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps

# The configured limit decides; Pillow's warning below its hard limit would only repeat it.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

MAX_PIXELS = 100_000_000  # a 10,000 x 10,000 image; the schema's default for features.max_pixels
TOO_LARGE = "too large"
UNDECODABLE = "cannot decode"
SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N", "I")  # PNG 16-bit grayscale opens as I;16 (older Pillow: I)
TRANSPARENT = ("RGBA", "LA", "PA", "La", "RGBa")
WHITE = (255, 255, 255, 255)
_PILLOW_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


class ImageError(OSError):
    """A file that is not a usable image; `reason` is TOO_LARGE or UNDECODABLE."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def _too_large(max_pixels: int, size: tuple[int, int] | None = None) -> ImageError:
    shape = f"{size[0]} x {size[1]} pixels, " if size else ""
    return ImageError(TOO_LARGE, f"{shape}more than features.max_pixels ({max_pixels:,})")


@contextmanager
def opened(file: str | Path | BinaryIO, max_pixels: int) -> Iterator[Image.Image]:
    """The image with only its header read (format, size, metadata), refused if too large."""
    try:
        image = Image.open(file)
    except Image.DecompressionBombError:
        raise _too_large(max_pixels) from None
    except _PILLOW_ERRORS as error:
        raise ImageError(UNDECODABLE, str(error)) from error
    with image:
        if image.width * image.height > max_pixels:
            raise _too_large(max_pixels, image.size)
        yield image


def rgb(image: Image.Image, draft: tuple[int, int] | None = None) -> Image.Image:
    """The whole image decoded (a truncated file fails here), upright, as 8-bit RGB; `draft`
    lets a JPEG decode at a reduced scale, which still reads the whole stream."""
    try:
        if draft:
            image.draft("RGB", draft)
        upright = ImageOps.exif_transpose(image)
        return _to_rgb(upright)
    except _PILLOW_ERRORS as error:
        raise ImageError(UNDECODABLE, str(error)) from error


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in SIXTEEN_BIT:
        values = np.asarray(image).astype(np.float64) / 257
        image = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
    if image.mode in TRANSPARENT or "transparency" in image.info:
        background = Image.new("RGBA", image.size, WHITE)
        return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    return image.convert("RGB")


def decode(file: str | Path | BinaryIO, max_pixels: int, draft: tuple[int, int] | None = None) -> Image.Image:
    """The file's picture as `rgb` gives it; ImageError when it is too large or does not decode."""
    with opened(file, max_pixels) as image:
        return rgb(image, draft)
