"""Dropping images that cannot be used, the same way for every dataset.

The paper keeps only NUS-WIDE images that have at least one positive label and some
metadata (tags, photo sets or groups): an image with no label cannot be scored, and one
with no metadata has no neighbors. Both the real ingestion and the generated dataset call
`drop_unusable`, so the rule and the counts written beside the table are the same.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

METADATA = ("tags", "sets", "groups")


def _non_empty(column: pa.ChunkedArray) -> np.ndarray:
    """True where a list cell has at least one element (a null list counts as empty)."""
    lengths = pc.fill_null(pc.list_value_length(column), 0)
    return lengths.to_numpy(zero_copy_only=False) > 0


def drop_unusable(table: pa.Table) -> tuple[pa.Table, dict]:
    """Drop images with no positive label, then images with no metadata at all.

    `table` needs a `labels` list column and any of the list columns tags, sets, groups
    (those absent count as empty). An image lacking both labels and metadata is counted
    once, under no_labels. Returns the kept rows, in their input order, and
    {"input", "no_labels", "no_metadata", "kept"}.
    """
    if "labels" not in table.column_names:
        raise ValueError(f"drop_unusable: no 'labels' column in {table.column_names}")
    has_labels = _non_empty(table.column("labels"))
    has_metadata = np.zeros(table.num_rows, dtype=bool)
    for name in METADATA:
        if name in table.column_names:
            has_metadata |= _non_empty(table.column(name))
    keep = has_labels & has_metadata
    counts = {
        "input": int(table.num_rows),
        "no_labels": int((~has_labels).sum()),
        "no_metadata": int((has_labels & ~has_metadata).sum()),
        "kept": int(keep.sum()),
    }
    return table.filter(pa.array(keep)), counts
