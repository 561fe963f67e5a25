"""Rule mutation testing: would the shipped cases notice if a rule were written wrong?

For every rule, each part of its condition and of each exception is mutated in turn, one
mutant at a time:

- ``drop``: the part is left out of its ``all``/``any`` (the whole ``when`` becomes always
  true; a dropped part of an ``any`` can no longer make it hold);
- ``negate``: the part is replaced by its negation;
- ``threshold-`` / ``threshold+``: an ordered test's value moves one unit (1, or one day) down
  or up (``ge 3000`` → ``ge 2999`` / ``ge 3001``);
- ``widen``: a conclusion reference with a party (``party: same`` or a named one) refers to the
  conclusion of any party;
- ``unless[i].drop``: the exception is removed.

A mutant is **killed** when some case with expectations fails against it (its ``expect``
block, with the semantics of :func:`faceright.expect.check`). The score is the share of
non-equivalent mutants killed. Mutants known to change nothing a case could observe are listed
with a reason in ``rules/mutants.yaml`` (see :func:`load_equivalents`).

**Evaluation.** Mutants are evaluated with the production three-valued evaluator
(:class:`faceright.relevance.Evaluator`, over :mod:`faceright.kleene`), not by compiling each
mutant onto durable_rules: compiling a ruleset costs far more than the ~1 ms the Kleene
evaluator takes per case, and the test suite checks that the durable_rules engine and the
same semantics agree on every shipped case and on thousands of generated ones
(``tests/test_agreement.py``). :func:`mutation_test` first checks that the unmutated rulebook
passes every case under this evaluator too, and refuses to score otherwise.

Shapes: :func:`mutants` yields :class:`Mutant` (rule, mutant id, file, line, description,
the mutated :class:`~faceright.rulebook.Rule`); :func:`mutation_test` returns a
:class:`Report`. Errors: :class:`~faceright.errors.RuleFileError` for a bad ``mutants.yaml``
(file, line, key, did-you-mean).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .assessment import Assessment, Conclusion, OpenItem
from .conditions import ORDER_OPS, All, Any_, Cond, Not, Ref, Test
from .errors import RuleFileError, did_you_mean
from .expect import check
from .relevance import NONE_PARTY, Evaluator, Run
from .rulebook import Exception_, Rule, Rulebook
from .source import Document, SourceError, read_documents
from .kleene import TRUE, UNKNOWN

MUTANTS_FILE = "mutants.yaml"
#: a path into a rule's YAML: ("when", "all", 2, …)
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Mutant:
    """One wrong version of one rule."""

    rule: str
    id: str
    path: str
    line: int
    description: str
    mutated: Rule = field(repr=False, compare=False)

    def where(self) -> str:
        return f"{self.path}:{self.line}: rule '{self.rule}': mutant {self.id}: {self.description}"


@dataclass(frozen=True)
class Equivalent:
    """A mutant that no case can tell from the rule, and why."""

    rule: str
    mutant: str
    reason: str
    line: int


@dataclass
class Report:
    """The outcome: killed (with the first case that failed), surviving and equivalent mutants."""

    killed: list[tuple[Mutant, str]] = field(default_factory=list)
    survived: list[Mutant] = field(default_factory=list)
    equivalent: list[tuple[Mutant, Equivalent]] = field(default_factory=list)
    cases: int = 0

    @property
    def score(self) -> float:
        """Percentage of non-equivalent mutants killed (100 when there are none)."""
        total = len(self.killed) + len(self.survived)
        return 100.0 * len(self.killed) / total if total else 100.0

    def to_text(self) -> str:
        lines = [f"mutation score: {self.score:.1f}% ({len(self.killed)} killed, "
                 f"{len(self.survived)} survived, {len(self.equivalent)} equivalent; "
                 f"{self.cases} case(s))"]
        if self.survived:
            lines.append("surviving mutants (no case fails against them):")
            lines += [f"  {m.where()}" for m in self.survived]
        return "\n".join(lines)


# --- generating mutants ---------------------------------------------------------------

def _step(test: Test, sign: int) -> Any:
    if isinstance(test.value, dt.date):
        return test.value + dt.timedelta(days=sign)
    return test.value + sign


def _show(cond: Cond) -> str:
    if isinstance(cond, Test):
        value = list(cond.value) if isinstance(cond.value, tuple) else cond.value
        return f"{{fact: {cond.fact}, {cond.op}: {value}}}"
    if isinstance(cond, Ref):
        return (f"{{concl: {cond.concl}" + (f", party: {cond.party}" if cond.party else "")
                + (", established: true}" if cond.established else "}"))
    if isinstance(cond, Not):
        return f"not {_show(cond.item)}"
    return ("all" if isinstance(cond, All) else "any") + f"[{len(cond.items)}]"


def _variants(cond: Cond, loc: Loc) -> Iterator[tuple[Loc, str, str, Cond]]:
    """(location, mutant kind, description, replacement of ``cond``) for every mutable part
    under ``cond``, the part itself included (a drop is located at the part dropped)."""
    yield loc, "negate", f"negate {_show(cond)}", Not(cond)
    if isinstance(cond, Test) and cond.op in ORDER_OPS:
        for sign, kind in ((-1, "threshold-"), (1, "threshold+")):
            moved = dataclasses.replace(cond, value=_step(cond, sign))
            yield loc, kind, f"{_show(cond)} -> {_show(moved)}", moved
    if isinstance(cond, Ref) and cond.party is not None:
        yield loc, "widen", f"{_show(cond)} -> any party", Ref(cond.concl, None, cond.established)
    if isinstance(cond, Ref) and cond.established:
        yield loc, "possible", f"{_show(cond)} -> also when open", Ref(cond.concl, cond.party)
    if isinstance(cond, Not):
        yield from _children(cond.item, (*loc, "not"), lambda c: Not(c))
    if isinstance(cond, (All, Any_)):
        key = "all" if isinstance(cond, All) else "any"
        make: Any = type(cond)
        for i, item in enumerate(cond.items):
            rest = cond.items[:i] + cond.items[i + 1:]
            yield (*loc, key, i), "drop", f"drop {_show(item)}", make(rest)
            yield from _children(
                item, (*loc, key, i),
                lambda c, i=i: make(cond.items[:i] + (c,) + cond.items[i + 1:]))


def _children(cond: Cond, loc: Loc, wrap: Any) -> Iterator[tuple[Loc, str, str, Cond]]:
    for where, kind, text, new in _variants(cond, loc):
        yield where, kind, text, wrap(new)


def _label(loc: Loc, kind: str) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return f"{out}.{kind}"


def _rule_docs(book: Rulebook) -> dict[str, tuple[Document, int]]:
    """Each rule's file document and index in its file, to find the line of a part."""
    out: dict[str, tuple[Document, int]] = {}
    for path in sorted({r.path for r in book.rules}):
        try:
            doc = next(read_documents(Path(path).read_text(encoding="utf-8")))
        except (OSError, UnicodeError, SourceError, StopIteration):
            continue
        for i, spec in enumerate(doc.data.get("rules", []) if isinstance(doc.data, dict) else []):
            if isinstance(spec, dict) and isinstance(spec.get("id"), str):
                out[spec["id"]] = (doc, i)
    return out


