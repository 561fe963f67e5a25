"""The interview's question graph (``rules/questions.yaml``): sections in order, each question's
section, place, precondition and role-specific wording, and who the respondent may be.

The graph decides *when* a question is asked; the relevance engine (:mod:`.interview`) decides
*whether*. Loaded and validated with the rulebook; every error is ``file:line: key: message``
with a did-you-mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .conditions import Cond, ConditionError, Names, Ref, parse, refs, tests
from .errors import RuleFileError, did_you_mean
from .kleene import Truth, evaluate
from .dates import canonical, parse_date
from .source import Document
from .vocabulary import INCIDENT_DATE, Vocabulary

FILE = "questions.yaml"
#: the respondent's role before anyone has said who they are
UNKNOWN_ROLE = "unknown"
PERSON = "{person}"
LIKENESS = "{features}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Words(_Strict):
    """One text in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class SectionSpec(_Strict):
    """A named section of the interview."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class RoleSpec(_Strict):
    """A respondent's role: whether questions address them (``you``) or speak of the person
    shown (``they``, naming them ``person``)."""

    voice: Literal["you", "they"]
    person: Words | None = None


class LikenessSpec(_Strict):
    """How ``{features}`` names what of the person the fake uses: the words of the answered
    values of ``fact`` (a list fact) joined by ``joined``, or ``unknown`` before it is known."""

    fact: str
    words: dict[str, Words]
    joined: Words
    unknown: Words


class ImpliedSpec(_Strict):
    """Facts an answer states by itself: when ``when`` holds on the answers, each fact of
    ``then`` has that value unless the respondent answered it (a relative of a deceased
    person: the person is deceased; "posted on a platform": shown to others)."""

    when: Any
    then: dict[str, Any] = Field(min_length=1)


class PeriodSpec(_Strict):
    """A rough period offered beside a date question's text field (``2021..``: "in the last
    few years (2021 or later)"), for a respondent who knows no date but roughly when."""

    value: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class QuestionSpec(_Strict):
    """One question: its fact, section, precondition and wording (``text`` for everyone, or
    ``you`` and ``they``; ``by_role``: the wording for particular respondent roles); ``always``:
    asked whatever the engine says (who is answering); ``unread``: why it is kept though no
    rule reads its fact (the engine never asks it)."""

    fact: str
    section: str
    when: Any = None
    always: bool = False
    #: why the question is in the graph though no rule reads its fact (it is then never asked)
    unread: str | None = Field(default=None, min_length=1)
    #: the question whose rough periods offer this fact's answers: never asked itself, kept for
    #: case files and saved answers that state it
    offered_by: str | None = Field(default=None, min_length=1)
    text: Words | None = None
    you: Words | None = None
    they: Words | None = None
    by_role: dict[str, Words] = Field(default_factory=dict)
    help: Words
    #: a date question: rough periods offered as choices beside the typed date
    periods: list[PeriodSpec] = Field(default_factory=list)


class QuestionsFile(_Strict):
    """The shape of ``questions.yaml``."""

    sections: list[SectionSpec] = Field(min_length=1)
    role_fact: str
    roles: dict[str, RoleSpec]
    terms: list[str] = Field(default_factory=list)
    implied: list[ImpliedSpec] = Field(default_factory=list)
    features: LikenessSpec | None = None
    questions: list[QuestionSpec] = Field(min_length=1)


@dataclass(frozen=True)
class GraphQuestion:
    """A validated question of the graph; ``place`` is its 1-based position in its section."""

    spec: QuestionSpec
    when: Cond | None
    line: int
    section_index: int
    place: int

    @property
    def fact(self) -> str:
        return self.spec.fact

    def wording(self, voice: str, role: str | None = None) -> Words:
        """The question's words for a respondent of this ``voice`` (``you`` or ``they``), or
        of this ``role`` when the question words it apart (``by_role``)."""
        spec = self.spec
        if role is not None and role in spec.by_role:
            return spec.by_role[role]
        chosen = spec.text or (spec.you if voice == "you" else spec.they)
        assert chosen is not None  # checked at load
        return chosen

    def texts(self) -> list[str]:
        """Every wording of the question and its help, both languages (for lint)."""
        return [w.get(lang) for w in (self.spec.text, self.spec.you, self.spec.they, self.spec.help,
                                      *self.spec.by_role.values())
                if w is not None for lang in ("zh", "en")]


