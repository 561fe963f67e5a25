"""Case files as regression tests: run each case that has an ``expect`` block and report misses
with the derivation of the difference (which rule fired or not, which exception defeated it,
which fact was missing).

Shared by ``faceright test`` and the pytest plugin, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .assessment import Assessment
from .casefile import LoadedCase, Located, read_cases
from .errors import CaseFileError
from .evaluate import Engine
from .expect import check
from .explain import why, why_not


@dataclass
class CaseResult:
    """One case's outcome: its location, id, failures (empty = passed) or the error that stopped it."""

    where: Located
    case_id: str | None
    failures: list[str] = field(default_factory=list)
    error: CaseFileError | None = None
    assessment: Assessment | None = None
    details: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures

    def message(self) -> str:
        """The failure report: location, case, each miss and its derivation."""
        if self.error is not None:
            return str(self.error)
        return "\n".join([f"{self.where}: case '{self.case_id}':", *self.details])


def _derivation(engine: Engine, case: Any, failure: str) -> list[str]:
    """Why the assessment differs from one expectation."""
    cid = failure.split()[1].partition("@")[0]
    derivations, shown = engine.derive(case)
    lines: list[str] = []
    if " to hold, " in failure or " to be open, " in failure:
        for view in engine.views(case):
            lines += [f"    on {view.where}:"] if view.where else []
            for d in why_not(engine, view.derivations, view.facts, view.law_day, cid):
                lines.append(f"    rule {d.rule} [{', '.join(d.provisions)}]: {d.verdict}")
                lines += [f"      - {r}" for r in d.reasons]
    else:
        for key in sorted(k for k in derivations.firings if k[0] == cid):
            for step in why(engine, derivations, shown, key):
                lines.append(f"    rule {step.rule} [{', '.join(step.provisions)}] fired ({step.status})")
                if step.facts:
                    lines.append(f"      facts: {'; '.join(step.facts)}")
                lines += [f"      built on: {', '.join(f'{s.key[0]}' for s in step.below)}"] if step.below else []
    return lines


def run_file(engine: Engine, path: str) -> Iterator[CaseResult]:
    """Every case with expectations in a file (cases without ``expect`` are skipped)."""
    for loaded in read_cases(engine.reader, path):
        if loaded.error is not None or getattr(loaded.case, "expect", None) is not None:
            yield run_case(engine, loaded)


def run_case(engine: Engine, loaded: LoadedCase) -> CaseResult:
    """One read case (or the error that replaced it) assessed against its ``expect`` block."""
    if loaded.error is not None:
        return CaseResult(loaded.where, None, error=loaded.error)
    case: Any = loaded.case
    if case.expect is None:
        return CaseResult(loaded.where, case.case)  # nothing to check
    assessment = engine.assess(case)
    failures = check(assessment, case.expect)
    details: list[str] = []
    for failure in failures:
        details.append(f"  {failure}")
        details += _derivation(engine, case, failure)
    return CaseResult(loaded.where, case.case, failures, None, assessment, details)