def mutants(book: Rulebook) -> Iterator[Mutant]:
    """Every mutant of every rule, in rule-id order."""
    docs = _rule_docs(book)

    def line(rule: Rule, loc: Loc) -> int:
        if rule.id not in docs:
            return rule.line
        doc, index = docs[rule.id]
        return doc.line_of(("rules", index, *loc))

    for rule in sorted(book.rules, key=lambda r: r.id):
        if not isinstance(rule.cond, (All, Any_)):
            yield Mutant(rule.id, "when.drop", rule.path, line(rule, ("when",)),
                         f"drop {_show(rule.cond)} (the rule always applies)",
                         dataclasses.replace(rule, cond=All(())))
        for loc, kind, text, cond in _variants(rule.cond, ("when",)):
            mutated = dataclasses.replace(rule, cond=cond)
            yield Mutant(rule.id, _label(loc, kind), rule.path, line(rule, loc), text, mutated)
        for i, exc in enumerate(rule.exceptions):
            rest = rule.exceptions[:i] + rule.exceptions[i + 1:]
            yield Mutant(rule.id, f"unless[{i}].drop", rule.path, line(rule, ("unless", i)),
                         f"drop exception unless[{i}]", dataclasses.replace(rule, exceptions=rest))
            for loc, kind, text, cond in _variants(exc.cond, ("unless", i, "when")):
                new = Exception_(cond, exc.provisions, exc.text)
                excs = rule.exceptions[:i] + (new,) + rule.exceptions[i + 1:]
                yield Mutant(rule.id, _label(loc, kind), rule.path, line(rule, loc), text,
                             dataclasses.replace(rule, exceptions=excs))


# --- the equivalent-mutant list ---------------------------------------------------------

