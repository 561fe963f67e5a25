"""The guided questionnaire's brain: which fact to ask next, and why.

Relevance comes from the engine: the candidates are the facts the open conclusions ``need``
(most open conclusions first), then facts that only presumptions stand in for. Each candidate
is confirmed relevant — some value of it changes what holds or is open — with the rulebook
evaluated directly in three-valued logic (:mod:`.relevance`) before it is asked. One function,
:func:`next_question`, serves the terminal and the web page alike.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .assessment import Assessment, Derivations, Key
from .compiler import NO_PARTY
from .conditions import Test, tests
from .evaluate import Engine
from .probes import probe_values
from .kleene import TRUE, UNKNOWN
from .relevance import Evaluator, Run
from .vocabulary import INCIDENT_DATE, FactSpec

DONT_KNOW = "unknown"
#: how many answer sets an interviewer remembers its choice for
CHOICES_KEPT = 4096


@dataclass
class Answers:
    """What the user has said so far: facts (with ``unknown`` for "don't know"), in order."""

    values: dict[str, Any] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def set(self, fact: str, value: Any) -> None:
        if fact in self.values:
            self.order.remove(fact)
        self.values[fact] = value
        self.order.append(fact)

    def back(self) -> str | None:
        """Undo the last answer; returns the fact it was about."""
        if not self.order:
            return None
        fact = self.order.pop()
        del self.values[fact]
        return fact

    def known(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if v != DONT_KNOW}

    def case_data(self, case_id: str) -> dict[str, Any]:
        """The answers as a case document of the contract's format."""
        facts = {k: v for k, v in self.values.items() if k != INCIDENT_DATE}
        data: dict[str, Any] = {"format": "faceright/1", "case": case_id}
        if INCIDENT_DATE in self.values:
            data[INCIDENT_DATE] = self.values[INCIDENT_DATE]
        data["facts"] = {k: facts[k] for k in sorted(facts)}
        return data


@dataclass
class Reason:
    """A conclusion this answer could decide, with its provisions."""

    conclusion: str
    party: str | None
    provisions: list[str]


@dataclass
class Question:
    """The next fact to ask, with its text, choices and why it matters."""

    fact: str
    spec: FactSpec
    text: str
    help: str
    why: list[Reason]


@dataclass
class Final:
    """Nothing left can change a conclusion: the assessment, and what stays open."""

    assessment: Assessment


