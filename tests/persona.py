"""A scripted respondent for interview tests and the questionnaire benchmark: it answers each
question from a case's facts, and "don't know" for anything else.

Facts only the interview asks (no rule reads them: ``where_shown``, ``maker_known`` …) are
answered as the case's facts imply: the value whose implied facts (``rules/questions.yaml``
``implied``) the case states, most of them, if exactly one does; ``true`` for a yes/no gate
when the case states a fact whose question waits for it (directly or through other gates)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faceright.conditions import tests
from faceright.evaluate import Engine
from faceright.interview import DONT_KNOW, Answers, Final, Interviewer, Question
from faceright.kleene import TRUE
from faceright.questions import gate_facts


class Respondent:
    """Answers from ``facts`` (fact → value, ``incident_date`` included)."""

    def __init__(self, engine: Engine, facts: dict[str, Any]) -> None:
        self.engine = engine
        self.graph = engine.book.questions
        self.facts = facts
        book = engine.book
        self.read_by_rules = {t.fact for r in book.rules for c in [r.cond, *(e.cond for e in r.exceptions)]
                              for t in tests(c)}

    def _waits_for(self, q: Any, known: dict[str, Any], seen: frozenset[str] = frozenset()) -> set[str]:
        """The facts a question still waits for: the gates whose answer "yes" would move its
        precondition towards holding, and what those gates' own questions wait for."""
        if self.graph.precondition(q, known) is TRUE:
            return set()
        now = self.graph.precondition(q, known)
        out: set[str] = set()
        for gate in gate_facts(q) - seen - set(known):
            spec = self.engine.book.vocabulary.facts.get(gate)
            if (spec is None or spec.type == "bool") and self.graph.precondition(q, {**known, gate: True}) > now:
                out.add(gate)  # a yes/no gate (a list or enum gate is not probed with "yes")
            above = self.graph.question(gate)
            if above is not None:
                out |= self._waits_for(above, known, seen | {gate})
        return out

    def answer(self, fact: str, answers: Answers) -> Any:
        if fact in self.facts:
            return self.facts[fact]
        if fact in self.read_by_rules:
            return DONT_KNOW
        spec = self.engine.book.vocabulary.spec(fact)
        before = self.graph.implications(answers.known(), answers.known())
        if spec.type == "enum":
            best: list[tuple[int, Any]] = []
            for value in spec.values:
                implied = {k: v for k, v in self.graph.implications(
                    {**answers.known(), fact: value}, {**answers.known(), fact: value}).items()
                    if k not in before}
                if implied and all(self.facts.get(k, object()) == v for k, v in implied.items()):
                    best.append((len(implied), value))
            best.sort(reverse=True)
            if best and (len(best) == 1 or best[0][0] > best[1][0]):
                return best[0][1]
            return DONT_KNOW
        known = {**answers.known(), **before}
        if spec.type == "bool" and any(fact in self._waits_for(q, known) for q in self.graph.questions
                                       if q.fact in self.facts and q.fact not in answers.values
                                       and q.fact not in before):
            return True
        return DONT_KNOW


def interview(interviewer: Interviewer, answer: Callable[[str, Answers], Any], lang: str = "en",
              limit: int = 60) -> tuple[Final, list[tuple[Question, Answers]]]:
    """Put every question to ``answer`` (fact, answers so far → the answer) until the interview
    ends: the end, and each question with a copy of the answers it was asked after. Fails when
    more than ``limit`` questions are asked (the interview does not end)."""
    answers = Answers()
    steps: list[tuple[Question, Answers]] = []
    while True:
        step = interviewer.next_question(answers, lang)
        if isinstance(step, Final):
            return step, steps
        steps.append((step, Answers(dict(answers.values), list(answers.order))))
        answers.set(step.fact, answer(step.fact, answers))
        assert len(steps) <= limit, "the interview does not end"


def walk(interviewer: Interviewer, facts: dict[str, Any]) -> tuple[Final, list[tuple[Question, Answers]]]:
    """The interview answered by the scripted :class:`Respondent` of ``facts``."""
    return interview(interviewer, Respondent(interviewer.engine, facts).answer)
