"""The guidance data of a rulebook (``guidance.yaml``: the report's words, the answer-first
sentences, whom breaches are reported to, the plan of action; ``documents.yaml``: the documents
to send), validated when the rulebook is loaded (:func:`load_guidance`), and the three-valued
evaluation of its conditions on one case (:class:`Situation`)."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .catalogue import Catalogue
from .conditions import Cond, ConditionError, Names, Ref, parse
from .errors import RuleFileError, did_you_mean
from .kleene import FALSE, NOTHING, TRUE, UNKNOWN, Result, evaluate

LANGS = ("zh", "en")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Words(_Strict):
    """The fixed words of the report in one language (headings, labels)."""

    answer: str
    steps: str
    rights: str
    parties: str
    demands: str
    offences: str
    uncertain: str
    questions: str
    why: str
    law: str
    holds: str
    open: str
    likely: str
    because: str
    depends: str
    you_answered: str
    follows: str
    verified: str
    unverified: str
    source: str
    none: str
    deferred: str
    no_demand: str
    no_offence: str
    no_uncertain: str
    #: the fold of every uncertain conclusion, ``{count}`` of them (``全部列出（9项）``)
    uncertain_all: str
    basis: str
    report_to: str
    policy: str
    contested: str
    expanded_damage: str
    all_damage: str
    yes: str
    no: str
    others: str
    settles: str
    case: str
    law_as_of: str
    date_unsettled: str
    rules: str
    fold: str
    documents: str
    attach: str
    disclaimer: str
    own: str
    possibly: str
    court_finds: str
    also_translation: str


class Summary(_Strict):
    """The answer-first sentences of one language, each with its placeholders."""

    rights: str
    rights_open: str
    no_rights: str
    responsible: str
    demands: str
    offences: str
    breaches: str
    first: str


class Bilingual(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class StepText(_Strict):
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)


class CiteSpec(_Strict):
    """A basis a step cites only where conclusion ``concl`` applies to the case (holds, or is
    open only on what the person cannot know), or where ``when`` is TRUE: ``basis``, or without
    it the provisions that conclusion rests on in this case."""

    concl: str
    when: Any = None
    basis: list[str] | None = Field(default=None, min_length=1)


class StepSpec(_Strict):
    """One step of the plan of action: when it applies, its legal basis (``basis`` always,
    ``cite`` where its conclusion applies), its texts."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: Any = None
    basis: list[str] = Field(default_factory=list)
    cite: list[CiteSpec] = Field(default_factory=list)
    zh: StepText
    en: StepText


class LeadSpec(_Strict):
    """One answer-first sentence of a perspective, used when ``when`` is TRUE; it may name
    facts of the case as ``{fact}`` (the sentence is left out while one of them is unknown)."""

    when: Any = None
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class PerspectiveText(_Strict):
    """A perspective's wording in one language: report words, answer-first sentences and step
    texts that replace the default ones."""

    words: dict[str, str] = Field(default_factory=dict)
    summary: dict[str, str] = Field(default_factory=dict)
    steps: dict[str, StepText] = Field(default_factory=dict)


