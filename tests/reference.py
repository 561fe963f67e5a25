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
import itertools
import os
from typing import Any

from faceright.conditions import SAME, All, Any_, Cond, Not, Ref, Test
from faceright.dates import DateRange
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
    if op == "within":
        return all(v in want for v in have)
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
        self._dates = {n for n, spec in book.vocabulary.facts.items() if spec.type == "date"}
        self._earliest = min(p.effective_from for p in book.catalogue.all())

    def evaluate(self, facts: dict[str, Any], law_day: Any, today: dt.date | None = None) -> Status:
        """``{(conclusion, party): (TRUE or UNKNOWN, needs)}`` for everything not false."""
        return self.trace(facts, law_day, today)[0]

    def trace(self, facts: dict[str, Any], law_day: Any,
              today: dt.date | None = None) -> tuple[Status, dict[str, int]]:
        """The conclusions, and the value each rule reached (for coverage). A date that is not
        one day (``law_day`` None: any day from the earliest provision to today; a
        :class:`DateRange`; a date fact given as one) is evaluated on every day it may be,
        grouped into stretches in which no test of the rules on it changes value: TRUE where
        TRUE on all of them, FALSE where FALSE on all, else UNKNOWN, needing what its UNKNOWN
        stretches need and the dates that change it."""
        ranged = self._ranges(facts, law_day, today)
        if not ranged:
            return self._trace(facts, law_day)
        names = sorted(ranged)
        pieces = [self._stretches(name, *ranged[name]) for name in names]
        runs = []
        for combo in itertools.product(*(range(len(p)) for p in pieces)):
            firsts = {name: pieces[i][j][0] for i, (name, j) in enumerate(zip(names, combo))}
            lasts = {name: pieces[i][j][1] for i, (name, j) in enumerate(zip(names, combo))}
            runs.append((dict(zip(names, combo)), firsts, lasts))
        start = lambda run: run[1].get("incident_date", law_day)  # noqa: E731
        exact = {k: v for k, v in facts.items() if k in self._dates and isinstance(v, dt.date)}
        possible = [r for r in runs if all(
            last >= start(r) for name, last in [*r[2].items(), *exact.items()] if name != "incident_date")]
        outcomes = []
        for place, firsts, _ in possible or runs:
            known = {**facts, **firsts}
            outcomes.append((place, self._trace(known, known.pop("incident_date", law_day))))
        keys = {k for _, (status, _) in outcomes for k in status}
        status = {}
        for key in keys:
            value, needs = _combine([(place, st.get(key, (FALSE, NOTHING))) for place, (st, _) in outcomes])
            if value != FALSE:
                status[key] = (value, needs)
        rules = {rid: _combine([(place, (r.get(rid, FALSE), NOTHING)) for place, (_, r) in outcomes])[0]
                 for rid in outcomes[0][1][1]}
        return status, rules

    def _ranges(self, facts: dict[str, Any], law_day: Any,
                today: dt.date | None) -> dict[str, tuple[dt.date, dt.date]]:
        """The first and last possible day of each date that is not one day."""
        now = today or dt.date.fromisoformat(os.environ["FACERIGHT_TODAY"])
        out = {}
        given = {**{k: v for k, v in facts.items() if k in self._dates}, "incident_date": law_day}
        for name, value in given.items():
            if value is None and name == "incident_date":
                out[name] = (self._earliest, now)
            elif isinstance(value, DateRange):
                if value.now is not None:
                    out[name] = (now, now)
                else:
                    lo = value.lo or min(self._earliest, value.hi or self._earliest)
                    out[name] = (lo, value.hi or max(now, lo))
        return out

    def _stretches(self, name: str, first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
        """``first``..``last`` cut before each day some test on ``name`` changes value."""
        changes = set()
        for rule in self.book.rules:
            for cond in (_period(rule), rule.cond, *(e.cond for e in rule.exceptions)):
                for test in _leaves(cond):
                    if test.fact == name and isinstance(test.value, dt.date):
                        after = test.value + dt.timedelta(days=1)
                        changes |= {"ge": {test.value}, "lt": {test.value}, "gt": {after},
                                    "le": {after}, "is": {test.value, after}}.get(test.op, set())
        out, begin = [], first
        for day in sorted(d for d in changes if first < d <= last):
            out.append((begin, day - dt.timedelta(days=1)))
            begin = day
        return [*out, (begin, last)]

    def _trace(self, facts: dict[str, Any], law_day: dt.date | None) -> tuple[Status, dict[str, int]]:
        known = dict(facts)
        if law_day is not None:
            known["incident_date"] = law_day
        rules: dict[str, int] = {}
        status: dict[str, Status] = {}  # by conclusion id, so a reference looks at its own only
        for rule in self.rules:
            parties = self.parties if rule.spec.conclude.party == SAME else [NONE_PARTY]
            for party in parties:
                value, needs = self._eval(self.whole[rule.id], known, status, party)
                if value == UNKNOWN:
                    needs = self._minimal_needs(self.whole[rule.id], known, status, party)
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

    def _minimal_needs(self, cond: Cond, facts: dict[str, Any], status: dict[str, Status],
                       party: str) -> frozenset[str]:
        """What an open rule waits on, read from its ways of holding: each way is the set of
        undecided parts (unknown tests, open references) that would make it hold; a way whose
        undecided parts strictly include another way's adds nothing (deciding the smaller one
        is all it takes), so only the minimal ways are counted."""
        ways = self._ways(cond, facts, status, party, False)
        minimal = [w for w in ways if not any(o < w for o in ways)]
        out: set[str] = set()
        for way in minimal:
            for atom in way:
                out |= atom[1]
        return frozenset(out)

    def _ways(self, cond: Cond, facts: dict[str, Any], status: dict[str, Status], party: str,
              negated: bool) -> set[frozenset[tuple[Any, frozenset[str]]]]:
        """The ways ``cond`` (or its negation) can still hold, each a set of undecided atoms
        ``(identity, needs)``; a decided-true part adds nothing, a false one leaves no way."""
        if isinstance(cond, Not):
            return self._ways(cond.item, facts, status, party, not negated)
        if isinstance(cond, (Test, Ref)):
            value, needs = self._eval(cond, facts, status, party)
            if negated:
                value = 2 - value
            if value == TRUE:
                return {frozenset()}
            if value == FALSE:
                return set()
            return {frozenset({(cond, needs)})}
        conjunction = isinstance(cond, All) != negated
        parts = [self._ways(item, facts, status, party, negated) for item in cond.items]
        if not conjunction:
            return set().union(*parts)
        out: set[frozenset[tuple[Any, frozenset[str]]]] = {frozenset()}
        for part in parts:
            out = {a | b for a in out for b in part}
        return out

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


def _leaves(cond: Cond) -> list[Test]:
    if isinstance(cond, Test):
        return [cond]
    if isinstance(cond, Not):
        return _leaves(cond.item)
    if isinstance(cond, (All, Any_)):
        return [t for c in cond.items for t in _leaves(c)]
    return []


def _combine(outcomes: list[tuple[dict[str, int], Result]]) -> Result:
    """One value over the stretches of the possible dates (see :meth:`Reference.trace`)."""
    values = [v for _, (v, _) in outcomes]
    if all(v == TRUE for v in values):
        return TRUE, NOTHING
    if all(v == FALSE for v in values):
        return FALSE, NOTHING
    needs: set[str] = set()
    for _, (value, need) in outcomes:
        if value == UNKNOWN:
            needs |= need
    if len(set(values)) > 1:
        deciding = set()
        for a, b in itertools.combinations(outcomes, 2):
            differ = [n for n in a[0] if a[0][n] != b[0][n]]
            if len(differ) == 1 and a[1][0] != b[1][0]:
                deciding.add(differ[0])
        needs |= deciding or set(outcomes[0][0])
    return UNKNOWN, frozenset(needs)
