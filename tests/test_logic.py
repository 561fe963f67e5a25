"""Normal forms for the compiler (``engine/logic.py``): negations pushed to the leaves, the
alternatives (an OR of ANDs of literals) deduplicated and ordered, the exceptions folded in,
and the ``party: same`` anchor of each alternative."""

from __future__ import annotations

import pytest

from faceright.conditions import All, Any_, Not, Ref
from faceright.conditions import Test as T
from faceright.logic import (MAX_ALTERNATIVES, Literal, alternatives, anchor, anchor_missing,
                             with_exceptions)

A = T("a", "is", True)
B = T("b", "ge", 3)
C = T("c", "is", "red")
R = Ref("harm", "same")
Q = Ref("harm")


def lit(atom: T | Ref, negated: bool = False) -> Literal:
    return Literal(negated, atom)


def test_a_leaf_is_one_alternative_of_one_literal() -> None:
    assert alternatives(A) == [(lit(A),)]
    assert alternatives(R) == [(lit(R),)]
    assert alternatives(A, negate=True) == [(lit(A, True),)]
    assert alternatives(Not(A)) == [(lit(A, True),)]
    assert alternatives(Not(Not(A))) == [(lit(A),)]


def test_all_is_one_conjunction_and_any_is_one_alternative_each() -> None:
    assert alternatives(All((A, B))) == [(lit(A), lit(B))]
    assert alternatives(Any_((A, B))) == [(lit(A),), (lit(B),)]
    # distribution: (A or B) and C -> (A and C) or (B and C)
    assert alternatives(All((Any_((A, B)), C))) == [(lit(A), lit(C)), (lit(B), lit(C))]


def test_negation_is_pushed_to_the_leaves_by_de_morgan() -> None:
    # not (A and B) -> not A or not B
    assert alternatives(Not(All((A, B)))) == [(lit(A, True),), (lit(B, True),)]
    # not (A or B) -> not A and not B
    assert alternatives(Not(Any_((A, B)))) == [(lit(A, True), lit(B, True))]
    assert alternatives(All((A, B)), negate=True) == [(lit(A, True),), (lit(B, True),)]


def test_alternatives_are_deduplicated_with_literals_in_a_fixed_order() -> None:
    # fact tests first, then positive references, then negated references
    assert alternatives(All((Not(Q), R, A))) == [(lit(A), lit(R), lit(Q, True))]
    # ...whatever their names: a positive reference to "b" before a negated one to "a"
    pos, neg = Ref("b", "same"), Ref("a")
    assert alternatives(All((Not(neg), pos))) == [(lit(pos), lit(neg, True))]
    assert alternatives(All((A, A))) == [(lit(A),)]
    assert alternatives(Any_((All((A, B)), All((B, A))))) == [(lit(A), lit(B))]
    assert alternatives(Any_((A, A, B))) == [(lit(A),), (lit(B),)]
    # a literal and its negation are different literals
    assert alternatives(Any_((A, Not(A)))) == [(lit(A),), (lit(A, True),)]


def test_too_many_alternatives_are_refused() -> None:
    tests = [T("n", "ge", i) for i in range(18)]
    pairs = All(tuple(Any_((t, T("n", "lt", -1 - i))) for i, t in enumerate(tests[:8])))
    assert len(alternatives(pairs)) == MAX_ALTERNATIVES == 256  # 2 ** 8: just allowed
    with pytest.raises(ValueError, match="more than 256 alternatives"):
        alternatives(All((pairs, Any_((T("z", "is", True), T("z", "is", False))))))


def test_exceptions_are_folded_in_as_negations() -> None:
    assert with_exceptions(A, []) is A
    assert with_exceptions(A, [B]) == All((A, Not(B)))
    assert with_exceptions(A, [B, C]) == All((A, Not(B), Not(C)))
    assert alternatives(with_exceptions(A, [Any_((B, C))])) == [(lit(A), lit(B, True), lit(C, True))]


def test_the_anchor_is_the_positive_same_party_reference() -> None:
    assert anchor((lit(A), lit(R))) == R
    assert anchor((lit(A), lit(R, True))) is None   # negated: binds no party
    assert anchor((lit(A), lit(Q))) is None          # any party: binds none
    assert anchor((lit(Ref("harm", "creator")),)) is None
    assert anchor((lit(A),)) is None
    assert not anchor_missing(All((A, R)))
    assert anchor_missing(Any_((All((A, R)), B)))    # the second alternative has no anchor
    assert not anchor_missing(Any_((All((A, R)), All((B, R)))))
    assert anchor_missing(A)
