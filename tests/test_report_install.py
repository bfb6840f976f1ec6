"""The run install (`pip install -e .`, no extras) brings every package `snakemake --report`
imports. Snakemake lists pygments only under its "reports" extra, so without it in this
package's own dependencies the report fails after the run command."""

import ast
import importlib.metadata as metadata
import sys
from pathlib import Path

import snakemake
from packaging.requirements import Requirement


def _unconditional(distribution: str) -> set[str]:
    """The distributions `distribution` requires with no extra or other marker, normalised."""
    required = (Requirement(text) for text in metadata.requires(distribution) or [])
    return {_normal(r.name) for r in required if r.marker is None}


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _imported_by_the_report() -> set[str]:
    """Top-level third-party modules imported anywhere in snakemake/report/, functions included."""
    modules = set()
    for path in (Path(snakemake.__file__).parent / "report").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m != "snakemake"}


def test_the_run_install_requires_what_the_report_imports():
    ours = _unconditional("neighborhoods")
    assert {"pygments", "jinja2", "snakemake"} <= ours
    provided = ours | _unconditional("snakemake")
    distributions = metadata.packages_distributions()
    needed = {_normal(d) for m in _imported_by_the_report() for d in distributions.get(m, [m])}
    assert {"pygments", "jinja2"} <= needed, "the scan of snakemake/report/ missed its imports"
    missing = sorted(needed - provided)
    assert not missing, f"`snakemake --report` imports {missing}, which `pip install -e .` does not install"
