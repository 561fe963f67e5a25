"""pytest collection of case files: one item per case with ``expect``, named by file and case id.

Collection only reads and validates the files (cheap: ``pytest --collect-only`` or ``-k``
assess nothing); each item assesses its case when it runs. A file that cannot be read is one
item that fails with the error (file, line, key).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .casefile import LoadedCase, read_cases
from .evaluate import load_engine
from .regression import CaseResult, run_case

SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")


class CaseFile(pytest.File):
    """A case file; its items are its cases with ``expect`` (and any case that failed to load)."""

    def collect(self) -> Iterator[pytest.Item]:
        for loaded in read_cases(load_engine().reader, str(self.path)):
            if loaded.error is None and getattr(loaded.case, "expect", None) is None:
                continue
            name = getattr(loaded.case, "case", None) or f"line {loaded.where.line}"
            yield CaseItem.from_parent(self, name=name, loaded=loaded)


class CaseItem(pytest.Item):
    """One case: assessed when run; fails with the expectations it missed."""

    def __init__(self, *, loaded: LoadedCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded

    def runtest(self) -> None:
        result = run_case(load_engine(), self.loaded)
        if not result.passed:
            raise CaseFailure(result)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailure):
            return excinfo.value.result.message()
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.loaded.where.line - 1, f"case {self.name}"


class CaseFailure(Exception):
    """A case missed its expectations."""

    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.case_id)
        self.result = result


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> CaseFile | None:
    """Collect case files under ``cases/`` (they must hold cases with ``expect``)."""
    if file_path.suffix in SUFFIXES and "cases" in file_path.parts:
        return CaseFile.from_parent(parent, path=file_path)
    return None
