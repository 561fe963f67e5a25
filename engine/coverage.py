"""Rule coverage over a corpus: how often each rule fired, whether each of its conditions and
exceptions — down to every nested ``all``/``any``/``not`` part and every threshold's two
boundaries — was ever decisive (flip it, or move the threshold one unit, and the rule's result
changes: to its opposite, or between decided and open), and how often each provision was cited.
A part that can never be decisive because its mutant is listed as equivalent in
``rules/mutants.yaml`` (negating the part, or moving the threshold) is reported apart, not as a gap.

Decisiveness is computed as explanations do: each condition's three-valued value (:mod:`.kleene`)
against the engine's own conclusions for the case.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .compiler import NO_PARTY
from .conditions import ORDER_OPS, SAME, All, Any_, Cond, Not, Test
from .evaluate import Engine
from .explain import condition_value
from .kleene import FALSE, TRUE, UNKNOWN, in_time
from .regression import CaseResult
from .rulebook import Rule


def terms(rule: Rule) -> list[tuple[str, Cond, bool]]:
    """The rule's conditions (top-level parts of ``when``) and exceptions, labelled."""
    parts = list(rule.cond.items) if isinstance(rule.cond, All) else [rule.cond]
    out = [(f"when[{i}]", c, False) for i, c in enumerate(parts)]
    out += [(f"unless[{i}]", e.cond, True) for i, e in enumerate(rule.exceptions)]
    return out


#: constants for a forced part: an empty ``all`` is TRUE, an empty ``any`` FALSE
_FORCED: dict[Any, Cond] = {TRUE: All(()), FALSE: Any_(())}


def _nested(label: str, cond: Cond) -> Iterator[tuple[str, Cond]]:
    """``(label, part)`` for every part strictly inside ``cond`` (``when[3].any[1].all[0]``)."""
    if isinstance(cond, Not):
        yield f"{label}.not", cond.item
        yield from _nested(f"{label}.not", cond.item)
    elif isinstance(cond, (All, Any_)):
        key = "all" if isinstance(cond, All) else "any"
        for i, item in enumerate(cond.items):
            yield f"{label}.{key}[{i}]", item
            yield from _nested(f"{label}.{key}[{i}]", item)


def parts(rule: Rule) -> list[tuple[str, Cond]]:
    """Every part of the rule that coverage requires to be decisive: the top-level conditions
    and exceptions, every part nested in them, and, for each ordered test (``ge 3000``), its
    two boundaries (``… threshold-``: a case where moving the threshold one unit down flips the
    rule; ``… threshold+``: one unit up)."""
    out: list[tuple[str, Cond]] = []
    for label, cond, _ in terms(rule):
        out.append((label, cond))
        out += list(_nested(label, cond))
    bounds = [(f"{label} threshold{sign}", cond) for label, cond in out
              if isinstance(cond, Test) and cond.op in ORDER_OPS for sign in "-+"]
    return out + bounds


def _replace(cond: Cond, label: str, at: str, new: Cond) -> Cond:
    """``cond`` (labelled ``label``) with the part labelled ``at`` replaced by ``new``."""
    if label == at:
        return new
    if not at.startswith(label + "."):
        return cond
    if isinstance(cond, Not):
        return Not(_replace(cond.item, f"{label}.not", at, new))
    if isinstance(cond, (All, Any_)):
        key = "all" if isinstance(cond, All) else "any"
        return type(cond)(tuple(_replace(c, f"{label}.{key}[{i}]", at, new)
                                for i, c in enumerate(cond.items)))
    return cond


def _moved(test: Test, sign: str) -> Test:
    one: Any = dt.timedelta(days=1) if isinstance(test.value, dt.date) else 1
    return dataclasses.replace(test, value=test.value - one if sign == "-" else test.value + one)