class PerspectiveSpec(_Strict):
    """Whose report it is when the respondent is not the person shown (``when`` on the facts):
    the conclusions that are the respondent's own situation (``own``, reported first, in this
    order), the answer-first sentences on them (``lead``) and the wording for that respondent."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: Any
    own: list[str] = Field(min_length=1)
    lead: list[LeadSpec] = Field(min_length=1)
    zh: PerspectiveText
    en: PerspectiveText


class DeferredSpec(_Strict):
    """Facts nobody can know while ``when`` holds (e.g. while the maker is unknown)."""

    when: Any
    facts: list[str] = Field(min_length=1)


class TitleSpec(_Strict):
    """How the report names a conclusion where ``when`` holds (e.g. for a deceased person), in
    place of its title in ``conclusions.yaml``; the id and the result are unchanged."""

    conclusion: str
    when: Any
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class GuidanceFile(_Strict):
    """``guidance.yaml``."""

    unknowable: list[str]
    deferred: DeferredSpec | None = None
    words: dict[str, Words]
    summary: dict[str, Summary]
    report_to: dict[str, Bilingual]
    titles: list[TitleSpec] = Field(default_factory=list)
    #: judgement (boolean) fact → the finding in words: judgements only a court makes
    court_decides: dict[str, Bilingual] = Field(default_factory=dict)
    steps: list[StepSpec] = Field(min_length=1)
    perspectives: list[PerspectiveSpec] = Field(default_factory=list)


class Section(_Strict):
    """One section of a document; ``when``: written only where it holds; ``heading_sole``: the
    heading where the document names only one party it is against (English "Defendant" for
    "Defendants")."""

    heading: str = Field(min_length=1)
    body: str = Field(min_length=1)
    when: Any = None
    heading_sole: str | None = Field(default=None, min_length=1)


class DocumentText(_Strict):
    title: str = Field(min_length=1)
    #: the document in a few words (a download button: "平台通知书")
    label: str = Field(min_length=1, max_length=40)
    #: whom it is for and what it does, in one sentence
    what_for: str = Field(min_length=1, max_length=300)
    sections: list[Section] = Field(min_length=1)
    attach: list[str] = Field(min_length=1)
    #: what only the person can fill in, exactly as written in the text (e.g. ``[姓名]``)
    blanks: list[str] = Field(default_factory=list)


class PartyWords(_Strict):
    """What a document other than a statement of claims calls those it is against (an
    injunction application's 被申请人): as :class:`Pleading`'s words of the same names."""

    defendant: Bilingual
    sole_defendant: Bilingual
    all_defendants: Bilingual


class DocumentSpec(_Strict):
    """One document to send: when it applies, what it rests on, its text in zh and en;
    ``person``: what its account of the facts calls the person shown (default: the first
    ``person`` word of the file that applies); ``lists``: the only offences and breaches its
    ``{offences}`` and ``{breaches}`` name (those its addressee deals with; default: all)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: Any = None
    basis: list[str] = Field(min_length=1)
    lists: list[str] | None = Field(default=None, min_length=1)
    person: Bilingual | None = None
    #: what it calls those it is against (default: the pleading's defendants)
    parties: PartyWords | None = None
    zh: DocumentText
    en: DocumentText


class EvidenceItem(_Strict):
    """One item of evidence to describe (in words) when its condition holds."""

    when: Any = None
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    #: ids of documents it is not listed in
    not_in: list[str] = Field(default_factory=list)


class NarrativeItem(_Strict):
    """How one fact is told in a document's account of what happened: ``text`` (with
    ``{value}``, the answer in words) for any value, or ``yes`` / ``no`` for a yes/no fact
    (a value without its text is not told), or ``values`` (choice → text) for a choice.
    ``{person}`` is the person shown; ``when``: told only where it holds (what matters to
    the one telling it)."""

    fact: str
    when: Any = None
    text: Bilingual | None = None
    yes: Bilingual | None = None
    no: Bilingual | None = None
    values: dict[str, Bilingual] | None = None


class PersonWord(_Strict):
    """What the account calls the person shown, when ``when`` holds (first match)."""

    when: Any = None
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ClaimSpec(_Strict):
    """One claim of a statement of claims or demand of a letter, for each conclusion of
    ``concl`` that holds against a defendant (every entry whose ``when`` holds): ``claim`` as a pleading words it
    (``{defendants}``, ``{amount}``), ``demand`` as a letter does (``{amount}``); ``amount``
    is the fact holding the sum in yuan (a blank when unknown)."""

    concl: str
    when: Any = None
    amount: str | None = None
    claim: Bilingual
    demand: Bilingual


class NotClaimed(_Strict):
    """A remedy or liability that is no claim of the person shown's documents, and why;
    ``others``: it is someone else's (the person deceived, consumers): no defendant, reason or
    basis of those documents rests on it."""

    concl: str
    reason: str = Field(min_length=1)
    others: bool = False


class SameEntity(_Strict):
    """Parties one person or company is, when ``when`` holds: one defendant, its roles listed."""

    when: Any
    parties: list[str] = Field(min_length=2)


class Finding(_Strict):
    """What a pleading asserts for a judgement only a court makes (``court_decides``)."""

    when: Any = None
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class UnknownIdentity(_Strict):
    """A party named in a pleading whose identity is not yet known: ``parties`` (rule party
    names), when ``when`` holds, and the words saying how its identity is to be obtained."""

    when: Any
    parties: list[str] = Field(min_length=1)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Pleading(_Strict):
    """The words a pleading is assembled from."""

    defendant: Bilingual          #: one of several defendants, ``{n}`` its number
    sole_defendant: Bilingual     #: the only defendant
    all_defendants: Bilingual     #: several defendants together ("the defendants")
    costs: Bilingual              #: the last claim: costs borne by ``{defendants}`` (sole or all)
    amount_blank: Bilingual       #: the blank for a sum only the person can state
    roles: dict[str, Bilingual]   #: party → its role, as a pleading describes it
    possible: Bilingual           #: said of a defendant whose liability awaits a finding
    liability: Bilingual          #: heads the defendants' liability in the reasons
    sole_liability: Bilingual     #: the same for the only defendant
    #: what the defendants' lines say of a party whose identity is not yet known (how it is
    #: to be found), when its condition holds
    unknown_identity: list[UnknownIdentity] = Field(default_factory=list)



class PerspectiveNarrative(_Strict):
    """The account told by a respondent who is not the person shown (a ``perspectives`` id of
    ``guidance.yaml``): its sentences in the order told, in place of the default narrative (a
    fact not listed is not told), and the blanks they leave for the respondent alone to fill
    (by language, each written in some sentence)."""

    narrative: list[NarrativeItem] = Field(min_length=1)
    blanks: dict[str, list[str]] = Field(default_factory=dict)


class DocumentsFile(_Strict):
    """``documents.yaml``."""

    evidence: list[EvidenceItem] = Field(min_length=1)
    #: the blank a document leaves for a party's name and address (only the person knows them)
    party_blank: Bilingual
    person: list[PersonWord] = Field(min_length=1)
    narrative: list[NarrativeItem] = Field(min_length=1)
    not_narrated: list[str] = Field(default_factory=list)
    #: perspective id → the account that respondent tells
    perspectives: dict[str, PerspectiveNarrative] = Field(default_factory=dict)
    claims: list[ClaimSpec] = Field(min_length=1)
    not_claimed: list[NotClaimed] = Field(default_factory=list)
    same_entity: list[SameEntity] = Field(default_factory=list)
    findings: dict[str, Finding] = Field(default_factory=dict)
    pleading: Pleading
    documents: list[DocumentSpec] = Field(min_length=1)


#: the placeholders each text may use
SUMMARY_PLACEHOLDERS = {"rights": {"rights"}, "rights_open": {"rights", "questions"}, "no_rights": set(),
                        "responsible": {"parties"}, "demands": {"demands"},
                        "offences": {"offences", "report_to"},
                        "breaches": {"breaches", "report_to"}, "first": {"step"},
                        #: a perspective's sentence on the person shown (their own claims)
                        "also": {"rights", "demands"}}
WORD_PLACEHOLDERS = {"settles": {"count"}, "uncertain_all": {"count"}}
#: ``they``: those it is against together, one or several ("the respondent" / "the respondents")
DOCUMENT_PLACEHOLDERS = frozenset({"rights", "evidence", "facts", "claims", "demands", "defendants", "they",
                                   "reasons", "basis", "letter_basis", "offences", "breaches", "today"})
#: ``when``: a date with the preposition an English sentence needs ("on 1 September 2023")
NARRATIVE_PLACEHOLDERS = frozenset({"value", "when", "person", "holder"})
CLAIM_PLACEHOLDERS = frozenset({"defendants", "amount"})
DEMAND_PLACEHOLDERS = frozenset({"amount"})


@dataclass(frozen=True)
class Cite:
    """A validated ``cite`` entry: the conclusion and the provisions (None: the conclusion's own)."""

    concl: str
    basis: tuple[str, ...] | None
    cond: Cond | None = None  #: also cited where this holds


@dataclass(frozen=True)
class Step:
    """A validated step: its parsed condition (None: always), basis and texts by language."""

    id: str
    cond: Cond | None
    basis: tuple[str, ...]
    texts: Mapping[str, StepText]
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True)
class Lead:
    cond: Cond | None
    texts: Mapping[str, str]
    facts: frozenset[str]  #: the facts the sentence names


