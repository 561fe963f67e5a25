"""The guided questionnaire's brain: which fact to ask next, and why.

The question graph (``rules/questions.yaml``, :mod:`.questions`) decides *when*: questions in
section order and their place in it, each only once its precondition definitely holds on the
answers so far. The engine decides *whether*: a question is asked only when some answer to it
changes what holds or is open — the rulebook evaluated directly in three-valued logic
(:mod:`.relevance`) — or when it is the gate of such a question. Who is answering is asked
first; the facts a role states (a relative of a deceased person: the person is deceased) are
filled in, and every question is worded for the role. One function, :func:`next_question`,
serves the terminal and the web alike.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from .assessment import Assessment, Derivations, Key, Spanned
from .compiler import NO_PARTY
from .conditions import Test, tests
from .dates import DateRange, canonical
from .evaluate import Engine
from .kleene import FALSE, TRUE, UNKNOWN
from .probes import probe_values
from .questions import GraphQuestion, QuestionGraph, gate_facts
from .relevance import NONE_PARTY, Evaluator, Run
from .vocabulary import INCIDENT_DATE, FactSpec

DONT_KNOW = "unknown"
#: how many answer sets an interviewer remembers its choice for
CHOICES_KEPT = 4096


@dataclass
class Answers:
    """What the user has said so far: facts (with ``unknown`` for "don't know"), in order.

    A date answer is held as read by :func:`faceright.dates.parse_date`: a ``datetime.date``
    for an exact day, a :class:`faceright.dates.DateRange` otherwise (``2023``, ``before
    2021``, ``still_online``); "don't know" is ``unknown`` (for ``incident_date``: the widest
    range when assessed)."""

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
        """The answers as a case document of the contract's format (a date that is a range
        in its canonical text: ``2023``, ``..2020``, ``still_online``)."""
        values = {k: canonical(v) if isinstance(v, DateRange) else v for k, v in self.values.items()}
        facts = {k: v for k, v in values.items() if k != INCIDENT_DATE}
        data: dict[str, Any] = {"format": "faceright/1", "case": case_id}
        if INCIDENT_DATE in values:
            data[INCIDENT_DATE] = values[INCIDENT_DATE]
        data["facts"] = {k: facts[k] for k in sorted(facts)}
        return data


@dataclass
class Reason:
    """A conclusion this answer most affects: its title in the question's language, the
    provisions it rests on, and what each answer would lead to (``outcomes``: an answer's label
    and ``holds``, ``open`` or ``ruled_out``)."""

    conclusion: str
    party: str | None
    provisions: list[str]
    title: str = ""
    outcomes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Question:
    """The next fact to ask, worded for the respondent, with its section and progress.

    ``section_index`` is 1-based among ``section_count`` sections; ``remaining`` the estimated
    questions left including this one (low, high), from the relevance engine, and
    ``section_remaining`` the same for this question's section only (small, and what a person
    is shown: a whole-interview bound counts every branch the answers may still open); ``periods``
    a date question's rough periods offered as choices; ``why`` the ≤ 3
    conclusions this answer most affects and ``why_lines`` the same in plain words, each with
    its provisions cited by law and article."""

    fact: str
    spec: FactSpec
    text: str
    help: str
    why: list[Reason]
    section_id: str = ""
    section_title: str = ""
    section_index: int = 1
    section_count: int = 1
    remaining: tuple[int, int] = (1, 1)
    why_lines: list[str] = field(default_factory=list)
    section_remaining: tuple[int, int] = (1, 1)
    #: a date question's rough periods: (value, e.g. ``2021..``; its words)
    periods: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Final:
    """Nothing left can change a conclusion: the assessment, and what stays open; ``answers``
    are the answers it rests on, with the facts the respondent's role states filled in."""

    assessment: Assessment
    answers: Answers | None = None


@dataclass(frozen=True)
class _Choice:
    """What the interviewer decided for one set of answers (language-independent)."""

    fact: str
    why: tuple[tuple[str, str, tuple[str, ...], tuple[tuple[Any, str], ...]], ...]
    remaining: tuple[int, int]
    section_remaining: tuple[int, int] = (1, 1)


