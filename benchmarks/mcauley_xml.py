"""McAuley and Leskovec's photo XML at NUS-WIDE size, and what reading it costs.

    python -m benchmarks.mcauley_xml                  # write 245,000 photos, measure, write the page
    python -m benchmarks.mcauley_xml --photos 5000 --no-page   # to try it first

Each record holds what src/neighborhoods/ingestion/mcauley.py describes: Flickr's getInfo
fields (owner, title, description, dates, usage, urls, comments, sometimes a location), tags,
photo sets and groups under `<groups>` with Table 1's counts per photo (benchmarks/data.py),
galleries on a few photos, and a label. The file is written once under --work and reused.
Measured, each in a fresh process: the rule's reading (the XML to the metadata table, written
as Parquet) with its wall time and peak resident memory (ru_maxrss), against the memory the
rule nuswide_metadata declares; and the byte scan that runs when the workflow loads, both when
the kinds it looks for are there (it stops at once) and for a kind the file lacks (it reads
the whole file).
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from benchmarks import data, page

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = 245_000
RULES = ROOT / "workflow" / "rules" / "nuswide.smk"
WORDS = "sunset beach city night light blue red street people travel summer park sky tree".split()


def _attrs(**values) -> str:
    """XML attributes, leaving out those that are None."""
    return " ".join(f"{k}={quoteattr(str(v))}" for k, v in values.items() if v is not None)


def record(
    photo_id: str,
    owner: str | None,
    tags: list[str],
    sets: list[str | None] = (),
    pools: list[str | None] = (),
    galleries: list[str | None] = (),
    *,
    comments: int = 0,
    located: bool = False,
    label: str = "sky",
) -> str:
    """One `<photo>` record; an id given as None is left out (a bad record), as is an owner."""
    user = owner or "0@N00"
    lines = [
        f'<photo {_attrs(id=photo_id)} secret="5f3a9c2e1b" server="2277" farm="3" dateuploaded="1198347001" '
        'isfavorite="0" license="0" safety_level="0" rotation="0" views="135" media="photo">',
        f'  <owner {_attrs(nsid=owner)} username={quoteattr("u" + user[:6])} realname="" '
        'location="" iconserver="0" iconfarm="0" path_alias="" />'
        if owner
        else "",
        f"  <title>{escape(' '.join(WORDS[: 1 + len(photo_id or '') % 3]))}</title>",
        "  <description>Taken on a walk &amp; posted the same day.</description>",
        '  <visibility ispublic="1" isfriend="0" isfamily="0" />',
        '  <dates posted="1198347001" taken="2007-12-22 12:03:45" takengranularity="0"'
        ' lastupdate="1231006473" />',
        '  <editability cancomment="0" canaddmeta="0" />',
        '  <publiceditability cancomment="1" canaddmeta="0" />',
        '  <usage candownload="1" canblog="0" canprint="0" canshare="1" />',
        "  <comments>",
        *[
            f'    <comment id="{photo_id}-{i}" author="{i}@N01" authorname="c{i}" datecreate="1198350001" '
            f'permalink="http://www.flickr.com/photos/{user}/{photo_id}/#comment{i}">Lovely light!</comment>'
            for i in range(comments)
        ],
        "  </comments>",
        '  <notes />\n  <people haspeople="0" />',
        "  <tags>",
        *[
            f'    <tag id="{i}-{photo_id}-{i}" author={quoteattr(user)} raw={quoteattr(tag.title())} '
            f'machine_tag="0">{escape(tag)}</tag>'
            for i, tag in enumerate(tags)
        ],
        "  </tags>",
        '  <location latitude="1.290270" longitude="103.851959" accuracy="16" context="0">'
        '<locality>Singapore</locality><country place_id="8Prw" woeid="23424948">Singapore</country>'
        "</location>"
        if located
        else "",
        f'  <urls><url type="photopage">http://www.flickr.com/photos/{user}/{photo_id}/</url></urls>',
        "  <groups>",
        *[
            f"    <set {_attrs(id=s)} title={quoteattr('Album ' + str(s))}"
            f" primary={quoteattr(str(photo_id))} "
            'secret="5f3a9c2e1b" server="2277" farm="3" view_count="12" comment_count="0" '
            'count_photo="34" count_video="0" />'
            for s in sets
        ],
        *[
            f"    <pool {_attrs(id=p)} title={quoteattr('Group ' + str(p))}"
            f" url={quoteattr(f'/groups/{p}/pool/')} />"
            for p in pools
        ],
        "  </groups>",
        "  <galleries>",
        *[
            f'    <gallery {_attrs(id=g)} url="http://www.flickr.com/photos/x/galleries/1/" owner="9@N02" '
            'date_create="1231006473" date_update="1231006473" count_photos="18" count_videos="0" '
            'count_views="40" count_comments="1"><title>Favourites</title><description /></gallery>'
            for g in galleries
        ],
        "  </galleries>",
        f'  <labels><label source="NUS">{escape(label)}</label></labels>',
        "</photo>",
    ]
    return "\n".join(line for line in lines if line) + "\n"


def write(path: Path, photos: int, seed: int = 0, with_sets: bool = True) -> Path:
    """A photo XML of `photos` records with Table 1's tags, sets and groups per photo."""
    rng = np.random.default_rng([seed, 7])
    ids = 10**9 + np.sort(rng.choice(8 * photos, photos, replace=False))
    kinds = {kind: data.metadata(kind, photos, seed=seed) for kind in ("tags", "sets", "groups")}
    owners = rng.integers(0, photos // 12, photos)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<photos>\n')
        for i in range(photos):
            row = {kind: X.indices[X.indptr[i] : X.indptr[i + 1]] for kind, X in kinds.items()}
            out.write(
                record(
                    str(ids[i]),
                    f"{owners[i]}@N00",
                    [f"tag{j}" for j in row["tags"]],
                    [f"72157{j:011d}" for j in row["sets"]] if with_sets else [],
                    [f"{j}@N20" for j in row["groups"]],
                    [f"9{i % 997}-72157{i % 991}"] if i % 31 == 0 else [],
                    comments=int(rng.poisson(1.5)),
                    located=i % 5 == 0,
                )
            )
        out.write("</photos>\n")
    return path


def declared_mem_mb(rule: str = "nuswide_metadata") -> int:
    """The mem_mb a rule of workflow/rules/nuswide.smk declares."""
    text = RULES.read_text()
    block = text[text.index(f"rule {rule}:") :]
    return int(re.search(r"mem_mb=(\d+)", block).group(1))


def _child(code: str) -> tuple[float, float, str]:
    """(wall seconds, peak resident MiB, stdout) of a fresh Python process running `code`; the
    peak is that process's own (wait4), not the largest of all children so far."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    stdout = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"the measured process failed (exit {child.returncode}):\n{code}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024, stdout.strip()


def measure(path: Path, out: Path) -> list[list]:
    """Rows of (what, wall s, peak MiB, declared MiB) for the reading and the two scans."""
    reading = _child(
        "from neighborhoods import parquet\n"
        "from neighborhoods.ingestion import flickr\n"
        f"table = flickr.read_mcauley({str(path)!r}, 'drop')\n"
        f"parquet.write(table, {str(out)!r}, flickr.METADATA)\n"
        "print(table.num_rows)"
    )
    scan = "from neighborhoods.ingestion import mcauley\nprint(sorted(mcauley.elements({!r}, {})))"
    found = _child(scan.format(str(path), {"pool", "tag"}))
    lacking = _child(scan.format(str(path), {"absent"}))
    size = path.stat().st_size / 2**20
    return [
        [
            f"read {int(reading[2]):,} photos to metadata.parquet (rule nuswide_metadata)",
            reading[0],
            reading[1],
            declared_mem_mb(),
        ],
        ["load-time scan, kinds present (stops at once)", found[0], found[1], "–"],
        [f"load-time scan, a kind absent (reads all {size:,.0f} MiB)", lacking[0], lacking[1], "–"],
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mcauley_xml", description=main.__doc__)
    parser.add_argument("--photos", type=int, default=PHOTOS)
    parser.add_argument("--work", type=Path, default=ROOT / "results" / "mcauley-xml")
    parser.add_argument(
        "--without-sets", action="store_true", help="no <set> elements, as a release may lack them"
    )
    parser.add_argument("--no-page", action="store_true", help="print only; leave docs/public-data.md alone")
    args = parser.parse_args(argv)
    path = args.work / f"photos{args.photos}{'-nosets' * args.without_sets}.xml"
    if not path.exists():
        start = time.perf_counter()
        write(path, args.photos, with_sets=not args.without_sets)
        print(f"wrote {path} ({path.stat().st_size / 2**20:,.0f} MiB) in {time.perf_counter() - start:.0f} s")
    load = os.getloadavg()[0]  # other work on the machine slows the wall times, not the memory
    rows = measure(path, args.work / "metadata.parquet")
    size = path.stat().st_size / 2**20
    extra = f"{args.photos:,} photos, {size:,.0f} MiB; load average {load:.1f} at the start"
    body = page.header(page.machine(), extra) + "\n\n"
    body += page.markdown(
        ["step", "wall (s)", "peak memory (MiB)", "declared mem_mb"],
        [[what, f"{s:.1f}", f"{mib:,.0f}", declared] for what, s, mib, declared in rows],
        right={"wall (s)", "peak memory (MiB)", "declared mem_mb"},
    )
    print(body)
    if not args.no_page:
        page.write_block("benchmark:mcauley-xml", body, ROOT / "docs" / "public-data.md")


if __name__ == "__main__":
    main()
