"""The library and CLI are type-checked (mypy --strict, configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_mypy_is_clean(root: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=root, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
