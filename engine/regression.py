"""Case files as regression tests: run each case that has an ``expect`` block and report misses.

Shared by ``faceright test`` and the pytest plugin, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .assessment import Assessment
from .casefile import Located, read_cases
from .errors import CaseFileError
from .evaluate import Engine
from .expect import check


@dataclass
class CaseResult:
    """One case's outcome: its location, id, failures (empty = passed) or the error that stopped it."""

    where: Located
    case_id: str | None
    failures: list[str] = field(default_factory=list)
    error: CaseFileError | None = None
    assessment: Assessment | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures


def run_file(engine: Engine, path: str) -> Iterator[CaseResult]:
    """Every case with expectations in a file (cases without ``expect`` are skipped)."""
    for loaded in read_cases(engine.reader, path):
        if loaded.error is not None:
            yield CaseResult(loaded.where, None, error=loaded.error)
            continue
        case = loaded.case
        if case.expect is None:
            continue
        assessment = engine.assess(case)
        yield CaseResult(loaded.where, case.case, check(assessment, case.expect), None, assessment)
