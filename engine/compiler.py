"""Compilation of the rulebook onto durable_rules' JSON ruleset.

Each rule becomes two twins: "d" (definitely holds: every fact it tests is present) and
"p" (possibly holds: a test also passes when its fact is absent), negations crossing over
(not-definitely is the negation of the possible twin). Each alternative of a twin's
condition is one durable rule, gated on the phase fact of its stratum so that negation
over earlier conclusions is evaluated only after they are complete (only rules with a
negation are gated: the others are monotone). A pure function:
the same rulebook always gives byte-identical JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from .conditions import SAME, All, Cond, Ref, Test
from .logic import Alternative, Literal, alternatives, anchor, with_exceptions
from .rulebook import Rule, Rulebook
from .vocabulary import INCIDENT_DATE, Vocabulary

EPOCH = dt.date(1970, 1, 1)
NO_PARTY = "-"
TWINS = ("d", "p")
OTHER = {"d": "p", "p": "d"}
#: durable_rules links at most 255 rules to one alpha node; each stratum's rules are gated on
#: several phase facts (groups) so that no phase node exceeds that.
GROUP_SIZE = 200
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
    reach: str
    literals: Alternative
    joins: tuple[Ref, ...]
    negations: tuple[Ref, ...]

    def provisions(self) -> list[str]:
        """Provisions this derivation rests on (with the transitional one that reached back)."""
        extra = {"main": None, "continuing": self.rule.continuing, "earlier": self.rule.earlier}
        bridge = extra[self.reach]
        return sorted({*self.rule.spec.provisions, *([bridge] if bridge else [])})

    @property
    def contested(self) -> bool:
        """Whether this derivation is one courts may or may not follow."""
        return self.rule.spec.conclude.contested or self.reach == "earlier"


@dataclass(frozen=True)
class Compiled:
    """The ruleset for durable_rules and what each of its rules means."""

    name: str
    ruleset: dict[str, Any]
    variants: dict[str, Variant]
    consumed: frozenset[tuple[str, str]]
    #: the (stratum, group) phase facts to assert, in order: only strata holding a negation
    phases: tuple[tuple[int, int], ...]
    #: the sets ``within`` tests name, per list fact (each a flag of the case fact: :func:`within_key`)
    within: tuple[tuple[str, tuple[str, ...]], ...] = ()


def fact_key(name: str, value: str | None = None) -> str:
    """The key of a fact in the engine's case fact; list facts become one flag per value."""
    return f"{name}__{value}" if value is not None else name


def within_key(name: str, values: tuple[str, ...]) -> str:
    """The key of the flag "every value of list fact ``name`` is among ``values``" in the
    engine's case fact: one per set a ``within`` test names, so that the test is one equality
    (as a disjunction over the other values' flags, its negation would multiply the durable
    rules of every alternative it is part of)."""
    return f"{name}__within__{'__'.join(sorted(values))}"


#: What stands in the engine fact for an unknown value. Every key is always present, so that
#: "unknown or X" is a conjunction of inequalities: durable_rules expands a disjunction inside
#: a pattern into alpha paths, and a fact with many unknowns then overflows its match stack.
UNKNOWN_TEXT = "?"
UNKNOWN_NUMBER = -1
UNKNOWN_DAY = -(10**9)
ORDERED = ("int", "number", "date")


def sentinel(kind: str) -> Any:
    """The unknown-value stand-in for a fact type."""
    return UNKNOWN_DAY if kind == "date" else (UNKNOWN_NUMBER if kind in ("int", "number") else UNKNOWN_TEXT)


def _constant(value: Any) -> Any:
    return day_number(value) if isinstance(value, dt.date) else value


def _and(items: list[dict[str, Any]]) -> dict[str, Any]:
    return items[0] if len(items) == 1 else {"$and": items}


def admits_absence(lit: Literal, twin: str) -> bool:
    """Whether the literal passes when its fact is unknown (possible twin, or a presumption)."""
    test = lit.atom
    assert isinstance(test, Test)
    if test.unknown_is is not None:
        return test.unknown_is != lit.negated
    return twin == "p"


