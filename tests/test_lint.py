"""The code style and type checks hold for the whole tree (ruff and mypy, as configured in pyproject)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_finds_nothing():
    """ruff's lint rules and its formatter agree with every file."""
    lint = run(str(BIN / "ruff"), "check", "--quiet", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run(str(BIN / "ruff"), "format", "--check", "--quiet", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.slow
def test_mypy_finds_nothing():
    """mypy with the Django plugin type-checks the offload package."""
    result = run(str(BIN / "mypy"), "offload")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