@dataclass(frozen=True)
class Perspective:
    """A validated perspective (:class:`PerspectiveSpec`)."""

    id: str
    cond: Cond
    own: tuple[str, ...]
    lead: tuple[Lead, ...]
    texts: Mapping[str, PerspectiveText]


@dataclass(frozen=True)
class Document:
    """A validated document template."""

    id: str
    cond: Cond | None
    basis: tuple[str, ...]
    texts: Mapping[str, DocumentText]
    person: Bilingual | None = None
    parties: PartyWords | None = None
    #: language → each section's condition (None: always written)
    section_when: Mapping[str, tuple[Cond | None, ...]] = field(default_factory=dict)
    #: the only offences and breaches it names (None: all)
    lists: frozenset[str] | None = None


@dataclass(frozen=True)
class Claim:
    """A validated claim entry (:class:`ClaimSpec`)."""

    concl: str
    cond: Cond | None
    amount: str | None
    claim: Bilingual
    demand: Bilingual


@dataclass(frozen=True)
class Account:
    """A respondent's own account (:class:`PerspectiveNarrative`), validated: its sentences in
    the order told, the conditions some are told under, the blanks by language."""

    narrative: tuple[NarrativeItem, ...]
    told_when: Mapping[str, Cond]
    blanks: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Pleadings:
    """What documents assemble their accounts, claims and defendants from (``documents.yaml``)."""

    person: tuple[tuple[Cond | None, Bilingual], ...] = ()
    narrative: Mapping[str, NarrativeItem] = field(default_factory=dict)
    claims: tuple[Claim, ...] = ()
    same_entity: tuple[tuple[Cond | None, tuple[str, ...]], ...] = ()
    findings: Mapping[str, tuple[Cond | None, Bilingual]] = field(default_factory=dict)
    words: Pleading | None = None
    #: (condition, parties, words): how a party of unknown identity is to be found
    unknown: tuple[tuple[Cond | None, tuple[str, ...], Bilingual], ...] = ()
    #: fact → the condition its sentence is told under (only facts with one)
    told_when: Mapping[str, Cond] = field(default_factory=dict)
    #: perspective id → the account that respondent tells (:class:`Account`)
    accounts: Mapping[str, Account] = field(default_factory=dict)
    #: remedies and liabilities that are someone else's than the person shown's (``others``)
    others: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Evidence:
    cond: Cond | None
    texts: Mapping[str, str]
    #: documents it is not listed in (medical records are for a court, not a platform)
    not_in: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Title:
    """A validated conditional title: the conclusion it names, its condition (None: always),
    texts by language."""

    conclusion: str
    cond: Cond | None
    texts: Mapping[str, str]


