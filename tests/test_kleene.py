"""The three-valued semantics (``faceright.kleene``): truth tables, fact tests with their
presumptions, every comparison, needs, blame, and rule periods (against the oracle's)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from faceright.conditions import All, Any_, Cond, Not, Ref
from faceright.conditions import Test as FactTest
from faceright.kleene import (FALSE, NOTHING, TRUE, UNKNOWN, Blame, Result, Truth, all_of, any_of,
                              compare, diagnose, evaluate, in_time, period, truth_of, whole)
from faceright.evaluate import Engine
from reference import Reference
from reference import _period as oracle_period

T, U, F = TRUE, UNKNOWN, FALSE
VALUES = (T, U, F)
#: Kleene's strong tables written out (row: left operand, column: right operand, order T U F)
AND = {T: (T, U, F), U: (U, U, F), F: (F, F, F)}
OR = {T: (T, T, T), U: (T, U, U), F: (T, U, F)}
NOT = {T: F, U: U, F: T}


def completions(v: Truth) -> set[bool]:
    """The classical values an unknown may turn out to have."""
    return {True, False} if v is U else {v is T}


def from_completions(outcomes: set[bool]) -> Truth:
    return U if len(outcomes) == 2 else Truth.of(outcomes.pop())


def no_refs(ref: Ref) -> Result:
    raise AssertionError(f"unexpected reference {ref}")


def value_of(cond: Cond, facts: dict[str, Any] | None = None) -> Truth:
    return evaluate(cond, facts or {}, no_refs)[0]


def test_truth_values_are_ordered_false_unknown_true() -> None:
    assert F < U < T and sorted([T, F, U]) == [F, U, T]
    assert Truth.of(True) is T and Truth.of(False) is F


@pytest.mark.parametrize("a", VALUES)
def test_not_table(a: Truth) -> None:
    assert ~a is NOT[a]
    assert ~~a is a
    assert from_completions({not x for x in completions(a)}) is NOT[a]


@pytest.mark.parametrize("a,b", list(itertools.product(VALUES, repeat=2)))
def test_and_or_tables(a: Truth, b: Truth) -> None:
    column = VALUES.index(b)
    assert a & b is AND[a][column] and a | b is OR[a][column]
    # strong Kleene: the value is decided exactly when every completion agrees
    assert from_completions({x and y for x in completions(a) for y in completions(b)}) is a & b
    assert from_completions({x or y for x in completions(a) for y in completions(b)}) is a | b
    assert ~(a & b) is ~a | ~b and ~(a | b) is ~a & ~b  # De Morgan


def leaf(v: Truth, name: str) -> Cond:
    """A condition with value ``v`` on the facts ``{"t": True, "f": False}`` (``name``
    keeps leaves apart)."""
    if v is U:
        return FactTest(f"unknown-{name}", "is", True)
    return FactTest("t" if v is T else "f", "is", True)


@pytest.mark.parametrize("abc", list(itertools.product(VALUES, repeat=3)))
def test_all_any_not_trees_on_every_triple(abc: tuple[Truth, Truth, Truth]) -> None:
    a, b, c = abc
    items = tuple(leaf(v, str(i)) for i, v in enumerate(abc))
    facts = {"t": True, "f": False}
    assert all_of(abc) is a & b & c and any_of(abc) is a | b | c
    assert value_of(All(items), facts) is a & b & c
    assert value_of(Any_(items), facts) is a | b | c
    assert value_of(Not(All(items)), facts) is ~(a & b & c)
    assert value_of(All((items[0], Any_(items[1:]))), facts) is a & (b | c)
    assert value_of(Any_((Not(items[0]), All(items[1:]))), facts) is ~a | (b & c)
    # needs: the unknown facts of an unknown result's unknown parts, nothing once decided
    value, needs = evaluate(All(items), facts, no_refs)
    expected = {f"unknown-{i}" for i, v in enumerate(abc) if v is U} if value is U else set()
    assert needs == expected


def test_empty_all_and_any() -> None:
    assert all_of([]) is T and any_of([]) is F
    assert value_of(All(())) is T and value_of(Any_(())) is F


def test_unknown_fact_is_unknown_and_needed() -> None:
    test = FactTest("consent", "is", "none")
    assert truth_of(test, {}) is U
    assert evaluate(test, {}, no_refs) == (U, frozenset({"consent"}))
    assert evaluate(Not(test), {}, no_refs) == (U, frozenset({"consent"}))
    assert evaluate(test, {"consent": "none"}, no_refs) == (T, NOTHING)
    assert evaluate(test, {"consent": "given"}, no_refs) == (F, NOTHING)


@pytest.mark.parametrize("presumed", [True, False])
def test_presumption_stands_in_for_an_unknown_fact_only(presumed: bool) -> None:
    test = FactTest("use_necessary", "is", True, unknown_is=presumed)
    assert evaluate(test, {}, no_refs) == (Truth.of(presumed), NOTHING)
    assert truth_of(test, {"use_necessary": True}) is T
    assert truth_of(test, {"use_necessary": False}) is F
    assert truth_of(FactTest("views", "ge", 5000, unknown_is=presumed), {"views": 10}) is F
    # negated, the presumption is negated with it
    assert value_of(Not(test)) is Truth.of(not presumed)


def test_within_is_three_valued_and_takes_its_presumption() -> None:
    only_news = FactTest("purpose", "within", ("news_reporting", "public_interest"))
    assert evaluate(only_news, {}, no_refs) == (U, frozenset({"purpose"}))
    assert truth_of(only_news, {"purpose": ["news_reporting"]}) is T
    assert truth_of(only_news, {"purpose": ["news_reporting", "commercial_advertising"]}) is F
    presumed = FactTest("purpose", "within", ("news_reporting",), unknown_is=False)
    assert truth_of(presumed, {}) is F
    assert evaluate(Not(presumed), {}, no_refs) == (T, NOTHING)


def test_unknown_operator_tests_whether_the_fact_is_stated() -> None:
    test = FactTest("purpose", "unknown", True)
    assert evaluate(test, {}, no_refs) == (T, NOTHING)
    assert truth_of(test, {"purpose": "news"}) is F
    assert value_of(Not(test)) is F


@pytest.mark.parametrize("op,have,want,expected", [
    ("is", "none", "none", True), ("is", "none", "given", False),
    ("is", True, True, True), ("is", False, True, False), ("is", 3, 3, True), ("is", 3.5, 3, False),
    ("in", "news", ("news", "teaching"), True), ("in", "fraud", ("news", "teaching"), False),
    ("has", ["face", "voice"], "voice", True), ("has", ["face"], "voice", False), ("has", [], "face", False),
    ("has_any", ["face"], ("voice", "face"), True), ("has_any", ["name"], ("voice", "face"), False),
    ("has_any", [], ("face",), False),
    # within: every value of the list is among these ("only these")
    ("within", ["news"], ("news", "teaching"), True), ("within", ["news", "teaching"], ("news", "teaching"), True),
    ("within", ["news", "advert"], ("news", "teaching"), False), ("within", ["advert"], ("news",), False),
    ("gt", 5001, 5000, True), ("gt", 5000, 5000, False),
    ("ge", 5000, 5000, True), ("ge", 4999, 5000, False),
    ("lt", 4999, 5000, True), ("lt", 5000, 5000, False),
    ("le", 5000, 5000, True), ("le", 5001, 5000, False),
    ("ge", 24.0001, 24, True), ("lt", 23.9999, 24, True),
    ("ge", dt.date(2021, 1, 1), dt.date(2021, 1, 1), True), ("ge", dt.date(2020, 12, 31), dt.date(2021, 1, 1), False),
    ("lt", dt.date(2020, 12, 31), dt.date(2021, 1, 1), True), ("gt", dt.date(2021, 1, 2), dt.date(2021, 1, 1), True),
    ("le", dt.date(2021, 1, 2), dt.date(2021, 1, 1), False),
])
def test_each_comparison(op: str, have: Any, want: Any, expected: bool) -> None:
    assert compare(op, have, want) is expected
    assert truth_of(FactTest("x", op, want), {"x": have}) is Truth.of(expected)


def test_an_unknown_comparison_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown comparison 'absent'"):
        compare("absent", 1, 1)


def test_references_come_from_the_lookup_with_their_needs() -> None:
    seen: list[Ref] = []

    def lookup(ref: Ref) -> Result:
        seen.append(ref)
        return {"a": (T, NOTHING), "b": (U, frozenset({"x"})), "c": (F, NOTHING)}[ref.concl]

    assert evaluate(All((Ref("a"), Ref("b"))), {}, lookup) == (U, frozenset({"x"}))
    assert evaluate(Any_((Ref("b"), Ref("c"))), {}, lookup) == (U, frozenset({"x"}))
    assert evaluate(Any_((Ref("c"), Ref("a"), Ref("b"))), {}, lookup) == (T, NOTHING)
    assert seen[-1] == Ref("a"), "a decided the any: b was not looked up"
    assert evaluate(All((Not(Ref("a")), Ref("b"))), {}, lookup) == (F, NOTHING)


def test_diagnose_blames_the_parts_that_keep_a_condition_from_holding() -> None:
    consent = FactTest("consent", "is", "none")
    views = FactTest("views", "ge", 5000)
    label = FactTest("labelled", "is", True)
    cond = All((consent, Any_((views, Not(label))), Not(Ref("r"))))

    def lookup(ref: Ref) -> Result:
        return T, NOTHING

    value, blame = diagnose(cond, {"consent": "none", "labelled": True}, lookup)
    assert value is F
    assert blame == [Blame(views, False, U), Blame(label, True, F), Blame(Ref("r"), True, F)]
    # an any that holds anyway blames none of its parts; a holding condition blames nothing
    value, blame = diagnose(cond, {"consent": "given", "labelled": False}, lambda r: (F, NOTHING))
    assert value is F and blame == [Blame(consent, False, F)]
    assert diagnose(cond, {"consent": "none", "views": 6000}, lambda r: (F, NOTHING)) == (T, [])
    # the value is always evaluate's
    for facts in ({}, {"consent": "none"}, {"views": 1, "labelled": False}):
        assert diagnose(cond, facts, lookup)[0] is evaluate(cond, facts, lookup)[0]


def test_rule_periods_agree_with_the_oracle_on_every_boundary(engine: Engine) -> None:
    oracle = Reference(engine.book)
    reaches = set()
    for rule in engine.book.rules:
        reaches.add((rule.continuing is not None, rule.earlier is not None))
        edges = [d + dt.timedelta(days=k) for d in (rule.start, rule.until) if d for k in (-1, 0, 1)]
        for day, until in itertools.product([None, *edges], repeat=2):
            facts = {k: v for k, v in (("incident_date", day), ("online_until", until)) if v is not None}
            value, needs = evaluate(period(rule), facts, no_refs)
            assert (int(value), needs) == oracle._eval(oracle_period(rule), facts, {}, "-"), (rule.id, day, until)
            assert in_time(rule, {k: v for k, v in facts.items() if k != "incident_date"}, day) == (value, needs)
    assert reaches == {(False, False), (True, False), (True, True)}, "every kind of reach was tried"


def test_whole_rule_is_period_condition_and_no_exception(engine: Engine) -> None:
    rule = next(r for r in engine.book.rules if r.exceptions)
    cond = whole(rule)
    assert isinstance(cond, All)
    assert cond.items == (period(rule), rule.cond, *(Not(e.cond) for e in rule.exceptions))


@pytest.mark.parametrize("value", VALUES)
def test_an_established_reference_counts_only_a_conclusion_that_holds(value: Truth) -> None:
    """``established: true``: an open conclusion counts as FALSE (and needs nothing); a plain
    reference to it stays UNKNOWN with the conclusion's needs. Negated, the established form is
    what lets a lesser tier hold while the crime it yields to is merely possible."""
    needs = frozenset({"views"}) if value is U else NOTHING

    def lookup(ref: Ref) -> Result:
        return value, needs

    plain, established = Ref("offence.defamation"), Ref("offence.defamation", established=True)
    assert evaluate(plain, {}, lookup) == (value, needs)
    assert evaluate(established, {}, lookup) == ((F, NOTHING) if value is U else (value, NOTHING))
    assert evaluate(Not(established), {}, lookup)[0] is (T if value is not T else F)
    truth, blame = diagnose(Not(established), {}, lookup)
    assert truth is (T if value is not T else F)
    assert [b.leaf for b in blame] == ([established] if value is T else [])

