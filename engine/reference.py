"""The reference evaluator: the test oracle for the durable_rules engine.

It reads the validated rule model (never the compiled JSON, so a compiler bug cannot agree
with itself) and applies three-valued (Kleene) logic directly: a test on an unknown fact is
UNKNOWN, ``all`` is false if any part is false, ``any`` true if any part is true. Plain and
slow on purpose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .conditions import SAME, All, Any_, Cond, Not, Ref, Test, refs, tests
from .rulebook import Rule, Rulebook

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


@dataclass(frozen=True)
class Run:
    """One evaluation: the conclusions' status, and each (rule, party)'s own result."""

    status: Status
    results: dict[tuple[str, str], Result]


class Reference:
    """Evaluates a rulebook on a case's facts, conclusion by conclusion, stratum by stratum."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.parties = [*book.parties, NONE_PARTY]
        self.rules = sorted(book.rules, key=lambda r: (r.stratum, r.id))
        periods = {rule.id: _period(rule) for rule in book.rules}
        conds = {r.id: [periods[r.id], r.cond, *(e.cond for e in r.exceptions)] for r in book.rules}
        #: each rule as one condition: in its period, its condition, and no exception
        self.whole = {r.id: All((periods[r.id], r.cond, *(Not(e.cond) for e in r.exceptions)))
                      for r in book.rules}
        self._facts = {rid: {t.fact for c in cs for t in tests(c)} for rid, cs in conds.items()}
        self._refs = {rid: {ref.concl for c in cs for ref in refs(c)} for rid, cs in conds.items()}
        self._unaffected: dict[str, frozenset[str]] = {}

    def evaluate(self, facts: dict[str, Any], law_day: dt.date | None) -> Status:
        """``{(conclusion, party): (TRUE or UNKNOWN, needs)}`` for everything not false."""
        return self.run(facts, law_day).status

    def trace(self, facts: dict[str, Any], law_day: dt.date | None) -> tuple[Status, dict[str, int]]:
        """The conclusions, and the best value each rule reached (for coverage)."""
        run = self.run(facts, law_day)
        rules: dict[str, int] = {}
        for (rule_id, _), (value, _) in run.results.items():
            rules[rule_id] = max(rules.get(rule_id, FALSE), value)
        return run.status, rules

    def run(self, facts: dict[str, Any], law_day: dt.date | None,
            base: Run | None = None, changed: str | None = None) -> Run:
        """Evaluate every rule for every party. Given the ``base`` run of the same facts but
        ``changed``, only the rules that depend on that fact (directly or through conclusions)
        are evaluated again — the questionnaire's "would this answer change anything?"."""
        keep = set() if base is None or changed is None else self._independent(changed)
        known = dict(facts)
        if law_day is not None:
            known["incident_date"] = law_day
        results: dict[tuple[str, str], Result] = {}
        status: dict[str, Status] = {}  # by conclusion id, so a reference looks at its own only
        for rule in self.rules:
            for party in self._parties(rule):
                if base is not None and rule.id in keep:
                    value, needs = results[(rule.id, party)] = base.results[(rule.id, party)]
                else:
                    value, needs = results[(rule.id, party)] = self._rule(rule, known, status, party)
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
        return Run({k: (v, n if v == UNKNOWN else NOTHING)
                    for found in status.values() for k, (v, n) in found.items()}, results)

    def _independent(self, fact: str) -> frozenset[str]:
        """The rules whose result cannot depend on ``fact``."""
        if fact not in self._unaffected:
            affected = {r.id for r in self.rules if fact in self._facts[r.id]}
            concls = {r.concl for r in self.rules if r.id in affected}
            for rule in self.rules:  # stratum order: a reference is to an earlier stratum
                if rule.id not in affected and self._refs[rule.id] & concls:
                    affected.add(rule.id)
                    concls.add(rule.concl)
            self._unaffected[fact] = frozenset(r.id for r in self.rules if r.id not in affected)
        return self._unaffected[fact]

    def _parties(self, rule: Rule) -> list[str]:
        return self.parties if rule.spec.conclude.party == SAME else [NONE_PARTY]

    def _rule(self, rule: Rule, facts: dict[str, Any], status: dict[str, Status], party: str) -> Result:
        return self._eval(self.whole[rule.id], facts, status, party)

    def _eval(self, cond: Cond, facts: dict[str, Any], status: dict[str, Status], party: str) -> Result:
        if isinstance(cond, Test):
            return self._test(cond, facts)
        if isinstance(cond, Ref):
            return self._ref(cond, status, party)
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
