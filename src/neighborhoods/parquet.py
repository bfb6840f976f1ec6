"""The Parquet tables passed between pipeline stages: one schema each, written with pyarrow.

Keeping every schema here means a stage cannot silently change a column type that a later
stage relies on; readers validate columns so a wrong file fails with its path in the message.
"""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from neighborhoods import photo_ids

IMAGES = pa.schema(
    [
        ("image_id", pa.int64()),
        ("path", pa.string()),
        ("labels", pa.list_(pa.string())),
        ("tags", pa.list_(pa.string())),
        ("sets", pa.list_(pa.string())),
        ("groups", pa.list_(pa.string())),
        ("owner", pa.string()),
    ]
)

SPLIT = pa.schema([("image_id", pa.int64()), ("subset", pa.string())])

NEIGHBORS = pa.schema(
    [
        ("image_id", pa.int64()),
        ("subset", pa.string()),
        ("neighbors", pa.list_(pa.int64())),
        ("similarity", pa.list_(pa.float32())),
    ]
)

SCORES = pa.schema([("image_id", pa.int64()), ("scores", pa.list_(pa.float32()))])

SUBSETS = ("train", "val", "test")


def write(table: pa.Table, path: str | Path, schema: pa.Schema | None = None) -> None:
    """Write atomically (temp file + rename) so an interrupted job never leaves a half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if schema is not None:
        table = table.select(schema.names).cast(schema)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


def read(path: str | Path, schema: pa.Schema | None = None) -> pa.Table:
    """Read a table; with a schema, fail naming the file when a column is missing."""
    table = pq.read_table(path)
    if schema is not None:
        missing = [name for name in schema.names if name not in table.column_names]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}; expected {schema.names}")
        table = table.select(schema.names).cast(schema)
    return table


def features_table(image_ids: np.ndarray, features: np.ndarray) -> pa.Table:
    """Features as a fixed-size list of float32, one row per image."""
    features = np.ascontiguousarray(features, dtype=np.float32)
    values = pa.array(features.reshape(-1), type=pa.float32())
    column = pa.FixedSizeListArray.from_arrays(values, features.shape[1])
    return pa.table({"image_id": pa.array(image_ids, pa.int64()), "feature": column})


FEATURE_COLUMNS = ("image_id", "feature")
EXPECTED_ROW = "one photo id and one vector of numbers per row, every vector of one width"


def _features_file(path: str | Path) -> pq.ParquetFile:
    """The Parquet file, its columns and their types checked: integer or text ids, vectors as
    lists of numbers."""
    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        raise ValueError(f"{path}: expected a Parquet file of features: {error}") from None
    schema = file.schema_arrow
    missing = [name for name in FEATURE_COLUMNS if name not in schema.names]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; expected {list(FEATURE_COLUMNS)}")
    id_type, vector_type = schema.field("image_id").type, schema.field("feature").type
    if not (pa.types.is_integer(id_type) or pa.types.is_string(id_type) or pa.types.is_large_string(id_type)):
        raise ValueError(
            f"{path}: column image_id is of type {id_type}; expected integer photo ids (int64), or text"
        )
    lists = (pa.types.is_fixed_size_list, pa.types.is_list, pa.types.is_large_list)
    if not any(is_list(vector_type) for is_list in lists) or not (
        pa.types.is_integer(vector_type.value_type) or pa.types.is_floating(vector_type.value_type)
    ):
        first = (
            file.read_row_group(0, columns=list(FEATURE_COLUMNS)).slice(0, 1).to_pylist()
            if len(schema) and file.num_row_groups and file.metadata.num_rows
            else []
        )
        shown = f" (row 1, id {first[0]['image_id']}: {str(first[0]['feature'])[:80]})" if first else ""
        raise ValueError(
            f"{path}: column feature is of type {vector_type}{shown}; expected a list of numbers per "
            "row (fixed_size_list<float32>[d], or lists of one length)"
        )
    return file


def _row_ids(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(ids as int64, whether each is a photo id) of one row group's image_id column."""
    if pa.types.is_integer(column.type):
        valid = ~column.is_null().to_numpy(zero_copy_only=False)
        values = pc.fill_null(column, 0).to_numpy(zero_copy_only=False)
        valid &= (values >= 0) & (values <= photo_ids.MAX)
        return np.where(valid, values, -1).astype(np.int64), valid
    parsed = [photo_ids.from_name(text) for text in column.to_pylist()]
    valid = np.array([photo is not None for photo in parsed], dtype=bool)
    return np.array([-1 if photo is None else photo for photo in parsed], dtype=np.int64), valid