@dataclass(frozen=True)
class Guidance:
    """Everything of ``guidance.yaml`` and ``documents.yaml``, validated and parsed."""

    unknowable: frozenset[str]
    words: Mapping[str, Words]
    summary: Mapping[str, Summary]
    report_to: Mapping[str, Bilingual]
    steps: tuple[Step, ...]
    evidence: tuple[Evidence, ...]
    documents: tuple[Document, ...]
    party_blank: Mapping[str, str]
    #: while this condition holds, an open conclusion waiting only on ``deferred_facts`` (and on
    #: what only the authorities can establish) is listed apart: it can be settled only later
    deferred_when: Cond | None = None
    deferred_facts: frozenset[str] = frozenset()
    perspectives: tuple[Perspective, ...] = ()
    #: conclusion titles that apply under a condition (the first that holds wins)
    titles: tuple[Title, ...] = ()
    #: judgement fact → the finding in words (``court_decides``), in file order
    court_decides: Mapping[str, Bilingual] = field(default_factory=dict)
    pleadings: Pleadings = field(default_factory=Pleadings)

    def cited(self) -> set[str]:
        """Every provision the guidance cites."""
        return ({p for s in self.steps for p in s.basis}
                | {p for s in self.steps for c in s.cites for p in c.basis or ()}
                | {p for d in self.documents for p in d.basis})


def _placeholder_problem(text: str, allowed: set[str] | frozenset[str]) -> str | None:
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text)
                  if name is not None]
    except ValueError as exc:
        return f"not a valid template ({exc}; write {{{{ and }}}} for literal braces)"
    for name, spec, conv in fields:
        if name not in allowed or spec or conv:
            shown = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            choices = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
            return f"unknown placeholder {shown} (allowed here: {choices})"
    return None


class _Checker:
    """Checks one guidance file's names, languages and placeholders, raising with its line."""

    def __init__(self, path: Path, doc: Any, names: Names, catalogue: Catalogue) -> None:
        self.path, self.doc, self.names, self.catalogue = path, doc, names, catalogue

    def fail(self, loc: tuple[Any, ...], message: str) -> None:
        raise RuleFileError(str(self.path), self.doc.line_of(loc), None, ".".join(map(str, loc)), message)

    def langs(self, texts: Mapping[str, Any], loc: tuple[Any, ...]) -> None:
        for lang in texts:
            if lang not in LANGS:
                self.fail((*loc, lang), f"unknown language (expected {' and '.join(LANGS)})")
        for lang in LANGS:
            if lang not in texts:
                self.fail(loc, f"missing language '{lang}'")

    def template(self, text: str, allowed: set[str] | frozenset[str], loc: tuple[Any, ...]) -> None:
        problem = _placeholder_problem(text, allowed)
        if problem:
            self.fail(loc, problem)

    def cond(self, data: Any, loc: tuple[Any, ...]) -> Cond | None:
        if data is None:
            return None
        try:
            return parse(data, (), self.names)
        except ConditionError as exc:
            self.fail((*loc, *exc.path), exc.message)
        raise AssertionError  # unreachable: fail raises

    def conclusion(self, cid: str, loc: tuple[Any, ...]) -> None:
        if cid not in self.names.conclusions:
            self.fail(loc, f"unknown conclusion '{cid}'" + did_you_mean(cid, self.names.conclusions))

    def provisions(self, pids: list[str], loc: tuple[Any, ...]) -> None:
        for i, pid in enumerate(pids):
            if pid not in self.catalogue:
                self.fail((*loc, i), f"unknown provision '{pid}'" + did_you_mean(pid, self.catalogue.ids()))


