"""The pytest plugin (root ``conftest.py``): collecting case files assesses nothing; running
the items assesses each case once and reports its misses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

#: Runs pytest in-process in a fresh interpreter and prints the engine's counters afterwards.
DRIVER = """
import json, sys
import pytest
from faceright.runtime import runtime
code = pytest.main([*sys.argv[1:], "-p", "no:cacheprovider", "-o", "addopts=", "-q", "cases"])
print("COUNTERS " + json.dumps({"exit": int(code), **runtime().counters}))
"""

CASES = "".join(
    f"---\ncase: c{i}\nincident_date: 2023-01-01\nfacts: {{depicted_person: living, identifiable: true, "
    f"likeness: [face], consent: {consent}}}\nexpect: {{conclusions: [portrait_right_infringed]}}\n"
    for i, consent in enumerate(["none", "none", "given"])
) + "---\ncase: no-expect\nfacts: {consent: none}\n"


def counters(tmp_path: Path, root: Path, *args: str) -> tuple[dict[str, int], str]:
    proc = subprocess.run([sys.executable, "-c", DRIVER, *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("COUNTERS ")]
    assert line, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(line[0].removeprefix("COUNTERS ")), proc.stdout


def test_collection_assesses_nothing_and_each_item_assesses_its_case(root: Path, tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "three.yaml").write_text(CASES, encoding="utf-8")
    shutil.copy(root / "conftest.py", tmp_path / "conftest.py")
    collected, out = counters(tmp_path, root, "--collect-only")
    assert collected["exit"] == 0 and collected["cases"] == 0, collected
    assert "cases/three.yaml::c0" in out and "cases/three.yaml::c2" in out and "no-expect" not in out
    ran, out = counters(tmp_path, root)
    assert ran["exit"] == 1 and ran["cases"] >= 3, ran  # c2 fails: consent given
    assert "1 failed, 2 passed" in out and "case 'c2':" in out
    selected, _ = counters(tmp_path, root, "-k", "c0")
    assert selected["exit"] == 0 and 1 <= selected["cases"] < ran["cases"], (selected, ran)
