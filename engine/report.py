"""The report for a person: the answer first, the plan of action, rights, who is responsible,
what can be demanded, possible offences, what is uncertain, why, and the law cited.

Built from one case's :class:`~faceright.assessment.Assessment` (and the firings behind it),
its facts and the rulebook's data (``conclusions.yaml`` for titles, party names and order;
``guidance.yaml`` for words, sentences and steps; ``facts.yaml`` for the questions). Every front
end renders this one model (:mod:`faceright.report_render`); nothing here names a fact, a
conclusion or a party of the rule base.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .assessment import Key, OpenItem
from .compiler import NO_PARTY
from .conditions import SAME, All, Any_, Cond, Not, Ref, Test
from .dates import DateRange, date_words
from .evaluate import Engine
from .guidance import Guidance, Perspective, Situation
from .kleene import FALSE, NOTHING, TRUE, UNKNOWN, Result, evaluate
from .punctuation import colon, paren
from .relevance import NONE_PARTY, Evaluator
from .vocabulary import INCIDENT_DATE

#: how many questions the report proposes
QUESTIONS = 3
#: kinds of conclusion, in the order the report treats them (rights before what depends on them)
RIGHTS = ("right",)
LIABILITY = ("liability",)
REMEDIES = ("remedy",)
#: the kinds of a civil claim (what the later-law sentence of an inexact date names)
CIVIL_KINDS = (*RIGHTS, *LIABILITY, *REMEDIES)
BREACHES = ("offence", "regulatory")


@dataclass(frozen=True)
class Item:
    """One conclusion in the report: for whom, whether it holds, and what it rests on."""

    id: str
    title: str
    parties: list[str]            #: on-screen party names (empty: no party)
    status: str                   #: ``holds``, ``likely``, ``authorities`` (open only on what the
    #:                               person cannot know) or ``open``
    provisions: list[str]
    notes: list[str] = field(default_factory=list)
    depends: list[str] = field(default_factory=list)  #: questions that decide it (open items)
    report_to: str | None = None


@dataclass(frozen=True)
class PartyBlock:
    """One responsible party, once, with everything that concerns it."""

    party: str
    name: str
    items: list[str]      #: titles of what holds against it (rights infringed, liability, offences)
    demands: list[str]    #: titles of the remedies that can be claimed from it
    notes: list[str] = field(default_factory=list)
    #: titles of what would hold against it were a court to make the judgements only it makes
    #: (e.g. that the notice was valid) in the person's favour: a possible respondent
    possible: list[str] = field(default_factory=list)
    #: those judgements, in words (``guidance.yaml`` ``court_decides``)
    conditions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    text: str
    basis: str            #: the provisions, cited as a letter cites them
    provisions: list[str]


@dataclass(frozen=True)
class Question:
    fact: str
    text: str
    settles: int


@dataclass(frozen=True)
class Reason:
    """Why one conclusion holds: the answers and the conclusions it rests on, in words."""

    title: str
    grounds: list[str]


@dataclass(frozen=True)
class Law:
    id: str
    label: str            #: by law and article
    text_zh: str | None
    summary_en: str
    verified: bool
    source: str
    url: str | None


@dataclass(frozen=True)
class Report:
    """Everything a person is shown about one case, in one language."""

    lang: str
    case: str
    title: str | None             #: the case's title in ``lang`` (:func:`case_title`); None: none
    law_as_of: str | None
    rules_version: str
    date_note: str | None         #: when the incident date is not exact: what that changes
    summary: list[str]
    steps: list[Step]
    rights: list[Item]
    parties: list[PartyBlock]
    breaches: list[Item]
    uncertain: list[Item]
    questions: list[Question]
    why: list[Reason]
    law: list[Law]
    words: dict[str, str]
    #: whose report it is when the respondent is not the person shown (guidance ``perspectives``)
    perspective: str | None = None
    #: the respondent's own situation under that perspective, reported first (its ``own`` order)
    own: list[Item] = field(default_factory=list)
    #: the policy parameters (numbers the law leaves open) the conclusions relied on, each as
    #: ``label: value unit``; shown once near the end, never on the lines they qualify
    policies: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the additive ``report`` key of ``assess --report``)."""
        data = asdict(self)
        del data["words"]
        return data


