"""Explanations: derivation trees (why), the failing part of each rule (why not), and
counterfactual flips found by re-running the engine with one fact changed.

Everything here returns data; the CLI renders it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .assessment import Derivations, Key, label, show
from .compiler import NO_PARTY
from .runtime import Firing
from .conditions import SAME, Cond, Ref, Test, refs, tests
from .evaluate import Engine
from .probes import probe_values
from .kleene import FALSE, NOTHING, TRUE, UNKNOWN, Result, Truth, diagnose, evaluate, in_time
from .rulebook import Rule
from .vocabulary import INCIDENT_DATE


@dataclass
class Step:
    """One conclusion in a derivation: the rule and provisions behind it, the facts it used,
    and the conclusions it built on (each a Step of its own)."""

    key: Key
    status: str
    rule: str
    title_zh: str
    title_en: str
    provisions: list[str]
    facts: list[str]
    exceptions_checked: list[str]
    below: list[Step] = field(default_factory=list)


def _facts(firing: Firing, shown: dict[str, Any]) -> list[str]:
    out = set()
    for lit in firing.variant.literals:
        atom = lit.atom
        if isinstance(atom, Test) and atom.fact in shown:
            out.add(f"{atom.fact} = {show(shown[atom.fact])}")
    return sorted(out)


def why(engine: Engine, derivations: Derivations, shown: dict[str, Any], key: Key,
        seen: frozenset[Key] = frozenset()) -> list[Step]:
    """The derivations of a conclusion down to facts (one Step per rule that reached it)."""
    status = derivations.status(key)
    twins = derivations.firings.get(key, {"d": [], "p": []})
    firings = twins["d"] if status == "holds" else twins["p"]
    by_rule: dict[str, list[Firing]] = {}
    for firing in firings:
        by_rule.setdefault(firing.variant.rule.id, []).append(firing)
    steps = []
    for rule_id in sorted(by_rule):
        group = by_rule[rule_id]
        rule = group[0].variant.rule
        joined = sorted({k for f in group for k in f.joined})
        negated = sorted({("not established " if ref.established else "not ")
                          + (label(k) if k[1] != NO_PARTY else k[0])
                          for f in group for ref in f.variant.negations
                          for k in [(ref.concl, ref.party or "any")]})
        step = Step(key, status, rule_id, rule.spec.title_zh, rule.spec.title_en,
                    sorted({p for f in group for p in f.variant.provisions()}),
                    sorted({x for f in group for x in _facts(f, shown)}), negated)
        step.below = [s for k in joined if k not in seen
                      for s in why(engine, derivations, shown, k, seen | {key})]
        steps.append(step)
    return steps


@dataclass
class Diagnosis:
    """Why one rule does not (definitely) reach its conclusion."""

    rule: str
    title_en: str
    provisions: list[str]
    verdict: str
    reasons: list[str]


def _describe(test: Test) -> str:
    return f"{test.fact} {test.op} {show(test.value)}"


class _Conclusions:
    """Conclusion references of one party's rule, valued by the engine's own conclusions for
    the case (holds: TRUE, open: UNKNOWN, else FALSE)."""

    def __init__(self, derivations: Derivations, party: str) -> None:
        self.derivations = derivations
        self.party = party

    def want(self, ref: Ref) -> str | None:
        return self.party if ref.party == SAME else ref.party

    def __call__(self, ref: Ref) -> Result:
        want = self.want(ref)
        found = [self.derivations.status(k) for k in self.derivations.firings
                 if k[0] == ref.concl and (want is None or k[1] == want)]
        return (TRUE if "holds" in found else (UNKNOWN if "open" in found else FALSE)), NOTHING


def condition_value(derivations: Derivations, facts: dict[str, Any], party: str, cond: Cond) -> Truth:
    """A condition's value on the case's facts and the engine's conclusions for it."""
    return evaluate(cond, facts, _Conclusions(derivations, party))[0]


def _diagnose(derivations: Derivations, facts: dict[str, Any], party: str, cond: Cond,
              out: list[str]) -> Truth:
    """A condition's value (as :func:`condition_value`), adding to ``out`` what fails in it
    or stays unknown."""
    refs_ = _Conclusions(derivations, party)
    value, blame = diagnose(cond, facts, refs_)
    for part in blame:
        if isinstance(part.leaf, Ref):
            want = refs_.want(part.leaf)
            text = f"conclusion {part.leaf.concl}" + (f"@{want}" if want and want != NO_PARTY else "")
        else:
            fact = part.leaf.fact
            have = show(facts[fact]) if fact in facts else "unknown"
            text = f"{'not ' if part.negated else ''}{_describe(part.leaf)} (the case has {have})"
        out.append(f"{'fails' if part.value is FALSE else 'unknown'}: {text}")
    return value