@dataclass(frozen=True)
class QuestionGraph:
    """The whole graph: sections in order, questions in asking order, roles."""

    path: str
    sections: tuple[SectionSpec, ...]
    role_fact: str
    roles: Mapping[str, RoleSpec]
    terms: tuple[str, ...]
    questions: tuple[GraphQuestion, ...]
    lines: Mapping[tuple[Any, ...], int]
    #: (condition, facts it states, line) of every ``implied`` entry
    implied: tuple[tuple[Cond, Mapping[str, Any], int], ...] = ()
    likeness: LikenessSpec | None = None

    def question(self, fact: str) -> GraphQuestion | None:
        return next((q for q in self.questions if q.fact == fact), None)

    def periods(self, fact: str, lang: str) -> list[tuple[str, str]]:
        """The rough periods a date question offers: (value as a case file writes it, e.g.
        ``2021..``; its words in ``lang``); empty for other questions."""
        gq = self.question(fact)
        if gq is None:
            return []
        out = []
        for p in gq.spec.periods:
            value = parse_date(p.value)  # checked at load: a date or range, never unknown
            assert value is not None
            out.append((canonical(value), p.zh if lang == "zh" else p.en))
        return out

    def section_title(self, index: int, lang: str) -> str:
        """The title of section ``index`` (1-based) in ``lang``."""
        s = self.sections[index - 1]
        return s.zh if lang == "zh" else s.en

    def role(self, known: Mapping[str, Any]) -> RoleSpec:
        """The respondent's role given the answers (the ``unknown`` role before it is said)."""
        value = known.get(self.role_fact)
        return self.roles[value] if isinstance(value, str) and value in self.roles else self.roles[UNKNOWN_ROLE]

    def implications(self, answered: Mapping[str, Any], known: Mapping[str, Any]) -> dict[str, Any]:
        """The facts the answers state by themselves (``implied``), applied until nothing more
        follows, for the facts not ``answered`` (``known``: the answers' known values)."""
        out: dict[str, Any] = {}
        for _ in range(len(self.implied) + 1):
            grew = False
            for cond, then, _line in self.implied:
                if evaluate(cond, {**known, **out}, _no_refs)[0] is Truth.TRUE:
                    for fact, value in then.items():
                        if fact not in answered and fact not in out:
                            out[fact] = value
                            grew = True
            if not grew:
                break
        return out

    def text(self, q: GraphQuestion, known: Mapping[str, Any], lang: str) -> str:
        """The question worded for the respondent: ``you`` or ``they`` (or the role's own
        wording) with {person} and {features} named."""
        role = self.role(known)
        value = known.get(self.role_fact)
        return self._fill(q.wording(role.voice, value if isinstance(value, str) else None).get(lang),
                          role, known, lang)

    def help(self, q: GraphQuestion, known: Mapping[str, Any], lang: str) -> str:
        return self._fill(q.spec.help.get(lang), self.role(known), known, lang)

    def likeness_words(self, known: Mapping[str, Any], lang: str) -> str:
        """What of the person the fake uses, in words: ``face and voice`` (``face or voice``
        while it is not known)."""
        spec = self.likeness
        if spec is None:
            return ""
        value = known.get(spec.fact)
        if not isinstance(value, list) or not value:
            return spec.unknown.get(lang)
        return spec.joined.get(lang).join(spec.words[v].get(lang) for v in value if v in spec.words)

    def _fill(self, text: str, role: RoleSpec, known: Mapping[str, Any], lang: str) -> str:
        person = (role.person or self.roles[UNKNOWN_ROLE].person)
        assert person is not None  # checked at load
        if LIKENESS in text:
            text = text.replace(LIKENESS, self.likeness_words(known, lang))
        return text.replace(PERSON, person.get(lang))

    def precondition(self, q: GraphQuestion, known: Mapping[str, Any]) -> Truth:
        """The question's precondition on the known answers, three-valued (TRUE without one)."""
        if q.when is None:
            return Truth.TRUE
        return evaluate(q.when, known, _no_refs)[0]


def _no_refs(ref: Ref) -> Any:
    raise AssertionError(f"a precondition refers to conclusion {ref.concl}")


