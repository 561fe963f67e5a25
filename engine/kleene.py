"""Three-valued semantics of rule conditions: the one place a condition is evaluated.

Kleene's strong three-valued logic (S. C. Kleene, *Introduction to Metamathematics*, 1952,
§64): a value is TRUE, UNKNOWN or FALSE, ordered FALSE < UNKNOWN < TRUE; ``not`` swaps TRUE
and FALSE and keeps UNKNOWN; ``and`` is the minimum and ``or`` the maximum, so a FALSE part
decides an ``all`` and a TRUE part decides an ``any`` whatever the unknown parts turn out to
be. A fact test on a fact the case does not state is UNKNOWN — never false — unless the test
carries an explicit presumption (``unknown_is``).

Everything that evaluates a condition directly goes through here: the relevance evaluator of
the questionnaire (:mod:`.relevance`), explanations (:mod:`.explain`), coverage and lint. The
durable_rules engine reaches the same values by compilation (:mod:`.compiler`: definite and
possible twins); the test suite's independent reference evaluator checks that both agree.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .compiler import period_literals, reaches
from .conditions import All, Any_, Cond, Not, Ref, Test, tests
from .dates import DateValue, Span, span_of
from .rulebook import Rule, Rulebook
from .vocabulary import INCIDENT_DATE


class Truth(enum.IntEnum):
    """A three-valued truth value, ordered FALSE < UNKNOWN < TRUE.

    ``~`` is Kleene negation, ``&`` and ``|`` Kleene conjunction and disjunction (the minimum
    and the maximum); ``max`` and ``min`` of several values are ``any`` and ``all``."""

    FALSE = 0
    UNKNOWN = 1
    TRUE = 2

    def __invert__(self) -> Truth:
        return _NOT[self]

    def __and__(self, other: int) -> Truth:
        return self if self <= other else Truth(other)

    def __or__(self, other: int) -> Truth:
        return self if self >= other else Truth(other)

    @classmethod
    def of(cls, value: bool) -> Truth:
        """TRUE or FALSE."""
        return TRUE if value else FALSE


#: the members under short names (module attributes are faster to reach than enum members)
TRUE, UNKNOWN, FALSE = Truth.TRUE, Truth.UNKNOWN, Truth.FALSE
_NOT = {TRUE: FALSE, UNKNOWN: UNKNOWN, FALSE: TRUE}

#: no unknown facts relied on
NOTHING: frozenset[str] = frozenset()
#: a truth value and the unknown facts it relies on ("needs": empty unless UNKNOWN)
Result = tuple[Truth, frozenset[str]]
#: how a caller supplies the value of a conclusion reference (and, when UNKNOWN, its needs)
Lookup = Callable[[Ref], Result]


def all_of(values: Iterable[Truth]) -> Truth:
    """Kleene conjunction of any number of values (TRUE for none)."""
    return min(values, default=TRUE)


def any_of(values: Iterable[Truth]) -> Truth:
    """Kleene disjunction of any number of values (FALSE for none)."""
    return max(values, default=FALSE)


def compare(op: str, have: Any, want: Any) -> bool:
    """Whether a known fact value ``have`` passes the test ``op`` against the rule's ``want``.

    ``is`` equality; ``in`` membership of ``have`` in the tuple ``want``; list facts: ``has``
    (``want`` is among ``have``), ``has_any`` (some value of the tuple ``want`` is) and
    ``within`` (every value of ``have`` is among the tuple ``want``: "only these");
    ordered facts (int, number, date): ``gt``, ``ge``, ``lt``, ``le``. (``unknown`` is not a
    comparison: see :func:`truth_of`.)"""
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
    if op == "gt":
        return bool(have > want)
    if op == "ge":
        return bool(have >= want)
    if op == "lt":
        return bool(have < want)
    if op == "le":
        return bool(have <= want)
    raise ValueError(f"unknown comparison '{op}'")


def truth_of(test: Test, facts: Mapping[str, Any]) -> Truth:
    """A fact test on the known ``facts`` (a fact not in the mapping is unknown).

    ``unknown: true`` is TRUE exactly when the fact is unknown; an unknown fact makes any
    other test UNKNOWN, or the test's presumption (``unknown_is``) when it has one."""
    if test.fact not in facts:
        if test.op == "unknown":
            return TRUE
        if test.unknown_is is not None:
            return TRUE if test.unknown_is else FALSE
        return UNKNOWN
    if test.op == "unknown":
        return FALSE
    return TRUE if compare(test.op, facts[test.fact], test.value) else FALSE


