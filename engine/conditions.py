"""Rule conditions as typed data: fact tests, conclusion references, and all / any / not.

Parsed by hand (not by pydantic) so that every error can name the exact line and field.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Union

from .errors import did_you_mean
from .vocabulary import AMOUNT_DECIMALS, FactSpec, Vocabulary

#: Comparison operators on ordered facts (int, number, date).
ORDER_OPS = ("gt", "ge", "lt", "le")
OPS_BY_TYPE = {
    "bool": ("is", "unknown"),
    "enum": ("is", "in", "unknown"),
    "list": ("has", "has_any", "within", "unknown"),
    "int": ("is", *ORDER_OPS, "unknown"),
    "number": ("is", *ORDER_OPS, "unknown"),
    "date": (*ORDER_OPS, "unknown"),
}
SAME = "same"


@dataclass(frozen=True)
class Test:
    """A test on one fact; ``policy`` names the policy parameter that supplied ``value``.

    ``unknown_is`` is an explicit presumption: with the fact unknown the test counts as that
    value instead of UNKNOWN (e.g. an exception the infringer must establish is not raised by
    silence). Without it, an unknown fact leaves the test UNKNOWN."""

    fact: str
    op: str
    value: Any
    policy: str | None = None
    unknown_is: bool | None = None


@dataclass(frozen=True)
class Ref:
    """A reference to a conclusion (of ``party``, any party when None, or the rule's own).

    ``established``: the reference counts only where the conclusion definitely holds; an open
    conclusion counts as FALSE, not UNKNOWN (e.g. an administrative penalty yields only to a
    crime whose elements the facts establish, not to a crime that is merely possible)."""

    concl: str
    party: str | None = None
    established: bool = False


@dataclass(frozen=True)
class All:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Any_:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Not:
    item: Cond


Cond = Union[Test, Ref, All, Any_, Not]


class ConditionError(Exception):
    """A bad condition; ``path`` is the key path inside the rule."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Names:
    """What a condition may refer to."""

    vocabulary: Vocabulary
    conclusions: frozenset[str]
    parties: frozenset[str]
    policies: dict[str, Any]


def parse(data: Any, path: tuple[str | int, ...], names: Names) -> Cond:
    """Turn the YAML of a condition into a :data:`Cond`, or raise :class:`ConditionError`."""
    if not isinstance(data, dict) or not data:
        raise ConditionError(path, "a condition must be a mapping with all, any, not, fact or concl")
    keys = set(data)
    for combinator in ("all", "any"):
        if combinator in keys:
            _only(keys, {combinator}, path)
            items = data[combinator]
            if not isinstance(items, list) or not items:
                raise ConditionError((*path, combinator), "expected a non-empty list of conditions")
            parsed = tuple(parse(c, (*path, combinator, i), names) for i, c in enumerate(items))
            return All(parsed) if combinator == "all" else Any_(parsed)
    if "not" in keys:
        _only(keys, {"not"}, path)
        return Not(parse(data["not"], (*path, "not"), names))
    if "concl" in keys:
        return _ref(data, path, names)
    if "fact" in keys:
        return _test(data, path, names)
    key = sorted(keys)[0]
    raise ConditionError((*path, key), f"unknown condition key '{key}'"
                         + did_you_mean(key, ["all", "any", "not", "fact", "concl"]))


def _only(keys: set[str], allowed: set[str], path: tuple[str | int, ...]) -> None:
    extra = sorted(keys - allowed)
    if extra:
        raise ConditionError((*path, extra[0]), f"unexpected key '{extra[0]}' beside {sorted(allowed)}")


def _ref(data: dict[str, Any], path: tuple[str | int, ...], names: Names) -> Ref:
    _only(set(data), {"concl", "party", "established"}, path)
    concl = data["concl"]
    if not isinstance(concl, str) or concl not in names.conclusions:
        raise ConditionError((*path, "concl"), f"unknown conclusion '{concl}'"
                             + did_you_mean(str(concl), names.conclusions))
    party = data.get("party")
    if party is not None and party != SAME and party not in names.parties:
        raise ConditionError((*path, "party"), f"unknown party '{party}'"
                             + did_you_mean(str(party), [*names.parties, SAME]))
    established = data.get("established", False)
    if "established" in data and established is not True:
        raise ConditionError((*path, "established"), "write 'established: true' or leave it out")
    return Ref(concl, party, established)


def _test(data: dict[str, Any], path: tuple[str | int, ...], names: Names) -> Test:
    fact = data["fact"]
    if not isinstance(fact, str) or fact not in names.vocabulary.names():
        raise ConditionError((*path, "fact"), f"unknown fact '{fact}'"
                             + did_you_mean(str(fact), names.vocabulary.names()))
    spec = names.vocabulary.spec(fact)
    presumption = data.get("unknown_is")
    if "unknown_is" in data and not isinstance(presumption, bool):
        raise ConditionError((*path, "unknown_is"), "write 'unknown_is: true' or 'unknown_is: false'")
    ops = [k for k in data if k not in ("fact", "unknown_is")]
    if len(ops) != 1:
        raise ConditionError(path, f"a fact test needs exactly one operator of {list(OPS_BY_TYPE[spec.type])}")
    op = ops[0]
    if op not in OPS_BY_TYPE[spec.type]:
        hint = (f" (a list fact holds several values: for 'is' write 'has', for 'in' 'has_any' "
                f"— some value among — or 'within' — every value among)"
                if spec.type == "list" and op in ("is", "in") else did_you_mean(op, OPS_BY_TYPE[spec.type]))
        raise ConditionError((*path, op), f"operator '{op}' does not apply to {spec.type} fact '{fact}'"
                             + hint)
    raw = data[op]
    policy = None
    if isinstance(raw, dict) and set(raw) == {"policy"}:
        policy = raw["policy"]
        if policy not in names.policies:
            raise ConditionError((*path, op, "policy"), f"unknown policy parameter '{policy}'"
                                 + did_you_mean(str(policy), names.policies))
        raw = names.policies[policy]
    if op == "unknown" and presumption is not None:
        raise ConditionError((*path, "unknown_is"), "'unknown_is' makes no sense beside 'unknown'")
    return Test(fact, op, _value(spec, op, raw, (*path, op)), policy, presumption)


def _value(spec: FactSpec, op: str, raw: Any, path: tuple[str | int, ...]) -> Any:
    if op == "unknown":
        if raw is not True:
            raise ConditionError(path, "write 'unknown: true' (use not: for known)")
        return True
    if op in ("in", "has_any", "within"):
        if not isinstance(raw, list) or not raw:
            raise ConditionError(path, "expected a non-empty list of values")
        values = tuple(_one(spec, v, path) for v in raw)
        if op == "within" and set(values) == set(spec.values):
            raise ConditionError(path, "'within' every value of the fact always holds; leave the test out")
        return values
    return _one(spec, raw, path)


def _one(spec: FactSpec, raw: Any, path: tuple[str | int, ...]) -> Any:
    if spec.type in ("enum", "list"):
        if raw not in spec.values:
            raise ConditionError(path, f"'{raw}' is not a value of this fact"
                                 + did_you_mean(str(raw), spec.values))
        return raw
    if spec.type == "bool" and isinstance(raw, bool):
        return raw
    if spec.type == "date" and isinstance(raw, dt.date):
        return raw
    if spec.type in ("int", "number") and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if isinstance(raw, float) and not (math.isfinite(raw) and round(raw, AMOUNT_DECIMALS) == raw):
            raise ConditionError(path, f"expected a finite number with at most {AMOUNT_DECIMALS} "
                                 "decimal places (the resolution facts are compared at)")
        return raw
    raise ConditionError(path, f"expected a {spec.type} value")


def leaves(cond: Cond) -> list[Test | Ref]:
    """Every fact test and conclusion reference in a condition, in order."""
    if isinstance(cond, (All, Any_)):
        return [leaf for c in cond.items for leaf in leaves(c)]
    if isinstance(cond, Not):
        return leaves(cond.item)
    return [cond] if isinstance(cond, (Test, Ref)) else []


def refs(cond: Cond) -> list[Ref]:
    """Every conclusion reference in a condition."""
    return [leaf for leaf in leaves(cond) if isinstance(leaf, Ref)]


def tests(cond: Cond) -> list[Test]:
    """Every fact test in a condition."""
    return [leaf for leaf in leaves(cond) if isinstance(leaf, Test)]
