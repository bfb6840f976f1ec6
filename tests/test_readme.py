"""The README's headline is the controls page's, word for word: a number there comes from a
page the pipeline wrote."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_readme_headline_is_the_generated_pages():
    readme = (REPO / "README.md").read_text()
    line = re.search(r"<!-- headline -->\n(.+)\n", readme)[1]
    page = (REPO / "docs" / "results" / "controls.md").read_text()
    headline = re.search(r"^\*\*Headline\.\*\* (.+)$", page, re.M)[1]
    assert headline in line, (line, headline)


def test_the_readme_stays_short():
    assert len((REPO / "README.md").read_text().splitlines()) < 200