@dataclass
class Coverage:
    """What the corpus exercised."""

    fired: Counter[str] = field(default_factory=Counter)
    decisive: dict[str, set[str]] = field(default_factory=dict)
    cited: Counter[str] = field(default_factory=Counter)
    rules: list[Rule] = field(default_factory=list)
    #: (rule id, mutant id) pairs listed as equivalent mutants (``rules/mutants.yaml``)
    equivalent: frozenset[tuple[str, str]] = frozenset()

    def _undecided(self) -> list[tuple[str, str]]:
        return [(r.id, label) for r in self.rules for label, _ in parts(r)
                if label not in self.decisive.get(r.id, set())]

    def gaps(self) -> list[tuple[str, str]]:
        """(rule, condition) pairs never decisive in any case, except those whose mutant is
        listed as equivalent (:meth:`excused`)."""
        rules = {r.id: r for r in self.rules}
        return [(rid, label) for rid, label in self._undecided()
                if (rid, mutant_id(rules[rid], label)) not in self.equivalent]

    def excused(self) -> list[tuple[str, str]]:
        """(rule, condition) pairs never decisive whose mutant (``mutant_id``) is listed as
        equivalent: no case can make them decisive."""
        gaps = set(self.gaps())
        return [g for g in self._undecided() if g not in gaps]

    def to_text(self) -> str:
        lines = ["", "coverage:"]
        for rule in self.rules:
            labels = [label for label, _ in parts(rule)]
            seen = self.decisive.get(rule.id, set())
            mark = "".join("✔" if label in seen else "·" for label in labels)
            lines.append(f"  {rule.id:48} fired {self.fired[rule.id]:4}  decisive {mark}")
        gaps = self.gaps()
        lines.append(f"conditions never decisive: {len(gaps)}")
        lines += [f"  {r}: {label}" for r, label in gaps]
        excused = self.excused()
        if excused:
            lines.append(f"never decisive, equivalent mutant listed in mutants.yaml: {len(excused)}")
            lines += [f"  {r}: {label}" for r, label in excused]
        lines.append(f"provisions cited: {len(self.cited)}")
        return "\n".join(lines)


def mutant_id(rule: Rule, label: str) -> str:
    """The id of the rule mutant (:func:`faceright.mutate.mutants`) that forces the part
    labelled ``label``: its negation (``when.all[3].any[2].negate`` for ``when[3].any[2]``), or
    the moved threshold (``… threshold+`` → ``….threshold+``)."""
    where, _, bound = label.partition(" ")
    head, _, rest = where.partition(".")
    index = int(head[head.index("[") + 1:-1])
    if head.startswith("unless"):
        out = f"unless[{index}].when"
    else:
        out = f"when.all[{index}]" if isinstance(rule.cond, All) else "when"
    if rest:
        out += "." + rest
    return f"{out}.{bound or 'negate'}"


def _decisive(engine: Engine, rule: Rule, derivations: Any, facts: dict[str, Any],
              law_day: Any) -> set[str]:
    """The labels of :func:`parts` decisive in this case: forcing the part to the opposite of
    its (decided) value changes the rule's (decided) value for some party — to the opposite,
    or to unknown — or, for a threshold boundary, moving the threshold one unit does."""
    if in_time(rule, facts, law_day)[0] is not TRUE:
        return set()
    parties = list(engine.book.parties) if rule.spec.conclude.party == SAME else [NO_PARTY]
    tops = terms(rule)
    found: set[str] = set()
    for party in parties:
        def value(conds: list[Cond]) -> Any:
            return condition_value(derivations, facts, party,
                                   All(tuple(c if not neg else Not(c)
                                             for c, (_, _, neg) in zip(conds, tops))))
        base = value([c for _, c, _ in tops])
        if base is UNKNOWN:
            continue
        for label, part in parts(rule):
            if label in found:
                continue
            top = label.split(".")[0].split(" ")[0]
            i = next(j for j, (lab, _, _) in enumerate(tops) if lab == top)
            if " threshold" in label:
                assert isinstance(part, Test)
                new: Cond = _moved(part, label[-1])
                at = label.split(" ")[0]
                if condition_value(derivations, facts, party, part) is UNKNOWN:
                    continue
            else:
                v = condition_value(derivations, facts, party, part)
                if v is UNKNOWN:
                    continue
                new, at = _FORCED[~v], label
            conds = [c for _, c, _ in tops]
            conds[i] = _replace(conds[i], top, at, new)
            if value(conds) is not base:
                found.add(label)
    return found


def coverage_report(engine: Engine, results: list[CaseResult]) -> Coverage:
    """Coverage of every rule over the assessed cases."""
    from .casefile import read_cases
    from .mutate import load_equivalents
    report = Coverage(rules=sorted(engine.book.rules, key=lambda r: r.id),
                      equivalent=frozenset(load_equivalents(engine.book.directory, engine.book)))
    for result in results:
        for loaded in read_cases(engine.reader, result.where.path):
            if loaded.case is None or loaded.case.case != result.case_id:
                continue
            case = loaded.case
            views = engine.views(case)
            for rid in {f.variant.rule.id for view in views
                        for twins in view.derivations.firings.values() for f in twins["d"]}:
                report.fired[rid] += 1
            for rule in report.rules:
                for view in views:
                    report.decisive.setdefault(rule.id, set()).update(
                        _decisive(engine, rule, view.derivations, view.facts, view.law_day))
            for c in result.assessment.conclusions if result.assessment else []:
                report.cited.update(c.provisions)
    return report
