"""A collection's contact sheet: one self-contained HTML page (thumbnails embedded as JPEG
data URIs) showing each photo with its top labels and the neighbors that informed them."""

import base64
import html
import io
from pathlib import Path

import pandas as pd

from neighborhoods import decoding

STYLE = """
body { font-family: sans-serif; margin: 1.5em; background: #fafafa; color: #222; }
.sheet { display: flex; flex-wrap: wrap; gap: 14px; }
.photo { width: 236px; background: #fff; border: 1px solid #ddd; padding: 8px; }
.photo > img { display: block; margin: 0 auto; }
.path { font-size: 11px; color: #666; word-break: break-all; margin: 4px 0; }
ol { margin: 4px 0 4px 1.4em; padding: 0; font-size: 14px; }
.neighbors { display: flex; gap: 3px; flex-wrap: wrap; }
.neighbors img { border: 2px solid #4a8; }
.neighbors img.fill { border-color: #ccc; }
.why { font-size: 11px; color: #444; }
.nometa { font-size: 11px; color: #a40; }
"""


def thumbnail(path: Path, size: int, max_pixels: int = decoding.MAX_PIXELS) -> str:
    """A JPEG data URI of the photo, as the model saw it (decoding.decode), shrunk to fit
    size x size."""
    image = decoding.decode(path, max_pixels)
    image.thumbnail((size, size))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def render(
    root: str | Path,
    annotations: pd.DataFrame,
    neighbors: pd.DataFrame | None,
    title: str,
    max_pixels: int = decoding.MAX_PIXELS,
) -> str:
    """The page; `neighbors` is None for a model that uses none (visual only)."""
    root = Path(root)
    paths = annotations["path"].tolist()
    large = {p: thumbnail(root / p, 220, max_pixels) for p in paths}
    small = {p: thumbnail(root / p, 44, max_pixels) for p in paths} if neighbors is not None else {}
    by_photo = dict(list(neighbors.groupby("path", sort=False))) if neighbors is not None else {}
    cards = []
    for row in annotations.itertuples(index=False):
        labels = "".join(
            f"<li>{html.escape(label)} <small>{p:.2f}</small></li>"
            for label, p in zip(row.top_labels, row.top_probabilities, strict=True)
        )
        card = [
            f'<div class="photo"><img src="{large[row.path]}" alt="{html.escape(row.path)}">',
            f'<div class="path">{html.escape(row.path)}</div><ol>{labels}</ol>',
        ]
        if row.path in by_photo:
            card.append(_neighbors(by_photo[row.path], small, row.metadata))
        cards.append("".join(card) + "</div>")
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{len(paths)} photos; top labels with their probabilities; below each, the neighbors "
        "the model was shown (green: shares metadata, grey: the zero-similarity fill).</p>"
        f'<div class="sheet">{"".join(cards)}</div></body></html>\n'
    )


def _neighbors(rows: pd.DataFrame, small: dict, has_metadata: bool) -> str:
    images = "".join(
        f'<img class="{"fill" if r.fill else "shared"}" src="{small[r.neighbor]}" '
        f'title="{html.escape(r.neighbor)}: {html.escape(", ".join(r.shared) or "nothing shared")}">'
        for r in rows.itertuples(index=False)
    )
    shared = sorted({item for items in rows["shared"] for item in items})
    kind = rows["kind"].iloc[0]
    if shared:
        why = f'<div class="why">shared {kind}: {html.escape(", ".join(shared[:8]))}</div>'
    else:
        reason = f"no {kind} shared with any photo" if has_metadata else f"no {kind}"
        why = f'<div class="nometa">{reason}: neighbors are the zero-similarity fill</div>'
    return f'<div class="neighbors">{images}</div>{why}'