def load_equivalents(directory: Path, book: Rulebook) -> dict[tuple[str, str], Equivalent]:
    """``rules/mutants.yaml``: ``equivalent: [{rule, mutant, reason}, …]`` (the file is
    optional). Unknown rule or mutant ids, a missing reason, duplicates and unknown keys are
    :class:`RuleFileError`\\ s naming the file, line and key."""
    path = directory / MUTANTS_FILE
    if not path.is_file():
        return {}
    where = str(path)
    try:
        docs = list(read_documents(path.read_text(encoding="utf-8")))
    except SourceError as exc:
        raise RuleFileError(where, exc.line, None, exc.key, exc.message) from None
    except (OSError, UnicodeError) as exc:
        raise RuleFileError(where, None, None, None, f"cannot read: {exc}") from None
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        raise RuleFileError(where, 1, None, None, "expected one mapping with the key 'equivalent'")
    doc = docs[0]
    extra = sorted(set(doc.data) - {"equivalent"})
    if extra:
        raise RuleFileError(where, doc.line_of((extra[0],)), None, extra[0],
                            f"unknown key '{extra[0]}'" + did_you_mean(extra[0], ["equivalent"]))
    entries = doc.data.get("equivalent") or []
    if not isinstance(entries, list):
        raise RuleFileError(where, doc.line_of(("equivalent",)), None, "equivalent", "expected a list")
    known: dict[str, set[str]] = {}
    for m in mutants(book):
        known.setdefault(m.rule, set()).add(m.id)
    out: dict[tuple[str, str], Equivalent] = {}
    for i, entry in enumerate(entries):
        loc: Loc = ("equivalent", i)
        line = doc.line_of(loc)
        if not isinstance(entry, dict):
            raise RuleFileError(where, line, None, f"equivalent.{i}", "expected a mapping with rule, mutant, reason")
        for key in sorted(entry):
            if key not in ("rule", "mutant", "reason"):
                raise RuleFileError(where, doc.line_of((*loc, key)), None, f"equivalent.{i}.{key}",
                                    f"unknown key '{key}'" + did_you_mean(key, ["rule", "mutant", "reason"]))
        for key in ("rule", "mutant", "reason"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise RuleFileError(where, line, None, f"equivalent.{i}.{key}", f"'{key}' must be non-empty text")
        rule, mutant, reason = entry["rule"], entry["mutant"], entry["reason"]
        if rule not in known:
            raise RuleFileError(where, doc.line_of((*loc, "rule")), None, f"equivalent.{i}.rule",
                                f"unknown rule '{rule}'" + did_you_mean(rule, known))
        if mutant not in known[rule]:
            raise RuleFileError(where, doc.line_of((*loc, "mutant")), rule, f"equivalent.{i}.mutant",
                                f"unknown mutant '{mutant}'" + did_you_mean(mutant, known[rule]))
        if (rule, mutant) in out:
            raise RuleFileError(where, line, rule, f"equivalent.{i}", f"mutant '{mutant}' listed twice")
        out[(rule, mutant)] = Equivalent(rule, mutant, reason, line)
    return out


# --- running ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """A case with expectations, as the evaluator needs it."""

    label: str
    case_id: str
    facts: dict[str, Any]
    law_day: dt.date | None
    expect: Any


Runner = Callable[[dict[str, Any]], Run]


def _assessment(evaluator: Evaluator, public: set[str], case: Case,
                runner: Runner | None = None) -> Assessment:
    """What the Kleene evaluator makes of a case, in the Assessment shape :func:`check` reads
    (conclusions and open items with their parties; provisions and reasons left empty).
    ``runner`` evaluates facts of this case (default: ``evaluator.run`` on its date)."""
    run_of: Runner = runner or (lambda facts: evaluator.run(facts, case.law_day))
    run = run_of(case.facts)
    held, open_ = [], []
    suggests = {c: s.suggests for c, s in evaluator.book.conclusions.items() if s.suggests}
    likely = {suggests[cid] for (cid, _), (value, _) in run.status.items()
              if cid in suggests and value is TRUE}
    if_true = run_of({**case.facts, **{f: True for f in likely}}).status if likely else {}
    for (cid, party), (value, needs) in sorted(run.status.items()):
        if cid not in public:
            continue
        who = None if party == NONE_PARTY else party
        if value is TRUE:
            held.append(Conclusion.model_construct(id=cid, status="holds", party=who, provisions=[],
                                                   because=[], scope=None, policies_used=None,
                                                   contested=None))
        elif value is UNKNOWN:
            marked = bool(set(needs) & likely) and if_true.get((cid, party), (None,))[0] is TRUE
            open_.append(OpenItem.model_construct(id=cid, party=who, needs=sorted(needs), provisions=[],
                                                  likely=True if marked else None, indicators=None))
    return Assessment.model_construct(format="faceright/1", case=case.case_id, law_as_of=None,
                                      rules_version="", conclusions=held, open=open_)


def failures(book: Rulebook, cases: Sequence[Case], bases: Bases | None = None,
             changed: str | None = None) -> Iterator[tuple[Case, list[str]]]:
    """Each case that fails its expectations under ``book`` (Kleene evaluator). ``bases``:
    each case's runs (by position; see :func:`base_runs`). Given them alone, they are the
    runs; given also ``changed``, they are the runs under a rulebook that differs from
    ``book`` in that rule only: only what the rule reaches is evaluated again, and a case on
    which the rule's results are unchanged is skipped (it passes as it did unmutated)."""
    evaluator = Evaluator(book)
    public = set(book.public_conclusions())
    for i, case in enumerate(cases):
        runner: Runner | None = None
        if bases is not None:
            done = {key: run for key, (_, run) in bases[i].items()}
            if changed is not None:
                done = {key: evaluator.rerun(facts, case.law_day, base, changed)
                        for key, (facts, base) in bases[i].items()}
                if all(done[key].result(k) == base.result(k) for key, (_, base) in bases[i].items()
                       for k in evaluator.keys_of(changed)):
                    continue  # the mutated rule concludes as before on every run: nothing changes
            runner = _runner(evaluator, case, done)
        missed = check(_assessment(evaluator, public, case, runner), case.expect)
        if missed:
            yield case, missed


#: per case (by position): each facts evaluated (by :func:`_key`), with the facts and its run
Bases = dict[int, dict[Any, tuple[dict[str, Any], Run]]]


def _runner(evaluator: Evaluator, case: Case, done: dict[Any, Run]) -> Runner:
    """Evaluates facts of ``case``: the run already ``done`` for them, or a new one."""
    def run(facts: dict[str, Any]) -> Run:
        found = done.get(_key(facts))
        return found if found is not None else evaluator.run(facts, case.law_day)
    return run


def _key(facts: dict[str, Any]) -> Any:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in facts.items()))


