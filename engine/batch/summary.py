"""The summary: counts per chunk (kept in the journal) added up into the run's report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .model import Outcome


@dataclass
class Tally:
    """Counts for the summary: kept per chunk in the journal so a resumed run adds them up."""

    cases: int = 0
    errors: int = 0
    holds: Counter[str] = field(default_factory=Counter)
    open: Counter[str] = field(default_factory=Counter)
    runs: int = 0  # case facts matched by durable_rules
    asserts: int = 0

    def add(self, outcome: Outcome) -> None:
        self.cases += 1
        self.errors += outcome.error
        self.holds.update(outcome.holds)
        self.open.update(outcome.open)
        self.runs += outcome.runs
        self.asserts += outcome.asserts

    def merge(self, other: Tally) -> None:
        self.cases += other.cases
        self.errors += other.errors
        self.holds.update(other.holds)
        self.open.update(other.open)
        self.runs += other.runs
        self.asserts += other.asserts

    def to_journal(self) -> dict[str, Any]:
        return {"n": self.cases, "e": self.errors, "h": dict(sorted(self.holds.items())),
                "o": dict(sorted(self.open.items())), "s": self.runs, "a": self.asserts}

    @classmethod
    def from_journal(cls, data: dict[str, Any]) -> Tally:
        return cls(int(data["n"]), int(data["e"]), Counter(data["h"]), Counter(data["o"]),
                   int(data.get("s", 0)), int(data.get("a", 0)))



@dataclass
class Report:
    """How the run ended, for the summary and the exit code."""

    tally: Tally
    duplicates: int = 0
    complete: bool = True
    stopped_early: bool = False
    seconds: float = 0.0
    output: str | None = None
    rules_version: str = ""
    resumed: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.tally.errors or self.duplicates or not self.complete else 0

    def to_json(self) -> dict[str, Any]:
        names = sorted(set(self.tally.holds) | set(self.tally.open))
        return {"cases": self.tally.cases, "errors": self.tally.errors,
                "duplicate_ids": self.duplicates, "complete": self.complete,
                "output": self.output, "rules_version": self.rules_version,
                "engine": {"cases": self.tally.runs, "asserts": self.tally.asserts},
                "conclusions": {n: {"holds": self.tally.holds[n], "open": self.tally.open[n]}
                                for n in names}}

    def text(self) -> str:
        t = self.tally
        ran = t.cases - self.resumed
        rate = f"; {ran / self.seconds:,.1f} cases/s" if self.seconds > 0 and ran else ""
        lines = [f"batch: {t.cases:,} case{'s' * (t.cases != 1)}, "
                 f"{t.errors:,} error{'s' * (t.errors != 1)}"
                 + (f", {self.duplicates:,} duplicate ids" if self.duplicates else "")
                 + rate + (f"; output: {self.output}" if self.output else "")]
        names = sorted(set(t.holds) | set(t.open))
        if names:
            width = max(len(n) for n in names)
            lines.append(f"  {'conclusion':{width}}  {'holds':>8}  {'open':>8}")
            lines += [f"  {n:{width}}  {t.holds[n]:>8,}  {t.open[n]:>8,}" for n in names]
        return "\n".join(lines)

