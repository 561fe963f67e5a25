"""Shared fixtures; the hypothesis ``ci`` profile is derandomised and deadline-free."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile("ci", derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent

#: "today" for every test and every command a test starts: a missing incident date, ``after
#: …`` and ``still_online`` end on it, so results never depend on the day the suite runs
TODAY = "2026-12-03"
os.environ["FACERIGHT_TODAY"] = TODAY

# The rulebook cache of this test session (and of the commands it starts) lives in a temporary
# folder, never in the user's ~/.cache; tests of the cache itself set their own.
if "FACERIGHT_CACHE_DIR" not in os.environ:
    _CACHE = tempfile.mkdtemp(prefix="faceright-test-cache-")
    os.environ["FACERIGHT_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, True)


@pytest.fixture(scope="session")
def engine():  # type: ignore[no-untyped-def]
    from faceright.evaluate import load_engine
    return load_engine(ROOT / "rules")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shipped_cases(engine):  # type: ignore[no-untyped-def]
    """Every case shipped in ``cases/`` (validated), in path order."""
    from faceright.casefile import read_cases
    return [loaded.case for path in sorted((ROOT / "cases").rglob("*.yaml"))
            for loaded in read_cases(engine.reader, str(path))]


@pytest.fixture(scope="session")
def interview_cases(engine):  # type: ignore[no-untyped-def]
    """The shipped cases the interview agreement tests answer (an interview runs the engine a
    few dozen times, ~2 s a case): the personas and the example, every third decided case, and
    every sixtieth file of the scenario and coverage cases in path order — a fixed sample, so a
    failure names the same case on every run. ``faceright test cases/`` still checks every case."""
    from faceright.casefile import read_cases
    paths = sorted((ROOT / "cases").rglob("*.yaml"))
    others = [p for p in paths if p.parent.name in ("scenarios", "coverage")]
    decided = [p for p in paths if p.parent.name == "decided"]
    chosen = ([p for p in paths if p not in others and p not in decided] + decided[::3]
              + others[9::60])
    return [loaded.case for path in sorted(chosen) for loaded in read_cases(engine.reader, str(path))]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Lines tests recorded as ``terminal_summary`` properties (e.g. the rule mutation score),
    printed at the end of the run, with or without xdist and ``-s``."""
    lines = [str(value) for reports in terminalreporter.stats.values() for r in reports
             for name, value in getattr(r, "user_properties", ()) if name == "terminal_summary"]
    for line in sorted(set(lines)):
        terminalreporter.write_line(line)