def base_runs(book: Rulebook, cases: Sequence[Case]) -> Bases:
    """Each case's runs under ``book`` (its facts, and its facts with the likely judgements
    taken as true), for :func:`failures` to check the cases and, for a mutant, to evaluate
    again only what it changes."""
    evaluator = Evaluator(book)
    public = set(book.public_conclusions())
    out: Bases = {}
    for i, case in enumerate(cases):
        runs: dict[Any, tuple[dict[str, Any], Run]] = {}

        def runner(facts: dict[str, Any], case: Case = case,
                   runs: dict[Any, tuple[dict[str, Any], Run]] = runs) -> Run:
            run = evaluator.run(facts, case.law_day)
            runs[_key(facts)] = (facts, run)
            return run
        _assessment(evaluator, public, case, runner)
        out[i] = runs
    return out


class BaselineError(Exception):
    """The unmutated rulebook already fails some case: a score would mean nothing."""


def mutation_test(book: Rulebook, cases: Sequence[Case],
                  equivalents: dict[tuple[str, str], Equivalent] | None = None,
                  only: Sequence[str] = ()) -> Report:
    """Run every mutant against the cases; raise :class:`BaselineError` when the unmutated
    rulebook fails one (naming it). ``only``: shell-style patterns (``offences.*``) on rule
    ids; when given, only those rules are mutated (the score is then theirs alone)."""
    equivalents = equivalents or {}
    bases = base_runs(book, cases)
    for case, missed in failures(book, cases, bases):
        raise BaselineError(f"{case.label}: case '{case.case_id}' fails without any mutation: {missed[0]}")
    report = Report(cases=len(cases))
    index = {r.id: i for i, r in enumerate(book.rules)}
    for mutant in mutants(book):
        if only and not any(fnmatch.fnmatchcase(mutant.rule, pattern) for pattern in only):
            continue
        rules = list(book.rules)
        rules[index[mutant.rule]] = mutant.mutated
        found = next(failures(dataclasses.replace(book, rules=tuple(rules)), cases, bases, mutant.rule), None)
        equivalent = equivalents.get((mutant.rule, mutant.id))
        if equivalent is not None and found is None:
            report.equivalent.append((mutant, equivalent))
        elif found is not None:
            report.killed.append((mutant, f"{found[0].label}: {found[1][0]}"))
        else:
            report.survived.append(mutant)
    return report


def stale_equivalents(report: Report, equivalents: dict[tuple[str, str], Equivalent]) -> list[Equivalent]:
    """Equivalent-listed mutants some case now kills: the list is out of date."""
    killed = {(m.rule, m.id) for m, _ in report.killed}
    return [e for key, e in sorted(equivalents.items()) if key in killed]


def load_cases(engine: Any, files: Sequence[str]) -> list[Case]:
    """Every case with expectations in ``files``; raises the first
    :class:`~faceright.errors.CaseFileError` met."""
    from .casefile import read_cases
    out: list[Case] = []
    for path in files:
        for loaded in read_cases(engine.reader, path):
            if loaded.error is not None:
                raise loaded.error
            case: Any = loaded.case
            if case.expect is not None:
                out.append(Case(str(loaded.where), case.case, engine.facts_of(case),
                                case.incident_date, case.expect))
    return out
