"""Compilation of the rulebook onto durable_rules' JSON ruleset.

Each rule becomes two twins: "d" (definitely holds: every fact it tests is present) and
"p" (possibly holds: a test also passes when its fact is absent), negations crossing over
(not-definitely is the negation of the possible twin). Each alternative of a twin's
condition is one durable rule, gated on the phase fact of its stratum so that negation
over earlier conclusions is evaluated only after they are complete. A pure function:
the same rulebook always gives byte-identical JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from .conditions import SAME, All, Cond, Ref, Test
from .logic import Alternative, Literal, alternatives, anchor, with_exceptions
from .rulebook import Rule, Rulebook
from .vocabulary import INCIDENT_DATE, Vocabulary

EPOCH = dt.date(1970, 1, 1)
ONLINE_UNTIL = "online_until"
NO_PARTY = "-"
TWINS = ("d", "p")
OTHER = {"d": "p", "p": "d"}
_OPS = {"gt": "$gt", "ge": "$gte", "lt": "$lt", "le": "$lte"}
_NEG_OPS = {"gt": "$lte", "ge": "$lt", "lt": "$gte", "le": "$gt"}


def day_number(day: dt.date) -> int:
    """Dates as whole days since 1970-01-01: durable_rules compares strings as text."""
    return (day - EPOCH).days


@dataclass(frozen=True)
class Variant:
    """One compiled durable rule: which rule, which twin, which alternative."""

    key: str
    rule: Rule
    twin: str
    continuing: bool
    literals: Alternative
    joins: tuple[Ref, ...]
    negations: tuple[Ref, ...]

    def provisions(self) -> list[str]:
        """Provisions this derivation rests on (the transitional one when continuing)."""
        extra = [self.rule.continuing] if self.continuing and self.rule.continuing else []
        return sorted({*self.rule.spec.provisions, *extra})


@dataclass(frozen=True)
class Compiled:
    """The ruleset for durable_rules and what each of its rules means."""

    name: str
    ruleset: dict[str, Any]
    variants: dict[str, Variant]
    consumed: frozenset[tuple[str, str]]
    strata: int

    def to_json(self) -> str:
        """Canonical JSON of the ruleset (what durable_rules is given)."""
        return json.dumps({self.name: self.ruleset}, sort_keys=True, ensure_ascii=False, indent=1)


def fact_key(name: str, value: str | None = None) -> str:
    """The key of a fact in the engine's case fact; list facts become one flag per value."""
    return f"{name}__{value}" if value is not None else name


def _constant(value: Any) -> Any:
    return day_number(value) if isinstance(value, dt.date) else value


def _keys(test: Test, vocab: Vocabulary) -> list[str]:
    spec = vocab.spec(test.fact)
    if spec.type == "list":
        return [fact_key(test.fact, v) for v in spec.values]
    return [fact_key(test.fact)]


def _or(items: list[dict[str, Any]]) -> dict[str, Any]:
    return items[0] if len(items) == 1 else {"$or": items}


def _and(items: list[dict[str, Any]]) -> dict[str, Any]:
    return items[0] if len(items) == 1 else {"$and": items}


def _holds(test: Test, negated: bool) -> dict[str, Any]:
    """The test (or its negation) on a present fact."""
    key, op, value = test.fact, test.op, test.value
    if op == "is":
        return {"$neq": {key: value}} if negated else {key: value}
    if op == "in":
        if negated:
            return _and([{"$neq": {key: v}} for v in value])
        return _or([{key: v} for v in value])
    if op in _OPS:
        return {(_NEG_OPS if negated else _OPS)[op]: {key: _constant(value)}}
    values = [value] if op == "has" else list(value)
    if negated:
        return _and([{fact_key(key, v): False} for v in values])
    return _or([{fact_key(key, v): True} for v in values])


