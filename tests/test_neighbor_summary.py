"""The fill-and-hubs summary written beside every neighbors file, on a hand-worked table."""

import numpy as np
import pyarrow as pa
import pytest

from neighborhoods import neighbor_summary
from neighborhoods.parquet import neighbors_table


def hand_worked():
    # 5 images (ids 10..14), top 2 each; 0.0 is fill. Image 10 is in 4 lists, 3 of them as fill.
    ids = np.array([10, 11, 12, 13, 14])
    neighbors = np.array([[11, 12], [10, 12], [10, 11], [10, 14], [10, 13]])
    similarity = np.array([[0.5, 0.2], [0.5, 0.0], [0.0, 0.0], [0.0, 0.3], [0.0, 0.3]], dtype=np.float32)
    return neighbors_table(ids, np.array(["train"] * 5), neighbors, similarity)


def test_summary_counts_fill_and_in_degree():
    summary = neighbor_summary.summarize(hand_worked(), [1, 2], zero_is_fill=True)
    assert summary["images"] == 5
    top2 = summary["top2"]
    assert top2["fill_slots"] == pytest.approx(5 / 10)
    assert top2["rows_with_fill"] == pytest.approx(4 / 5)
    # In-degree: 10 -> 4, 11 -> 2, 12 -> 2, 13 -> 1, 14 -> 1 (mean 2).
    assert top2["in_degree_max"] == 4 and top2["in_no_list"] == 0
    assert top2["in_degree_p99"] == pytest.approx(np.percentile([4, 2, 2, 1, 1], 99))
    # Fill slots: 10 x3, 11 x1, 12 x1 over 5 images (mean 1): the largest is 3x the mean.
    assert top2["fill_in_degree_max"] == 3 and top2["fill_in_degree_max_over_mean"] == pytest.approx(3.0)
    top1 = summary["top1"]  # first column: 11, 10, 10, 10, 10; fill on images 12, 13, 14
    assert top1["fill_slots"] == pytest.approx(3 / 5) and top1["in_no_list"] == pytest.approx(3 / 5)


def test_l2_neighbors_have_no_fill():
    summary = neighbor_summary.summarize(hand_worked(), [2], zero_is_fill=False)
    assert summary["top2"]["fill_slots"] == 0 and summary["top2"]["fill_in_degree_max_over_mean"] is None


def test_table_has_a_row_per_kind():
    summaries = {"sets": neighbor_summary.summarize(hand_worked(), [2], zero_is_fill=True)}
    table = neighbor_summary.table(summaries, 2)
    assert table.loc[0, "neighbors"] == "sets" and table.loc[0, "fill slots in top 2 (%)"] == "50.0"


def test_label_agreement_and_fill_per_subset_match_a_brute_force_count():
    rng = np.random.default_rng(0)
    n, depth, concepts = 60, 5, ["a", "b", "c", "d"]
    ids = np.arange(100, 100 + n)
    subsets = np.array(["train", "val", "test"])[rng.integers(0, 3, n)]
    labels = [list(rng.choice(concepts, rng.integers(1, 3), replace=False)) for _ in range(n)]
    neighbors = np.stack(
        [rng.choice(ids[(subsets == s) & (ids != i)], depth) for i, s in zip(ids, subsets, strict=True)]
    )
    similarity = rng.choice([0.0, 0.5], size=(n, depth)).astype(np.float32)
    table = neighbors_table(ids, subsets, neighbors, similarity)
    images = pa.table({"image_id": ids, "labels": labels})
    summary = neighbor_summary.by_subset(table, images, [2, depth], zero_is_fill=True)
    by_id = dict(zip(ids.tolist(), labels, strict=True))
    for name in ("train", "val", "test"):
        rows = np.flatnonzero(subsets == name)
        assert summary[name]["images"] == len(rows)
        for d in (2, depth):
            shared = [bool(set(by_id[ids[r]]) & set(by_id[j])) for r in rows for j in neighbors[r, :d]]
            fill = [similarity[r, c] == 0 for r in rows for c in range(d)]
            assert summary[name][f"top{d}"]["label_agreement"] == pytest.approx(np.mean(shared))
            assert summary[name][f"top{d}"]["fill_slots"] == pytest.approx(np.mean(fill))
    table_rows = neighbor_summary.subset_table({"tags": {"subsets": summary}}, [2, depth])
    assert table_rows["subset"].tolist() == ["train", "val", "test"]
