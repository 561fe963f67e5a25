"""Loading and checking the rulebook: vocabulary, conclusions, policies, catalogue and rules.

Every check a lawyer's edit can fail is made here, before anything reaches durable_rules,
and reported as ``file:line: rule 'id': field: message``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from . import __version__
from .catalogue import Catalogue, load_catalogue
from .conditions import SAME, Cond, ConditionError, Names, Ref, Test, parse, refs, tests
from .logic import alternatives, anchor_missing, with_exceptions
from .errors import RuleFileError, did_you_mean
from .rulemodel import (ConclusionsFile, ConclusionSpec, NotFormalised, PoliciesFile, Policy,
                        RuleFile, RuleSpec)
from .source import Document, SourceError, read_documents
from .vocabulary import Vocabulary

SPECIAL_FILES = ("facts.yaml", "conclusions.yaml", "policies.yaml", "provisions.yaml", "guidance.yaml",
                 "documents.yaml", "questions.yaml")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Exception_:
    """A parsed ``unless`` entry."""

    cond: Cond
    provisions: tuple[str, ...]
    text: str | None


@dataclass(frozen=True)
class Rule:
    """A validated rule: its spec, where it is written, its parsed conditions and period."""

    spec: RuleSpec
    path: str
    line: int
    cond: Cond
    exceptions: tuple[Exception_, ...]
    start: dt.date | None
    until: dt.date | None
    continuing: str | None
    earlier: str | None = None
    stratum: int = 0
    #: the date fact a ``continuing`` period tests (the vocabulary's ``continues`` fact)
    continued_by: str | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def concl(self) -> str:
        return self.spec.conclude.id

    def all_refs(self) -> list[Ref]:
        """Conclusion references in the condition and in every exception."""
        return refs(self.cond) + [r for e in self.exceptions for r in refs(e.cond)]

    def policies(self) -> list[str]:
        """Policy parameters this rule's conditions use, sorted."""
        conds = [self.cond, *(e.cond for e in self.exceptions)]
        return sorted({t.policy for c in conds for t in tests(c) if t.policy})


@dataclass
class Rulebook:
    """Everything the engine needs, validated; ``version`` hashes all of it."""

    directory: Path
    vocabulary: Vocabulary
    conclusions: dict[str, ConclusionSpec]
    parties: tuple[str, ...]
    policies: dict[str, Policy]
    catalogue: Catalogue
    rules: tuple[Rule, ...]
    not_formalised: tuple[tuple[str, NotFormalised], ...]
    version: str
    strata: int = field(default=1)
    guidance: Any = None  #: the validated ``guidance.yaml`` (:class:`faceright.guidance.Guidance`)
    #: the interview's question graph (``questions.yaml``: :class:`faceright.questions.QuestionGraph`)
    questions: Any = None
    #: party → {"zh": …, "en": …}, the parties' display names (``conclusions.yaml``)
    party_names: dict[str, dict[str, str]] = field(default_factory=dict)

    def party_name(self, party: str | None, lang: str) -> str:
        """A party's display name in ``lang`` (``zh`` or ``en``); the id when it has none,
        ``—`` for no party."""
        if not party:
            return "—"
        return self.party_names.get(party, {}).get(lang, party)

    def public_conclusions(self) -> list[str]:
        """Conclusion ids that assessments report (internal ones only explain)."""
        return sorted(c for c, s in self.conclusions.items() if s.kind != "internal")

    def rules_for(self, concl: str) -> list[Rule]:
        """The rules that conclude ``concl``."""
        return [r for r in self.rules if r.concl == concl]


def _read_one(path: Path) -> Document:
    try:
        docs = list(read_documents(path.read_text(encoding="utf-8")))
    except SourceError as exc:
        raise RuleFileError(str(path), exc.line, None, exc.key, exc.message) from None
    except (OSError, UnicodeError) as exc:
        raise RuleFileError(str(path), None, None, None, f"cannot read: {exc}") from None
    if len(docs) != 1:
        raise RuleFileError(str(path), 1, None, None, "expected exactly one YAML document")
    return docs[0]


def _model(model: type[M], doc: Document, path: Path, rule_of: Any = None) -> M:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # a misspelt key is both unknown and missing: report it as the unknown key
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(err["loc"])
        rule_id = rule_of(loc) if rule_of else None
        name = str(loc[-1]) if loc else ""
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            missing = [str(e["loc"][-1]) for e in errors
                       if e["type"] == "missing" and tuple(e["loc"][:-1]) == loc[:-1]]
            message = f"unknown key '{name}'" + did_you_mean(name, missing)
        raise RuleFileError(str(path), doc.line_of(loc), rule_id,
                            ".".join(map(str, loc)) or None, message) from None