class Interviewer:
    """Chooses questions for one rulebook."""

    def __init__(self, engine: Engine, remember: int = CHOICES_KEPT) -> None:
        self.engine = engine
        self.remember = remember
        self.evaluator = Evaluator(engine.book)
        self.public = set(engine.book.public_conclusions())
        self.order = {name: i for i, name in enumerate([INCIDENT_DATE, *engine.book.vocabulary.facts])}
        self.presumed = sorted({t.fact for r in engine.book.rules
                                for c in [r.cond, *(e.cond for e in r.exceptions)]
                                for t in tests(c) if t.unknown_is is not None},
                               key=lambda f: self.order[f])
        self.points = probe_values(engine.book)
        #: judgement fact → the observable facts asked before it, and the conclusions that
        #: mark it likely (``suggests`` in conclusions.yaml)
        self.observables = {s.suggests: list(s.indicators) for s in engine.book.conclusions.values()
                            if s.suggests}
        self.likely_by = {c: s.suggests for c, s in engine.book.conclusions.items() if s.suggests}
        self._choices: dict[frozenset[tuple[str, Any]], tuple[str, list[Reason]] | Final] = {}

    def case(self, answers: Answers) -> Any:
        return self.engine.case(answers.case_data("interview"))

    def next_question(self, answers: Answers, lang: str = "zh") -> Question | Final:
        """The most useful relevant question, or the final assessment when none is left.

        Choices are remembered per set of answers (a bounded LRU, ``remember`` entries): "why",
        "back" and a language switch ask again about answers already seen. A server keeps none
        (``remember=0``): it holds nobody's answers."""
        key = frozenset((k, tuple(v) if isinstance(v, list) else v) for k, v in answers.values.items())
        choice = self._choices.pop(key, None) or self._choose(answers)
        if self.remember:
            if len(self._choices) >= self.remember:
                self._choices.pop(next(iter(self._choices)))
            self._choices[key] = choice
        return choice if isinstance(choice, Final) else self._question(choice[0], lang, choice[1])

    def _choose(self, answers: Answers) -> tuple[str, list[Reason]] | Final:
        case = self.case(answers)
        assessment, derivations = self.engine.evaluate(case)
        base = self._run(answers.known())
        signature = self._signature(base)
        declined = {f for f, v in answers.values.items() if v == DONT_KNOW}
        scores: Counter[str] = Counter()
        reasons: dict[str, list[Reason]] = {}
        for item in assessment.open:
            if _blocked(derivations, (item.id, item.party or NO_PARTY), declined, frozenset()):
                continue  # it cannot hold any more: the user does not know what it needs
            for fact in item.needs:
                if fact not in answers.values:
                    scores[fact] += 1
                    reasons.setdefault(fact, []).append(Reason(item.id, item.party, item.provisions))
        ranked = sorted(scores, key=lambda f: (-scores[f], self.order[f]))
        ranked += [f for f in self.presumed if f not in answers.values and f not in scores]
        ranked = self._observable_first(ranked, answers, base, reasons)
        for fact in ranked:
            if self._relevant(fact, answers.known(), base, signature):
                return fact, reasons.get(fact) or self._presumption_reasons(fact)
        return Final(assessment)

    def _observable_first(self, ranked: list[str], answers: Answers, base: Run,
                          reasons: dict[str, list[Reason]]) -> list[str]:
        """A judgement a lay person cannot make (serious distress, identifiability…) is asked
        through what they can tell: its unanswered indicator facts come first, with its
        reasons. Once they make it likely (the items needing it are then reported likely), the
        judgement itself is asked only after every other question, for whoever can state it
        ("don't know" keeps it likely)."""
        likely = {self.likely_by[c] for (c, _), (v, _) in base.status.items()
                  if c in self.likely_by and v is TRUE}
        out: list[str] = []
        for fact in ranked:
            if fact in likely:
                continue
            for indicator in self.observables.get(fact, ()):
                if indicator not in answers.values and indicator not in out:
                    out.append(indicator)
                    reasons.setdefault(indicator, list(reasons.get(fact, [])))
            if fact not in out:
                out.append(fact)
        return out + [f for f in ranked if f in likely]

    def _question(self, fact: str, lang: str, why: list[Reason]) -> Question:
        spec = self.engine.book.vocabulary.spec(fact)
        text, help_ = (spec.zh, spec.help_zh) if lang == "zh" else (spec.en, spec.help_en)
        return Question(fact, spec, text, help_, why)

    def _presumption_reasons(self, fact: str) -> list[Reason]:
        """The public conclusions whose rules presume a value for ``fact`` while it is unknown."""
        found: dict[str, set[str]] = {}
        for rule in self.engine.book.rules:
            conds = [rule.cond, *(e.cond for e in rule.exceptions)]
            if rule.concl in self.public and any(t.fact == fact for c in conds for t in tests(c)):
                found.setdefault(rule.concl, set()).update(rule.spec.provisions)
        return [Reason(c, None, sorted(p)) for c, p in sorted(found.items())]

    def _signature(self, run: Run) -> tuple[frozenset[Any], frozenset[Any]]:
        """What holds, and what is open with which needs (public conclusions only)."""
        holds = frozenset(k for k, (v, _) in run.status.items()
                          if v is TRUE and (k[0] in self.public or k[0] in self.likely_by))
        open_ = frozenset((k, n) for k, (v, n) in run.status.items() if v is UNKNOWN and k[0] in self.public)
        return holds, open_

    def _run(self, known: dict[str, Any], base: Run | None = None, changed: str | None = None) -> Run:
        facts = {k: v for k, v in known.items() if k != INCIDENT_DATE}
        return self.evaluator.run(facts, known.get(INCIDENT_DATE), base, changed)

    def _relevant(self, fact: str, known: dict[str, Any], base: Run, signature: tuple[Any, Any]) -> bool:
        """Whether some value of ``fact`` changes what holds or is open (direct evaluation);
        ``signature`` is that of ``base``, the run without it."""
        return any(self._signature(self._run({**known, fact: value}, base, fact)) != signature
                   for value in self.points.get(fact, ()))


@functools.cache
def interviewer_for(engine: Engine) -> Interviewer:
    """The one interviewer of a loaded engine for the terminal questionnaire, remembering its
    choices across sessions of one process (the web server keeps its own, remembering none)."""
    return Interviewer(engine)


def _blocked(derivations: Derivations, key: Key, declined: set[str], seen: frozenset[Key]) -> bool:
    """Whether an open conclusion can no longer come to hold: every way it could has a test on
    a fact the user said they do not know, or builds on a conclusion that cannot hold. (An
    exception that cannot hold may still be ruled out, so negations never block.)"""
    if key in seen:
        return True
    for firing in derivations.firings.get(key, {"p": []})["p"]:
        stuck = any(isinstance(lit.atom, Test) and lit.atom.fact in declined
                    and lit.atom.unknown_is is None for lit in firing.variant.literals)
        stuck = stuck or any(derivations.status(k) == "open"
                             and _blocked(derivations, k, declined, seen | {key}) for k in firing.joined)
        if not stuck:
            return False
    return True
