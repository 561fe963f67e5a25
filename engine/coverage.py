"""Rule coverage over a corpus: how often each rule fired, whether each of its conditions and
exceptions was ever decisive (the only thing deciding the rule: flip it and the rule's result
flips), and how often each provision was cited.

Decisiveness is computed as explanations do: each condition's three-valued value (:mod:`.kleene`)
against the engine's own conclusions for the case.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .compiler import NO_PARTY
from .conditions import SAME, All, Cond
from .evaluate import Engine
from .explain import condition_value
from .kleene import TRUE, UNKNOWN, in_time
from .regression import CaseResult
from .rulebook import Rule


def terms(rule: Rule) -> list[tuple[str, Cond, bool]]:
    """The rule's conditions (top-level parts of ``when``) and exceptions, labelled."""
    parts = list(rule.cond.items) if isinstance(rule.cond, All) else [rule.cond]
    out = [(f"when[{i}]", c, False) for i, c in enumerate(parts)]
    out += [(f"unless[{i}]", e.cond, True) for i, e in enumerate(rule.exceptions)]
    return out


@dataclass
class Coverage:
    """What the corpus exercised."""

    fired: Counter[str] = field(default_factory=Counter)
    decisive: dict[str, set[str]] = field(default_factory=dict)
    cited: Counter[str] = field(default_factory=Counter)
    rules: list[Rule] = field(default_factory=list)

    def gaps(self) -> list[tuple[str, str]]:
        """(rule, condition) pairs never decisive in any case."""
        return [(r.id, label) for r in self.rules for label, _, _ in terms(r)
                if label not in self.decisive.get(r.id, set())]

    def to_text(self) -> str:
        lines = ["", "coverage:"]
        for rule in self.rules:
            labels = [label for label, _, _ in terms(rule)]
            seen = self.decisive.get(rule.id, set())
            mark = "".join("✔" if label in seen else "·" for label in labels)
            lines.append(f"  {rule.id:48} fired {self.fired[rule.id]:4}  decisive {mark}")
        gaps = self.gaps()
        lines.append(f"conditions never decisive: {len(gaps)}")
        lines += [f"  {r}: {label}" for r, label in gaps]
        lines.append(f"provisions cited: {len(self.cited)}")
        return "\n".join(lines)


def _decisive(engine: Engine, rule: Rule, derivations: Any, facts: dict[str, Any],
              law_day: Any) -> set[str]:
    if in_time(rule, facts, law_day)[0] is not TRUE:
        return set()
    parties = list(engine.book.parties) if rule.spec.conclude.party == SAME else [NO_PARTY]
    found: set[str] = set()
    for party in parties:
        values = []
        for label, cond, negated in terms(rule):
            v = condition_value(derivations, facts, party, cond)
            values.append((label, ~v if negated else v))
        for label, v in values:
            others = [w for other, w in values if other != label]
            if v is not UNKNOWN and all(w is TRUE for w in others):
                found.add(label)
    return found


def coverage_report(engine: Engine, results: list[CaseResult]) -> Coverage:
    """Coverage of every rule over the assessed cases."""
    from .casefile import read_cases
    report = Coverage(rules=sorted(engine.book.rules, key=lambda r: r.id))
    for result in results:
        for loaded in read_cases(engine.reader, result.where.path):
            if loaded.case is None or loaded.case.case != result.case_id:
                continue
            case = loaded.case
            derivations, _ = engine.derive(case)
            facts = engine.facts_of(case)
            for key, twins in derivations.firings.items():
                for rid in {f.variant.rule.id for f in twins["d"]}:
                    report.fired[rid] += 1
            for rule in report.rules:
                report.decisive.setdefault(rule.id, set()).update(
                    _decisive(engine, rule, derivations, facts, case.incident_date))
            for c in result.assessment.conclusions if result.assessment else []:
                report.cited.update(c.provisions)
    return report