_HAN = re.compile(r"[\u3400-\u9fff]")


def case_title(case: Any, lang: str) -> str | None:
    """The title a report in ``lang`` shows for ``case`` (never its id): in Chinese its
    ``title_zh``, else its ``title`` if written in Chinese; in English its ``title`` unless that
    is written in Chinese. None when it has no title in that language."""
    title, title_zh = getattr(case, "title", None), getattr(case, "title_zh", None)
    if lang == "zh":
        return title_zh or (title if title and _HAN.search(title) else None)
    return title if title and not _HAN.search(title) else None


def answer_text(engine: Engine, fact: str, value: Any, lang: str) -> str:
    """A fact's value as words: the choice's name, yes / no, a number or a date."""
    words = engine.book.guidance.words[lang]
    spec = engine.book.vocabulary.spec(fact)
    if isinstance(value, bool):
        return str(words.yes if value else words.no)
    if spec.type == "enum":
        return spec.choice(str(value), lang)
    if spec.type == "list":
        return ("、" if lang == "zh" else ", ").join(spec.choice(v, lang) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, DateRange) and value.now:  # the fact's own word for "until today"
        native = [w for w in spec.now_words if not w.isascii()]
        return native[0] if lang == "zh" and native else value.now.replace("_", " ")
    if isinstance(value, DateRange):
        return date_words(value, lang)
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def question_text(engine: Engine, fact: str, lang: str) -> str:
    spec = engine.book.vocabulary.spec(fact)
    return spec.zh if lang == "zh" else spec.en