#: plain words of the "why" lines
WHY_WORDS = {
    "zh": {"holds": "很可能成立", "open": "仍待查明", "ruled_out": "不成立", "if": "如果{a}，{e}", "answer": "回答“{a}”",
           "yes": "是", "no": "否", "sep": "；", "at_least": "至少 {v}", "below": "少于 {v}", "other": "是其他回答", "or": "或",
           "helps": "{t}：这个回答和其他回答一起决定它是否成立",
           "on_or_after": "{v} 或以后", "before": "{v} 以前"},
    "en": {"holds": "is likely", "open": "stays open", "ruled_out": "is ruled out", "if": "if {a}, {e}", "answer": "{a}",
           "yes": "yes", "no": "no", "sep": "; ", "at_least": "at least {v}", "below": "less than {v}", "other": "any other answer", "or": " or ",
           "helps": "{t}: this answer, with others, decides whether it holds",
           "on_or_after": "{v} or later", "before": "before {v}"},
}
#: conclusion kinds, most important to a person first (for choosing the ≤ 3 "why" conclusions)
KIND_RANK = {"right": 0, "liability": 1, "remedy": 2, "offence": 3, "regulatory": 4, "exception": 5}
WHY_MAX = 3


class Interviewer:
    """Chooses questions for one rulebook: relevance from the engine, order from the graph."""

    def __init__(self, engine: Engine, remember: int = CHOICES_KEPT) -> None:
        self.engine = engine
        self.remember = remember
        self.evaluator = Evaluator(engine.book)
        self.public = set(engine.book.public_conclusions())
        #: the conclusions that make a judgement fact likely (``suggests`` in conclusions.yaml)
        self.likely_by = {c: s.suggests for c, s in engine.book.conclusions.items() if s.suggests}
        self.graph: QuestionGraph = engine.book.questions
        self.points = probe_values(engine.book)
        #: the incident date (a date nobody answered is the widest range of the law)
        self.date_facts = (INCIDENT_DATE,)
        self._choices: dict[frozenset[tuple[str, Any]], _Choice | Final] = {}

    def sections(self, lang: str) -> list[tuple[str, str]]:
        """The interview's sections in order: ``(id, title in lang)``."""
        return [(s.id, s.zh if lang == "zh" else s.en) for s in self.graph.sections]

    def effective(self, answers: Answers) -> Answers:
        """The answers with the facts they state by themselves (the graph's ``implied``: a
        relative of a deceased person — the person is deceased; "posted on a platform" — shown
        to others) where the respondent has not answered them."""
        facts = self.engine.book.vocabulary.facts
        # a list fact answered with one value alone (``purpose: fraud``) is the list of it
        values = {k: [v] if isinstance(v, str) and v != DONT_KNOW and k in facts and facts[k].type == "list"
                  else v for k, v in answers.values.items()}
        out = Answers(values, list(answers.order))
        known = out.known()  # an implied fact fills in a "don't know" too
        for fact, value in self.graph.implications(known, known).items():
            out.set(fact, value)
        return out

    def implied(self, answers: Answers, full: Answers | None = None) -> set[str]:
        """The facts of :meth:`effective` the respondent did not state themselves, for a report
        to say "follows from your answers", never "you answered": those the answers imply
        (the graph's ``implied``: also where the answer was "don't know" — "recent years" →
        the incident date "2021.."), an answer the other answers imply by themselves (a case
        file saved with what followed), and an answer to a question put to the respondent's
        role in other words (``by_role``: the deceived asked whether the face moved and talked,
        not whether features were extracted). ``full``: ``effective(answers)`` when the
        caller has it already (it is not computed again)."""
        full = self.effective(answers) if full is None else full
        role = full.values.get(self.graph.role_fact)
        worded = {f for f in answers.known() if (gq := self.graph.question(f)) is not None and role in gq.spec.by_role}
        return self.inferred(answers, full) | worded

    def inferred(self, answers: Answers, full: Answers | None = None) -> set[str]:
        """The facts of :meth:`effective` that follow from the other answers (the graph's
        ``implied``), whether or not the answers also state them (see :meth:`implied`;
        ``full`` as there)."""
        full_values = (self.effective(answers) if full is None else full).values
        out = {f for f, v in full_values.items() if answers.values.get(f, DONT_KNOW) == DONT_KNOW and v != DONT_KNOW}
        for fact in answers.known():
            others = Answers({k: v for k, v in answers.values.items() if k != fact},
                             [k for k in answers.order if k != fact])
            if self.effective(others).values.get(fact, DONT_KNOW) == full_values[fact]:
                out.add(fact)
        return out

    def case(self, answers: Answers) -> Any:
        return self.engine.case(self.effective(answers).case_data("interview"))

    def next_question(self, answers: Answers, lang: str = "zh") -> Question | Final:
        """The next question in the graph's order that the engine finds relevant, or the final
        assessment when none is left.

        Choices are remembered per set of answers (a bounded LRU, ``remember`` entries): "why",
        "back" and a language switch ask again about answers already seen. A server keeps none
        (``remember=0``): it holds nobody's answers."""
        key = frozenset((k, tuple(v) if isinstance(v, list) else v) for k, v in answers.values.items())
        choice = self._choices.pop(key, None) or self._choose(answers)
        if self.remember:
            if len(self._choices) >= self.remember:
                self._choices.pop(next(iter(self._choices)))
            self._choices[key] = choice
        return choice if isinstance(choice, Final) else self._question(choice, answers, lang)

    def _choose(self, answers: Answers) -> _Choice | Final:
        full = self.effective(answers)
        known = self._known(full)
        case = self.engine.case(full.case_data("interview"))
        derivations, _ = self.engine.derive(case)
        declined = {f for f, v in full.values.items() if v == DONT_KNOW}
        settled = all(name in full.values for name in self.date_facts if self.graph.question(name))
        live = frozenset(k for k in derivations.firings if k[0] in self.public
                         and derivations.status(k) == "open" and _possible(derivations, k, declined, settled))
        base = self._run(known)
        signature = self._signature(base, live)
        pending = [q for q in self.graph.questions if q.fact not in full.values and not q.spec.offered_by]
        pre = {q.fact: self.graph.precondition(q, known) for q in pending}
        gated_by = {q.fact: [r for r in pending if q.fact in gate_facts(r)] for q in pending}
        runs: dict[str, list[tuple[Any, Run]]] = {}
        relevant: dict[str, bool] = {}

        def is_relevant(fact: str) -> bool:
            if fact not in relevant:
                runs[fact] = self._runs(fact, known, base, full.values)
                relevant[fact] = any(self._signature(r, live) != signature for _, r in runs[fact])
            return relevant[fact]

        def needed(q: GraphQuestion, seen: frozenset[str]) -> bool:
            """Relevant itself, or the gate of a needed question still waiting on it."""
            return is_relevant(q.fact) or any(
                r.fact not in seen and pre[r.fact] is UNKNOWN and needed(r, seen | {q.fact})
                for r in gated_by[q.fact])

        for q in pending:
            if pre[q.fact] is TRUE and (q.spec.always or needed(q, frozenset())):
                is_relevant(q.fact)
                return _Choice(q.fact, self._why(q.fact, base, runs[q.fact]),
                               *self._remaining(q, pending, pre, base, live))
        return Final(self.engine.assess(case), full)

    def _remaining(self, asked: GraphQuestion, pending: list[GraphQuestion], pre: dict[str, Any],
                   base: Run, live: frozenset[Key]) -> tuple[tuple[int, int], tuple[int, int]]:
        """Questions left, this one included, in the whole interview and in ``asked``'s section,
        estimated from what the open conclusions that can still hold need (the relevance
        engine's needs): at most those needed facts whose questions may still open, with their
        gates; at least those already open."""
        needs = {f for k, (v, n) in base.status.items() if v is UNKNOWN and k in live for f in n}
        wanted = {q.fact for q in pending if q.fact in needs and pre[q.fact] is not FALSE}
        for q in pending:
            if q.fact in wanted and pre[q.fact] is UNKNOWN:
                wanted |= {g for g in gate_facts(q) if g in pre and pre[g] is not FALSE}
        wanted.add(asked.fact)

        def bounds(facts: set[str]) -> tuple[int, int]:
            low = len([f for f in facts if pre[f] is TRUE])
            return max(1, low), max(1, low, len(facts))
        here = {q.fact for q in pending if q.fact in wanted and q.section_index == asked.section_index}
        return bounds(wanted), bounds(here)

    def _question(self, choice: _Choice, answers: Answers, lang: str) -> Question:
        known = {**self.effective(answers).known()}
        gq = self.graph.question(choice.fact)
        assert gq is not None
        spec = self.engine.book.vocabulary.spec(choice.fact)
        text = self.graph.text(gq, known, lang)
        help_ = self.graph.help(gq, known, lang)
        extra = [e for e in self.engine.book.vocabulary.explanations(text + help_, lang)]
        if extra:
            help_ = " ".join([help_, *extra])
        why = [self._reason(item, spec, lang) for item in choice.why]
        lines = [self._why_line(r, lang) for r in why] or [help_]
        return Question(choice.fact, spec, text, help_, why, self.graph.sections[gq.section_index - 1].id,
                        self.graph.section_title(gq.section_index, lang), gq.section_index,
                        len(self.graph.sections), choice.remaining, lines, choice.section_remaining,
                        self.graph.periods(choice.fact, lang))

    # --- why -------------------------------------------------------------------------------
    def _runs(self, fact: str, known: dict[str, Any], base: Run, answered: dict[str, Any]) -> list[tuple[Any, Run]]:
        """A run per probe value of ``fact``, with the facts that value implies (the graph's
        ``implied``: "posted on a platform" → shown to others …)."""
        out = []
        for value in self.points.get(fact, ()):
            implied = self.graph.implications({**known, fact: value}, {**known, fact: value})
            extra = {k: v for k, v in implied.items() if k not in known and k != fact}
            out.append((value, self._run({**known, fact: value, **extra}, base, {fact, *extra})))
        return out

    def _why(self, fact: str, base: Run, runs: list[tuple[Any, Run]]) -> tuple[Any, ...]:
        """The ≤ 3 public conclusions whose status most depends on this answer: those some answer
        makes hold first (by kind: rights, liability, remedies, offences…), with the outcome of
        each probed answer."""
        book = self.engine.book
        keys = sorted({k for _, r in runs for k in r.status} | set(base.status))
        scored = []
        for key in keys:
            if key[0] not in self.public:
                continue
            effects = [(value, _effect(r, key)) for value, r in runs]
            if len({e for _, e in effects}) < 2:
                continue
            kind = book.conclusions[key[0]].kind
            holds_somewhere = any(e == "holds" for _, e in effects)
            scored.append(((KIND_RANK.get(kind, 9), not holds_somewhere, key), key, effects))
        if not scored:  # no single answer settles anything yet: the open conclusions it feeds
            scored = [((KIND_RANK.get(book.conclusions[k[0]].kind, 9), True, k), k, [])
                      for k, (v, needs) in base.status.items()
                      if k[0] in self.public and v is UNKNOWN and fact in needs]
        out = []
        for _, key, effects in sorted(scored)[:WHY_MAX]:
            concl, party = key
            provisions = self._provisions(concl, party, [r for _, r in runs])
            out.append((concl, party, tuple(provisions), tuple((_hashable(v), e) for v, e in effects)))
        return tuple(out)

    def _provisions(self, concl: str, party: str, runs: list[Run]) -> list[str]:
        """The provisions of the rules that conclude ``concl`` under some probed answer."""
        found: list[str] = []
        for rule in self.engine.book.rules_for(concl):
            if any((r.result((rule.id, party)) or r.result((rule.id, NONE_PARTY)) or (FALSE,))[0]
                   is not FALSE for r in runs):
                found += [p for p in rule.spec.provisions if p not in found]
        return found[:3]

    def _reason(self, item: tuple[Any, ...], spec: FactSpec, lang: str) -> Reason:
        concl, party, provisions, effects = item
        title = self.engine.book.conclusions[concl]
        name = title.zh if lang == "zh" else title.en
        if party and party != NONE_PARTY:
            name += f"（{self.engine.book.party_name(party, lang)}）" if lang == "zh" else f" ({self.engine.book.party_name(party, lang)})"
        outcomes = _outcomes(spec, list(effects), lang)
        return Reason(concl, None if party == NONE_PARTY else party, list(provisions), name, outcomes)

    def _why_line(self, reason: Reason, lang: str) -> str:
        w = WHY_WORDS[lang]
        if not reason.outcomes:
            cites = self.engine.book.catalogue.cite(reason.provisions, lang)
            return w["helps"].format(t=reason.title) + (f" — {cites}" if cites else "")
        parts = w["sep"].join(
            w["if"].format(a=a if a == w["other"] else w["answer"].format(a=a),
                           e=f"{reason.title} {w[e]}" if lang == "en" else f"{reason.title}{w[e]}")
            for a, e in reason.outcomes)
        cites = self.engine.book.catalogue.cite(reason.provisions, lang)
        return f"{parts} — {cites}" if cites else parts

    def _signature(self, run: Run, live: frozenset[Key]) -> tuple[frozenset[Any], frozenset[Any]]:
        """What holds, and which of the ``live`` conclusions (open, and still able to come to
        hold whatever the user said they do not know) are open, needing what (public
        conclusions only) — and which judgements observable answers make likely (the
        ``suggests`` conclusions: an answer that indicates serious distress is worth asking)."""
        holds = frozenset(k for k, (v, _) in run.status.items()
                          if v is TRUE and (k[0] in self.public or k[0] in self.likely_by))
        open_ = frozenset((k, n) for k, (v, n) in run.status.items() if v is UNKNOWN and k in live)
        return holds, open_

    def _run(self, known: dict[str, Any], base: Run | None = None, changed: set[str] | None = None) -> Run:
        facts = {k: v for k, v in known.items() if k != INCIDENT_DATE}
        return self.evaluator.run(facts, known.get(INCIDENT_DATE), base, changed)

    def _known(self, answers: Answers) -> dict[str, Any]:
        """The known answers for direct evaluation (dates as answered: a day or a range; an
        unknown incident date is the widest range, evaluated per segment of the law)."""
        return answers.known()


