"""The reference evaluator: the test oracle for the durable_rules engine.

It reads the validated rule model (never the compiled JSON, so a compiler bug cannot agree
with itself) and applies three-valued (Kleene) logic directly: a test on an unknown fact is
UNKNOWN, ``all`` is false if any part is false, ``any`` true if any part is true. Plain and
slow on purpose.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .conditions import SAME, All, Cond, Not, Ref, Test
from .rulebook import Rule, Rulebook

TRUE, UNKNOWN, FALSE = 2, 1, 0
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


class Reference:
    """Evaluates a rulebook on a case's facts, conclusion by conclusion, stratum by stratum."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.parties = [*book.parties, NONE_PARTY]

    def evaluate(self, facts: dict[str, Any], law_day: dt.date | None) -> Status:
        """``{(conclusion, party): (TRUE or UNKNOWN, needs)}`` for everything not false."""
        return self.trace(facts, law_day)[0]

    def trace(self, facts: dict[str, Any], law_day: dt.date | None) -> tuple[Status, dict[str, int]]:
        """The conclusions, and the best value each rule reached (for coverage)."""
        rules: dict[str, int] = {}
        known = dict(facts)
        if law_day is not None:
            known["incident_date"] = law_day
        status: Status = {}
        for rule in sorted(self.book.rules, key=lambda r: (r.stratum, r.id)):
            for party in self._parties(rule):
                value, needs = self._rule(rule, known, status, party)
                rules[rule.id] = max(rules.get(rule.id, FALSE), value)
                if value == FALSE:
                    continue
                key = (rule.concl, party if rule.spec.conclude.party == SAME
                       else rule.spec.conclude.party or NONE_PARTY)
                old_value, old_needs = status.get(key, (FALSE, frozenset()))
                if value > old_value:
                    status[key] = (value, needs)
                elif value == old_value == UNKNOWN:
                    status[key] = (value, old_needs | needs)
        return {k: (v, n if v == UNKNOWN else frozenset()) for k, (v, n) in status.items()}, rules

    def _parties(self, rule: Rule) -> list[str]:
        return self.parties if rule.spec.conclude.party == SAME else [NONE_PARTY]

    def _rule(self, rule: Rule, facts: dict[str, Any], status: Status, party: str) -> Result:
        period = self._period(rule, facts)
        parts = [period, self._eval(rule.cond, facts, status, party)]
        for exc in rule.exceptions:
            parts.append(self._not(self._eval(exc.cond, facts, status, party)))
        return self._and(parts)

    def _period(self, rule: Rule, facts: dict[str, Any]) -> Result:
        def test(fact: str, op: str, value: dt.date) -> Result:
            return self._test(Test(fact, op, value), facts)

        main = [test("incident_date", "ge", rule.start)] if rule.start else []
        tail = [test("incident_date", "le", rule.until)] if rule.until else []
        result = self._and([*main, *tail]) if main or tail else (TRUE, frozenset())
        if rule.continuing and rule.start:
            continuing = self._and([test("incident_date", "lt", rule.start),
                                    test("online_until", "ge", rule.start), *tail])
            result = self._or([result, continuing])
        if rule.earlier and rule.start:
            result = self._or([result, self._and([test("incident_date", "lt", rule.start), *tail])])
        return result

    def _eval(self, cond: Cond, facts: dict[str, Any], status: Status, party: str) -> Result:
        if isinstance(cond, Test):
            return self._test(cond, facts)
        if isinstance(cond, Ref):
            return self._ref(cond, status, party)
        if isinstance(cond, Not):
            return self._not(self._eval(cond.item, facts, status, party))
        parts = [self._eval(c, facts, status, party) for c in cond.items]
        return self._and(parts) if isinstance(cond, All) else self._or(parts)

    @staticmethod
    def _test(test: Test, facts: dict[str, Any]) -> Result:
        present = test.fact in facts
        if test.op == "unknown":
            return (FALSE if present else TRUE), frozenset()
        if not present and test.unknown_is is not None:
            return (TRUE if test.unknown_is else FALSE), frozenset()
        if not present:
            return UNKNOWN, frozenset({test.fact})
        return (TRUE if _compare(test.op, facts[test.fact], test.value) else FALSE), frozenset()

    @staticmethod
    def _ref(ref: Ref, status: Status, party: str) -> Result:
        want = party if ref.party == SAME else ref.party
        found = [v for (c, p), v in status.items() if c == ref.concl and (want is None or p == want)]
        best = max((v for v, _ in found), default=FALSE)
        needs = frozenset().union(*(n for v, n in found if v == UNKNOWN)) if best == UNKNOWN else frozenset()
        return best, needs

    @staticmethod
    def _not(result: Result) -> Result:
        return 2 - result[0], result[1]

    @staticmethod
    def _and(parts: list[Result]) -> Result:
        if any(v == FALSE for v, _ in parts):
            return FALSE, frozenset()
        if all(v == TRUE for v, _ in parts):
            return TRUE, frozenset()
        return UNKNOWN, frozenset().union(*(n for v, n in parts if v == UNKNOWN))

    @staticmethod
    def _or(parts: list[Result]) -> Result:
        if any(v == TRUE for v, _ in parts):
            return TRUE, frozenset()
        if all(v == FALSE for v, _ in parts):
            return FALSE, frozenset()
        return UNKNOWN, frozenset().union(*(n for v, n in parts if v == UNKNOWN))