class _Builder:
    def __init__(self, engine: Engine, case: Any, lang: str, as_of: dt.date | None,
                 implied: Collection[str] = ()) -> None:
        self.engine, self.book, self.lang = engine, engine.book, lang
        #: facts that follow from the person's answers (the interview's ``implied``), not answered
        self.implied = frozenset(implied)
        self.guidance: Guidance = engine.book.guidance
        self.assessment, self.derivations = engine.evaluate(case, as_of)
        self.facts = engine.facts_of(case)
        law_day = as_of or case.incident_date
        self.known = {**self.facts, **({INCIDENT_DATE: law_day} if law_day is not None else {})}
        # what conditions are evaluated on: a date known only as a range (a year, a month…)
        # is unknown there, the exact law date of the assessment stands for the incident date
        types = {name: spec.type for name, spec in self.book.vocabulary.facts.items()}
        self.exact = {k: v for k, v in self.known.items()
                      if k != INCIDENT_DATE and (types.get(k) != "date" or isinstance(v, dt.date))}
        if self.assessment.law_as_of:
            self.exact[INCIDENT_DATE] = dt.date.fromisoformat(self.assessment.law_as_of)
        self.case, self.as_of = case, as_of
        self.order = {cid: i for i, cid in enumerate(self.book.conclusions)}
        self.party_order = {p: i for i, p in enumerate(self.book.parties)}
        #: the keys :meth:`only_unknowable` finds, computed once (shared by :meth:`in_lang` copies)
        self._authorities: dict[str, set[tuple[str, str]]] = {}
        #: whether guidance ``deferred`` applies to this case (its condition on the known facts)
        self.deferring = (self.guidance.deferred_when is not None
                          and Situation(self.exact, {}).applies(self.guidance.deferred_when))
        #: whose report it is (the first guidance perspective whose condition holds on the facts)
        self.perspective: Perspective | None = next(
            (p for p in self.guidance.perspectives if Situation(self.exact, {}).applies(p.cond)), None)
        self.words = self.words_in(lang)

    def words_in(self, lang: str) -> dict[str, str]:
        words: dict[str, str] = self.guidance.words[lang].model_dump()
        if self.perspective is not None:
            words.update(self.perspective.texts[lang].words)
        return words

    def in_lang(self, lang: str) -> _Builder:
        """The same case's builder in another language: the evaluation and the bounds are
        language-free, so they are shared, not run again."""
        other = copy.copy(self)
        other.lang, other.words = lang, self.words_in(lang)
        return other

    # --- status of each conclusion ---------------------------------------------------------

    def only_unknowable(self, key: Key) -> bool:
        """Whether an open conclusion would hold were the facts the person cannot know (still
        unknown) to turn out against the infringer: the upper bound of :class:`_Bounds`: every
        other unknown fact left unknown."""
        if "upper" not in self._authorities:
            self._authorities["upper"] = self._upper()
        return (key[0], key[1] if key[1] != NO_PARTY else NONE_PARTY) in self._authorities["upper"]

    def _upper(self) -> set[tuple[str, str]]:
        """The upper bound over the days the case's dates may have been: on each segment of a
        range (its days known, as the engine ran it), so that a date known to a month is not
        read as any day at all; one evaluation for an exact date, and for a missing one (any day,
        each period test presumed: cheaper than every segment since 1987, and never narrower)."""
        known_range = not self.assessment.law_as_of and (self.as_of or self.case.incident_date) is not None
        span = self.engine.span(self.case, self.as_of) if known_range else None
        if span is None:  # an exact date, or none at all (any day: every law presumed, as before)
            facts = {k: v for k, v in self.exact.items() if k != INCIDENT_DATE}
            return bounds(self.engine).upper(facts, self.exact.get(INCIDENT_DATE))
        out: set[tuple[str, str]] = set()
        for _place, days in span.segments(self.engine.calendar.cuts):
            known = {k: v for k, v in self.exact.items() if k != INCIDENT_DATE}
            known.update({name: first for name, (first, _) in days.items()})
            law_day = known.pop(INCIDENT_DATE, span.exact)
            out |= bounds(self.engine).upper(known, law_day)
        return out

    def later_law(self) -> list[str]:
        """When the incident date is a range and some conclusions are open on it: the titles
        of those that would hold under the law of its last possible day (the law in force now,
        for an unknown date), each once, in the rulebook's order; else empty."""
        period = self.assessment.incident_period
        waiting = {(o.id, o.party) for o in self.assessment.open if INCIDENT_DATE in o.needs
                   and self.kind(o.id) in CIVIL_KINDS}
        if period is None or not waiting:
            return []
        last = self.engine.assess(self.case, as_of=dt.date.fromisoformat(period["to"]))
        found = {c.id for c in last.conclusions if (c.id, c.party) in waiting}
        return [self.title(cid) for cid in sorted(found, key=lambda c: self.order[c])]

    def possible(self) -> dict[tuple[str, str], list[str]]:
        """The open liabilities against a party that would hold were a court to make the
        judgements only it makes (``guidance.yaml`` ``court_decides``) in the person's favour
        (and what only the authorities can establish to turn out against the infringer), not
        on those alone without them: (conclusion, party) → those judgement facts among what it
        needs, in ``court_decides`` order."""
        if "court" not in self._authorities:
            facts = {k: v for k, v in self.exact.items() if k != INCIDENT_DATE}
            self._authorities["court"] = bounds(self.engine, True).upper(facts, self.exact.get(INCIDENT_DATE))
        court = self.guidance.court_decides
        out: dict[tuple[str, str], list[str]] = {}
        for o in self.assessment.open:
            if not o.party or self.kind(o.id) not in LIABILITY:
                continue
            if (o.id, o.party) in self._authorities["court"] and not self.only_unknowable((o.id, o.party)):
                needed = [f for f in court if f in o.needs]
                if needed:
                    out[(o.id, o.party)] = needed
        return out

    def court_condition(self, facts: list[str]) -> str:
        """The judgements ``facts`` as one phrase (``court_decides`` texts)."""
        texts = [getattr(self.guidance.court_decides[f], self.lang) for f in facts]
        return ("；" if self.lang == "zh" else "; ").join(texts)

    def situation(self) -> Situation:
        status: dict[tuple[str, str | None], Result] = {}
        for c in self.assessment.conclusions:
            status[(c.id, c.party)] = (TRUE, NOTHING)
        for o in self.assessment.open:
            key = (o.id, o.party or NO_PARTY)
            value = TRUE if self.only_unknowable(key) else UNKNOWN
            status[(o.id, o.party)] = (value, NOTHING if value is TRUE else frozenset(o.needs))
        return Situation(self.exact, status)

    # --- pieces ------------------------------------------------------------------------------

    def title(self, cid: str) -> str:
        """The conclusion's title, or the first of guidance ``titles`` for it whose condition
        holds on the case's facts (e.g. a deceased person's portrait: the relatives' claim)."""
        for t in self.guidance.titles:
            if t.conclusion == cid and Situation(self.exact, {}).applies(t.cond):
                return t.texts[self.lang]
        spec = self.book.conclusions[cid]
        return spec.zh if self.lang == "zh" else spec.en

    def kind(self, cid: str) -> str:
        return self.book.conclusions[cid].kind

    def party(self, party: str | None) -> str:
        return self.book.party_name(party, self.lang) if party else ""

    def report_to(self, cid: str) -> str:
        texts = self.guidance.report_to
        chosen = texts.get(cid) or texts["default"]
        return chosen.zh if self.lang == "zh" else chosen.en

    def sort_key(self, cid: str, party: str | None) -> tuple[int, int]:
        return self.order[cid], self.party_order.get(party or "", -1)

    def deferred(self, o: OpenItem) -> bool:
        """Whether an open item waits only on facts nobody can know yet (guidance ``deferred``)
        and on what only the authorities can establish."""
        g = self.guidance
        return (self.deferring and bool(o.needs)
                and set(o.needs) <= g.deferred_facts | g.unknowable
                and bool(set(o.needs) & g.deferred_facts))

    def open_status(self, o: OpenItem) -> str:
        if getattr(o, "likely", None):
            return "likely"
        return "authorities" if self.only_unknowable((o.id, o.party or NO_PARTY)) else "open"

    def items(self, kinds: tuple[str, ...], with_open: str) -> list[Item]:
        """Conclusions of ``kinds``, each id once with its parties, in rulebook order; open ones
        too when ``with_open`` is ``all``, or only those the authorities can settle."""
        groups: dict[tuple[str, str], list[Any]] = {}
        for c in sorted(self.assessment.conclusions, key=lambda c: self.sort_key(c.id, c.party)):
            if self.kind(c.id) in kinds:
                groups.setdefault((c.id, "holds"), []).append(c)
        for o in sorted(self.assessment.open, key=lambda o: self.sort_key(o.id, o.party)):
            if self.kind(o.id) not in kinds or any(c.id == o.id and c.party == o.party
                                                  for c in self.assessment.conclusions):
                continue
            status = self.open_status(o)
            if status == "authorities" and self.kind(o.id) not in BREACHES:
                status = "open"  # only a breach is for the authorities to establish
            if status == "open" and self.deferred(o):
                status = "deferred"
            if with_open == "all" or status in ("authorities", "likely"):
                if not any(k[0] == o.id and k[1] == "holds" for k in groups):
                    groups.setdefault((o.id, status), []).append(o)
        out = []
        for (cid, status), members in sorted(groups.items(), key=lambda kv: (self.order[kv[0][0]], kv[0][1])):
            parties = [self.party(m.party) for m in members if m.party]
            provisions = sorted({p for m in members for p in m.provisions})
            depends: list[str] = []
            notes: list[str] = []
            if status != "holds":
                needs = sorted({f for m in members for f in m.needs}, key=self.fact_rank)
                depends = [question_text(self.engine, f, self.lang) for f in needs
                           if f not in self.guidance.unknowable][:QUESTIONS]
                for m in members:
                    notes += [self.indicator(i) for i in getattr(m, "indicators", None) or []]
            else:
                notes = self.notes(members)
            out.append(Item(cid, self.title(cid), parties, status, provisions, notes, depends,
                            self.report_to(cid) if self.kind(cid) in BREACHES else None))
        return out

    def indicator(self, shown: str) -> str:
        """An indicator (``fact = value``, as the assessment lists them) in words."""
        fact = shown.split(" = ", 1)[0]
        value = self.known.get(fact)
        if value is None:
            return question_text(self.engine, fact, self.lang)
        return f"{question_text(self.engine, fact, self.lang)} {answer_text(self.engine, fact, value, self.lang)}"

    def fact_rank(self, fact: str) -> tuple[int, str]:
        names = [INCIDENT_DATE, *self.book.vocabulary.facts]
        return (names.index(fact) if fact in names else len(names), fact)

    def notes(self, members: list[Any]) -> list[str]:
        w = self.words
        out: list[str] = []
        for c in members:
            if c.scope == "expanded_damage":
                out.append(w["expanded_damage"])
            elif c.scope == "all":
                out.append(w["all_damage"])
            if c.contested:
                out.append(w["contested"])
        return list(dict.fromkeys(out))

    def policies(self) -> list[str]:
        """The policy parameters the conclusions that hold relied on, in words, each once in
        the rulebook's order of policies."""
        used = {name: value for c in self.assessment.conclusions for name, value in (c.policies_used or {}).items()}
        return [_policy_note(self.book.policies[name], used[name], self.lang)
                for name in self.book.policies if name in used]

    def parties(self) -> list[PartyBlock]:
        concerning: dict[str, list[str]] = {}
        demands: dict[str, list[str]] = {}
        notes: dict[str, list[str]] = {}
        for c in sorted(self.assessment.conclusions, key=lambda c: self.sort_key(c.id, c.party)):
            who = c.party or ""
            kind = self.kind(c.id)
            if kind in REMEDIES:
                demands.setdefault(who, []).append(self.title(c.id))
            elif kind in (*RIGHTS, *LIABILITY, *BREACHES):
                concerning.setdefault(who, []).append(self.title(c.id))
                notes.setdefault(who, []).extend(self.notes([c]))
        blocks = []
        for who in sorted(set(concerning) | set(demands), key=lambda p: self.party_order.get(p, len(self.party_order))):
            name = self.party(who) if who else self.words["others"]
            blocks.append(PartyBlock(who, name, concerning.get(who, []), demands.get(who, []),
                                     list(dict.fromkeys(notes.get(who, [])))))
        possible: dict[str, list[tuple[str, list[str]]]] = {}
        for (cid, who), facts in sorted(self.possible().items(), key=lambda kv: self.sort_key(*kv[0])):
            possible.setdefault(who, []).append((self.title(cid), facts))
        for who, found in possible.items():
            titles = [t for t, _ in found if t not in next((b.items for b in blocks if b.party == who), [])]
            if not titles:
                continue
            conditions = list(dict.fromkeys(self.court_condition(f) for _, f in found))
            for i, block in enumerate(blocks):
                if block.party == who:
                    blocks[i] = replace(block, possible=titles, conditions=conditions)
                    break
            else:
                blocks.append(PartyBlock(who, self.party(who), [], [], [], titles, conditions))
        return sorted(blocks, key=lambda b: self.party_order.get(b.party, len(self.party_order)))

    def questions(self) -> list[Question]:
        counts: Counter[str] = Counter()
        for o in self.assessment.open:
            for fact in o.needs:
                if fact not in self.guidance.unknowable:
                    counts[fact] += 1
        ranked = sorted(counts, key=lambda f: (-counts[f], self.fact_rank(f)))[:QUESTIONS]
        return [Question(f, question_text(self.engine, f, self.lang), counts[f]) for f in ranked]

    def steps(self, situation: Situation) -> list[Step]:
        out = []
        overrides = self.perspective.texts[self.lang].steps if self.perspective else {}
        for step in self.guidance.steps:
            if situation.applies(step.cond):
                text = overrides.get(step.id) or step.texts[self.lang]
                basis = list(dict.fromkeys([*step.basis, *self.cited(step, situation)]))
                out.append(Step(step.id, text.title, text.text, self.book.catalogue.cite(basis, self.lang), basis))
        return out

    def cited(self, step: Any, situation: Situation) -> list[str]:
        """The provisions of a step's ``cite`` entries whose conclusion applies here (holds, or
        is open only on what the person cannot know): the entry's basis, or the provisions the
        conclusion rests on in this case."""
        out: list[str] = []
        for cite in step.cites:
            if (situation.lookup(Ref(cite.concl, None, False))[0] is not TRUE
                    and (cite.cond is None or not situation.applies(cite.cond))):
                continue
            if cite.basis:
                out += cite.basis
                continue
            # the provisions of the rules that concluded it; an open item lists every rule that
            # might, so its provisions are cited only where nothing else would be
            found = [c.provisions for c in self.assessment.conclusions if c.id == cite.concl]
            if not found and not step.basis and not out and cite is step.cites[-1]:
                found = [o.provisions for o in self.assessment.open if o.id == cite.concl]
            out += _ordered(sorted({p for ps in found for p in ps}))
        return out

    def why(self) -> list[Reason]:
        out = []
        seen: set[str] = set()
        for c in sorted(self.assessment.conclusions, key=lambda c: self.sort_key(c.id, c.party)):
            grounds: list[str] = []
            for entry in c.because:
                if " = " in entry:
                    fact = entry.split(" = ", 1)[0]
                    if fact in self.known:
                        said = self.words["follows" if fact in self.implied else "you_answered"]
                        grounds.append(f"{question_text(self.engine, fact, self.lang)} — "
                                       f"{said}{colon(self.lang)}"
                                       f"{answer_text(self.engine, fact, self.known[fact], self.lang)}")
                else:
                    cid, _, party = entry.partition("@")
                    grounds.append(self.title(cid) + (paren(self.party(party), self.lang) if party else ""))
            label = self.title(c.id) + (f" — {self.party(c.party)}" if c.party else "")
            if label not in seen:
                seen.add(label)
                out.append(Reason(label, grounds))
        return out

    def law(self, pids: list[str]) -> list[Law]:
        out = []
        for pid in dict.fromkeys(pids):
            prov = self.book.catalogue.get(pid)
            out.append(Law(pid, self.book.catalogue.cite([pid], self.lang), prov.text_zh, prov.summary_en,
                           prov.verified, prov.source, source_url(prov.source, prov.cross_checked_against)))
        return out

    def own(self) -> list[Item]:
        """The respondent's own conclusions under the perspective, in its ``own`` order."""
        if self.perspective is None:
            return []
        order = {cid: i for i, cid in enumerate(self.perspective.own)}
        mine = [i for i in self.items((*RIGHTS, *LIABILITY, *REMEDIES, *BREACHES), "all") if i.id in order]
        return sorted(mine, key=lambda i: order[i.id])

    def perspective_summary(self, situation: Situation, rights: list[Item], parties: list[PartyBlock],
                            steps: list[Step]) -> list[str]:
        """The answer first for a respondent who is not the person shown: the perspective's
        sentences on their own situation, the first step, then what the person shown may claim."""
        assert self.perspective is not None
        s: dict[str, str] = {**self.guidance.summary[self.lang].model_dump(),
                             **self.perspective.texts[self.lang].summary}
        sep = "、" if self.lang == "zh" else ", "
        out = []
        for lead in self.perspective.lead:
            if situation.applies(lead.cond) and all(f in self.known for f in lead.facts):
                out.append(lead.texts[self.lang].format(
                    **{f: answer_text(self.engine, f, self.known[f], self.lang) for f in lead.facts}))
        if steps:
            out.append(s["first"].format(step=steps[0].title))
        held = list(dict.fromkeys(r.title for r in rights if r.status == "holds"))
        demands = list(dict.fromkeys(d for p in parties for d in p.demands))
        if held and "also" in s:
            out.append(s["also"].format(rights=sep.join(held), demands=sep.join(demands) or "—"))
        return out

    def summary(self, rights: list[Item], parties: list[PartyBlock], breaches: list[Item],
                steps: list[Step], uncertain: list[Item]) -> list[str]:
        s = self.guidance.summary[self.lang].model_dump()
        sep = "、" if self.lang == "zh" else ", "
        out = []
        held = list(dict.fromkeys(r.title for r in rights if r.status == "holds"))
        maybe = list(dict.fromkeys(r.title for r in rights if r.status != "holds"))
        if held:
            out.append(s["rights"].format(rights=sep.join(held)))
        elif maybe:
            qs = [q.text for q in self.questions()][:2]
            out.append(s["rights_open"].format(rights=sep.join(maybe), questions=" ".join(qs)))
        else:
            out.append(s["no_rights"])
        names = [p.name for p in parties if p.items or p.demands]
        names += [f"{p.name}（{self.words['possibly']}）" if self.lang == "zh" else f"{p.name} ({self.words['possibly']})"
                  for p in parties if p.possible and not (p.items or p.demands)]
        if names:
            out.append(s["responsible"].format(parties=sep.join(names)))
        demands = list(dict.fromkeys(d for p in parties for d in p.demands))
        if demands:
            out.append(s["demands"].format(demands=sep.join(demands)))
        # an offence (reported to the police) and a regulatory breach (to the regulator) are
        # told apart: a breach of an administrative duty is not an offence
        offences = [b for b in breaches if self.kind(b.id) == "offence"]
        duties = [b for b in breaches if self.kind(b.id) != "offence"]
        if offences:
            out.append(s["offences"].format(offences=sep.join(dict.fromkeys(b.title for b in offences[:3])),
                                            report_to=offences[0].report_to or ""))
        if duties:
            out.append(s["breaches"].format(breaches=sep.join(dict.fromkeys(b.title for b in duties[:3])),
                                            report_to=duties[0].report_to or ""))
        if steps:
            out.append(s["first"].format(step=steps[0].title))
        return out

    def build(self) -> Report:
        situation = self.situation()
        rights = self.items(RIGHTS, "all")
        parties = self.parties()
        breaches = self.items(BREACHES, "authorities")
        steps = self.steps(situation)
        shown = {i.id for i in rights + breaches} | {cid for cid, _ in self.possible()}
        uncertain = [i for i in self.items((*RIGHTS, *LIABILITY, *REMEDIES, *BREACHES), "all")
                     if i.status != "holds" and i.id not in shown]
        cited = [p for c in sorted(self.assessment.conclusions, key=lambda c: self.sort_key(c.id, c.party))
                 for p in _ordered(c.provisions)]
        cited += [p for b in breaches for p in b.provisions] + [p for st in steps for p in st.provisions]
        own = self.own()
        summary = (self.perspective_summary(situation, rights, parties, steps) if self.perspective
                   else self.summary(rights, parties, breaches, steps, uncertain))
        mine = {i.id for i in own}
        return Report(self.lang, self.assessment.case, case_title(self.case, self.lang),
                      self.assessment.law_as_of, self.assessment.rules_version,
                      date_note(self.engine, self.assessment, self.lang, self.later_law()),
                      summary, steps, rights, parties, breaches,
                      [i for i in uncertain if i.id not in mine], self.questions(), self.why(),
                      self.law(cited), self.words, self.perspective.id if self.perspective else None, own,
                      self.policies())


