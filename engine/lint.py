"""``faceright rules lint``: static checks beyond load validation.

Unreachable rules (every alternative contradicts itself), incompatible conclusions reached on
overlapping conditions without an exception between them, provisions nobody cites (nor lists as
not formalised), rules without the statute text they formalise, and facts with no question.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from .compiler import period_literals, reaches
from .conditions import All, Ref, Test, refs
from .logic import Alternative, alternatives, with_exceptions
from .reference import _compare
from .rulebook import Rule, Rulebook

ABSENT = object()


@dataclass(frozen=True, order=True)
class Finding:
    """One lint finding, located like a load error."""

    path: str
    line: int
    rule: str | None
    message: str

    def __str__(self) -> str:
        who = f" rule '{self.rule}':" if self.rule else ""
        return f"{self.path}:{self.line}:{who} {self.message}"


def _candidates(book: Rulebook, fact: str, tests: list[Test]) -> list[Any]:
    spec = book.vocabulary.spec(fact)
    if spec.type == "bool":
        return [True, False, ABSENT]
    if spec.type == "enum":
        return [*spec.values, ABSENT]
    if spec.type == "list":
        subsets = [list(c) for n in range(1, len(spec.values) + 1)
                   for c in itertools.combinations(spec.values, n)]
        return [*subsets, ABSENT]
    points: set[Any] = set()
    for t in tests:
        if t.op in ("gt", "ge", "lt", "le", "is"):
            step = dt.timedelta(days=1) if isinstance(t.value, dt.date) else 1
            points |= {t.value, t.value + step, t.value - step}
    return [*sorted(points), ABSENT]


def _literal_holds(test: Test, negated: bool, value: Any) -> bool:
    if test.op == "absent":
        return value is ABSENT
    if test.op == "unknown":
        result = value is ABSENT
    elif value is ABSENT:
        if test.unknown_is is None:
            return False  # satisfiable means: some facts make it definitely hold
        result = test.unknown_is
    else:
        result = _compare(test.op, value, test.value)
    return result != negated


def satisfiable(book: Rulebook, alt: Alternative) -> bool:
    """Whether some facts make every literal of the alternative possible."""
    by_fact: dict[str, list[tuple[Test, bool]]] = {}
    for lit in alt:
        if isinstance(lit.atom, Test):
            by_fact.setdefault(lit.atom.fact, []).append((lit.atom, lit.negated))
    for fact, lits in by_fact.items():
        values = _candidates(book, fact, [t for t, _ in lits])
        if not any(all(_literal_holds(t, n, v) for t, n in lits) for v in values):
            return False
    positive = {(lit.atom.concl, lit.atom.party) for lit in alt if isinstance(lit.atom, Ref) and not lit.negated}
    negative = {(lit.atom.concl, lit.atom.party) for lit in alt if isinstance(lit.atom, Ref) and lit.negated}
    return not (positive & negative)


def full_alternatives(rule: Rule) -> list[Alternative]:
    """Every alternative of the rule in time: period tests, condition and exceptions."""
    full = with_exceptions(rule.cond, [e.cond for e in rule.exceptions])
    return [alt for reach in reaches(rule)
            for alt in alternatives(All((*period_literals(rule, reach), full)))]


def lint(book: Rulebook, cited_elsewhere: set[str] | None = None) -> list[Finding]:
    """All findings for a rulebook, sorted."""
    findings: list[Finding] = []
    alts = {rule.id: [a for a in full_alternatives(rule) if satisfiable(book, a)] for rule in book.rules}
    reachable = {rule.concl for rule in book.rules if alts[rule.id]}
    for rule in book.rules:
        if not alts[rule.id]:
            findings.append(Finding(rule.path, rule.line, rule.id,
                                    "unreachable: every alternative of its condition contradicts itself"))
        dead = sorted({r.concl for r in refs(rule.cond) if r.concl not in reachable})
        if dead and alts[rule.id]:
            findings.append(Finding(rule.path, rule.line, rule.id,
                                    f"depends on conclusions no rule can reach: {', '.join(dead)}"))
        verified = [p for p in rule.spec.provisions if book.catalogue.get(p).text_zh]
        if verified and not rule.spec.text:
            findings.append(Finding(rule.path, rule.line, rule.id,
                                    f"no statute text quoted, though {verified[0]} has verified text"))
    findings += _conflicts(book, alts)
    findings += _uncited(book)
    for name, spec in book.vocabulary.facts.items():
        if not (spec.zh.strip() and spec.en.strip()):
            findings.append(Finding(str(book.directory / "facts.yaml"), 1, None,
                                    f"fact '{name}' has no question to supply it"))
    return sorted(findings)


def _conflicts(book: Rulebook, alts: dict[str, list[Alternative]]) -> list[Finding]:
    out = []
    for rule in book.rules:
        for other_id in book.conclusions[rule.concl].excludes:
            for other in book.rules_for(other_id):
                related = ({r.concl for r in rule.all_refs()} | {r.concl for r in other.all_refs()})
                if {rule.concl, other.concl} & related:
                    continue
                if any(satisfiable(book, (*a, *b)) for a in alts[rule.id] for b in alts[other.id]):
                    out.append(Finding(rule.path, rule.line, rule.id,
                                       f"concludes {rule.concl}, incompatible with {other.concl} of rule "
                                       f"'{other.id}' on overlapping conditions, with no exception between them"))
    return out


def _uncited(book: Rulebook) -> list[Finding]:
    used = {p for r in book.rules for p in r.spec.provisions}
    used |= {p for r in book.rules for e in r.exceptions for p in e.provisions}
    used |= {b for r in book.rules for b in (r.continuing, r.earlier) if b}
    used |= {p for _, nf in book.not_formalised for p in nf.provisions}
    used |= {p for pol in book.policies.values() for p in pol.provisions}
    path = str(book.directory / "provisions.yaml")
    return [Finding(path, 1, None, f"provision '{pid}' is cited by no rule and not listed as not formalised")
            for pid in book.catalogue.ids() if pid not in used]
