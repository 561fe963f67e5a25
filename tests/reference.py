"""The reference evaluator: the test oracle for the durable_rules engine.

It reads the validated rule model (never the compiled JSON, so a compiler bug cannot agree
with itself) and applies three-valued (Kleene) logic directly: a test on an unknown fact is
UNKNOWN, ``all`` is false if any part is false, ``any`` true if any part is true. Plain and
slow on purpose, and independent of the production semantics (``faceright.kleene``, which it
must never import): its own truth values, comparisons and rule periods, so that a mistake
there cannot agree with itself either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from faceright.conditions import SAME, All, Any_, Cond, Not, Ref, Test
from faceright.rulebook import Rule, Rulebook

TRUE, UNKNOWN, FALSE = 2, 1, 0
NOTHING: frozenset[str] = frozenset()
NONE_PARTY = "-"
Result = tuple[int, frozenset[str]]
Status = dict[tuple[str, str], Result]


def _compare(op: str, have: Any, want: Any) -> bool:
    if op == "is":
        return bool(have == want)
    if op == "in":
        return bool(have in want)
    if op == "has":
        return bool(want in have)
    if op == "has_any":
        return any(v in have for v in want)
    return bool({"gt": have > want, "ge": have >= want, "lt": have < want, "le": have <= want}[op])


def _period(rule: Rule) -> Cond:
    """When a rule applies, as a condition on the incident date (and ``online_until`` for
    conduct begun earlier and continuing into the rule's period)."""
    main: tuple[Cond, ...] = (Test("incident_date", "ge", rule.start),) if rule.start else ()
    tail: tuple[Cond, ...] = (Test("incident_date", "le", rule.until),) if rule.until else ()
    alternatives: list[Cond] = [All((*main, *tail))]
    if rule.continuing and rule.start:
        alternatives.append(All((Test("incident_date", "lt", rule.start),
                                 Test("online_until", "ge", rule.start), *tail)))
    if rule.earlier and rule.start:
        alternatives.append(All((Test("incident_date", "lt", rule.start), *tail)))
    return Any_(tuple(alternatives))


class Reference:
    """Evaluates a rulebook on a case's facts, conclusion by conclusion, stratum by stratum."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.parties = [*book.parties, NONE_PARTY]
        self.rules = sorted(book.rules, key=lambda r: (r.stratum, r.id))
        #: each rule as one condition: in its period, its condition, and no exception
        self.whole = {r.id: All((_period(r), r.cond, *(Not(e.cond) for e in r.exceptions)))
                      for r in book.rules}

    def evaluate(self, facts: dict[str, Any], law_day: dt.date | None) -> Status:
        """``{(conclusion, party): (TRUE or UNKNOWN, needs)}`` for everything not false."""
        return self.trace(facts, law_day)[0]

    def trace(self, facts: dict[str, Any], law_day: dt.date | None) -> tuple[Status, dict[str, int]]:
        """The conclusions, and the best value each rule reached (for coverage)."""
        known = dict(facts)
        if law_day is not None:
            known["incident_date"] = law_day
        rules: dict[str, int] = {}
        status: dict[str, Status] = {}  # by conclusion id, so a reference looks at its own only
        for rule in self.rules:
            parties = self.parties if rule.spec.conclude.party == SAME else [NONE_PARTY]
            for party in parties:
                value, needs = self._eval(self.whole[rule.id], known, status, party)
                rules[rule.id] = max(rules.get(rule.id, FALSE), value)
                if value == FALSE:
                    continue
                key = (rule.concl, party if rule.spec.conclude.party == SAME
                       else rule.spec.conclude.party or NONE_PARTY)
                found = status.setdefault(rule.concl, {})
                old_value, old_needs = found.get(key, (FALSE, NOTHING))
                if value > old_value:
                    found[key] = (value, needs)
                elif value == old_value == UNKNOWN:
                    found[key] = (value, old_needs | needs)
        return {k: (v, n if v == UNKNOWN else NOTHING)
                for found in status.values() for k, (v, n) in found.items()}, rules

    def _eval(self, cond: Cond, facts: dict[str, Any], status: dict[str, Status], party: str) -> Result:
        if isinstance(cond, Test):
            return self._test(cond, facts)
        if isinstance(cond, Ref):
            value, needs = self._ref(cond, status, party)
            # an established reference needs the conclusion to hold: open counts as FALSE
            return (FALSE, NOTHING) if cond.established and value == UNKNOWN else (value, needs)
        if isinstance(cond, Not):
            value, needs = self._eval(cond.item, facts, status, party)
            return 2 - value, needs
        # Kleene all / any: FALSE (TRUE) decides at once; else UNKNOWN parts add their needs
        decisive = FALSE if isinstance(cond, All) else TRUE
        undecided = []
        for item in cond.items:
            value, needs = self._eval(item, facts, status, party)
            if value == decisive:
                return decisive, NOTHING
            if value == UNKNOWN:
                undecided.append(needs)
        return (UNKNOWN, NOTHING.union(*undecided)) if undecided else (2 - decisive, NOTHING)

    @staticmethod
    def _test(test: Test, facts: dict[str, Any]) -> Result:
        present = test.fact in facts
        if test.op == "unknown":
            return (FALSE if present else TRUE), NOTHING
        if not present and test.unknown_is is not None:
            return (TRUE if test.unknown_is else FALSE), NOTHING
        if not present:
            return UNKNOWN, frozenset({test.fact})
        return (TRUE if _compare(test.op, facts[test.fact], test.value) else FALSE), NOTHING

    @staticmethod
    def _ref(ref: Ref, status: dict[str, Status], party: str) -> Result:
        want = party if ref.party == SAME else ref.party
        found = [v for (_, p), v in status.get(ref.concl, {}).items() if want is None or p == want]
        best = max((v for v, _ in found), default=FALSE)
        needs = NOTHING.union(*(n for v, n in found if v == UNKNOWN)) if best == UNKNOWN else NOTHING
        return best, needs
