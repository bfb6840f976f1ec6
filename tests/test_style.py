"""Style the project holds itself to: Snakemake lint and snakefmt, ruff format and lint, and a
package module map that names every module."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PACKAGE = REPO / "src" / "neighborhoods"


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_workflow_is_clean_under_lint_and_snakefmt():
    lint = run(str(BIN / "snakemake"), "--lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run(str(BIN / "snakefmt"), "--check", "Snakefile", "workflow")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.parametrize("command", [("format", "--check"), ("check",)])
def test_python_is_clean_under_ruff(command):
    """Over src/, tests/, workflow/scripts/ and benchmarks/ (pyproject.toml's [tool.ruff])."""
    result = run(str(BIN / "ruff"), *command, "src", "tests", "workflow/scripts", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_module_map_names_every_module_once_and_the_readme_shows_it():
    doc = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text()))
    lines = doc.split("Module map", 1)[1].splitlines()[2:]
    listed = [line.split()[0] for line in lines if line.strip()]
    modules = {
        *(path.parent.name + "/" for path in PACKAGE.glob("*/__init__.py")),
        *(path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"),
        *(path.stem for path in PACKAGE.glob("*/*.py") if path.stem != "__init__"),
    }
    assert sorted(listed) == sorted(modules)
    readme = (REPO / "README.md").read_text().splitlines()
    missing = [line for line in lines if line.strip() and line not in readme]
    assert not missing, "README.md's Layout lacks these lines of the module map: " + "\n".join(missing)
