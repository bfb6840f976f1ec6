"""Reproducing from public data: what the inputs lack is left out and refused by name, and the
public config runs on a release-layout folder with BigFile features and McAuley and Leskovec's
photo XML, with no image and no Flickr key."""

import json
import re
import subprocess

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml
from test_imported_features import features, write_bigfile
from test_mcauley import write_xml
from test_nuswide_pipeline import release  # noqa: F401 (a fixture)
from test_pipeline import REPO, SNAKEMAKE, TINY, planned_jobs, snakemake

from benchmarks.mcauley_xml import record
from neighborhoods import parquet, protocol
from neighborhoods.ingestion import sources

IMAGE_RULES = {"features", "image_manifest", "nuswide_download", "nuswide_check_images"}


def test_the_inputs_say_which_kinds_they_lack_when_the_workflow_loads(tmp_path):
    xml = write_xml(tmp_path / "photos.xml", [record("1", "u", ["t"], [], ["g"], ["9-1"])])
    config = {
        "dataset": "nuswide",
        "nuswide": {"tags": "release"},
        "flickr": {"metadata": str(xml), "sets_from": "sets"},
    }
    lacking = sources.provided(config)
    assert list(lacking.missing) == ["sets"] and lacking.names == {}
    assert lacking.missing["sets"].startswith(
        f"no photo sets: flickr.metadata ({xml}) holds no <set> element"
    )
    galleries = sources.provided({**config, "flickr": {"metadata": str(xml), "sets_from": "galleries"}})
    assert galleries.missing == {} and galleries.names == {"sets": "galleries"}

    table = tmp_path / "tags.csv"
    pd.DataFrame({"photo_id": [1], "tags": ["a b"]}).to_csv(table, index=False)
    only_tags = sources.provided({**config, "flickr": {"metadata": str(table), "sets_from": "sets"}})
    assert only_tags.missing == {
        "sets": f"no photo sets: flickr.metadata ({table}) has no sets column",
        "groups": f"no groups: flickr.metadata ({table}) has no groups column",
    }
    parquet.write(pa.table({"photo_id": [1], "sets": [["s"]], "groups": [["g"]]}), tmp_path / "m.parquet")
    assert (
        sources.provided(
            {**config, "flickr": {"metadata": str(tmp_path / "m.parquet"), "sets_from": "sets"}}
        ).missing
        == {}
    )
    with pytest.raises(ValueError, match="only McAuley and Leskovec's photo XML"):
        sources.provided({**config, "flickr": {"metadata": str(table), "sets_from": "galleries"}})
    with pytest.raises(
        ValueError, match=r"nuswide.tags is flickr, but flickr.metadata \(.*m\.parquet\) has no tags"
    ):
        sources.provided(
            {
                **config,
                "nuswide": {"tags": "flickr"},
                "flickr": {"metadata": str(tmp_path / "m.parquet"), "sets_from": "sets"},
            }
        )
    assert sources.provided({"dataset": "synthetic"}) == sources.Provided()


def test_what_needs_a_missing_kind_is_left_out_and_refused(tmp_path):
    from test_protocol import CONFIG

    why = "no photo sets: flickr.metadata (photos.xml) holds no <set> element"
    plan = protocol.Protocol(CONFIG, {"sets": why})
    assert [row.key for row in plan.tables["table3"].rows] == ["none", "visual", "groups", "tags"]
    assert {(row.train, row.test) for row in plan.tables["table4"].rows} == {
        ("tags", "tags"), ("tags", "groups"), ("groups", "tags"), ("groups", "groups"),
    }  # fmt: skip
    assert plan.in_all == list(protocol.ALL) and set(plan.shown_neighbors) == {"tags", "groups", "visual"}
    assert plan.left_out_message().startswith(f"The inputs hold {why}. Left out of `all`")
    with pytest.raises(ValueError, match=re.escape(f"sets neighbors cannot be built: {why}")):
        plan.require("sets")
    assert plan.require("groups") == [] and plan.require("tagsplit2000-overlap0") == []
    no_tags = protocol.Protocol(CONFIG, {"tags": "no tags"})
    assert {"fig3", "fig7", "fig8"}.isdisjoint(no_tags.in_all) and "table2" in no_tags.in_all
    stand_in = protocol.Protocol(CONFIG, {}, {"sets": "galleries"})
    labels = [row.label for row in stand_in.tables["table3"].rows]
    assert "gallery neighbors (in place of sets)" in labels and stand_in.left_out_message() == ""