def fact_expression(lit: Literal, twin: str, vocab: Vocabulary) -> dict[str, Any]:
    """The durable test for one fact literal in the given twin."""
    test = lit.atom
    assert isinstance(test, Test)
    absent = {"$nex": {_keys(test, vocab)[0]: 1}}
    if test.op == "unknown":
        return {"$ex": {_keys(test, vocab)[0]: 1}} if lit.negated else absent
    present = _holds(test, lit.negated)
    return _or([absent, present]) if twin == "p" else present


def period_literals(rule: Rule, continuing: bool) -> list[Cond]:
    """The period a rule applies in, as tests on the incident date (and ``online_until``)."""
    conds: list[Cond] = []
    if continuing:
        assert rule.start is not None
        conds += [Test(INCIDENT_DATE, "lt", rule.start), Test(ONLINE_UNTIL, "ge", rule.start)]
    elif rule.start is not None:
        conds.append(Test(INCIDENT_DATE, "ge", rule.start))
    if rule.until is not None:
        conds.append(Test(INCIDENT_DATE, "le", rule.until))
    return conds


class _Compiler:
    def __init__(self, book: Rulebook, name: str) -> None:
        self.book = book
        self.name = name
        self.ruleset: dict[str, Any] = {}
        self.variants: dict[str, Variant] = {}
        self.consumed: set[tuple[str, str]] = set()

    def rule(self, rule: Rule) -> None:
        full = with_exceptions(rule.cond, [e.cond for e in rule.exceptions])
        for continuing in (False, True) if rule.continuing else (False,):
            cond = All((*period_literals(rule, continuing), full))
            for twin in TWINS:
                for index, alt in enumerate(alternatives(cond)):
                    key = f"{rule.id}|{'c' if continuing else 'm'}|{twin}|{index}"
                    self.alternative(key, rule, twin, continuing, alt)

    def alternative(self, key: str, rule: Rule, twin: str, continuing: bool, alt: Alternative) -> None:
        tests = [fact_expression(lit, twin, self.book.vocabulary) for lit in alt
                 if isinstance(lit.atom, Test)]
        bound = anchor(alt)
        positive = [lit.atom for lit in alt if isinstance(lit.atom, Ref) and not lit.negated]
        positive.sort(key=lambda r: r is not bound)
        negative = [lit.atom for lit in alt if isinstance(lit.atom, Ref) and lit.negated]
        patterns: list[dict[str, Any]] = [
            {"ph": {"$and": [{"t": "phase"}, {"n": rule.stratum}]}},
            {"cs": _and([{"t": "case"}, *tests])},
        ]
        for i, ref in enumerate(positive):
            self.consumed.add((twin, ref.concl))
            patterns.append({f"j{i}": self._ref(ref, twin, ref is bound)})
        for i, ref in enumerate(negative):
            self.consumed.add((OTHER[twin], ref.concl))
            patterns.append({f"n{i}$not": self._ref(ref, OTHER[twin], False)})
        self.ruleset[key] = {"all": patterns, "pri": rule.stratum, "run": f"{self.name}:{key}"}
        self.variants[key] = Variant(key, rule, twin, continuing, alt, tuple(positive), tuple(negative))

    @staticmethod
    def _ref(ref: Ref, twin: str, is_anchor: bool) -> dict[str, Any]:
        tests: list[dict[str, Any]] = [{"t": twin}, {"cid": ref.concl}]
        if ref.party == SAME and not is_anchor:
            tests.append({"party": {"j0": "party"}})
        elif ref.party not in (None, SAME):
            tests.append({"party": ref.party})
        return {"$and": tests}


def compile_rulebook(book: Rulebook) -> Compiled:
    """Compile every rule of the book into one durable_rules ruleset (version-stamped name)."""
    name = f"faceright-{book.version}"
    compiler = _Compiler(book, name)
    for rule in book.rules:  # file order: tests reverse it to show order does not matter
        compiler.rule(rule)
    return Compiled(name, compiler.ruleset, compiler.variants, frozenset(compiler.consumed),
                    book.strata)
