"""pytest collection of case files: one item per case with ``expect``, named by file and case id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .evaluate import load_engine
from .regression import CaseResult, run_file

SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")


class CaseFile(pytest.File):
    """A case file; its items are its cases."""

    def collect(self) -> Iterator[pytest.Item]:
        for result in run_file(load_engine(), str(self.path)):
            name = result.case_id or f"line {result.where.line}"
            yield CaseItem.from_parent(self, name=name, result=result)


class CaseItem(pytest.Item):
    """One case: fails with the expectations it missed."""

    def __init__(self, *, result: CaseResult, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result = result

    def runtest(self) -> None:
        if not self.result.passed:
            raise CaseFailure(self.result)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailure):
            return excinfo.value.result.message()
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.result.where.line - 1, f"case {self.name}"


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
