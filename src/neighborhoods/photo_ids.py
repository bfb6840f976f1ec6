"""Flickr photo ids, parsed one way by every reader: the release's files, McAuley and
Leskovec's XML, the metadata tables, and imported features' ids (`id.txt`, `<stem>.ids.txt`,
Parquet).

A photo id is a non-negative integer stored as int64. Written as text it is ASCII digits only:
`str.isdigit()` alone would let other scripts' digits through (`'١٢'` read as photo 12, `'²'`
failing in `int()`), and an id past int64 would fail with OverflowError where it is stored.
Each reader reports a value that is not one as a bad line or row, naming the file and where.
"""

import numpy as np

MAX = int(np.iinfo(np.int64).max)
DIGITS = len(str(MAX))
RULE = f"ASCII digits, at most {MAX}"
EXPECTED = f"a photo id ({RULE})"


def parse(value) -> int | None:
    """The photo id `value` holds, or None: text of ASCII digits (leading zeros allowed), or an
    integer, from 0 to MAX. A sign, a space, a decimal point, a float, a bool or null is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value) if 0 <= value <= MAX else None
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    if len(value.lstrip("0")) > DIGITS:  # before int(): Python refuses to read 4,300 digits or more
        return None
    number = int(value)
    return number if number <= MAX else None


def from_name(token: str) -> int | None:
    """The photo id of an id written as the release's file names are, `<n>_<photo id>`, or
    as the id alone."""
    return parse(token.rsplit("_", 1)[-1]) if isinstance(token, str) else parse(token)