def read_features(path: str | Path, bad: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (image_ids, features as an (n, d) float32 array), copied into the array one row
    group at a time: a job holds the array and one row group's buffers, never the whole file
    twice over (the NUS-WIDE rehearsal's 9.2 GB training peaks were three copies of 3.2 GB).

    Every row is checked before it is used: its id must be a photo id (not null), its vector
    not null and as long as the first one (d). With `bad` None, the first bad row raises
    ValueError naming the file, the row and its id; else each bad row is left out and added
    to `bad` as (row, id or None, reason), rows counted from 1. Only written rows are
    returned: a left-out row never leaves a row of the array unset."""
    file = _features_file(path)
    vector_type = file.schema_arrow.field("feature").type
    width = vector_type.list_size if pa.types.is_fixed_size_list(vector_type) else None
    n = file.metadata.num_rows
    features = np.empty((n, width), dtype=np.float32) if width is not None else None
    ids, start, first_row = [], 0, 0
    for group in range(file.num_row_groups):
        table = file.read_row_group(group, columns=list(FEATURE_COLUMNS))
        id_column, vectors = (
            table.column("image_id").combine_chunks(),
            table.column("feature").combine_chunks(),
        )
        first, first_row = first_row, first_row + len(table)
        row_ids, good = _row_ids(id_column)
        null = vectors.is_null().to_numpy(zero_copy_only=False)
        if width is None:
            lengths = pc.fill_null(pc.list_value_length(vectors), 0).to_numpy(zero_copy_only=False)
            if (~null).any():
                width = int(lengths[np.argmax(~null)])
                features = np.empty((n, width), dtype=np.float32)
        else:
            lengths = np.full(len(table), width)
        good &= ~null & (lengths == width)
        for i in np.flatnonzero(~good):
            reason = _reason(id_column[int(i)].as_py(), bool(null[i]), int(lengths[i]), width)
            photo = int(row_ids[i]) if row_ids[i] >= 0 else None
            if bad is None:
                shown = "" if photo is None else f" (id {photo})"
                raise ValueError(f"{path}: row {first + i + 1}{shown}: {reason}; expected {EXPECTED_ROW}")
            bad.append((first + int(i) + 1, photo, reason))
        kept = vectors if good.all() else vectors.filter(pa.array(good))
        values = kept.flatten().to_numpy(zero_copy_only=False)
        count = int(good.sum())
        if count and values.size != count * width:  # lists' own offsets disagreeing with their lengths
            raise ValueError(
                f"{path}: row group {group + 1} holds {values.size} values for {count} rows of {width}"
            )
        if count:
            features[start : start + count] = values.reshape(count, width)
        start += count
        ids.append(row_ids[good])
    if features is None:
        features = np.empty((0, width or 0), dtype=np.float32)
    return (np.concatenate(ids) if ids else np.empty(0, np.int64)), features[:start]


def _reason(photo, null: bool, length: int, width: int | None) -> str:
    if photo is None:
        return "its image_id is null"
    if photo_ids.from_name(photo) is None:
        return f"its image_id {photo!r} is not {photo_ids.EXPECTED}"
    if null:
        return "its feature is null"
    return f"its feature has {length} values, where the first row's has {width}"


def write_matrix(features_path: str | Path, out_path: str | Path) -> None:
    """Write the features as one .npy array, atomically, for jobs to memory-map."""
    _, features = read_features(features_path)
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")
    with open(tmp, "wb") as file:
        np.save(file, features)
    tmp.replace(out_path)


def open_features(path: str | Path, matrix: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(image_ids, features (n, d) float32), the features memory-mapped from `matrix` (their
    raw .npy copy, rule feature_matrix) when it is given and at least as new as the Parquet
    file, else read from the Parquet file.

    Decoding the Parquet file is most of what a job that reads 197,643 x 4096 features spends
    before it computes anything (the rehearsal's predictions), and each job held its own 3.2 GB
    copy. Mapped copy-on-write, the pages are read only where a job touches them (a prediction
    touches its test images and their neighbors) and are shared between concurrent jobs through
    the page cache (a job's resident memory still counts the pages it touched)."""
    if (
        matrix is None
        or not Path(matrix).exists()
        or Path(matrix).stat().st_mtime_ns < Path(path).stat().st_mtime_ns
    ):
        return read_features(path)
    features = np.load(matrix, mmap_mode="c")
    ids = read_feature_ids(path)
    if features.ndim != 2 or features.dtype != np.float32 or len(features) != len(ids):
        raise ValueError(
            f"{matrix}: expected a ({len(ids)}, d) float32 array matching {path}, found "
            f"{features.shape} {features.dtype}; delete it to have it rewritten"
        )
    return ids, features


def read_feature_ids(path: str | Path) -> np.ndarray:
    """The image ids of a features file, without reading its features."""
    return pq.read_table(path, columns=["image_id"]).column("image_id").to_numpy()


def scores_table(image_ids: np.ndarray, scores: np.ndarray) -> pa.Table:
    """One row per image: its float32 score for every concept."""
    scores = np.ascontiguousarray(scores, dtype=np.float32)
    values = pa.array(scores.reshape(-1), type=pa.float32())
    offsets = pa.array(np.arange(0, scores.size + 1, scores.shape[1], dtype=np.int32))
    column = pa.ListArray.from_arrays(offsets, values)
    return pa.table({"image_id": pa.array(image_ids, pa.int64()), "scores": column})


def read_scores(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Return (image_ids, scores as an (n, L) float32 array)."""
    table = read(path, SCORES)
    column = table.column("scores").combine_chunks()
    n = len(table)
    scores = column.flatten().to_numpy(zero_copy_only=False)
    if n and scores.size % n:
        raise ValueError(f"{path}: rows have different numbers of scores")
    return table.column("image_id").to_numpy(), scores.reshape(n, -1)


def split_arrays(split: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(image ids, subset names) of a split, checked: ids unique, subsets known."""
    ids = split.column("image_id").to_numpy()
    subsets = np.asarray(split.column("subset").to_pylist(), dtype=object)
    if len(np.unique(ids)) != len(ids):
        raise ValueError("split lists an image_id more than once")
    unknown = set(subsets) - set(SUBSETS)
    if unknown:
        raise ValueError(f"split has unknown subset(s) {sorted(unknown)}; expected {SUBSETS}")
    return ids, subsets


def neighbors_table(
    ids: np.ndarray, subsets: np.ndarray, neighbors: np.ndarray, similarity: np.ndarray
) -> pa.Table:
    """A NEIGHBORS table from (n,) ids and subsets and (n, k) neighbor ids and similarities."""
    k = neighbors.shape[1]
    offsets = pa.array(np.arange(0, neighbors.size + 1, k, dtype=np.int32))
    return pa.table(
        {
            "image_id": pa.array(ids, pa.int64()),
            "subset": pa.array(list(subsets), pa.string()),
            "neighbors": pa.ListArray.from_arrays(offsets, pa.array(neighbors.reshape(-1), pa.int64())),
            "similarity": pa.ListArray.from_arrays(offsets, pa.array(similarity.reshape(-1), pa.float32())),
        },
        schema=NEIGHBORS,
    )


def subset_rows(subsets: np.ndarray, max_rank: int):
    """(subset, its row indices) for each non-empty subset; neighbors are searched within a
    subset, so each must hold more than max_rank images."""
    for subset in SUBSETS:
        rows = np.flatnonzero(subsets == subset)
        if len(rows) == 0:
            continue
        if len(rows) <= max_rank:
            raise ValueError(f"subset {subset!r} has {len(rows)} images; need more than max_rank={max_rank}")
        yield subset, rows