def load_guidance(path: Path, doc: Any, names: Names, catalogue: Catalogue,
                  documents_path: Path | None = None, documents_doc: Any = None,
                  kinds: Mapping[str, str] | None = None) -> Guidance:
    """Validate ``guidance.yaml`` (and ``documents.yaml`` when given; :class:`~faceright.source.Document`
    each): the shape, both languages, every ``{placeholder}``, every condition (the rule
    condition language), fact, conclusion and provision named; that every fact is told in a
    document's account (or listed as not told) and every remedy and liability (``kinds``:
    conclusion → kind) is a claim (or listed as not one, with why). Raises
    :class:`RuleFileError` with the file, line and key."""
    from .rulebook import _model
    data = _model(GuidanceFile, doc, path)
    check = _Checker(path, doc, names, catalogue)
    facts = set(names.vocabulary.names())
    for fact in data.court_decides:
        if fact not in names.vocabulary.facts:
            check.fail(("court_decides", fact), f"unknown fact '{fact}'" + did_you_mean(fact, facts))
        if names.vocabulary.spec(fact).type != "bool":
            check.fail(("court_decides", fact), "a judgement a court makes must be a yes/no fact")
    for i, fact in enumerate(data.unknowable):
        if fact not in facts:
            check.fail(("unknowable", i), f"unknown fact '{fact}'" + did_you_mean(fact, facts))
    deferred_when: Cond | None = None
    if data.deferred is not None:
        deferred_when = check.cond(data.deferred.when, ("deferred", "when"))
        for i, fact in enumerate(data.deferred.facts):
            if fact not in facts:
                check.fail(("deferred", "facts", i), f"unknown fact '{fact}'" + did_you_mean(fact, facts))
    for section in ("words", "summary"):
        texts: dict[str, Any] = getattr(data, section)
        check.langs(texts, (section,))
        for lang in LANGS:
            for key, text in texts[lang].model_dump().items():
                allowed = (SUMMARY_PLACEHOLDERS if section == "summary" else WORD_PLACEHOLDERS).get(key, set())
                check.template(text, allowed, (section, lang, key))
    for cid in data.report_to:
        if cid != "default" and cid not in names.conclusions:
            check.fail(("report_to", cid), f"unknown conclusion '{cid}'" + did_you_mean(cid, names.conclusions))
    if "default" not in data.report_to:
        check.fail(("report_to",), "missing 'default' (whom the rest is reported to)")
    titles = []
    for i, tspec in enumerate(data.titles):
        if tspec.conclusion not in names.conclusions:
            check.fail(("titles", i, "conclusion"), f"unknown conclusion '{tspec.conclusion}'"
                       + did_you_mean(tspec.conclusion, names.conclusions))
        for lang in LANGS:
            check.template(getattr(tspec, lang), set(), ("titles", i, lang))
        titles.append(Title(tspec.conclusion, check.cond(tspec.when, ("titles", i, "when")),
                            {"zh": tspec.zh, "en": tspec.en}))
    steps = []
    seen: set[str] = set()
    for i, spec in enumerate(data.steps):
        if spec.id in seen:
            check.fail(("steps", i, "id"), f"duplicate step id '{spec.id}'")
        seen.add(spec.id)
        if not spec.basis and not spec.cite:
            check.fail(("steps", i), "a step needs a 'basis' or 'cite' (the provisions it rests on)")
        check.provisions(spec.basis, ("steps", i, "basis"))
        cites = []
        for j, cite in enumerate(spec.cite):
            check.conclusion(cite.concl, ("steps", i, "cite", j, "concl"))
            check.provisions(cite.basis or [], ("steps", i, "cite", j, "basis"))
            cites.append(Cite(cite.concl, tuple(cite.basis) if cite.basis else None,
                              check.cond(cite.when, ("steps", i, "cite", j, "when"))))
        for lang in LANGS:
            for key in ("title", "text"):
                check.template(getattr(getattr(spec, lang), key), set(), ("steps", i, lang, key))
        steps.append(Step(spec.id, check.cond(spec.when, ("steps", i, "when")), tuple(spec.basis),
                          {"zh": spec.zh, "en": spec.en}, tuple(cites)))
    perspectives = _perspectives(data, check, facts, seen)
    evidence: list[Evidence] = []
    documents: list[Document] = []
    party_blank = {"zh": "", "en": ""}
    pleadings = Pleadings()
    if documents_path is not None:
        ddata = _model(DocumentsFile, documents_doc, documents_path)
        party_blank = {"zh": ddata.party_blank.zh, "en": ddata.party_blank.en}
        dcheck = _Checker(documents_path, documents_doc, names, catalogue)
        pleadings = _pleadings(dcheck, ddata, names, kinds or {}, data.court_decides,
                               {p.id for p in perspectives})
        for i, item in enumerate(ddata.evidence):
            evidence.append(Evidence(dcheck.cond(item.when, ("evidence", i, "when")),
                                     {"zh": item.zh, "en": item.en}, frozenset(item.not_in)))
        seen = set()
        for i, dspec in enumerate(ddata.documents):
            if dspec.id in seen:
                dcheck.fail(("documents", i, "id"), f"duplicate document id '{dspec.id}'")
            seen.add(dspec.id)
            dcheck.provisions(dspec.basis, ("documents", i, "basis"))
            conds: dict[str, tuple[Cond | None, ...]] = {}
            for lang in LANGS:
                doc_text: DocumentText = getattr(dspec, lang)
                for key in ("title", "label", "what_for"):
                    dcheck.template(getattr(doc_text, key), set(), ("documents", i, lang, key))
                conds[lang] = tuple(dcheck.cond(part.when, ("documents", i, lang, "sections", j, "when"))
                                    for j, part in enumerate(doc_text.sections))
                for j, part in enumerate(doc_text.sections):
                    dcheck.template(part.heading, set(), ("documents", i, lang, "sections", j, "heading"))
                    if part.heading_sole is not None:
                        dcheck.template(part.heading_sole, set(), ("documents", i, lang, "sections", j, "heading_sole"))
                    dcheck.template(part.body, DOCUMENT_PLACEHOLDERS, ("documents", i, lang, "sections", j, "body"))
                for j, attached in enumerate(doc_text.attach):
                    # an unquoted YAML list splits "The evidence (a, b)" at its commas
                    if attached.count("(") != attached.count(")") or attached.count("（") != attached.count("）"):
                        dcheck.fail(("documents", i, lang, "attach", j), f"unbalanced brackets in '{attached}' "
                                    "(quote an item that contains commas)")
                for j, blank in enumerate(doc_text.blanks):
                    if not any(blank in s.body or blank in s.heading for s in doc_text.sections):
                        dcheck.fail(("documents", i, lang, "blanks", j), f"blank '{blank}' appears in no section")
            for j, cid in enumerate(dspec.lists or ()):
                dcheck.conclusion(cid, ("documents", i, "lists", j))
            documents.append(Document(dspec.id, dcheck.cond(dspec.when, ("documents", i, "when")),
                                      tuple(dspec.basis), {"zh": dspec.zh, "en": dspec.en}, dspec.person,
                                      dspec.parties, conds,
                                      frozenset(dspec.lists) if dspec.lists is not None else None))
            if dspec.parties is not None:
                for lang in LANGS:
                    dcheck.template(getattr(dspec.parties.defendant, lang), {"n"}, ("documents", i, "parties", "defendant", lang))
        for i, item in enumerate(ddata.evidence):
            for j, doc_id in enumerate(item.not_in):
                if doc_id not in seen:
                    dcheck.fail(("evidence", i, "not_in", j), f"unknown document '{doc_id}'" + did_you_mean(doc_id, sorted(seen)))
    return Guidance(frozenset(data.unknowable), dict(data.words), dict(data.summary), dict(data.report_to),
                    tuple(steps), tuple(evidence), tuple(documents), party_blank, deferred_when,
                    frozenset(data.deferred.facts) if data.deferred else frozenset(), perspectives, tuple(titles),
                    dict(data.court_decides), pleadings)


