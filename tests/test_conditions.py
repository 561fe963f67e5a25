"""The condition parser (``engine/conditions.py``): what each condition becomes, and each error
with the key path it names. Uses a small vocabulary of its own so the tests do not move with
the rule base."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from faceright import conditions as C
from faceright.conditions import ORDER_OPS, OPS_BY_TYPE, All, Any_, ConditionError, Names, Not, Ref, parse, refs
from faceright.vocabulary import Vocabulary

VOCAB = Vocabulary.model_validate({"facts": {
    "flag": {"type": "bool", "zh": "标", "en": "flag", "help_zh": "标", "help_en": "flag"},
    "colour": {"type": "enum", "values": ["red", "green"], "choices_zh": {"red": "红", "green": "绿"},
               "choices_en": {"red": "red", "green": "green"}, "zh": "色", "en": "colour", "help_zh": "色", "help_en": "colour"},
    "parts": {"type": "list", "values": ["face", "voice"], "choices_zh": {"face": "脸", "voice": "声"},
              "choices_en": {"face": "face", "voice": "voice"}, "zh": "部", "en": "parts", "help_zh": "部", "help_en": "parts"},
    "count": {"type": "int", "zh": "数", "en": "count", "help_zh": "数", "help_en": "count"},
    "amount": {"type": "number", "zh": "额", "en": "amount", "help_zh": "额", "help_en": "amount"},
    "day": {"type": "date", "zh": "日", "en": "day", "help_zh": "日", "help_en": "day"},
}})
NAMES = Names(VOCAB, frozenset({"harm", "other"}), frozenset({"creator", "platform"}), {"line": 3000})
P = ("rules", 0, "when")


def ok(data: Any) -> Any:
    return parse(data, P, NAMES)


def bad(data: Any) -> ConditionError:
    with pytest.raises(ConditionError) as info:
        parse(data, P, NAMES)
    return info.value


def test_operators_by_type_are_the_documented_ones() -> None:
    assert ORDER_OPS == ("gt", "ge", "lt", "le")
    assert OPS_BY_TYPE["date"] == ("gt", "ge", "lt", "le", "unknown")
    assert OPS_BY_TYPE["int"] == ("is", "gt", "ge", "lt", "le", "unknown")


def test_each_kind_of_condition_parses_to_its_type() -> None:
    assert ok({"fact": "flag", "is": True}) == C.Test("flag", "is", True)
    assert ok({"fact": "flag", "is": False, "unknown_is": False}) == C.Test("flag", "is", False, None, False)
    assert ok({"fact": "colour", "in": ["red", "green"]}) == C.Test("colour", "in", ("red", "green"))
    assert ok({"fact": "parts", "has_any": ["voice"]}) == C.Test("parts", "has_any", ("voice",))
    assert ok({"fact": "parts", "has": "face"}) == C.Test("parts", "has", "face")
    assert ok({"fact": "parts", "within": ["face"]}) == C.Test("parts", "within", ("face",))
    assert ok({"fact": "count", "lt": 5}) == C.Test("count", "lt", 5)
    assert ok({"fact": "count", "le": 5}) == C.Test("count", "le", 5)
    assert ok({"fact": "amount", "gt": 2.5}) == C.Test("amount", "gt", 2.5)
    assert ok({"fact": "day", "ge": dt.date(2021, 1, 1)}) == C.Test("day", "ge", dt.date(2021, 1, 1))
    assert ok({"fact": "count", "unknown": True}) == C.Test("count", "unknown", True)
    assert ok({"fact": "count", "ge": {"policy": "line"}}) == C.Test("count", "ge", 3000, "line")
    assert ok({"concl": "harm"}) == Ref("harm")
    assert ok({"concl": "harm", "party": "same"}) == Ref("harm", "same")
    assert ok({"concl": "harm", "party": "platform"}) == Ref("harm", "platform")
    tree = ok({"all": [{"fact": "flag", "is": True}, {"any": [{"concl": "harm"}, {"not": {"concl": "other"}}]}]})
    assert tree == All((C.Test("flag", "is", True), Any_((Ref("harm"), Not(Ref("other"))))))


def test_refs_and_tests_collect_every_leaf_in_order() -> None:
    tree = ok({"all": [{"fact": "flag", "is": True}, {"not": {"concl": "harm"}},
                       {"any": [{"fact": "count", "gt": 1}, {"concl": "other", "party": "creator"}]}]})
    assert refs(tree) == [Ref("harm"), Ref("other", "creator")]
    assert C.tests(tree) == [C.Test("flag", "is", True), C.Test("count", "gt", 1)]
    assert refs(C.Test("flag", "is", True)) == [] and C.tests(Ref("harm")) == []
    assert refs(Not(Ref("harm"))) == [Ref("harm")] and C.tests(Not(C.Test("flag", "is", True))) == [C.Test("flag", "is", True)]


@pytest.mark.parametrize(("data", "path", "message"), [
    ("fact", P, "a condition must be a mapping with all, any, not, fact or concl"),
    ({}, P, "a condition must be a mapping"),
    ({"all": []}, (*P, "all"), "expected a non-empty list of conditions"),
    ({"any": "x"}, (*P, "any"), "expected a non-empty list of conditions"),
    ({"all": [{"concl": "harm"}], "any": [{"concl": "harm"}]}, (*P, "any"), "unexpected key 'any' beside ['all']"),
    ({"not": {"concl": "harm"}, "fact": "flag"}, (*P, "fact"), "unexpected key 'fact' beside ['not']"),
    ({"al": []}, (*P, "al"), "unknown condition key 'al' (did you mean 'all'?)"),
    ({"zzz": 1}, (*P, "zzz"), "unknown condition key 'zzz'"),
    ({"concl": "harn"}, (*P, "concl"), "unknown conclusion 'harn' (did you mean 'harm'?)"),
    ({"concl": 3}, (*P, "concl"), "unknown conclusion '3'"),
    ({"concl": "harm", "party": "platfrom"}, (*P, "party"), "unknown party 'platfrom' (did you mean 'platform'?)"),
    ({"concl": "harm", "is": True}, (*P, "is"), "unexpected key 'is' beside ['concl', 'established', 'party']"),
    ({"fact": "flagg", "is": True}, (*P, "fact"), "unknown fact 'flagg' (did you mean 'flag'?)"),
    ({"fact": ["flag"], "is": True}, (*P, "fact"), "unknown fact '['flag']'"),
    ({"fact": "flag", "is": True, "unknown_is": "no"}, (*P, "unknown_is"), "write 'unknown_is: true' or 'unknown_is: false'"),
    ({"fact": "flag", "is": True, "unknown_is": None}, (*P, "unknown_is"), "write 'unknown_is: true'"),
    ({"fact": "flag"}, P, "a fact test needs exactly one operator of ['is', 'unknown']"),
    ({"fact": "flag", "is": True, "in": [True]}, P, "a fact test needs exactly one operator"),
    ({"fact": "flag", "ge": 1}, (*P, "ge"), "operator 'ge' does not apply to bool fact 'flag'"),
    ({"fact": "day", "is": dt.date(2020, 1, 1)}, (*P, "is"), "operator 'is' does not apply to date fact 'day'"),
    ({"fact": "count", "ge": {"policy": "lines"}}, (*P, "ge", "policy"), "unknown policy parameter 'lines' (did you mean 'line'?)"),
    ({"fact": "count", "unknown": True, "unknown_is": False}, (*P, "unknown_is"), "'unknown_is' makes no sense beside 'unknown'"),
    ({"fact": "count", "unknown": False}, (*P, "unknown"), "write 'unknown: true' (use not: for known)"),
    ({"fact": "count", "unknown": 1}, (*P, "unknown"), "write 'unknown: true'"),
    ({"fact": "colour", "in": []}, (*P, "in"), "expected a non-empty list of values"),
    ({"fact": "parts", "has_any": "face"}, (*P, "has_any"), "expected a non-empty list of values"),
    ({"fact": "parts", "within": []}, (*P, "within"), "expected a non-empty list of values"),
    ({"fact": "parts", "within": ["voice", "face"]}, (*P, "within"),
     "'within' every value of the fact always holds; leave the test out"),
    ({"fact": "parts", "within": ["fase"]}, (*P, "within"), "'fase' is not a value of this fact (did you mean 'face'?)"),
    # a list fact (purpose since it took several values) is tested for membership, with a hint
    ({"fact": "parts", "is": "face"}, (*P, "is"),
     "operator 'is' does not apply to list fact 'parts' (a list fact holds several values: for 'is' "
     "write 'has', for 'in' 'has_any' — some value among — or 'within' — every value among)"),
    ({"fact": "parts", "in": ["face"]}, (*P, "in"), "operator 'in' does not apply to list fact 'parts' (a list"),
    ({"fact": "colour", "is": "blue"}, (*P, "is"), "'blue' is not a value of this fact"),
    ({"fact": "colour", "in": ["red", "gren"]}, (*P, "in"), "'gren' is not a value of this fact (did you mean 'green'?)"),
    ({"fact": "parts", "has": "fase"}, (*P, "has"), "'fase' is not a value of this fact (did you mean 'face'?)"),
    ({"fact": "flag", "is": "yes"}, (*P, "is"), "expected a bool value"),
    ({"fact": "flag", "is": 1}, (*P, "is"), "expected a bool value"),
    ({"fact": "day", "ge": "2021-01-01"}, (*P, "ge"), "expected a date value"),
    ({"fact": "count", "ge": True}, (*P, "ge"), "expected a int value"),
    ({"fact": "count", "ge": "3"}, (*P, "ge"), "expected a int value"),
    ({"fact": "amount", "ge": float("inf")}, (*P, "ge"), "expected a finite number with at most 4 decimal places"),
    ({"fact": "amount", "ge": 0.00001}, (*P, "ge"), "expected a finite number with at most 4 decimal places"),
    ({"all": [{"concl": "harm"}, {"fact": "flag", "is": "x"}]}, (*P, "all", 1, "is"), "expected a bool value"),
    ({"any": [{"not": {"fact": "nope", "is": True}}]}, (*P, "any", 0, "not", "fact"), "unknown fact 'nope'"),
])
def test_each_error_names_its_key_path(data: Any, path: tuple[Any, ...], message: str) -> None:
    error = bad(data)
    assert error.path == path
    assert error.message.startswith(message), error.message
    assert str(error) == error.message


def test_a_number_with_four_decimals_and_a_whole_float_are_accepted() -> None:
    assert ok({"fact": "amount", "ge": 0.0001}).value == 0.0001
    assert ok({"fact": "amount", "is": 3.0}).value == 3.0
    assert ok({"fact": "count", "is": 0}).value == 0


@pytest.mark.parametrize("fact", ["flag", "colour", "parts", "count", "amount", "day"])
def test_every_fact_type_can_be_tested_for_unknown(fact: str) -> None:
    assert ok({"fact": fact, "unknown": True}) == C.Test(fact, "unknown", True)


def test_conditions_are_immutable_and_hashable() -> None:
    tree = ok({"all": [{"any": [{"concl": "harm"}]}, {"not": {"fact": "flag", "is": True}}]})
    assert hash(tree) == hash(ok({"all": [{"any": [{"concl": "harm"}]}, {"not": {"fact": "flag", "is": True}}]}))
    import dataclasses
    for node in (tree, tree.items[0], tree.items[1], Ref("harm"), C.Test("flag", "is", True)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(node, "items", ())


# --- a value standing for several (``stands_for``: defamation_or_insult's ``both``) -----------

STANDING = Vocabulary.model_validate({"facts": {
    "kind": {"type": "enum", "values": ["lie", "slur", "both", "neither"],
             "stands_for": {"both": ["lie", "slur"]},
             "choices_zh": {"lie": "谎", "slur": "辱", "both": "都", "neither": "无"},
             "choices_en": {"lie": "lie", "slur": "slur", "both": "both", "neither": "neither"},
             "zh": "类", "en": "kind", "help_zh": "类", "help_en": "kind"}}})
STANDING_NAMES = Names(STANDING, frozenset(), frozenset(), {})


def test_a_test_on_a_covered_value_is_widened_to_the_value_standing_for_it() -> None:
    def got(data: Any) -> Any:
        return parse(data, P, STANDING_NAMES)
    assert got({"fact": "kind", "is": "lie"}) == C.Test("kind", "in", ("lie", "both"))
    assert got({"fact": "kind", "in": ["lie", "slur"]}) == C.Test("kind", "in", ("lie", "slur", "both"))
    # the standing value itself, a value nobody stands for, and a list already naming it: unchanged
    assert got({"fact": "kind", "is": "both"}) == C.Test("kind", "is", "both")
    assert got({"fact": "kind", "is": "neither"}) == C.Test("kind", "is", "neither")
    assert got({"fact": "kind", "in": ["slur", "both"]}) == C.Test("kind", "in", ("slur", "both"))
    assert got({"not": {"fact": "kind", "is": "neither", "unknown_is": False}}) == \
        Not(C.Test("kind", "is", "neither", None, False))


@pytest.mark.parametrize(("stands_for", "message"), [
    ({"both": ["lie", "nope"]}, "does not have: nope"),
    ({"both": ["lie"]}, "two or more"),
    ({"both": ["both", "lie"]}, "two or more"),
])
def test_stands_for_must_name_two_or_more_other_values(stands_for: dict[str, list[str]], message: str) -> None:
    spec = {"type": "enum", "values": ["lie", "slur", "both"], "stands_for": stands_for,
            "choices_zh": {"lie": "谎", "slur": "辱", "both": "都"}, "choices_en": {"lie": "l", "slur": "s", "both": "b"},
            "zh": "类", "en": "kind", "help_zh": "类", "help_en": "kind"}
    with pytest.raises(ValueError, match=message):
        Vocabulary.model_validate({"facts": {"kind": spec}})
    with pytest.raises(ValueError, match="only for enum"):
        Vocabulary.model_validate({"facts": {"kind": {**spec, "type": "list"}}})