@pytest.mark.slow
def test_public_inputs_build_table2_and_group_rows_without_images_or_key(release, tmp_path):  # noqa: F811
    """config/nuswide-public.yaml on the fixture: the release's files, BigFile features and
    McAuley and Leskovec's XML without photo sets; one split and TINY sizes."""
    base, photos = release["base"], release["photos"]
    expected = release["expected"]
    broken = sorted(expected)[3]  # its record lists a group without an id: a bad record
    records = [
        record(
            str(photo),
            row["owner"],
            row["tags"],
            pools=[*row["groups"], *([None] if photo == broken else [])],
            galleries=row["sets"],
            comments=photo % 3,
        )
        for photo, row in photos.items()
    ]
    xml = write_xml(tmp_path / "photosNUS.xml", [*records, record("77", "u", ["x"], pools=["g"])])
    covered = np.array(sorted(set(photos) | release["asked"]), dtype=np.int64)
    write_bigfile(tmp_path / "bigfile", covered, features(len(covered), 16, seed=2))
    public = yaml.safe_load((REPO / "config" / "nuswide-public.yaml").read_text())
    config = {
        **public,
        **{k: TINY[k] for k in ("seed", "neighbors", "model", "baselines", "sweeps", "curves")},
        "nuswide": {**public["nuswide"], "root": str(base / "NUS-WIDE")},
        "flickr": {**public["flickr"], "metadata": str(xml)},
        "features": {**public["features"], "import": str(tmp_path / "bigfile")},
        "splits": {**TINY["splits"], "count": 1},
    }
    workdir = tmp_path / "run"
    workdir.mkdir()
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    why = f"no photo sets: flickr.metadata ({xml}) holds no <set> element"

    everything = snakemake(workdir, "--dry-run")
    assert why in everything and "Left out of `all`" in everything
    assert "meta=sets" not in everything and "meta=groups" in everything
    galleries = {**config, "flickr": {**config["flickr"], "sets_from": "galleries"}}
    (workdir / "galleries.yaml").write_text(yaml.safe_dump(galleries))
    stand_in = snakemake(workdir, "--dry-run", "--configfile", str(workdir / "galleries.yaml"))
    assert "Left out" not in stand_in and "meta=sets" in stand_in  # the galleries, named as such
    jobs = planned_jobs(snakemake(workdir, "table2", "table3", "--dry-run"))
    assert jobs["nuswide_metadata"] == jobs["import_features"] == 1
    assert not (IMAGE_RULES | {"flickr_crawl"}) & set(jobs)
    refused = subprocess.run(
        [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), "--cores", "1",
         "--dry-run", "results/nuswide-public/neighbors/sets/split0.parquet"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert refused.returncode != 0 and why in refused.stdout + refused.stderr

    snakemake(workdir, "table2", "table3")
    results = workdir / "results" / "nuswide-public"
    counts = json.loads((results / "data" / "ingest_counts.json").read_text())
    drops = {k: v for k, v in counts.items() if k not in ("input", "duplicate_conflicts")}
    assert counts["input"] == sum(drops.values()) and not any(k.startswith("image_") for k in counts)
    assert counts["bad_lines"] == release["counts"]["bad_lines"] + 1  # the release's, and the XML's
    assert counts["metadata_unavailable"] == 1  # the photo Flickr no longer had is not in the XML
    images = parquet.read(results / "data" / "images.parquet", parquet.IMAGES).to_pylist()
    kept = {row["image_id"]: row for row in images}
    # Images are never checked, so the missing and the corrupt image are kept this time.
    assert set(kept) == (set(expected) | release["image_faults"]) - {broken} and counts["kept"] == len(kept)
    for photo, row in kept.items():
        assert (
            row["groups"] == photos[photo]["groups"]
            and row["sets"] == []
            and row["owner"] == photos[photo]["owner"]
        )
    groups = parquet.read(results / "neighbors" / "groups" / "split0.parquet")
    assert set(groups.column("image_id").to_pylist()) <= set(kept) and groups.num_rows > 0
    table3 = pd.read_csv(results / "tables" / "table3.csv")
    assert list(dict.fromkeys(table3["method"])) == [
        "none (CNN + logistic)", "visual neighbors (L2 on CNN features)", "group neighbors", "tag neighbors",
    ]  # fmt: skip
    assert len(set(pd.read_csv(results / "tables" / "table2.csv")["method"])) == 7
    assert not (results / "images").exists() and not (results / "neighbors" / "sets").exists()
