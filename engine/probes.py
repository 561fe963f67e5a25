"""Values worth trying for a fact: every choice, and each side of every threshold and period
boundary the rules use. Shared by the questionnaire (relevance), explanations (flips) and lint
(satisfiability), so they all probe the same points."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .conditions import tests
from .rulebook import Rulebook
from .vocabulary import INCIDENT_DATE


def _step(value: Any, by: int) -> Any:
    return value + dt.timedelta(days=by) if isinstance(value, dt.date) else value + by


def thresholds(book: Rulebook) -> dict[str, set[Any]]:
    """For ordered facts: the values rules compare them with, one below and one above."""
    out: dict[str, set[Any]] = {}
    for rule in book.rules:
        for test in (t for c in [rule.cond, *(e.cond for e in rule.exceptions)] for t in tests(c)):
            if isinstance(test.value, (int, float, dt.date)) and not isinstance(test.value, bool):
                out.setdefault(test.fact, set()).update(
                    v for v in (test.value, _step(test.value, -1), _step(test.value, 1))
                    if isinstance(v, dt.date) or v >= 0)
        for day in (rule.start, rule.until):
            if day is not None:
                for name in (INCIDENT_DATE, *([rule.continued_by] if rule.continued_by else [])):
                    out.setdefault(name, set()).update({day, _step(day, -1), _step(day, 1)})
    return out


def probe_values(book: Rulebook) -> dict[str, list[Any]]:
    """For every fact: its choices (lists: each value alone, and all), or its thresholds."""
    edges = thresholds(book)
    out: dict[str, list[Any]] = {}
    for name in book.vocabulary.names():
        spec = book.vocabulary.spec(name)
        if spec.type == "bool":
            out[name] = [True, False]
        elif spec.type == "enum":
            out[name] = list(spec.values)
        elif spec.type == "list":
            out[name] = [[v] for v in spec.values] + [list(spec.values)]
        else:
            out[name] = sorted(edges.get(name, set()) | ({0} if spec.type != "date" else set()))
    return out