def _ordered(pids: list[str]) -> list[str]:
    """Provisions in the order of their numbers within a law (``civil-code-179`` before ``-995``)."""
    def key(pid: str) -> tuple[str, list[int]]:
        head = re.sub(r"[-\d]+$", "", pid)
        return head, [int(n) for n in re.findall(r"\d+", pid[len(head):])]
    return sorted(pids, key=key)


_GITHUB = re.compile(r"^([\w.-]+/[\w.-]+) \(GitHub\) @ ([0-9a-f]{40}), path (\S.*?)(?: \(|$)")
_URL = re.compile(r"https?://[^\s,;)\"']+")


def source_url(source: str, cross_checked: str | None = None) -> str | None:
    """A link to where a provision's text was read: the stored repository file at its commit,
    or the first web address the catalogue gives (None when it gives none)."""
    match = _GITHUB.match(source)
    if match:
        repo, commit, path = match.groups()
        return f"https://github.com/{repo}/blob/{commit}/{path.strip()}"
    for text in (source, cross_checked or ""):
        url = _URL.search(text)
        if url:
            return url.group(0)
    return None


def _rewrite(cond: Cond, unknowable: frozenset[str], helps: bool, negated: bool = False) -> Cond:
    """``cond`` with every test on an ``unknowable`` fact presumed, while that fact is unknown,
    to come out the way that lets the condition hold (``helps``) or fail; a conclusion reference
    under a ``not`` is marked (``~`` before its id) to be looked up in the other bound."""
    if isinstance(cond, Test):
        if cond.fact in unknowable and cond.op != "unknown":
            return replace(cond, unknown_is=helps != negated)
        return cond
    if isinstance(cond, Ref):
        return replace(cond, concl="~" + cond.concl) if negated else cond
    if isinstance(cond, Not):
        return Not(_rewrite(cond.item, unknowable, helps, not negated))
    items = tuple(_rewrite(c, unknowable, helps, negated) for c in cond.items)
    return All(items) if isinstance(cond, All) else Any_(items)


