"""``faceright rules lint``: static checks beyond load validation.

Unreachable rules (every alternative contradicts itself), incompatible conclusions reached on
overlapping conditions without an exception between them, provisions nobody cites (nor lists as
not formalised), rules that neither quote the statute text they formalise nor say why they
cannot (``text_unverified``), and facts with no question.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from .compiler import period_literals, reaches
from .conditions import All, Ref, Test, refs
from .kleene import TRUE, truth_of
from .logic import Alternative, alternatives, with_exceptions
from .probes import probe_values
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


def _candidates(book: Rulebook, points: dict[str, list[Any]], fact: str) -> list[Any]:
    """Every value a literal on ``fact`` can distinguish (lists: every non-empty subset)."""
    spec = book.vocabulary.spec(fact)
    if spec.type == "list":
        return [[*c] for n in range(1, len(spec.values) + 1)
                for c in itertools.combinations(spec.values, n)] + [ABSENT]
    return [*points[fact], ABSENT]


def _literal_holds(test: Test, negated: bool, value: Any) -> bool:
    """Whether the literal definitely holds with its fact at ``value`` (``ABSENT``: unknown)."""
    if test.op == "absent":
        return value is ABSENT
    truth = truth_of(test, {} if value is ABSENT else {test.fact: value})
    return (~truth if negated else truth) is TRUE


def satisfiable(book: Rulebook, alt: Alternative, points: dict[str, list[Any]]) -> bool:
    """Whether some facts make every literal of the alternative definitely hold."""
    by_fact: dict[str, list[tuple[Test, bool]]] = {}
    for lit in alt:
        if isinstance(lit.atom, Test):
            by_fact.setdefault(lit.atom.fact, []).append((lit.atom, lit.negated))
    for fact, lits in by_fact.items():
        values = _candidates(book, points, fact)
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
    points = probe_values(book)
    alts = {rule.id: [a for a in full_alternatives(rule) if satisfiable(book, a, points)]
            for rule in book.rules}
    reachable = {rule.concl for rule in book.rules if alts[rule.id]}
    for rule in book.rules:
        if not alts[rule.id]:
            findings.append(Finding(rule.path, rule.line, rule.id,
                                    "unreachable: every alternative of its condition contradicts itself"))
        dead = sorted({r.concl for r in refs(rule.cond) if r.concl not in reachable})
        if dead and alts[rule.id]:
            findings.append(Finding(rule.path, rule.line, rule.id,
                                    f"depends on conclusions no rule can reach: {', '.join(dead)}"))
        findings += _unquoted(book, rule)
    findings += _conflicts(book, alts, points)
    findings += _uncited(book)
    for name, spec in book.vocabulary.facts.items():
        if not (spec.zh.strip() and spec.en.strip()):
            findings.append(Finding(str(book.directory / "facts.yaml"), 1, None,
                                    f"fact '{name}' has no question to supply it"))
    return sorted(findings)


def _unquoted(book: Rulebook, rule: Rule) -> list[Finding]:
    """A rule must quote its statute text (``text``) or say why it cannot (``text_unverified``:
    no cited provision has verified text). The loader already refuses a reason where verified
    text exists, so only the rule with neither is left to report here."""
    spec = rule.spec
    if spec.text or spec.text_unverified:
        return []
    verified = [p for p in spec.provisions if book.catalogue.get(p).text_zh]
    if verified:
        message = f"no statute text quoted, though {verified[0]} has verified text"
    else:
        message = ("no statute text quoted and no 'text_unverified' reason (none of "
                   f"{', '.join(spec.provisions)} has verified text: say so)")
    return [Finding(rule.path, rule.line, rule.id, message)]


def _conflicts(book: Rulebook, alts: dict[str, list[Alternative]],
               points: dict[str, list[Any]]) -> list[Finding]:
    out = []
    for rule in book.rules:
        for other_id in book.conclusions[rule.concl].excludes:
            for other in book.rules_for(other_id):
                related = ({r.concl for r in rule.all_refs()} | {r.concl for r in other.all_refs()})
                if {rule.concl, other.concl} & related:
                    continue
                if any(satisfiable(book, (*a, *b), points) for a in alts[rule.id] for b in alts[other.id]):
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
    if book.guidance is not None:
        used |= book.guidance.cited()
    path = str(book.directory / "provisions.yaml")
    return [Finding(path, 1, None, f"provision '{pid}' is cited by no rule and not listed as not formalised")
            for pid in book.catalogue.ids() if pid not in used]
