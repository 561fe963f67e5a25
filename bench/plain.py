"""A plain-Python three-valued evaluation of the rulebook: the benchmark's yardstick.

What durable_rules' cost per case is compared with: the same validated rule model evaluated
directly in Kleene's strong three-valued logic, each condition compiled once into nested
closures, rules in stratum order, each ``party: same`` rule once per party. It returns, per
(conclusion, party), TRUE or UNKNOWN with the facts an UNKNOWN needs — what the engine reports
as ``holds`` and ``open``. Written for speed (no trace, no explanation); it is no part of the
engine and imports nothing of faceright's own evaluation code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from faceright.conditions import SAME, All, Any_, Cond, Not, Ref, Test
from faceright.rulebook import Rule, Rulebook

FALSE, UNKNOWN, TRUE = 0, 1, 2
NONE: frozenset[str] = frozenset()
Status = dict[str, dict[str, tuple[int, frozenset[str]]]]
Fn = Callable[[dict[str, Any], Status, str], tuple[int, frozenset[str]]]


def _value_test(op: str, want: Any) -> Callable[[Any], bool]:
    if op == "is":
        return lambda have: bool(have == want)
    if op == "in":
        return lambda have: have in want
    if op == "has":
        return lambda have: want in have
    if op == "has_any":
        return lambda have: any(v in have for v in want)
    if op == "within":
        return lambda have: all(v in want for v in have)
    return {"gt": lambda have: have > want, "ge": lambda have: have >= want,
            "lt": lambda have: have < want, "le": lambda have: have <= want}[op]


def _test(test: Test) -> Fn:
    fact = test.fact
    unknown_needs = frozenset({fact})
    if test.op == "unknown":
        return lambda facts, _s, _p: ((FALSE if fact in facts else TRUE), NONE)
    check = _value_test(test.op, test.value)
    presumed = None if test.unknown_is is None else (TRUE if test.unknown_is else FALSE)

    def run(facts: dict[str, Any], _s: Status, _p: str) -> tuple[int, frozenset[str]]:
        if fact in facts:
            return (TRUE if check(facts[fact]) else FALSE), NONE
        return (presumed, NONE) if presumed is not None else (UNKNOWN, unknown_needs)
    return run


def _ref(ref: Ref) -> Fn:
    concl, fixed, same = ref.concl, ref.party, ref.party == SAME

    def run(_f: dict[str, Any], status: Status, party: str) -> tuple[int, frozenset[str]]:
        found = status.get(concl)
        if not found:
            return FALSE, NONE
        want = party if same else fixed
        if want is not None:
            return found.get(want, (FALSE, NONE))
        best = max(v for v, _ in found.values())
        if best != UNKNOWN:
            return best, NONE
        return UNKNOWN, NONE.union(*(n for v, n in found.values() if v == UNKNOWN))
    return run


def compile_cond(cond: Cond) -> Fn:
    """The condition as a function ``(facts, status, party) -> (truth, needs)``."""
    if isinstance(cond, Test):
        return _test(cond)
    if isinstance(cond, Ref):
        return _ref(cond)
    if isinstance(cond, Not):
        inner = compile_cond(cond.item)

        def negate(facts: dict[str, Any], status: Status, party: str) -> tuple[int, frozenset[str]]:
            value, needs = inner(facts, status, party)
            return TRUE - value, needs
        return negate
    parts = [compile_cond(c) for c in cond.items]
    decisive = FALSE if isinstance(cond, All) else TRUE
    other = TRUE - decisive

    def combine(facts: dict[str, Any], status: Status, party: str) -> tuple[int, frozenset[str]]:
        undecided: list[frozenset[str]] = []
        for part in parts:
            value, needs = part(facts, status, party)
            if value == decisive:
                return decisive, NONE
            if value == UNKNOWN:
                undecided.append(needs)
        return (UNKNOWN, NONE.union(*undecided)) if undecided else (other, NONE)
    return combine


def _period(rule: Rule) -> Cond:
    main: tuple[Cond, ...] = (Test("incident_date", "ge", rule.start),) if rule.start else ()
    tail: tuple[Cond, ...] = (Test("incident_date", "le", rule.until),) if rule.until else ()
    options: list[Cond] = [All((*main, *tail))]
    if rule.start and rule.continuing:
        options.append(All((Test("incident_date", "lt", rule.start),
                            Test("online_until", "ge", rule.start), *tail)))
    if rule.start and rule.earlier:
        options.append(All((Test("incident_date", "lt", rule.start), *tail)))
    return Any_(tuple(options))


class Plain:
    """The rulebook evaluated directly; :meth:`evaluate` gives ``{(conclusion, party):
    (TRUE | UNKNOWN, needs)}`` for everything not false."""

    def __init__(self, book: Rulebook) -> None:
        parties = [*book.parties, "-"]
        self.rules: list[tuple[str, list[str], str | None, Fn]] = []
        for rule in sorted(book.rules, key=lambda r: (r.stratum, r.id)):
            whole = All((_period(rule), rule.cond, *(Not(e.cond) for e in rule.exceptions)))
            same = rule.spec.conclude.party == SAME
            self.rules.append((rule.concl, parties if same else ["-"],
                               None if same else (rule.spec.conclude.party or "-"),
                               compile_cond(whole)))

    def evaluate(self, facts: dict[str, Any], law_day: dt.date | None
                 ) -> dict[tuple[str, str], tuple[int, frozenset[str]]]:
        known = dict(facts)
        if law_day is not None:
            known["incident_date"] = law_day
        status: Status = {}
        for concl, parties, fixed, fn in self.rules:
            found = status.setdefault(concl, {})
            for party in parties:
                value, needs = fn(known, status, party)
                if value == FALSE:
                    continue
                key = fixed or party
                old, old_needs = found.get(key, (FALSE, NONE))
                if value > old:
                    found[key] = (value, needs)
                elif value == old == UNKNOWN:
                    found[key] = (value, old_needs | needs)
        return {(c, p): (v, n if v == UNKNOWN else NONE)
                for c, found in status.items() for p, (v, n) in found.items()}
