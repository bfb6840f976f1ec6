"""The license and the citation file: MIT as pyproject.toml says, and the paper reproduced."""

import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def test_the_license_is_the_one_the_package_declares():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["license"]["text"]
    license_text = (REPO / "LICENSE").read_text()
    assert declared == "MIT" and license_text.startswith("MIT License")
    assert "Copyright (c) 2026 the neighborhoods authors" in license_text


def test_the_citation_names_this_software_and_the_paper_it_reproduces():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "software"
    assert citation["license"] == "MIT" and citation["authors"]
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert citation["version"] == version
    paper = citation["preferred-citation"]
    assert paper["title"] == "Love Thy Neighbors: Image Annotation by Exploiting Image Metadata"
    assert [a["family-names"] for a in paper["authors"]] == ["Johnson", "Ballan", "Fei-Fei"]
    assert paper["year"] == 2015 and "ICCV" in paper["conference"]["name"]
    assert {"type": "other", "value": "arXiv:1508.07647", "description": "The arXiv preprint"} in paper[
        "identifiers"
    ]
    assert paper["url"] == "https://arxiv.org/abs/1508.07647"
