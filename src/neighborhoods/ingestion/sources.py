"""Which kinds of metadata the configured inputs hold, known when the workflow loads.

Photo sets and groups come only from Flickr, and what is public today may lack them: McAuley
and Leskovec's photo XML may hold no `<set>` element, a table may have no sets or groups column.
What needs a missing kind is then left out of `all`, and refused when asked for, with the
reason given here (src/neighborhoods/protocol.py), instead of being built from empty lists.
Tags are not optional: the release always has them, and `nuswide.tags: flickr` with a source
that holds none stops the load.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from neighborhoods.ingestion import flickr, mcauley

OPTIONAL = ("sets", "groups")


@dataclass(frozen=True)
class Provided:
    missing: dict[str, str] = field(default_factory=dict)  # kind -> why the inputs lack it
    names: dict[str, str] = field(default_factory=dict)  # kind -> what stands in for it


def provided(config: dict) -> Provided:
    """What the inputs of a validated config hold. The Flickr API answers every kind; a file
    that is not there yet is left to Snakemake, which names it as a missing input."""
    if config["dataset"] != "nuswide":
        return Provided()
    source, sets_from = config["flickr"]["metadata"], config["flickr"]["sets_from"]
    xml = flickr.is_table(source) and Path(source).suffix == ".xml"
    if sets_from == "galleries" and not xml:
        raise ValueError(
            f"flickr.sets_from is galleries, but flickr.metadata is {source!r}: only McAuley and "
            "Leskovec's photo XML (.xml) holds galleries; set flickr.sets_from: sets"
        )
    if not (flickr.is_table(source) and Path(source).is_file()):
        return Provided()
    tags = config["nuswide"]["tags"] == "flickr"
    lacks = _xml(source, sets_from, tags) if xml else _table(source)
    if tags and "tags" in lacks:
        raise ValueError(
            f"nuswide.tags is flickr, but flickr.metadata ({source}) {lacks['tags']}; "
            "set nuswide.tags: release (NUS_WID_Tags/All_Tags.txt)"
        )
    missing = {
        kind: f"no {_noun(kind)}: flickr.metadata ({source}) {lacks[kind]}"
        for kind in OPTIONAL
        if kind in lacks
    }
    if "sets" in missing and sets_from == "sets" and xml:
        missing["sets"] += (
            "; flickr.sets_from: galleries lets the galleries each photo is in stand in for them"
        )
    if "sets" in missing and sets_from == "galleries":
        missing["sets"] = (
            f"no photo sets: flickr.sets_from is galleries, but flickr.metadata ({source}) {lacks['sets']}"
        )
    return Provided(missing, {"sets": "galleries"} if sets_from == "galleries" else {})


def _noun(kind: str) -> str:
    return "photo sets" if kind == "sets" else kind


def _xml(path: str, sets_from: str, tags: bool) -> dict[str, str]:
    """Kind -> how the XML lacks it, for each kind it holds no element of (tags only looked
    for when they are read from it)."""
    element = {"sets": "set" if sets_from == "sets" else "gallery", "groups": "pool"}
    element |= {"tags": "tag"} if tags else {}
    found = mcauley.elements(path, set(element.values()))
    return {kind: f"holds no <{name}> element" for kind, name in element.items() if name not in found}


def _table(path: str) -> dict[str, str]:
    """Kind -> how the table lacks it, for each kind it has no column of."""
    if Path(path).suffix == ".parquet":
        columns = pq.read_schema(path).names
    else:
        with open(path, "rb") as stream:
            header = stream.readline().decode("utf-8", errors="replace").removeprefix("\ufeff")
        columns = next(csv.reader(io.StringIO(header)), [])
    return {kind: f"has no {kind} column" for kind in ("tags", *OPTIONAL) if kind not in columns}