def _choice(key: str, domain: tuple[Any, ...], chosen: set[Any], admit: bool, unknown: Any) -> dict[str, Any]:
    """``key`` takes one of ``chosen`` (or is unknown, when ``admit``): inequalities only."""
    tests = [{"$neq": {key: w}} for w in domain if w not in chosen]
    if not admit:
        tests.append({"$neq": {key: unknown}})
    return _and(tests) if tests else {"$ex": {key: 1}}


def fact_expression(lit: Literal, twin: str, vocab: Vocabulary) -> dict[str, Any]:
    """The durable test for one fact literal in the given twin (ordered facts are split by
    :func:`expand` so that this never needs a disjunction)."""
    test = lit.atom
    assert isinstance(test, Test)
    spec = vocab.spec(test.fact)
    key, value = fact_key(test.fact), test.value
    unknown = sentinel(spec.type)
    if test.op == "absent":
        return {key: unknown}
    if test.op == "unknown":
        return {"$neq": {key: unknown}} if lit.negated else {key: unknown}
    admit = admits_absence(lit, twin)
    if spec.type in ORDERED:
        assert not admit, "ordered literals admitting absence are split by expand()"
        if test.op == "is":
            compare = {"$neq": {key: value}} if lit.negated else {key: value}
        else:
            compare = {(_NEG_OPS if lit.negated else _OPS)[test.op]: {key: _constant(value)}}
        return _and([{"$neq": {key: unknown}}, compare])
    if spec.type == "list" and test.op == "within":
        chosen = {False} if lit.negated else {True}
        return _choice(within_key(test.fact, value), (True, False), chosen, admit, UNKNOWN_TEXT)
    if spec.type == "list":
        values = [value] if test.op == "has" else list(value)
        assert lit.negated or len(values) == 1, "has_any is split by expand()"
        flags = [fact_key(test.fact, v) for v in values]
        chosen = {False} if lit.negated else {True}
        return _and([_choice(f, (True, False), chosen, admit, UNKNOWN_TEXT) for f in flags])
    domain: tuple[Any, ...] = (True, False) if spec.type == "bool" else spec.values
    wanted = {value} if test.op == "is" else set(value)
    chosen = set(domain) - wanted if lit.negated else wanted
    return _choice(key, domain, chosen, admit, unknown)


def _fact_of(lit: Literal) -> str:
    assert isinstance(lit.atom, Test)
    return lit.atom.fact


def expand(alt: Alternative, twin: str, vocab: Vocabulary) -> list[Alternative]:
    """Split the literals a single pattern cannot express without a disjunction: ``has_any``
    into one alternative per value, and an ordered test that admits an unknown fact into
    "unknown" or "known and passing"."""
    options: list[list[Literal]] = []
    for lit in alt:
        test = lit.atom
        if not isinstance(test, Test) or test.op in ("unknown", "absent"):
            options.append([lit])
        elif test.op == "has_any" and not lit.negated:
            options.append([Literal(False, replace(test, op="has", value=v)) for v in test.value])
        elif vocab.spec(test.fact).type in ORDERED and admits_absence(lit, twin):
            # the "unknown" branch remembers which test it stands in for (needs are minimal
            # per test, not per fact)
            options.append([Literal(False, Test(test.fact, "absent", (test.op, test.value, lit.negated),
                                                unknown_is=test.unknown_is)),
                            Literal(lit.negated, replace(test, unknown_is=lit.negated))])
        else:
            options.append([lit])
    out: list[Alternative] = [()]
    for choices in options:
        out = [(*left, c) for left in out for c in choices]
    return out


REACHES = ("main", "continuing", "earlier")


def reaches(rule: Rule) -> list[str]:
    """The ways a rule reaches a case in time: its own period, and transitional extensions."""
    return [r for r in REACHES if r == "main" or getattr(rule, r)]