def evaluate(cond: Cond, facts: Mapping[str, Any], lookup: Lookup) -> Result:
    """The value of a condition tree on the known ``facts``, with ``lookup`` giving each
    conclusion reference's value, and the unknown facts the value relies on.

    The needs of an UNKNOWN value are those of its UNKNOWN parts (a test on an unknown fact
    needs that fact; a reference, what ``lookup`` says); a decided value needs nothing. A part
    that decides an ``all`` (FALSE) or an ``any`` (TRUE) ends its evaluation."""
    if isinstance(cond, Test):
        value = truth_of(cond, facts)
        return value, (frozenset({cond.fact}) if value is UNKNOWN else NOTHING)
    if isinstance(cond, Ref):
        return _looked_up(cond, lookup)
    if isinstance(cond, Not):
        value, needs = evaluate(cond.item, facts, lookup)
        return _NOT[value], needs
    decisive = FALSE if isinstance(cond, All) else TRUE
    undecided = []
    for item in cond.items:
        value, needs = evaluate(item, facts, lookup)
        if value is decisive:
            return decisive, NOTHING
        if value is UNKNOWN:
            undecided.append(needs)
    return (UNKNOWN, NOTHING.union(*undecided)) if undecided else (_NOT[decisive], NOTHING)


def _looked_up(ref: Ref, lookup: Lookup) -> Result:
    """A reference's value; an ``established`` one counts an open conclusion as FALSE."""
    value, needs = lookup(ref)
    if ref.established and value is UNKNOWN:
        return FALSE, NOTHING
    return value, needs


@dataclass(frozen=True)
class Blame:
    """A test or reference that keeps a condition from holding.

    ``negated``: it sits under an odd number of ``not``; ``value``: what it counts as for the
    whole condition (its own value, negated when ``negated``), FALSE or UNKNOWN."""

    leaf: Test | Ref
    negated: bool
    value: Truth


def diagnose(cond: Cond, facts: Mapping[str, Any], lookup: Lookup) -> tuple[Truth, list[Blame]]:
    """The value of a condition (as :func:`evaluate`) and, when it is not TRUE, the parts to
    blame, in condition order: every test or reference that does not count as TRUE and every
    ``all`` or ``any`` around it does not either (a part of an ``any`` that holds anyway is
    not to blame)."""
    out: list[Blame] = []
    return _diagnose(cond, facts, lookup, False, out), out


def _diagnose(cond: Cond, facts: Mapping[str, Any], lookup: Lookup, negated: bool,
              out: list[Blame]) -> Truth:
    if isinstance(cond, Not):
        return ~_diagnose(cond.item, facts, lookup, not negated, out)
    if isinstance(cond, (All, Any_)):
        local: list[Blame] = []
        values = [_diagnose(c, facts, lookup, negated, local) for c in cond.items]
        value = all_of(values) if isinstance(cond, All) else any_of(values)
        if (~value if negated else value) is not TRUE:
            out.extend(local)
        return value
    value = truth_of(cond, facts) if isinstance(cond, Test) else _looked_up(cond, lookup)[0]
    counts = ~value if negated else value
    if counts is not TRUE:
        out.append(Blame(cond, negated, counts))
    return value


def period(rule: Rule) -> Cond:
    """When a rule applies, as a condition on ``incident_date`` (and the fact a continuing period tests): one
    alternative per way the rule reaches a case in time (its own period, conduct continuing
    into it, earlier conduct), built from the compiler's period literals so that both agree."""
    return Any_(tuple(All(tuple(period_literals(rule, reach))) for reach in reaches(rule)))


