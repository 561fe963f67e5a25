"""``faceright rules lint``: static checks beyond load validation.

Unreachable rules (every alternative contradicts itself), incompatible conclusions reached on
overlapping conditions without an exception between them, provisions nobody cites (nor lists as
not formalised), rules that neither quote the statute text they formalise nor say why they
cannot (``text_unverified``), facts with no question, and Chinese text with ASCII punctuation
or addressing the reader as 你.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from .compiler import period_literals, reaches
from .conditions import All, Ref, Test, refs, tests
from .kleene import TRUE, truth_of
from .logic import Alternative, alternatives, with_exceptions
from .probes import probe_values
from .punctuation import ascii_marks, informal_you
from .vocabulary import INCIDENT_DATE
from .questions import gate_facts
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
    findings += question_graph(book, points)
    findings += chinese_text(book)
    return sorted(findings)


def chinese_text(book: Rulebook) -> list[Finding]:
    """Chinese text of the rule data (values under a ``zh`` key or a ``…_zh`` key) with an
    ASCII colon, comma, semicolon or parenthesis beside Chinese characters (write ``：，；（）``),
    or addressing the reader as 你 (write 您; statute text, ``text_zh``, is quoted as enacted
    and only checked for the marks)."""
    from .source import SourceError, read_documents
    out: list[Finding] = []

    def walk(node: Any, loc: tuple[Any, ...], zh: bool, path: str, doc: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                name = str(key)
                walk(value, (*loc, key), zh or name == "zh" or name.endswith("_zh"), path, doc)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*loc, i), zh, path, doc)
        elif isinstance(node, str) and zh:
            where = ".".join(map(str, loc))
            for found in ascii_marks(node):
                out.append(Finding(path, doc.line_of(loc), None,
                                   f"{where}: ASCII punctuation in Chinese text ({found!r}): write ：，；（）"))
            if loc[-1] != "text_zh":
                for found in informal_you(node):
                    out.append(Finding(path, doc.line_of(loc), None,
                                       f"{where}: Chinese text addresses the reader as 你 ({found!r}): write 您"))

    for file in sorted(book.directory.glob("*.yaml")):
        try:
            for doc in read_documents(file.read_text(encoding="utf-8")):
                walk(doc.data, (), False, str(file), doc)
        except (OSError, SourceError):  # the rulebook loaded, so this cannot happen; no finding to make
            continue
    return out


def question_graph(book: Rulebook, points: dict[str, list[Any]]) -> list[Finding]:
    """The interview's question graph (``questions.yaml``): every fact of the vocabulary has a
    place in it; no precondition that can never hold; no question that waits for a later one
    (a detail asked before its gate) or for a fact nobody asks; no question no rule reads that
    opens nothing; no listed legal or technical term without its glossary explanation."""
    graph = book.questions
    out: list[Finding] = []
    place = {q.fact: i for i, q in enumerate(graph.questions)}
    implied = {fact for _, then, _ in graph.implied for fact in then}
    read = {t.fact for r in book.rules for c in [r.cond, *(e.cond for e in r.exceptions)] for t in tests(c)}
    read |= {INCIDENT_DATE, *(r.continued_by for r in book.rules if r.continued_by)}  # rule periods
    gates = {g for q in graph.questions for g in gate_facts(q)}
    sources = {t.fact for cond, _, _ in graph.implied for t in tests(cond)}
    facts_line = graph.lines.get(("questions",), 1)
    for name in book.vocabulary.names():
        if name not in place:
            out.append(Finding(graph.path, facts_line, None,
                               f"fact '{name}' has a question in facts.yaml but no place in the question graph"))
    for q in graph.questions:
        def finding(message: str, q: Any = q) -> Finding:
            return Finding(graph.path, q.line, None, f"question '{q.fact}': {message}")
        if q.when is not None and not any(satisfiable(book, alt, points) for alt in alternatives(q.when)):
            out.append(finding("its precondition can never hold"))
        for gate in sorted(gate_facts(q)):
            if gate not in place and gate not in implied:
                out.append(finding(f"waits for '{gate}', which no question asks and no answer implies"))
            elif gate in place and place[gate] > place[q.fact]:
                out.append(finding(f"asked before its gate '{gate}' (a detail before the question "
                                   "that opens it): move it after"))
        unread = q.fact not in read and q.fact not in gates and q.fact not in sources and not q.spec.always
        if unread and not q.spec.unread:
            out.append(finding("no rule reads it and it opens no question: it can never be relevant "
                               "(say why it is kept with 'unread', or remove it)"))
        if q.spec.unread and not unread:
            out.append(finding("marked 'unread', but a rule reads it or it opens a question"))
        texts = q.texts()
        spec = book.vocabulary.spec(q.fact)
        texts += [spec.choice(v, lang) for v in spec.values for lang in ("zh", "en")]
        for term in graph.terms:
            for text in texts:
                if term.casefold() in text.casefold() and not _explained(book, term, text):
                    out.append(finding(f"uses '{term}' without its explanation: add it to the "
                                       "glossary in facts.yaml, or say it plainly"))
                    break
    return out


def _explained(book: Rulebook, term: str, text: str) -> bool:
    """Whether a glossary entry covering ``term`` appears in ``text`` (so the interview shows
    its explanation beside the question)."""
    low = text.casefold()
    return any((g.zh in text and (term in g.zh or g.zh in term))
               or (g.en.casefold() in low and (term.casefold() in g.en.casefold() or g.en.casefold() in term.casefold()))
               for g in book.vocabulary.glossary.values())


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