def _hash(directory: Path, files: list[Path]) -> str:
    digest = hashlib.sha256(f"faceright {__version__}\n".encode())
    for path in files:
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


class _Checker:
    """Validates one rule file's rules against the names and the law."""

    def __init__(self, names: Names, catalogue: Catalogue, parties: tuple[str, ...]) -> None:
        self.names = names
        self.catalogue = catalogue
        self.parties = parties

    def provisions(self, ids: list[str], fail: Any, field_: str) -> None:
        for i, pid in enumerate(ids):
            if pid not in self.catalogue:
                fail((field_, i), f"unknown provision '{pid}'" + did_you_mean(pid, self.catalogue.ids()))

    def rule(self, spec: RuleSpec, doc: Document, path: Path, index: int) -> Rule:
        base: tuple[str | int, ...] = ("rules", index)

        def fail(sub: tuple[str | int, ...], message: str) -> None:
            raise RuleFileError(str(path), doc.line_of((*base, *sub)), spec.id,
                                ".".join(map(str, sub)), message)

        self.provisions(spec.provisions, fail, "provisions")
        for i, exc in enumerate(spec.unless):
            self.provisions(exc.provisions, fail, f"unless.{i}.provisions")
        if spec.conclude.id not in self.names.conclusions:
            fail(("conclude", "id"), f"unknown conclusion '{spec.conclude.id}'"
                 + did_you_mean(spec.conclude.id, self.names.conclusions))
        party = spec.conclude.party
        if party is not None and party != SAME and party not in self.parties:
            fail(("conclude", "party"), f"unknown party '{party}'" + did_you_mean(party, self.parties))
        try:
            cond = parse(spec.when, ("when",), self.names)
            exceptions = tuple(
                Exception_(parse(u.when, ("unless", i, "when"), self.names), tuple(u.provisions), u.text)
                for i, u in enumerate(spec.unless))
        except ConditionError as exc:
            fail(exc.path, exc.message)
            raise  # unreachable: fail raises
        start, until = self._period(spec, fail)
        continuing = spec.period.continuing if spec.period else None
        earlier = spec.period.earlier if spec.period else None
        for key, pid in (("continuing", continuing), ("earlier", earlier)):
            if pid is not None:
                self.provisions([pid], lambda s, m, k=key: fail(("period", k), m), key)
                if start is None or not self.catalogue.get(pid).in_force(start):
                    fail(("period", key), f"transitional provision '{pid}' is not in force "
                         "when the rule's period starts")
        continued_by = self.names.vocabulary.continuing if continuing else None
        if continuing and continued_by is None:
            fail(("period", "continuing"), "a continuing period needs a date fact marked "
                 "'continues: true' in facts.yaml (the last day the conduct went on)")
        self._texts(spec, fail)
        rule = Rule(spec, str(path), doc.line_of(base), cond, exceptions, start, until, continuing,
                    earlier, continued_by=continued_by)
        self._same_party(rule, fail)
        self._presumptions(rule, fail)
        return rule

    @staticmethod
    def _presumptions(rule: Rule, fail: Any) -> None:
        """At most one presumption per alternative may hold it back: two would make neither
        fact matter on its own, so no questionnaire could ever reach them."""
        full = with_exceptions(rule.cond, [e.cond for e in rule.exceptions])
        for alt in alternatives(full):
            blocking = sorted({lit.atom.fact for lit in alt if isinstance(lit.atom, Test)
                               and lit.atom.unknown_is is not None
                               and lit.atom.unknown_is == lit.negated})
            if len(blocking) > 1:
                fail(("when",), f"presumptions on {', '.join(blocking)} hold back the same "
                     "alternative; give all but one of them three-valued tests")

    def _period(self, spec: RuleSpec, fail: Any) -> tuple[dt.date | None, dt.date | None]:
        # the rule's own provisions fix its period; an exception may rest on a provision of a
        # later date that governs how earlier facts are judged (a transitional provision)
        cited = [self.catalogue.get(p) for p in spec.provisions]
        start = max(p.effective_from for p in cited)
        ends = [p.effective_to for p in cited if p.effective_to is not None]
        until = min(ends) if ends else None
        if until is not None and until < start:
            fail(("provisions",), "its provisions were never in force at the same time")
        if spec.period is None:
            return start, until
        claimed_start = spec.period.from_ or start
        claimed_until = spec.period.until or until
        for p in cited:
            if not (p.in_force(claimed_start) and (claimed_until is None or p.in_force(claimed_until))
                    and (claimed_until is not None or p.effective_to is None)):
                fail(("period",), f"provision '{p.id}' is not in force for the whole period claimed "
                     f"({claimed_start} to {claimed_until or 'now'}); it is in force "
                     f"{p.effective_from} to {p.effective_to or 'now'}")
        return claimed_start, claimed_until

    def _texts(self, spec: RuleSpec, fail: Any) -> None:
        """``text`` must be a verbatim quote of a cited provision's verified text; the
        ``text_unverified`` reason is allowed only where no cited provision has any."""
        quoted: list[tuple[tuple[str | int, ...], str | None, str | None, list[str]]] = [
            ((), spec.text, spec.text_unverified, spec.provisions)]
        quoted += [(("unless", i), u.text, u.text_unverified, u.provisions)
                   for i, u in enumerate(spec.unless)]
        for where, text, unverified, pids in quoted:
            sources = [self.catalogue.get(p).text_zh or "" for p in pids]
            if text is not None and unverified is not None:
                fail((*where, "text_unverified"), "give either 'text' (a verbatim quote) or "
                     "'text_unverified' (why no text can be quoted), not both")
            if unverified is not None:
                verified = [p for p, s in zip(pids, sources) if s]
                if verified:
                    fail((*where, "text_unverified"), f"provision '{verified[0]}' has verified "
                         "text in the catalogue: quote it in 'text' instead")
            if text is None:
                continue
            if not any(_squash(text) in _squash(s) for s in sources if s):
                fail((*where, "text"), "this text is not found verbatim in the cited provisions' "
                     "verified text (quote the catalogue; never retype statute text)")

    def _same_party(self, rule: Rule, fail: Any) -> None:
        uses_same = any(r.party == SAME for r in rule.all_refs())
        if rule.spec.conclude.party == SAME:
            if not any(r.party == SAME for r in refs(rule.cond)):
                fail(("conclude", "party"), "party 'same' needs a condition referring to a "
                     "conclusion with 'party: same'")
            if anchor_missing(rule.cond):
                fail(("when",), "every alternative of the condition must hold a positive "
                     "conclusion reference with 'party: same' (it decides the party)")
        elif uses_same:
            fail(("conclude", "party"), "conditions use 'party: same' but the rule's party is not 'same'")