def _effect(run: Run, key: tuple[str, str]) -> str:
    value = run.status.get(key, (FALSE, None))[0]
    return "holds" if value is TRUE else "open" if value is UNKNOWN else "ruled_out"


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _outcomes(spec: FactSpec, effects: list[tuple[Any, str]], lang: str) -> list[tuple[str, str]]:
    """Each answer's label and effect; numbers and dates as ranges between the points where the
    effect changes (``at least 5,000`` …), other answers one by one when their effects differ."""
    w = WHY_WORDS[lang]
    if spec.type in ("int", "number", "date"):
        out: list[tuple[str, str]] = []
        ordered = sorted(effects, key=lambda ve: ve[0])
        for i, (value, effect) in enumerate(ordered):
            if i == 0:
                continue
            if effect != ordered[i - 1][1]:
                shown = value.isoformat() if hasattr(value, "isoformat") else f"{value:,}"
                if not out:
                    key = "before" if spec.type == "date" else "below"
                    out.append((w[key].format(v=shown), ordered[i - 1][1]))
                key = "on_or_after" if spec.type == "date" else "at_least"
                out.append((w[key].format(v=shown), effect))
        return out[:3]
    if spec.type == "list" and len(spec.values) > 3:  # each purpose by itself; no long combination
        effects = [(v, e) for v, e in effects if len(v) == 1] or effects
    groups: dict[str, list[str]] = {}
    for value, effect in effects:
        if spec.type == "bool":
            label = w["yes"] if value else w["no"]
        elif spec.type == "list":
            label = "+".join(spec.choice(v, lang) for v in value)
        else:
            label = spec.choice(value, lang)
        groups.setdefault(effect, []).append(label)
    if all(len(names) == 1 for names in groups.values()):  # each answer its own effect: in order
        return [(names[0], effect) for effect, names in groups.items()][:3]
    order = sorted(groups, key=lambda e: len(groups[e]))  # the smallest groups named, the largest "otherwise"
    out = []
    for i, effect in enumerate(order):
        names = groups[effect]
        last = i == len(order) - 1 and len(names) > 2
        out.append((w["other"] if last else w["or"].join(names[:3]), effect))
    return out


@functools.cache
def interviewer_for(engine: Engine) -> Interviewer:
    """The one interviewer of a loaded engine for the terminal questionnaire, remembering its
    choices across sessions of one process (the web server keeps its own, remembering none)."""
    return Interviewer(engine)


def _possible(derivations: Derivations, key: Key, declined: set[str], settled: bool) -> bool:
    """Whether an open conclusion can still come to hold. For a case whose dates are ranges
    the respondent has ``settled`` (answered as well as they can), it must be able to hold on
    every possible date (in every segment of the law), since it holds only when it holds in
    all of them; while a date is still to be asked, on some date."""
    parts = [s.derivations for s in derivations.segments] if isinstance(derivations, Spanned) else [derivations]
    results = [d.status(key) != "absent" and (d.status(key) == "holds" or not _blocked(d, key, declined, frozenset()))
               for d in parts]
    return all(results) if settled else any(results)


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
