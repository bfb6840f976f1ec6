"""McAuley and Leskovec's Flickr metadata of NUS-WIDE (ECCV 2012, SNAP "web-flickr"): the photo
XML `flickrXml/photosNUS.xml`, read streaming into the pipeline's tags, sets, groups and owner.

One `<photo>` per photo under the root, holding Flickr's photos.getInfo record and, under
`<groups>`, photos.getAllContexts' answer (docs/public-data.md names where this was learned):

    <photos>
      <photo id="2124494179" ...>
        <owner nsid="12345678@N00" .../>
        <tags><tag id="..." author="..." raw="New York">newyork</tag> ...</tags>
        <groups>
          <set id="72157600000000001" title="..." .../>     the owner's photo sets
          <pool id="12345@N00" title="..." url="..."/>      the groups it was submitted to
        </groups>
        <galleries><gallery id="..." ...>...</gallery></galleries>
        ... (title, description, dates, comments, location, labels: not read)
      </photo>
    </photos>

Tags are the `<tag>` texts (Flickr's normalised form), sets the `<set>` ids, groups the `<pool>`
ids, the owner the `<owner>` nsid. A kind the whole file holds no element of (a release without
photo sets) is null in every row rather than empty, so the pipeline can say it is missing.
Galleries are other users' selections across owners, not an owner's albums: they fill the sets
column only when asked (`sets_from="galleries"`), and the tables then name them.

Bad records obey the bad_lines policy like bad lines of the release: a photo listed twice, or a
`<set>`, `<pool>` or `<gallery>` without an id. A `<photo>` without a photo id (ASCII digits
within int64: `photo_ids`, the parser every reader uses) names no photo to drop, and XML that
is not well formed cannot be read past; both stop the run under every policy. Each is named by
file, line and byte offset; positions are found by a second byte scan for `<photo` start tags,
run only when a record is bad.
"""

import logging
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tqdm import tqdm

from neighborhoods import photo_ids
from neighborhoods.ingestion import nuswide

log = logging.getLogger(__name__)

SETS_FROM = ("sets", "galleries")
PHOTO_TAG = re.compile(rb"<photo[\s/>]")
CHUNK = 1 << 24  # bytes read at a time by the byte scans


def elements(path: str | Path, names: set[str]) -> set[str]:
    """Which of the element `names` the file holds, by a byte scan for their start tags that
    stops once every one is found: fast where they are common, a read of the file where one
    is absent. Assumes none is written inside a comment or CDATA section (Flickr's records
    escape `<` in text)."""
    patterns = {name: re.compile(rb"<" + name.encode() + rb"[\s/>]") for name in names}
    found: set[str] = set()
    tail = b""
    with open(path, "rb") as stream:
        while len(found) < len(names) and (chunk := stream.read(CHUNK)):
            data = tail + chunk
            found |= {
                name for name, pattern in patterns.items() if name not in found and pattern.search(data)
            }
            tail = data[-16:]
    return found


def _ids(parent: ET.Element | None, tag: str, bad: list) -> list[str]:
    """Unique ids of the `tag` elements under `parent`, in order; one without an id is added
    to `bad` as (what was expected, what was found)."""
    ids = []
    for element in parent.iter(tag) if parent is not None else ():
        ident = (element.get("id") or "").strip()
        if ident:
            ids.append(sys.intern(ident))
        else:
            bad.append((f"a <{tag}> with an id attribute", _shown(element)))
    return list(dict.fromkeys(ids))


def _shown(element: ET.Element) -> str:
    attributes = " ".join(f'{k}="{v}"' for k, v in element.attrib.items())
    return f"<{element.tag}{' ' if attributes else ''}{attributes}>"


def _photos(path: Path):
    """(ordinal of the <photo> start tag, element) for each photo under the root; each is
    cleared, and dropped from the root, once used, so memory stays flat."""
    depth, ordinal, root = 0, 0, None
    try:
        for event, element in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                depth += 1
                root = element if depth == 1 else root
                ordinal += element.tag == "photo"  # as positions() counts them
                continue
            depth -= 1
            if depth == 1 and element.tag == "photo":
                yield ordinal, element
                root.clear()
    except ET.ParseError as error:
        line, column = error.position
        raise nuswide.ReleaseError(
            f"{path}:{line}:{column}: not well-formed XML ({str(error).split(':')[0]}); a file cut short "
            "or a byte that does not decode cannot be read past, so this stops the run under every "
            "bad_lines policy"
        ) from None