class _Bounds:
    """The rulebook evaluated three-valued (:mod:`.kleene`) with the facts only the
    authorities can establish (``guidance.yaml``'s ``unknowable``; with ``court`` also the
    judgements only a court makes, ``court_decides``) presumed, while unknown, for the
    conclusion (upper bound) and against it (lower bound), a negated reference reading the
    other bound: the upper bound is TRUE wherever some values of those facts make it TRUE."""

    def __init__(self, engine: Engine, court: bool = False) -> None:
        self.evaluator = Evaluator(engine.book)
        unknowable = engine.book.guidance.unknowable
        if court:
            unknowable = unknowable | frozenset(engine.book.guidance.court_decides)
        self.conds = {helps: {rid: _rewrite(c, unknowable, helps) for rid, c in self.evaluator.whole.items()}
                      for helps in (True, False)}

    def upper(self, facts: dict[str, Any], law_day: dt.date | None) -> set[tuple[str, str]]:
        """The (conclusion, party) keys whose upper bound is TRUE."""
        known = dict(facts)
        if law_day is not None:
            known[INCIDENT_DATE] = law_day
        status: dict[bool, dict[tuple[str, str], Any]] = {True: {}, False: {}}

        def lookup(helps: bool, party: str) -> Any:
            def find(ref: Ref) -> Result:
                other = ref.concl.startswith("~")
                concl = ref.concl[1:] if other else ref.concl
                table = status[helps != other]
                want = party if ref.party == SAME else ref.party
                best = max((v for (c, p), v in table.items() if c == concl and (want is None or p == want)),
                           default=FALSE)
                return best, NOTHING
            return find

        for rule in self.evaluator.rules:
            for party in self.evaluator._parties(rule):
                key = (rule.concl, party if rule.spec.conclude.party == SAME
                       else rule.spec.conclude.party or NONE_PARTY)
                for helps in (True, False):
                    value, _ = evaluate(self.conds[helps][rule.id], known, lookup(helps, party))
                    if value > status[helps].get(key, FALSE):
                        status[helps][key] = value
        return {k for k, v in status[True].items() if v is TRUE}