def _period_reason(rule: Rule, law_day: dt.date | None, applies: Result) -> str | None:
    """Why the rule may not apply in time (``applies``: :func:`.kleene.in_time`), if it may not."""
    value, needs = applies
    if value is TRUE:
        return None
    if value is UNKNOWN and INCIDENT_DATE in needs:
        return "unknown: incident_date (decides which law applies)"
    if value is UNKNOWN:
        return (f"unknown: {', '.join(sorted(needs))} (the rule applies from {rule.start} to conduct "
                "continuing into it)")
    span = f"{rule.start or 'always'} to {rule.until or 'now'}"
    return f"not in force: the rule applies {span}, the law date is {law_day}"


def why_not(engine: Engine, derivations: Derivations, facts: dict[str, Any],
            law_day: dt.date | None, cid: str) -> list[Diagnosis]:
    """For each rule concluding ``cid``: its period, failing conditions, exceptions, unknowns."""
    out = []
    for rule in sorted(engine.book.rules_for(cid), key=lambda r: r.id):
        parties = list(engine.book.parties) if rule.spec.conclude.party == SAME else [
            rule.spec.conclude.party or NO_PARTY]
        best: tuple[Truth, list[str]] | None = None
        applies = in_time(rule, facts, law_day)
        for party in parties:
            reasons: list[str] = []
            when = _period_reason(rule, law_day, applies)
            if when:
                reasons.append(when)
            value = _diagnose(derivations, facts, party, rule.cond, reasons)
            for i, exc in enumerate(rule.exceptions):
                local: list[str] = []
                ev = _diagnose(derivations, facts, party, exc.cond, local)
                if ev is TRUE:
                    reasons.append(f"defeated by exception {i + 1} ({', '.join(exc.provisions)})")
                elif ev is UNKNOWN:
                    reasons.append(f"exception {i + 1} ({', '.join(exc.provisions)}) may apply: "
                                   + "; ".join(local))
                value &= ~ev
            if applies[0] is FALSE:
                value = FALSE
            if best is None or value > best[0]:
                best = (value, reasons)
        assert best is not None
        verdict = {TRUE: "holds", UNKNOWN: "open", FALSE: "does not hold"}[best[0]]
        out.append(Diagnosis(rule.id, rule.spec.title_en, sorted(rule.spec.provisions), verdict,
                             best[1]))
    return out


@dataclass(frozen=True)
class Flip:
    """Changing one fact changes a conclusion's status."""

    conclusion: str
    fact: str
    old: str
    new: str
    status_before: str
    status_after: str


def _relevant_facts(engine: Engine, cid: str) -> set[str]:
    """Facts the rules behind ``cid`` read, directly or through the conclusions they use."""
    todo, seen = [cid], set()
    facts = {INCIDENT_DATE, *(r.continued_by for r in engine.book.rules if r.continued_by)}
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for rule in engine.book.rules_for(current):
            conds = [rule.cond, *(e.cond for e in rule.exceptions)]
            facts |= {t.fact for c in conds for t in tests(c)}
            todo += [r.concl for c in conds for r in refs(c)]
    return facts


def _candidates(engine: Engine, points: dict[str, list[Any]], fact: str, current: Any) -> list[Any]:
    """Unknown, then every other value worth trying (a list fact: each value toggled)."""
    if engine.book.vocabulary.spec(fact).type == "list":
        base = set(current or [])
        values = [sorted(base ^ {v}) for v in engine.book.vocabulary.spec(fact).values if base ^ {v}]
    else:
        values = points[fact]
    return [None, *(v for v in values if v != current)]


def _status(assessment: Any, cid: str) -> str:
    if assessment.holds(cid):
        return "holds"
    return "open" if assessment.is_open(cid) else "absent"


def _direct_facts(engine: Engine, cid: str) -> set[str]:
    return {t.fact for r in engine.book.rules_for(cid)
            for c in [r.cond, *(e.cond for e in r.exceptions)] for t in tests(c)}


def flips(engine: Engine, case: Any, conclusions: list[str], as_of: dt.date | None = None,
          limit: int | None = None) -> list[Flip]:
    """Single fact changes that change the status of each given conclusion (re-running the
    engine); the facts the conclusions' own rules read are tried first. ``limit`` stops early."""
    base = engine.assess(case, as_of)
    data = case.model_dump(exclude_none=True)
    data.pop("expect", None)
    out: list[Flip] = []
    points = probe_values(engine.book)
    direct = set().union(*(_direct_facts(engine, c) for c in conclusions)) if conclusions else set()
    facts = set().union(*(_relevant_facts(engine, c) for c in conclusions)) if conclusions else set()
    for fact in sorted(facts, key=lambda f: (f not in direct, f)):
        if limit is not None and len(out) >= limit:
            break
        top = fact == INCIDENT_DATE
        current = data.get(fact) if top else data.get("facts", {}).get(fact)
        for value in _candidates(engine, points, fact, current):
            changed = {**data, "facts": dict(data.get("facts", {}))}
            target = changed if top else changed["facts"]
            if value is None:
                target.pop(fact, None)
            else:
                target[fact] = value
            after = engine.assess(engine.case(changed), as_of)
            for cid in conclusions:
                before_s, after_s = _status(base, cid), _status(after, cid)
                if before_s != after_s:
                    out.append(Flip(cid, fact, show(current) if current is not None else "unknown",
                                    show(value) if value is not None else "unknown", before_s, after_s))
    return sorted(out, key=lambda f: (f.conclusion, f.fact, f.new))