def _perspectives(data: GuidanceFile, check: _Checker, facts: set[str], step_ids: set[str]) -> tuple[Perspective, ...]:
    """The validated ``perspectives``: conclusions, facts, step ids, word and sentence keys."""
    out = []
    word_keys, summary_keys = set(Words.model_fields), set(SUMMARY_PLACEHOLDERS)
    seen: set[str] = set()
    for i, spec in enumerate(data.perspectives):
        loc: tuple[Any, ...] = ("perspectives", i)
        if spec.id in seen:
            check.fail((*loc, "id"), f"duplicate perspective id '{spec.id}'")
        seen.add(spec.id)
        for j, cid in enumerate(spec.own):
            check.conclusion(cid, (*loc, "own", j))
        leads = []
        for j, lead in enumerate(spec.lead):
            named: set[str] = set()
            for lang in LANGS:
                sentence: str = getattr(lead, lang)
                check.template(sentence, facts, (*loc, "lead", j, lang))
                named |= {name for _, name, _, _ in string.Formatter().parse(sentence) if name}
            leads.append(Lead(check.cond(lead.when, (*loc, "lead", j, "when")),
                              {"zh": lead.zh, "en": lead.en}, frozenset(named)))
        for lang in LANGS:
            text: PerspectiveText = getattr(spec, lang)
            for key, value in text.words.items():
                if key not in word_keys:
                    check.fail((*loc, lang, "words", key), f"unknown word '{key}'" + did_you_mean(key, word_keys))
                check.template(value, WORD_PLACEHOLDERS.get(key, set()), (*loc, lang, "words", key))
            for key, value in text.summary.items():
                if key not in summary_keys:
                    check.fail((*loc, lang, "summary", key), f"unknown sentence '{key}'" + did_you_mean(key, summary_keys))
                check.template(value, SUMMARY_PLACEHOLDERS[key], (*loc, lang, "summary", key))
            for key, step in text.steps.items():
                if key not in step_ids:
                    check.fail((*loc, lang, "steps", key), f"unknown step '{key}'" + did_you_mean(key, step_ids))
                for part in ("title", "text"):
                    check.template(getattr(step, part), set(), (*loc, lang, "steps", key, part))
        cond = check.cond(spec.when, (*loc, "when"))
        assert cond is not None  # `when` is required by the model
        out.append(Perspective(spec.id, cond, tuple(spec.own), tuple(leads), {"zh": spec.zh, "en": spec.en}))
    return tuple(out)