@functools.cache
def bounds(engine: Engine, court: bool = False) -> _Bounds:
    """The bounds evaluator of a loaded engine (built once; ``court``: the judgements only a
    court makes presumed too)."""
    return _Bounds(engine, court)


def date_note(engine: Engine, assessment: Any, lang: str, later: list[str] | None = None) -> str | None:
    """The sentence on an inexact incident date (:func:`faceright.render.date_note`)."""
    from .render import date_note as note
    return note(engine, assessment, lang, later)


def build_report(engine: Engine, case: Any, lang: str = "zh", as_of: dt.date | None = None,
                 implied: Collection[str] = ()) -> Report:
    """The report of one validated case in ``lang`` (``zh`` or ``en``); ``implied`` names the
    facts that follow from the person's answers rather than being answered (the interview's
    ``implied``): the report says so instead of "you answered"."""
    return _Builder(engine, case, lang, as_of, implied).build()


def build_reports(engine: Engine, case: Any, langs: tuple[str, ...] = ("zh", "en"),
                  as_of: dt.date | None = None) -> dict[str, Report]:
    """The reports of one validated case in each of ``langs`` (language → report), the case
    evaluated once: each is the report :func:`build_report` gives in that language."""
    first = _Builder(engine, case, langs[0], as_of)
    return {lang: first.in_lang(lang).build() for lang in langs}


def _policy_note(policy: Any, value: Any, lang: str) -> str:
    """A policy parameter a conclusion relied on, in words: ``Hours within which … : 24 hours``
    (the report's ``policy`` line says these numbers are defaults, not law)."""
    shown = f"{value:,}" if isinstance(value, int) else str(value)
    if lang == "zh":
        return f"{policy.zh}按{shown}{policy.unit_zh}计"
    return f"{policy.en} — taken as {shown} {policy.unit}"
