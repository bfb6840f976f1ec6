"""The canonical NUS-WIDE tables: the release, joined with the image check and the metadata.

Each dropped image is counted once, under the first reason that applies, in this order:
bad_lines (its line in the release, or in a metadata table: metadata status bad_line),
duplicate_rows (rows merged into an earlier copy of the photo), no_labels,
image_<status> (missing, corrupt, placeholder, unreachable, too_large; only where images are checked),
no_features (imported features do not cover it; only with features.import), metadata_unavailable (Flickr
said the photo is gone, or a metadata table does not list it), no_metadata (no tags, sets
or groups). So input = the sum of every reason + kept. duplicate_conflicts is not a drop: it
counts the merged photos whose copies had different labels.
"""

import json
import logging
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neighborhoods import parquet
from neighborhoods.ingestion import statistics
from neighborhoods.ingestion.download import STATUSES
from neighborhoods.ingestion.filtering import drop_unusable

log = logging.getLogger(__name__)

TAG_SOURCES = ("release", "flickr")


def _has_labels(table: pa.Table) -> np.ndarray:
    return pc.fill_null(pc.list_value_length(table.column("labels")), 0).to_numpy(zero_copy_only=False) > 0


def labelled(release: pa.Table) -> pa.Table:
    """Rows with a positive label: the only ones worth an image check or a Flickr call."""
    return release.filter(pa.array(_has_labels(release)))


def assemble(
    release: pa.Table,
    release_counts: dict,
    status: pa.Table | None,
    metadata: pa.Table,
    *,
    tags: str = "release",
    feature_ids: np.ndarray | None = None,
) -> tuple[pa.Table, dict]:
    """(IMAGES table sorted by image_id, counts by reason). `release` is nuswide.Release.table,
    `status` download.STATUS (None: the images are not used, features are imported),
    `metadata` flickr.METADATA; tags from the release or from Flickr; `feature_ids`, the
    photos imported features cover (None: features are extracted from the images)."""
    if tags not in TAG_SOURCES:
        raise ValueError(f"tags: expected one of {TAG_SOURCES}, got {tags!r}")
    counts = {"input": release_counts["lines"]}
    counts |= {k: release_counts[k] for k in ("bad_lines", "duplicate_rows", "duplicate_conflicts")}
    status_of = dict(
        zip(metadata.column("photo_id").to_pylist(), metadata.column("status").to_pylist(), strict=True)
    )
    bad_metadata = np.array(
        [status_of.get(i) == "bad_line" for i in release.column("image_id").to_pylist()], dtype=bool
    )
    counts["bad_lines"] += int(bad_metadata.sum())
    release = release.filter(pa.array(~bad_metadata))
    table = labelled(release)
    counts["no_labels"] = release.num_rows - table.num_rows

    if status is not None:
        table = _checked_images(table, status, counts)
    if feature_ids is not None:
        covered = np.isin(table.column("image_id").to_numpy(), feature_ids)
        counts["no_features"] = int((~covered).sum())
        table = table.filter(pa.array(covered))

    rows = {r["photo_id"]: r for r in metadata.to_pylist()}
    found = [rows.get(i) for i in table.column("image_id").to_pylist()]
    available = np.array([r is not None and r["status"] == "ok" for r in found], dtype=bool)
    counts["metadata_unavailable"] = int((~available).sum())
    table = table.filter(pa.array(available))
    found = [r for r, ok in zip(found, available, strict=True) if ok]
    if tags == "flickr" and any(r["tags"] is None for r in found):
        raise ValueError(
            "tags: flickr, but the metadata has no tags (getInfo not fetched, or no tags column)"
        )
    columns = {
        "image_id": table.column("image_id"),
        "path": table.column("path"),
        "labels": table.column("labels"),
        "tags": table.column("tags")
        if tags == "release"
        else pa.array([r["tags"] for r in found], pa.list_(pa.string())),
        **{c: pa.array([r[c] or [] for r in found], pa.list_(pa.string())) for c in ("sets", "groups")},
        "owner": pa.array([r["owner"] for r in found], pa.string()),
    }
    kept, dropped = drop_unusable(pa.table(columns))
    counts["no_metadata"], counts["kept"] = dropped["no_metadata"], dropped["kept"]
    kept = kept.take(pc.sort_indices(kept, [("image_id", "ascending")]))  # never the query order of the list
    log.info("ingest counts: %s", counts)
    return kept, counts


def _checked_images(table: pa.Table, status: pa.Table, counts: dict) -> pa.Table:
    """The rows whose image checked ok; the others counted by status (image_<status>)."""
    ids = table.column("image_id").to_pylist()
    by_id = dict(zip(status.column("image_id").to_pylist(), status.column("status").to_pylist(), strict=True))
    unchecked = [i for i in ids if i not in by_id]
    if unchecked:
        raise ValueError(f"image check: {len(unchecked)} image(s) have no status, e.g. {unchecked[:5]}")
    image_status = np.array([by_id[i] for i in ids], dtype=object)
    for reason in STATUSES[1:]:
        counts[f"image_{reason}"] = int((image_status == reason).sum())
    return table.filter(pa.array(image_status == "ok"))


def write(out_dir: str | Path, table: pa.Table, concepts: list[str], counts: dict) -> None:
    """images.parquet, concepts.txt, ingest_counts.json and stats.json, as the generated
    dataset writes them."""
    out_dir = Path(out_dir)
    parquet.write(table, out_dir / "images.parquet", parquet.IMAGES)
    (out_dir / "concepts.txt").write_text("\n".join(concepts) + "\n")
    (out_dir / "ingest_counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    (out_dir / "stats.json").write_text(json.dumps(statistics.table1(table), indent=2) + "\n")