def _stratify(rules: list[Rule]) -> tuple[list[Rule], int]:
    """Order conclusions so that every reference points to a lower stratum; refuse cycles."""
    deps: dict[str, set[str]] = {}
    first: dict[str, Rule] = {}
    for rule in rules:
        deps.setdefault(rule.concl, set()).update(r.concl for r in rule.all_refs())
        first.setdefault(rule.concl, rule)
    level: dict[str, int] = {}

    def visit(concl: str, trail: tuple[str, ...]) -> int:
        if concl in level:
            return level[concl]
        if concl in trail:
            loop = " -> ".join((*trail[trail.index(concl):], concl))
            rule = first[concl]
            raise RuleFileError(rule.path, rule.line, rule.id, "when", f"dependency cycle: {loop}")
        below = [visit(d, (*trail, concl)) for d in sorted(deps.get(concl, ())) if d in deps]
        level[concl] = 1 + max(below, default=-1)
        return level[concl]

    for concl in sorted(deps):
        visit(concl, ())
    out = [Rule(**{**r.__dict__, "stratum": level[r.concl]}) for r in rules]
    return out, 1 + max(level.values(), default=0)


def load_rulebook(directory: Path | str) -> Rulebook:
    """Load and validate every file of a rules directory."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleFileError(str(directory), None, None, None, "not a rules directory")
    for name in SPECIAL_FILES:
        if not (directory / name).is_file():
            raise RuleFileError(str(directory / name), None, None, None,
                                "missing: a rules directory holds " + ", ".join(SPECIAL_FILES))
    vocab = _model(Vocabulary, _read_one(directory / "facts.yaml"), directory / "facts.yaml")
    cdoc = _read_one(directory / "conclusions.yaml")
    cfile = _model(ConclusionsFile, cdoc, directory / "conclusions.yaml")
    pfile = _model(PoliciesFile, _read_one(directory / "policies.yaml"), directory / "policies.yaml")
    catalogue = load_catalogue(directory / "provisions.yaml")
    for cid, cspec in cfile.conclusions.items():
        _check_suggests(directory / "conclusions.yaml", cid, cspec, vocab)
    names = Names(vocab, frozenset(cfile.conclusions), frozenset(cfile.parties),
                  {k: p.value for k, p in pfile.policies.items()})
    for party in cfile.parties:
        if party not in cfile.party_names:
            raise RuleFileError(str(directory / "conclusions.yaml"), cdoc.line_of(("party_names",)), None,
                                f"party_names.{party}", "missing: every party needs its zh and en name")
    for party in cfile.party_names:
        if party not in cfile.parties:
            raise RuleFileError(str(directory / "conclusions.yaml"), cdoc.line_of(("party_names", party)),
                                None, f"party_names.{party}", f"unknown party '{party}'"
                                + did_you_mean(party, cfile.parties))
    from .guidance import load_guidance
    guidance = load_guidance(directory / "guidance.yaml", _read_one(directory / "guidance.yaml"),
                             names, catalogue, directory / "documents.yaml",
                             _read_one(directory / "documents.yaml"),
                             {cid: c.kind for cid, c in cfile.conclusions.items()})
    checker = _Checker(names, catalogue, tuple(cfile.parties))
    rule_files = sorted(p for p in directory.glob("*.yaml")
                        if p.name not in SPECIAL_FILES and p.name != "mutants.yaml")
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    not_formalised: list[tuple[str, NotFormalised]] = []
    for path in rule_files:
        doc = _read_one(path)
        rfile = _model(RuleFile, doc, path, rule_of=lambda loc, d=doc: _rule_id_at(d, loc))
        for i, spec in enumerate(rfile.rules):
            rule = checker.rule(spec, doc, path, i)
            if rule.id in seen:
                other = seen[rule.id]
                raise RuleFileError(str(path), rule.line, rule.id, "id",
                                    f"duplicate rule id (first at {other.path}:{other.line})")
            seen[rule.id] = rule
            rules.append(rule)
        for j, item in enumerate(rfile.not_formalised):
            checker.provisions(item.provisions, lambda s, m, j=j, d=doc, p=path: _fail_nf(p, d, j, s, m),
                               "provisions")
            not_formalised.append((str(path), item))
    for pid in (p for pol in pfile.policies.values() for p in pol.provisions):
        if pid not in catalogue:
            raise RuleFileError(str(directory / "policies.yaml"), None, None, "provisions",
                                f"unknown provision '{pid}'" + did_you_mean(pid, catalogue.ids()))
    stratified, strata = _stratify(rules)
    from .questions import load_questions
    questions = load_questions(directory / "questions.yaml", _read_one(directory / "questions.yaml"),
                               vocab, names)
    version = _hash(directory, [directory / n for n in SPECIAL_FILES] + rule_files)
    return Rulebook(directory, vocab, dict(cfile.conclusions), tuple(cfile.parties),
                    dict(pfile.policies), catalogue, tuple(stratified), tuple(not_formalised),
                    version, strata, guidance, questions,
                    {p: n.model_dump() for p, n in cfile.party_names.items()})


def _check_suggests(path: Path, cid: str, spec: ConclusionSpec, vocab: Vocabulary) -> None:
    """``suggests`` names a boolean fact, on an internal conclusion, with its ``indicators``
    (facts of the vocabulary); ``indicators`` only beside ``suggests``."""
    where = f"conclusions.{cid}"
    if spec.suggests is None:
        if spec.indicators:
            raise RuleFileError(str(path), None, None, f"{where}.indicators", "'indicators' needs 'suggests'")
        return
    if spec.kind != "internal" or spec.suggests not in vocab.facts or vocab.spec(spec.suggests).type != "bool":
        raise RuleFileError(str(path), None, None, f"{where}.suggests",
                            "'suggests' names a boolean fact of the vocabulary, on an internal conclusion"
                            + did_you_mean(spec.suggests, vocab.names()))
    if not spec.indicators:
        raise RuleFileError(str(path), None, None, f"{where}.indicators",
                            "list the observable facts that indicate the judgement")
    for fact in spec.indicators:
        if fact not in vocab.facts or fact == spec.suggests:
            raise RuleFileError(str(path), None, None, f"{where}.indicators",
                                f"unknown indicator fact '{fact}'" + did_you_mean(fact, vocab.names()))


def _fail_nf(path: Path, doc: Document, index: int, sub: tuple[str | int, ...], message: str) -> None:
    raise RuleFileError(str(path), doc.line_of(("not_formalised", index, *sub)), None,
                        f"not_formalised.{index}.provisions", message)


def _rule_id_at(doc: Document, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = doc.data.get("rules") if isinstance(doc.data, dict) else None
        if isinstance(rules, list) and loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
            rid = rules[loc[1]].get("id")
            return str(rid) if rid is not None else None
    return None


def default_rules_dir() -> Path:
    """The shipped rules: next to the package when installed, else the repository's ``rules/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if (candidate / "facts.yaml").is_file():
            return candidate
    raise RuleFileError(str(here / "rules"), None, None, None, "shipped rules not found")
