"""The tiny config's pipeline, built once per test session: the end-to-end tests of
test_pipeline read it, and the annotate tests label photos with its tag-neighbor model."""

from pathlib import Path

import pytest
from test_pipeline import TARGETS, TINY, snakemake, write_config


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("pipeline")
    write_config(workdir, TINY)
    snakemake(workdir, *TARGETS)
    return workdir


def pytest_collection_modifyitems(items) -> None:
    """A test that needs a built pipeline runs Snakemake, so `-m "not slow"` skips it even
    where its own mark was forgotten."""
    for item in items:
        if "built" in item.fixturenames:
            item.add_marker(pytest.mark.slow)
