"""Normal forms of conditions for the compiler: negations pushed to the leaves, then
alternatives (disjunctive normal form), each a conjunction of literals.

durable_rules matches one conjunction of fact patterns per rule, so each alternative
becomes one durable rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from .conditions import SAME, All, Cond, Not, Ref, Test

MAX_ALTERNATIVES = 256


@dataclass(frozen=True)
class Literal:
    """A fact test or conclusion reference, possibly negated."""

    negated: bool
    atom: Test | Ref


def _key(lit: Literal) -> tuple[int, str, str]:
    kind = 0 if isinstance(lit.atom, Test) else (1 if not lit.negated else 2)
    return (kind, repr(lit.atom), str(lit.negated))


Alternative = tuple[Literal, ...]


def alternatives(cond: Cond, negate: bool = False) -> list[Alternative]:
    """The condition as a list of alternatives (an OR of ANDs of literals), deduplicated."""
    if isinstance(cond, (Test, Ref)):
        return [(Literal(negate, cond),)]
    if isinstance(cond, Not):
        return alternatives(cond.item, not negate)
    items = cond.items
    conjunctive = isinstance(cond, All) != negate
    parts = [alternatives(c, negate) for c in items]
    if not conjunctive:
        out = [alt for part in parts for alt in part]
    else:
        out = [()]
        for part in parts:
            out = [(*left, *right) for left in out for right in part]
            if len(out) > MAX_ALTERNATIVES:
                raise ValueError(f"condition has more than {MAX_ALTERNATIVES} alternatives")
    return _dedupe(out)


def _dedupe(alts: list[Alternative]) -> list[Alternative]:
    seen: dict[Alternative, None] = {}
    for alt in alts:
        seen.setdefault(tuple(sorted(set(alt), key=_key)), None)
    return list(seen)


def with_exceptions(cond: Cond, exceptions: list[Cond]) -> Cond:
    """The rule's full condition: its ``when`` and none of its exceptions."""
    return All((cond, *(Not(e) for e in exceptions))) if exceptions else cond


def anchor(alt: Alternative) -> Ref | None:
    """The positive ``party: same`` reference that binds the party of an alternative."""
    for lit in alt:
        if isinstance(lit.atom, Ref) and not lit.negated and lit.atom.party == SAME:
            return lit.atom
    return None


def anchor_missing(cond: Cond) -> bool:
    """Whether some alternative of ``cond`` has no positive ``party: same`` reference."""
    return any(anchor(alt) is None for alt in alternatives(cond))
