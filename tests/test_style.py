"""Style the project holds itself to: Snakemake lint and snakefmt, ruff format and lint, and a
module map (docs/modules.md) that names every module."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PACKAGE = REPO / "src" / "neighborhoods"


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_workflow_is_clean_under_lint_and_snakefmt():
    lint = run(str(BIN / "snakemake"), "--lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run(str(BIN / "snakefmt"), "--check", "Snakefile", "workflow")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", [("format", "--check"), ("check",)])
def test_python_is_clean_under_ruff(command):
    """Over src/, tests/, workflow/scripts/ and benchmarks/ (pyproject.toml's [tool.ruff])."""
    result = run(str(BIN / "ruff"), *command, "src", "tests", "workflow/scripts", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_module_map_names_every_module_once():
    """docs/modules.md holds the map: the code block after its `module-map` marker."""
    text = (REPO / "docs" / "modules.md").read_text()
    block = text.split("<!-- module-map -->\n```\n", 1)[1].split("```", 1)[0]
    listed = [line.split()[0] for line in block.splitlines() if line.strip()]
    modules = {
        *(path.parent.name + "/" for path in PACKAGE.glob("*/__init__.py")),
        *(path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"),
        *(path.stem for path in PACKAGE.glob("*/*.py") if path.stem != "__init__"),
    }
    assert sorted(listed) == sorted(modules)