@dataclass
class Report:
    """What ``faceright explain`` shows for one case."""

    case: str
    law_as_of: str | None
    why: dict[str, list[Step]]
    why_not: dict[str, list[Diagnosis]]
    flips: list[Flip] | None
    incident_period: dict[str, str] | None = None
    #: open conclusions marked likely (``id@party``) → the observable facts indicating them
    likely: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict
        return {"case": self.case, "law_as_of": self.law_as_of,
                **({"incident_period": self.incident_period} if self.incident_period else {}),
                "why": {k: [asdict(s) for s in v] for k, v in self.why.items()},
                "why_not": {k: [asdict(d) for d in v] for k, v in self.why_not.items()},
                "flips": None if self.flips is None else [asdict(f) for f in self.flips],
                "likely": self.likely}

    def to_text(self, engine: Engine, lang: str) -> str:
        period = self.incident_period
        lines = [f"case {self.case} (law as of {self.law_as_of or '?'}"
                 + (f"; incident between {period['from']} and {period['to']}" if period else "") + ")"]
        for name, steps in self.why.items():
            lines.append("")
            if not steps:
                lines.append(f"{name}: neither holds nor is open (try --why-not {name.split('@')[0]})")
            for step in steps:
                _step_lines(step, lines, 0, lang)
            if name in self.likely:
                lines.append("  likely: the judgements it needs are indicated by: "
                             + "; ".join(self.likely[name]))
        for name, diags in self.why_not.items():
            lines += ["", f"why not {name}:"]
            for d in diags:
                lines.append(f"  rule {d.rule} [{', '.join(d.provisions)}]: {d.verdict}")
                lines += [f"    - {r}" for r in d.reasons]
        if self.flips is not None:
            lines += ["", "flips (one fact changed, engine re-run):"]
            if not self.flips:
                lines.append("  none: no single fact change alters these conclusions")
            for f in self.flips:
                lines.append(f"  {f.conclusion}: {f.fact} {f.old} -> {f.new}: "
                             f"{f.status_before} -> {f.status_after}")
        from .render import DISCLAIMER
        lines += ["", DISCLAIMER[lang]]
        return "\n".join(lines) + "\n"


def _step_lines(step: Step, lines: list[str], depth: int, lang: str) -> None:
    pad = "  " * depth
    title = step.title_zh if lang == "zh" else step.title_en
    lines.append(f"{pad}{label(step.key)} — {step.status}")
    lines.append(f"{pad}  rule {step.rule}: {title} [{', '.join(step.provisions)}]")
    if step.facts:
        lines.append(f"{pad}  facts: {'; '.join(step.facts)}")
    if step.exceptions_checked:
        lines.append(f"{pad}  checked: {'; '.join(step.exceptions_checked)}")
    for child in step.below:
        _step_lines(child, lines, depth + 2, lang)


def explain_case(engine: Engine, case: Any, as_of: dt.date | None, why_key: tuple[str, str | None] | None,
                 why_not_id: str | None, want_flips: bool) -> Report:
    """Explain one case: by default every conclusion that holds or is open."""
    derivations, shown = engine.derive(case, as_of)
    assessment = engine.assess(case, as_of)
    public = set(engine.book.public_conclusions())
    if why_key is not None:
        keys = [k for k in sorted(derivations.firings) if k[0] == why_key[0]
                and (why_key[1] is None or k[1] == why_key[1])] or [(why_key[0], why_key[1] or NO_PARTY)]
    elif why_not_id is None:
        keys = [k for k in sorted(derivations.firings)
                if k[0] in public and derivations.status(k) != "absent"]
    else:
        keys = []
    trees = {label(k): why(engine, derivations, shown, k) for k in keys}
    diags = {}
    if why_not_id:  # per engine run: a date given as a range runs once per segment of the law
        for view in engine.views(case, as_of):
            name = f"{why_not_id} ({view.where})" if view.where else why_not_id
            diags[name] = why_not(engine, view.derivations, view.facts, view.law_day, why_not_id)
    found = None
    if want_flips:
        targets = sorted({k[0] for k in keys} | ({why_not_id} if why_not_id else set())) or sorted(
            {c.id for c in assessment.conclusions})
        found = flips(engine, case, targets, as_of)
    likely = {label((o.id, o.party or NO_PARTY)): list(o.indicators or [])
              for o in assessment.open if o.likely and label((o.id, o.party or NO_PARTY)) in trees}
    return Report(case.case, assessment.law_as_of, trees, diags, found, assessment.incident_period,
                  likely)