def whole(rule: Rule) -> Cond:
    """A rule as one condition: in its period, its condition, and none of its exceptions."""
    return All((period(rule), rule.cond, *(Not(e.cond) for e in rule.exceptions)))


def in_time(rule: Rule, facts: Mapping[str, Any], law_day: dt.date | None) -> Result:
    """Whether a rule applies in time to a case with these ``facts`` under the law of
    ``law_day`` (the incident date, or a hypothetical one), and the dates that would settle it."""
    known = {**facts, INCIDENT_DATE: law_day} if law_day is not None else facts
    return evaluate(period(rule), known, _no_refs)


def _no_refs(ref: Ref) -> Result:
    raise AssertionError(f"a rule period refers to conclusion {ref.concl}")


def cuts(rules: Iterable[Rule], fact: str) -> list[dt.date]:
    """The days on which some test of the rules on the date ``fact`` changes value (for
    ``incident_date``, its rule periods too): split a range of possible dates before each, and
    every such test has one value within each part. Sorted, without repeats."""
    days: set[dt.date] = set()
    for rule in rules:
        conds = [*(c for r in reaches(rule) for c in period_literals(rule, r)), rule.cond,
                 *(e.cond for e in rule.exceptions)]
        for cond in conds:
            for test in tests(cond):
                if test.fact != fact or not isinstance(test.value, dt.date):
                    continue
                if test.op in ("ge", "lt", "is"):
                    days.add(test.value)
                if test.op in ("gt", "le", "is"):
                    days.add(test.value + dt.timedelta(days=1))
    return sorted(days)


#: where one segment of the possible dates lies: its index for each date fact given as a range
Place = Mapping[str, int]


def across(outcomes: Sequence[tuple[Place, Result]]) -> Result:
    """One value over every segment of the possible dates (each a definite law), from each
    segment's place and value.

    TRUE when TRUE in every segment, FALSE when FALSE in every one, else UNKNOWN: it needs
    what its UNKNOWN segments need, and, when the segments' values differ, the date facts
    whose segment changes the value (those where two segments differing in that fact alone
    differ in value; every ranged fact if no such pair exists)."""
    values = {value for _, (value, _) in outcomes}
    if values == {TRUE} or values == {FALSE}:
        return next(iter(values)), NOTHING
    needs: set[str] = set()
    for _, (value, need) in outcomes:
        if value is UNKNOWN:
            needs |= need
    if len(values) > 1:
        needs |= _deciding(outcomes)
    return UNKNOWN, frozenset(needs)


def _deciding(outcomes: Sequence[tuple[Place, Result]]) -> set[str]:
    facts = {f for place, _ in outcomes for f in place}
    found: set[str] = set()
    for fact in facts:
        seen: dict[tuple[tuple[str, int], ...], Truth] = {}
        for place, (value, _) in outcomes:
            rest = tuple(sorted((f, i) for f, i in place.items() if f != fact))
            if seen.setdefault(rest, value) is not value:
                found.add(fact)
                break
    return found or facts


class Calendar:
    """What a rulebook needs to evaluate dates given as ranges: its date facts, the days each
    one's tests change value (:func:`cuts`), the first day any provision of its catalogue is
    in force."""

    def __init__(self, book: Rulebook) -> None:
        self.date_facts = sorted(n for n, s in book.vocabulary.facts.items() if s.type == "date")
        self.cuts = {name: cuts(book.rules, name) for name in [INCIDENT_DATE, *self.date_facts]}
        self.earliest = min(p.effective_from for p in book.catalogue.all())

    def span(self, incident: DateValue | None, facts: Mapping[str, Any],
             today: dt.date | None = None) -> Span | None:
        """How to evaluate these dates (:func:`faceright.dates.span_of`); None when all are exact."""
        return span_of(incident, dict(facts), self.date_facts, self.earliest, today, INCIDENT_DATE)