def _pleadings(check: _Checker, data: DocumentsFile, names: Names, kinds: Mapping[str, str],
               court: Mapping[str, Bilingual], perspective_ids: set[str] | frozenset[str] = frozenset()) -> Pleadings:
    """The account, claim and defendant data of ``documents.yaml``, checked."""
    vocab = names.vocabulary
    person = tuple((check.cond(p.when, ("person", i, "when")), Bilingual(zh=p.zh, en=p.en))
                   for i, p in enumerate(data.person))
    for i, p in enumerate(data.person):
        for lang in LANGS:
            check.template(getattr(p, lang), set(), ("person", i, lang))
    narrative, told_when = _narrative(check, data.narrative, ("narrative",), vocab)
    accounts = {}
    for pid, account in data.perspectives.items():
        loc: tuple[Any, ...] = ("perspectives", pid)
        if pid not in perspective_ids:
            check.fail(loc, f"unknown perspective '{pid}' (guidance.yaml perspectives)"
                       + did_you_mean(pid, sorted(perspective_ids)))
        items, when = _narrative(check, account.narrative, (*loc, "narrative"), vocab)
        for lang, blanks in account.blanks.items():
            if lang not in LANGS:
                check.fail((*loc, "blanks", lang), f"unknown language (expected {' and '.join(LANGS)})")
            texts = [getattr(t, lang) for item in items.values()
                     for t in [item.text, item.yes, item.no, *(item.values or {}).values()] if t is not None]
            for j, blank in enumerate(blanks):
                if not any(blank in t for t in texts):
                    check.fail((*loc, "blanks", lang, j), f"blank '{blank}' appears in no sentence")
        accounts[pid] = Account(tuple(items.values()), when,
                                {lang: tuple(account.blanks.get(lang, ())) for lang in LANGS})
    for i, fact in enumerate(data.not_narrated):
        if fact not in vocab.names():
            check.fail(("not_narrated", i), f"unknown fact '{fact}'" + did_you_mean(fact, vocab.names()))
        if fact in narrative:
            check.fail(("not_narrated", i), f"'{fact}' is told in the narrative and listed as not told")
    untold = [f for f in vocab.names() if f not in narrative and f not in data.not_narrated]
    if untold:
        check.fail(("narrative",), f"fact '{untold[0]}' is neither told nor listed under not_narrated")
    claims = []
    for i, spec in enumerate(data.claims):
        loc = ("claims", i)
        if spec.concl not in names.conclusions:
            check.fail((*loc, "concl"), f"unknown conclusion '{spec.concl}'" + did_you_mean(spec.concl, names.conclusions))
        if spec.amount is not None and (spec.amount not in vocab.facts
                                        or vocab.spec(spec.amount).type not in ("int", "float", "number")):
            check.fail((*loc, "amount"), f"'{spec.amount}' is not a fact holding an amount")
        for lang in LANGS:
            check.template(getattr(spec.claim, lang), CLAIM_PLACEHOLDERS, (*loc, "claim", lang))
            check.template(getattr(spec.demand, lang), DEMAND_PLACEHOLDERS, (*loc, "demand", lang))
        claims.append(Claim(spec.concl, check.cond(spec.when, (*loc, "when")), spec.amount, spec.claim, spec.demand))
    for i, nc in enumerate(data.not_claimed):
        if nc.concl not in names.conclusions:
            check.fail(("not_claimed", i, "concl"), f"unknown conclusion '{nc.concl}'" + did_you_mean(nc.concl, names.conclusions))
    covered = {c.concl for c in claims} | {nc.concl for nc in data.not_claimed}
    for cid, kind in kinds.items():
        if kind in ("remedy", "liability") and cid not in covered:
            check.fail(("claims",), f"conclusion '{cid}' ({kind}) is neither a claim nor listed under not_claimed")
    same = []
    for i, entry in enumerate(data.same_entity):
        for j, party in enumerate(entry.parties):
            if party not in names.parties:
                check.fail(("same_entity", i, "parties", j), f"unknown party '{party}'" + did_you_mean(party, names.parties))
        same.append((check.cond(entry.when, ("same_entity", i, "when")), tuple(entry.parties)))
    for party in data.pleading.roles:
        if party not in names.parties:
            check.fail(("pleading", "roles", party), f"unknown party '{party}'" + did_you_mean(party, names.parties))
    for party in names.parties:
        if party not in data.pleading.roles:
            check.fail(("pleading", "roles"), f"missing the role of party '{party}'")
    for lang in LANGS:
        check.template(getattr(data.pleading.defendant, lang), {"n"}, ("pleading", "defendant", lang))
        check.template(getattr(data.pleading.costs, lang), {"defendants"}, ("pleading", "costs", lang))
    unknown = []
    for i, who in enumerate(data.pleading.unknown_identity):
        uloc = ("pleading", "unknown_identity", i)
        for j, party in enumerate(who.parties):
            if party not in names.parties:
                check.fail((*uloc, "parties", j), f"unknown party '{party}'" + did_you_mean(party, names.parties))
        unknown.append((check.cond(who.when, (*uloc, "when")), tuple(who.parties), Bilingual(zh=who.zh, en=who.en)))
    findings = {}
    for fact, finding in data.findings.items():
        if fact not in court:
            check.fail(("findings", fact), f"'{fact}' is not a judgement listed in guidance.yaml court_decides"
                       + did_you_mean(fact, list(court)))
        findings[fact] = (check.cond(finding.when, ("findings", fact, "when")), Bilingual(zh=finding.zh, en=finding.en))
    return Pleadings(person, narrative, tuple(claims), tuple(same), findings, data.pleading, tuple(unknown),
                     told_when, accounts, frozenset(nc.concl for nc in data.not_claimed if nc.others))