def positions(path: str | Path, ordinals: set[int]) -> dict[int, tuple[int, int]]:
    """(line, byte offset) of the n-th `<photo` start tag for each n in `ordinals` (1-based)."""
    out: dict[int, tuple[int, int]] = {}
    count, lines, offset, tail = 0, 1, 0, b""  # offset: of data[0] in the file
    with open(path, "rb") as stream:
        while len(out) < len(ordinals) and (chunk := stream.read(CHUNK)):
            data = tail + chunk
            seen, at = 0, lines
            for match in PHOTO_TAG.finditer(data):
                count += 1
                if count in ordinals:
                    at += data.count(b"\n", seen, match.start())
                    seen = match.start()
                    out[count] = (at, offset + match.start())
            # A start tag cut by the chunk's end is whole in the next one; the 6 bytes kept
            # cannot hold a whole one, so nothing is counted twice.
            keep = max(len(data) - 6, 0)
            lines += data.count(b"\n", 0, keep)
            offset += keep
            tail = data[keep:]
    return out


def read(path: str | Path, policy: str = "stop", sets_from: str = "sets") -> tuple[dict[str, list], dict]:
    """The photos of the XML as columns (photo_id, status, tags, sets, groups, owner) and what
    was read; status is 'ok', or 'bad_line' for a bad record under the 'drop' policy."""
    if sets_from not in SETS_FROM:
        raise ValueError(f"sets_from: expected one of {SETS_FROM}, got {sets_from!r}")
    path = Path(path)
    rows: dict[int, dict] = {}
    first: dict[int, int] = {}  # photo id -> ordinal of its first record
    problems: list[tuple[int, str, str, int]] = []  # (ordinal, expected, found, photo id or -1)
    held = {"tags": False, "sets": False, "groups": False}  # whether any photo has one
    for ordinal, photo in tqdm(_photos(path), unit="photo", mininterval=10, desc=path.name):
        text = (photo.get("id") or "").strip()
        photo_id, bad = photo_ids.parse(text), []
        if photo_id is None:
            expected = f"a <photo> with a numeric id attribute ({photo_ids.RULE})"
            problems.append((ordinal, expected, _shown(photo), -1))
            continue
        if photo_id in first:
            problems.append(
                (ordinal, f"a photo id not listed before (<photo> {first[photo_id]})", text, photo_id)
            )
            continue
        first[photo_id] = ordinal
        groups = photo.find("groups")
        owner = photo.find("owner")
        tags = [sys.intern(t.text.strip()) for t in photo.iterfind("tags/tag") if t.text and t.text.strip()]
        sets = (
            _ids(groups, "set", bad) if sets_from == "sets" else _ids(photo.find("galleries"), "gallery", bad)
        )
        row = {
            "tags": list(dict.fromkeys(tags)),
            "sets": sets,
            "groups": _ids(groups, "pool", bad),
            "owner": (owner.get("nsid") or None) if owner is not None else None,
        }
        problems += [(ordinal, expected, found, photo_id) for expected, found in bad]
        held = {kind: held[kind] or bool(row[kind]) for kind in held}
        rows[photo_id] = row
    summary = _check(path, problems, policy)
    for photo_id in {photo for *_, photo in problems}:
        rows.pop(photo_id, None)
    ids = sorted(rows) + sorted({photo for *_, photo in problems})
    columns = {
        "photo_id": ids,
        "status": ["ok"] * len(rows) + ["bad_line"] * (len(ids) - len(rows)),
        "owner": [rows[i]["owner"] if i in rows else None for i in ids],
    }
    for kind, present in held.items():
        columns[kind] = [rows[i][kind] if present and i in rows else None for i in ids]
    summary |= {"photos": len(first), "ok": len(rows)}
    summary |= {f"with_{kind}": sum(bool(r[kind]) for r in rows.values()) for kind in held}
    summary["sets_from"] = sets_from
    log.info("%s: %s", path, summary)
    return columns, summary


def _check(path: Path, problems: list, policy: str) -> dict:
    """Name each bad record by line and byte offset, then apply the bad_lines policy."""
    if not problems:
        return {"bad_records": 0}
    where = positions(path, {ordinal for ordinal, *_ in problems})
    named = [
        nuswide.Problem(
            path, where[o][0], expected, found, photo, f"the <photo> at byte offset {where[o][1]}: "
        )
        for o, expected, found, photo in problems
    ]
    nuswide.refuse_unnamed(named, path, "record")
    nuswide.apply_policy(named, policy, "the McAuley-Leskovec XML")
    return {"bad_records": len(named)}
