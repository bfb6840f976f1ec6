"""Every `snakemake` command of docs/reproduce.md plans (`-n`) as a user types it.

Each command runs in a folder laid out as the repository root (config.yaml, config/, profiles/),
where the configs' paths (/data/NUS-WIDE, the features, the XML) and the page's placeholders
point at fixtures: the release of test_nuswide_pipeline with its images, BigFile features and
McAuley and Leskovec's XML of the same photos. The page's commands run on a cluster's login
node or a GPU machine; an `sbatch` on PATH, which a dry run never calls, stands in for both."""

import os
import re
import shlex
import shutil
import subprocess

import numpy as np
import pytest
from test_imported_features import features, write_bigfile
from test_mcauley import write_xml
from test_nuswide_pipeline import release  # noqa: F401 (a fixture)
from test_pipeline import REPO, SNAKEMAKE, planned_jobs

from benchmarks.mcauley_xml import record

pytestmark = pytest.mark.slow

PAGE = REPO / "docs" / "reproduce.md"
PROGRAMS = ("snakemake", ".venv/bin/snakemake")
# What route B (config/nuswide-public.yaml) must never plan: it has no image and no Flickr key.
IMAGES_OR_KEY = {"features", "image_manifest", "nuswide_download", "nuswide_check_images", "flickr_crawl"}


def commands(text: str) -> list[list[str]]:
    """The snakemake command lines of the page's fenced code blocks, comments left out."""
    found = []
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] in PROGRAMS:
                found.append(words)
    return found


def test_the_page_lists_both_routes_commands():
    found = [" ".join(words) for words in commands(PAGE.read_text())]
    assert any("config/nuswide.yaml" in c and "profiles/slurm" in c for c in found)
    assert any("config/nuswide-public.yaml" in c and "profiles/slurm" in c for c in found)
    assert len(found) >= 10, found
    block = "```bash\nsnakemake -n \\\n  all  # a comment\nexport A=1\n```\n"
    assert commands(block) == [["snakemake", "-n", "all"]]


@pytest.fixture(scope="module")
def root(release, tmp_path_factory):  # noqa: F811
    """A repository root whose configs and placeholders point at fixtures; returns the folder
    and the placeholder -> fixture path map."""
    base = tmp_path_factory.mktemp("reproduce")
    photos = release["photos"]
    records = [record(str(p), r["owner"], r["tags"], r["sets"], r["groups"]) for p, r in photos.items()]
    xml = write_xml(base / "photosNUS.xml", records)
    covered = np.array(sorted(set(photos) | release["asked"]), dtype=np.int64)
    bigfile = write_bigfile(base / "vggnet16-fc7relu", covered, features(len(covered), 16, seed=2))
    weights = base / "alexnet-owt-7be5be79.pth"
    weights.write_bytes(b"")  # an input of the features job: only its existence is planned
    collection = base / "photos"
    collection.mkdir()
    shutil.copy(next((release["base"] / "Flickr").rglob("*.jpg")), collection / "photo.jpg")
    paths = {  # longest first: /data/NUS-WIDE/Flickr before /data/NUS-WIDE
        "/data/NUS-WIDE/Flickr": release["base"] / "Flickr",
        "/data/NUS-WIDE": release["base"] / "NUS-WIDE",
        "/data/web-flickr/flickrXml/photosNUS.xml": xml,
        "/data/jingwei/nuswide/FeatureData/vggnet16-fc7relu": bigfile,
        "/data/weights/alexnet-owt-7be5be79.pth": weights,
        "/path/to/photos": collection,
    }
    work = base / "repository"
    work.mkdir()
    shutil.copy(REPO / "config.yaml", work)
    shutil.copytree(REPO / "profiles", work / "profiles")
    (work / "config").mkdir()
    for config in (REPO / "config").glob("*.yaml"):
        (work / "config" / config.name).write_text(substitute(config.read_text(), paths))
    for name in ("nuswide.yaml", "nuswide-public.yaml"):
        assert "/data/" not in (work / "config" / name).read_text()
    bin_dir = base / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text("#!/bin/sh\necho 'sbatch is not called by a dry run' >&2\nexit 1\n")
    (bin_dir / "sbatch").chmod(0o755)
    return {"work": work, "paths": paths, "bin": bin_dir}


def substitute(text: str, paths: dict) -> str:
    for placeholder, path in paths.items():
        text = text.replace(placeholder, str(path))
    return text


@pytest.mark.parametrize("words", commands(PAGE.read_text()), ids=" ".join)
def test_every_command_on_the_page_plans(root, words):
    args = [substitute(word, root["paths"]) for word in words[1:]]
    assert not any("/data/" in a or "/path/to" in a for a in args), args
    env = {
        **os.environ,
        "FLICKR_API_KEY": "0123456789abcdef",  # the page exports it; a dry run sends nothing
        "PATH": f"{root['bin']}{os.pathsep}{os.environ['PATH']}",
    }
    command = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), *args]
    if not {"-n", "--dry-run", "--dryrun"} & set(args):
        command.append("-n")
    result = subprocess.run(command, cwd=root["work"], env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(words)}\n{output[-6000:]}"
    assert "This was a dry-run" in output, output[-3000:]
    jobs = planned_jobs(output)
    if "config/nuswide-public.yaml" in args:
        assert jobs and not IMAGES_OR_KEY & set(jobs), jobs
    elif "config/nuswide.yaml" in args and "all" in args:
        assert jobs["flickr_crawl"] >= 1 and jobs["features"] == 1, jobs