def period_literals(rule: Rule, reach: str) -> list[Cond]:
    """The period a rule applies in, as tests on the incident date (and, for conduct continuing
    into it, on the vocabulary's ``continues`` fact: ``rule.continued_by``)."""
    conds: list[Cond] = []
    if reach != "main":
        assert rule.start is not None
        conds.append(Test(INCIDENT_DATE, "lt", rule.start))
        if reach == "continuing":
            assert rule.continued_by is not None  # checked at load
            conds.append(Test(rule.continued_by, "ge", rule.start))
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
        self.groups: dict[int, int] = {}
        self.within: set[tuple[str, tuple[str, ...]]] = set()
        self.patterns: dict[str, int] = {}

    def rule(self, rule: Rule) -> None:
        full = with_exceptions(rule.cond, [e.cond for e in rule.exceptions])
        for reach in reaches(rule):
            cond = All((*period_literals(rule, reach), full))
            for twin in TWINS:
                expanded = [e for alt in alternatives(cond)
                            for e in expand(alt, twin, self.book.vocabulary)]
                for index, alt in enumerate(expanded):
                    key = f"{rule.id}|{reach}|{twin}|{index}"
                    self.alternative(key, rule, twin, reach, alt)

    def alternative(self, key: str, rule: Rule, twin: str, reach: str, alt: Alternative) -> None:
        lits = sorted((lit for lit in alt if isinstance(lit.atom, Test)),
                      key=lambda lit: (_fact_of(lit), repr(lit)))  # shared prefixes in the alpha net
        tests = [fact_expression(lit, twin, self.book.vocabulary) for lit in lits]
        bound = anchor(alt)
        positive = [lit.atom for lit in alt if isinstance(lit.atom, Ref) and not lit.negated]
        positive.sort(key=lambda r: r is not bound)
        negative = [lit.atom for lit in alt if isinstance(lit.atom, Ref) and lit.negated]
        # the case first and the conclusions it joins: matching narrows early. A rule with a
        # negation also waits for the phase fact of its stratum (asserted once lower strata
        # are complete), since durable_rules checks a negation once, when the rule matches;
        # rules without one are monotone and fire as soon as what they join exists.
        patterns: list[dict[str, Any]] = [{"cs": _and([{"t": "case"}, *tests])}]
        for i, ref in enumerate(positive):
            # an established reference joins only definite conclusions, in both twins
            joined = "d" if ref.established else twin
            self.consumed.add((joined, ref.concl))
            patterns.append({f"j{i}": self._ref(ref, joined, ref is bound)})
        if negative:
            group = self.groups.get(rule.stratum, 0) // GROUP_SIZE
            self.groups[rule.stratum] = self.groups.get(rule.stratum, 0) + 1
            patterns.append({"ph": {"$and": [{"t": "phase"}, {"n": rule.stratum}, {"g": group}]}})
        for i, ref in enumerate(negative):
            against = "d" if ref.established else OTHER[twin]
            self.consumed.add((against, ref.concl))
            patterns.append({f"n{i}$not": self._ref(ref, against, False)})
        self.within |= {(lit.atom.fact, lit.atom.value) for lit in lits
                        if isinstance(lit.atom, Test) and lit.atom.op == "within"}
        self.ruleset[key] = {"all": patterns, "pri": rule.stratum, "run": f"{self.name}:{key}"}
        self.variants[key] = Variant(key, rule, twin, reach, alt, tuple(positive), tuple(negative))

    def _ref(self, ref: Ref, twin: str, is_anchor: bool) -> dict[str, Any]:
        tests: list[dict[str, Any]] = [{"t": twin}, {"cid": ref.concl}]
        if ref.party not in (None, SAME):
            tests.append({"party": ref.party})
        # durable_rules links at most 256 rules to the alpha node of one pattern: the rules
        # past each GROUP_SIZE-th on the same pattern test one more thing that always holds
        # (no conclusion is called "~group") and so reach it through a node of their own
        shape = repr(tests)
        group = self.patterns.get(shape, 0) // GROUP_SIZE
        self.patterns[shape] = self.patterns.get(shape, 0) + 1
        if group:
            tests.append({"$neq": {"cid": f"~{group}"}})
        if ref.party == SAME and not is_anchor:
            tests.append({"party": {"j0": "party"}})
        return {"$and": tests}


def compile_rulebook(book: Rulebook) -> Compiled:
    """Compile every rule of the book into one durable_rules ruleset (version-stamped name)."""
    name = f"faceright-{book.version}"
    compiler = _Compiler(book, name)
    for rule in book.rules:  # file order: tests reverse it to show order does not matter
        compiler.rule(rule)
    phases = tuple((n, g) for n in range(book.strata)
                   for g in range(-(-compiler.groups.get(n, 0) // GROUP_SIZE)))
    return Compiled(name, compiler.ruleset, compiler.variants, frozenset(compiler.consumed), phases,
                    tuple(sorted(compiler.within)))