def _narrative(check: _Checker, items: list[NarrativeItem], where: tuple[Any, ...],
               vocab: Any) -> tuple[dict[str, NarrativeItem], dict[str, Cond]]:
    """Narrative sentences checked (facts, values, languages, placeholders): fact → its item,
    in the order given, and fact → the condition it is told under (only those with one)."""
    narrative: dict[str, NarrativeItem] = {}
    told_when: dict[str, Cond] = {}
    for i, item in enumerate(items):
        loc = (*where, i)
        if item.fact not in vocab.names():
            check.fail((*loc, "fact"), f"unknown fact '{item.fact}'" + did_you_mean(item.fact, vocab.names()))
        if item.fact in narrative:
            check.fail((*loc, "fact"), f"'{item.fact}' is told twice")
        ftype = vocab.spec(item.fact).type if item.fact in vocab.facts else "date"
        given = {k: getattr(item, k) for k in ("text", "yes", "no", "values") if getattr(item, k) is not None}
        allowed_keys = ({"yes", "no"} if ftype == "bool" else {"values"} if ftype == "enum"
                        else {"text", "values"} if ftype in ("list", "date") else {"text"})
        if not given or set(given) - allowed_keys:
            check.fail(loc, f"a {ftype} fact is told with " + " / ".join(sorted(allowed_keys)))
        texts_of: list[tuple[tuple[Any, ...], Bilingual]] = [((*loc, k), t) for k, t in given.items() if k != "values"]
        for value, vtext in (item.values or {}).items():
            # a date fact's values are its "now" words (``still_online``)
            known_values = (vocab.spec(item.fact).now_words if ftype == "date" and item.fact in vocab.facts
                            else vocab.spec(item.fact).values)
            if value not in known_values:
                check.fail((*loc, "values", value), f"'{value}' is not a value of this fact"
                           + did_you_mean(value, list(known_values)))
            texts_of.append(((*loc, "values", value), vtext))
        for place, texts in texts_of:
            for lang in LANGS:
                check.template(getattr(texts, lang), NARRATIVE_PLACEHOLDERS if place[-1] == "text" else {"person", "holder"},
                               (*place, lang))
        narrative[item.fact] = item
        if item.when is not None:
            cond = check.cond(item.when, (*loc, "when"))
            if cond is not None:
                told_when[item.fact] = cond
    return narrative, told_when


class Situation:
    """One case as guidance conditions see it: its known facts, and for each conclusion
    whether it holds (TRUE), is open only on facts the person cannot know (TRUE: someone else
    can establish them), is open on other facts (UNKNOWN) or does not arise (FALSE)."""

    def __init__(self, facts: Mapping[str, Any], status: Mapping[tuple[str, str | None], Result]) -> None:
        self.facts = facts
        self.status = status

    def lookup(self, ref: Ref) -> Result:
        found = [v for (c, p), v in self.status.items() if c == ref.concl and (ref.party is None or p == ref.party)]
        best = max((v for v, _ in found), default=FALSE)
        if best is UNKNOWN:
            return UNKNOWN, NOTHING.union(*(n for v, n in found if v is UNKNOWN))
        return best, NOTHING

    def applies(self, cond: Cond | None) -> bool:
        """Whether a guidance condition is TRUE here (no condition: always)."""
        return cond is None or evaluate(cond, self.facts, self.lookup)[0] is TRUE