def load_questions(path: Path, doc: Document, vocabulary: Vocabulary, names: Names) -> QuestionGraph:
    """Validate ``questions.yaml`` against the vocabulary; :class:`RuleFileError` on any fault."""
    name = str(path)

    def fail(loc: tuple[Any, ...], message: str) -> RuleFileError:
        key = ".".join(map(str, loc)) or None
        return RuleFileError(name, doc.line_of(loc), None, key, message)

    try:
        spec = QuestionsFile.model_validate(doc.data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        where = tuple(err["loc"])
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = list(_model_at(where).model_fields)
            message = f"unknown key '{where[-1]}'" + did_you_mean(str(where[-1]), allowed)
        raise fail(where, message) from None
    facts = vocabulary.names()
    sections = {s.id: i for i, s in enumerate(spec.sections, 1)}
    if len(sections) != len(spec.sections):
        dup = next(s.id for s in spec.sections if [t.id for t in spec.sections].count(s.id) > 1)
        raise fail(("sections",), f"section '{dup}' is listed twice")
    if spec.role_fact not in vocabulary.facts or vocabulary.facts[spec.role_fact].type != "enum":
        raise fail(("role_fact",), f"'{spec.role_fact}' is not an enum fact of the vocabulary"
                   + did_you_mean(spec.role_fact, vocabulary.facts))
    values = set(vocabulary.facts[spec.role_fact].values) | {UNKNOWN_ROLE}
    for role in spec.roles:
        if role not in values:
            raise fail(("roles", role), f"'{role}' is not a value of {spec.role_fact}"
                       + did_you_mean(role, values))
    for missing in sorted(values - set(spec.roles)):
        raise fail(("roles",), f"no role '{missing}' (every value of {spec.role_fact} and "
                   f"'{UNKNOWN_ROLE}' needs one)")
    if spec.roles[UNKNOWN_ROLE].person is None:
        raise fail(("roles", UNKNOWN_ROLE), "the unknown role must name the person ('person')")
    implied = []
    for i, imp in enumerate(spec.implied):
        try:
            cond = parse(imp.when, ("implied", i, "when"), names)
        except ConditionError as exc:
            raise fail(exc.path, exc.message) from None
        if refs(cond):
            raise fail(("implied", i, "when"), "an implication tests answers (facts), not conclusions")
        then: dict[str, Any] = {}
        for fact, value in imp.then.items():
            if fact not in vocabulary.facts and fact != INCIDENT_DATE:
                raise fail(("implied", i, "then", fact), f"unknown fact '{fact}'"
                           + did_you_mean(fact, vocabulary.facts))
            try:
                then[fact] = vocabulary_value(vocabulary, fact, value)
            except ValueError as exc:
                raise fail(("implied", i, "then", fact), str(exc)) from None
        implied.append((cond, then, doc.line_of(("implied", i))))
    if spec.features is not None:
        lk = spec.features
        if lk.fact not in vocabulary.facts or vocabulary.facts[lk.fact].type != "list":
            raise fail(("features", "fact"), f"'{lk.fact}' is not a list fact of the vocabulary"
                       + did_you_mean(lk.fact, vocabulary.facts))
        for value in sorted(set(vocabulary.facts[lk.fact].values) - set(lk.words)):
            raise fail(("features", "words"), f"no words for the value '{value}' of {lk.fact}")
        for value in sorted(set(lk.words) - set(vocabulary.facts[lk.fact].values)):
            raise fail(("features", "words", value), f"'{value}' is not a value of {lk.fact}"
                       + did_you_mean(value, vocabulary.facts[lk.fact].values))
    seen: dict[str, int] = {}
    out: list[GraphQuestion] = []
    places: dict[str, int] = {}
    last_section = 0
    with_periods = [q.fact for q in spec.questions if q.periods]  # what an `offered_by` may name
    for i, q in enumerate(spec.questions):
        loc: tuple[Any, ...] = ("questions", i)
        if q.fact not in facts:
            raise fail((*loc, "fact"), f"unknown fact '{q.fact}'" + did_you_mean(q.fact, facts))
        if q.fact in seen:
            raise fail((*loc, "fact"), f"fact '{q.fact}' is asked twice (first at line {seen[q.fact]})")
        seen[q.fact] = doc.line_of(loc)
        if q.section not in sections:
            raise fail((*loc, "section"), f"unknown section '{q.section}'" + did_you_mean(q.section, sections))
        if sections[q.section] < last_section:
            raise fail((*loc, "section"), f"section '{q.section}' comes before the section of the "
                       "question above it: list questions section by section, in section order")
        last_section = sections[q.section]
        if (q.text is None) == (q.you is None and q.they is None) or (q.text is None and (q.you is None or q.they is None)):
            raise fail(loc, "give either 'text' (one wording) or both 'you' and 'they'")
        for wname in ("text", "you", "help"):
            words = getattr(q, wname)
            if words is not None and PERSON in words.zh + words.en:
                raise fail((*loc, wname), f"{PERSON} belongs in the 'they' wording only")
        for role in q.by_role:
            if role not in spec.roles or role == UNKNOWN_ROLE:
                raise fail((*loc, "by_role", role), f"'{role}' is not a role of {spec.role_fact}"
                           + did_you_mean(role, [r for r in spec.roles if r != UNKNOWN_ROLE]))
            if spec.roles[role].voice == "you" and PERSON in q.by_role[role].zh + q.by_role[role].en:
                raise fail((*loc, "by_role", role), f"{PERSON} belongs in the wording of a 'they' role only")
        if spec.features is None and any(LIKENESS in text for text in _texts(q)):
            raise fail(loc, f"{LIKENESS} is used but the file has no 'features' words")
        when = None
        if q.when is not None:
            try:
                when = parse(q.when, (*loc, "when"), names)
            except ConditionError as exc:
                raise fail(exc.path, exc.message) from None
            if refs(when):
                raise fail((*loc, "when"), "a precondition tests earlier answers (facts), not conclusions")
        if q.offered_by is not None and q.offered_by not in with_periods:
            raise fail((*loc, "offered_by"), f"'{q.offered_by}' is not a question with periods"
                       + did_you_mean(q.offered_by, with_periods))
        for j, period in enumerate(q.periods):
            if vocabulary.spec(q.fact).type != "date":
                raise fail((*loc, "periods"), f"periods are for date questions; '{q.fact}' is a "
                           f"{vocabulary.spec(q.fact).type} fact")
            try:
                vocabulary_value(vocabulary, q.fact, period.value)
            except ValueError as exc:
                raise fail((*loc, "periods", j, "value"), str(exc)) from None
        places[q.section] = places.get(q.section, 0) + 1
        out.append(GraphQuestion(q, when, doc.line_of(loc), sections[q.section], places[q.section]))
    for fact in (spec.role_fact,):
        if fact not in seen:
            raise fail(("questions",), f"the role fact '{fact}' has no question")
    return QuestionGraph(name, tuple(spec.sections), spec.role_fact, dict(spec.roles), tuple(spec.terms),
                         tuple(out), dict(doc.lines), tuple(implied), spec.features)


def _texts(q: QuestionSpec) -> list[str]:
    return [w.get(lang) for w in (q.text, q.you, q.they, q.help, *q.by_role.values())
            if w is not None for lang in ("zh", "en")]


def vocabulary_value(vocabulary: Vocabulary, fact: str, value: Any) -> Any:
    """A preset value checked against the fact's type, as the fact holds it (a date as
    :func:`faceright.dates.parse_date` reads it: ``2021..``, ``still_online``); ``ValueError``
    naming what is wrong."""
    spec = vocabulary.spec(fact)
    if spec.type == "date":
        found = parse_date(value, now_words=spec.now_words)  # a DateFormError is a ValueError
        if found is None:
            raise ValueError(f"'{fact}' cannot be implied unknown")
        return found
    ok = {"bool": isinstance(value, bool), "enum": value in spec.values,
          "list": isinstance(value, list) and all(v in spec.values for v in value),
          "int": isinstance(value, int) and not isinstance(value, bool),
          "number": isinstance(value, (int, float)) and not isinstance(value, bool)}[spec.type]
    if not ok:
        raise ValueError(f"not a {spec.type} value of '{fact}'"
                         + (did_you_mean(str(value), spec.values) if spec.values else ""))
    return value


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model that holds the key at ``loc`` (for a did-you-mean over its fields)."""
    model: type[BaseModel] = QuestionsFile
    steps: dict[tuple[str, ...], type[BaseModel]] = {("sections",): SectionSpec, ("questions",): QuestionSpec, ("roles",): RoleSpec,
             ("implied",): ImpliedSpec, ("features",): LikenessSpec}
    for key in steps:
        if loc[:1] == key:
            model = steps[key]
    if loc[:1] == ("questions",) and len(loc) > 3 and loc[2] in ("text", "you", "they", "help"):
        model = Words
    if loc[:1] == ("roles",) and len(loc) > 3 and loc[2] == "person":
        model = Words
    if len(loc) <= 1:
        model = QuestionsFile
    return model


def gate_facts(q: GraphQuestion) -> set[str]:
    """The facts a question's precondition tests."""
    return {t.fact for t in tests(q.when)} if q.when is not None else set()

