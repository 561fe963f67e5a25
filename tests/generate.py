"""Case generators for property tests, biased so that every rule fires and every threshold
is probed at, just below and just above its value."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from faceright import probes
from faceright.conditions import Ref, Test
from faceright.logic import alternatives, with_exceptions
from faceright.rulebook import Rule, Rulebook
from reference import _compare


def thresholds(book: Rulebook) -> dict[str, list[Any]]:
    """For each ordered fact, the values rules compare it with, and their neighbours."""
    return {k: sorted(v) for k, v in probes.thresholds(book).items()}


class Generator:
    """Makes random case dicts; ``target`` steers the facts toward one rule holding."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.edges = thresholds(book)

    def value(self, rng: random.Random, fact: str) -> Any:
        spec = self.book.vocabulary.spec(fact)
        edges = self.edges.get(fact, [])
        if edges and rng.random() < 0.7:
            return rng.choice(edges)
        if spec.type == "bool":
            return rng.random() < 0.5
        if spec.type == "enum":
            return rng.choice(spec.values)
        if spec.type == "list":
            # mostly a few values, as real cases have (so that "only these" tests hold too)
            size = min(len(spec.values), rng.choice([1, 1, 1, 2, 2, 3, rng.randint(1, len(spec.values))]))
            return sorted(rng.sample(spec.values, size))
        if spec.type == "int":
            return rng.choice([0, 1, rng.randint(0, 100), rng.randint(0, 10**6)])
        if spec.type == "number":
            return rng.choice([0, 1, rng.randint(0, 100), round(rng.uniform(0, 10**6), 2)])
        return dt.date(2005, 1, 1) + dt.timedelta(days=rng.randint(0, 8000))

    def case(self, rng: random.Random, target: Rule | None = None, unknown: float = 0.25) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        for name in self.book.vocabulary.names():
            if rng.random() >= unknown:
                facts[name] = self.value(rng, name)
        if target is not None:
            self._aim(rng, target, facts, depth=0)
        date = facts.pop("incident_date", None)
        case: dict[str, Any] = {"case": f"gen-{rng.randrange(10**9)}", "facts": facts}
        if date is not None:
            case["incident_date"] = date
        return case

    def _aim(self, rng: random.Random, rule: Rule, facts: dict[str, Any], depth: int) -> None:
        cond = with_exceptions(rule.cond, [e.cond for e in rule.exceptions])
        alt = rng.choice(alternatives(cond))
        if rule.start is not None:
            lo = rule.start
            hi = rule.until or dt.date(2026, 12, 31)
            facts["incident_date"] = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
        for lit in alt:
            atom = lit.atom
            if isinstance(atom, Test):
                self._satisfy(rng, atom, lit.negated, facts)
            elif isinstance(atom, Ref) and not lit.negated and depth < 6:
                producers = self.book.rules_for(atom.concl)
                if producers:
                    self._aim(rng, rng.choice(producers), facts, depth + 1)

    def _satisfy(self, rng: random.Random, test: Test, negated: bool, facts: dict[str, Any]) -> None:
        if test.op == "unknown":
            if negated:
                facts.setdefault(test.fact, self.value(rng, test.fact))
            else:
                facts.pop(test.fact, None)
            return
        for _ in range(30):
            candidate = self.value(rng, test.fact)
            if _compare(test.op, candidate, test.value) != negated:
                facts[test.fact] = candidate
                return
