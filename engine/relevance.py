"""The rulebook evaluated directly in three-valued logic, for the questionnaire's relevance
check ("would some answer to this question change what holds or is open?").

It applies :mod:`.kleene` to the validated rule model, conclusion by conclusion, stratum by
stratum, and re-evaluates only the rules a changed fact can reach — fast enough to try every
probe value of every candidate question. Its results agree with the durable_rules engine's
(the test suite checks both against an independent reference evaluator).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .conditions import SAME, Ref, refs, tests
from .dates import DateValue
from .kleene import FALSE, NOTHING, UNKNOWN, Calendar, Place, Result, across, evaluate, period, whole
from .rulebook import Rule, Rulebook
from .vocabulary import INCIDENT_DATE

NONE_PARTY = "-"
#: the "changed fact" that stands for a changed rule (no fact name has a colon)
_RULE = "rule:"
_ABSENT: Result = (FALSE, NOTHING)
#: ``{(conclusion, party): (TRUE or UNKNOWN, needs)}`` for everything not false
Status = dict[tuple[str, str], Result]


@dataclass(frozen=True)
class Run:
    """One evaluation: the conclusions' status, and each (rule, party)'s own result. When dates
    are ranges, ``parts`` holds the run of each segment (where it lies, and its run) and the
    status and results are theirs combined by :func:`faceright.kleene.across`."""

    status: Status
    results: dict[tuple[str, str], Result]
    parts: dict[tuple[tuple[str, int], ...], Run] = field(default_factory=dict)


class Evaluator:
    """Evaluates a rulebook on a case's facts, conclusion by conclusion, stratum by stratum."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.parties = [*book.parties, NONE_PARTY]
        self.rules = sorted(book.rules, key=lambda r: (r.stratum, r.id))
        self.whole = {r.id: whole(r) for r in book.rules}
        conds = {r.id: [period(r), r.cond, *(e.cond for e in r.exceptions)] for r in book.rules}
        self._facts = {rid: {t.fact for c in cs for t in tests(c)} for rid, cs in conds.items()}
        self._refs = {rid: {ref.concl for c in cs for ref in refs(c)} for rid, cs in conds.items()}
        self._everything: tuple[frozenset[str], frozenset[str], list[Rule]] = (
            frozenset(r.id for r in self.rules), frozenset(), self.rules)
        self._reached: dict[str, tuple[frozenset[str], frozenset[str], list[Rule]]] = {}
        self.calendar = Calendar(book)

    def run(self, facts: dict[str, Any], law_day: DateValue | None,
            base: Run | None = None, changed: str | None = None, today: dt.date | None = None) -> Run:
        """Evaluate every rule for every party. Given the ``base`` run of the same facts but
        ``changed``, only the rules that depend on that fact (directly or through conclusions)
        are evaluated again. ``law_day`` is the incident date: a day, a range or None (unknown:
        the widest range); dates given as ranges are evaluated on each segment of them and
        combined like the engine's (``today`` fixes open ends)."""
        span = self.calendar.span(law_day, facts, today)
        if span is None:
            return self._run(facts, law_day if isinstance(law_day, dt.date) else None, base, changed)
        earlier = base.parts if base is not None else {}
        parts: list[tuple[Place, Run]] = []
        for place, days in span.segments(self.calendar.cuts):
            known = {**facts, **{name: first for name, (first, _) in days.items()}}
            day = known.pop(INCIDENT_DATE, span.exact)
            key = tuple(sorted(place.items()))
            parts.append((place, self._run(known, day, earlier.get(key), changed)))
        placed = {tuple(sorted(p.items())): part for p, part in parts}
        if base is not None and changed is not None and set(base.parts) == set(placed):
            # only what ``changed`` can reach is combined again; the rest is the base's
            rules, concls, _ = self._reach(changed)
            results = dict(base.results)
            for rk in results:
                if rk[0] in rules:
                    results[rk] = across([(p, part.results[rk]) for p, part in parts])
            keys = {k for _, part in parts for k in part.status if k[0] in concls}
            status = {k: v for k, v in base.status.items() if k[0] not in concls}
        else:
            results = {k: across([(p, part.results[k]) for p, part in parts]) for k in parts[0][1].results}
            keys = {k for _, part in parts for k in part.status}
            status = {}
        for k in keys:
            if (v := across([(p, part.status.get(k, _ABSENT)) for p, part in parts]))[0] is not FALSE:
                status[k] = v
        return Run(dict(sorted(status.items())), results, placed)

    def _run(self, facts: dict[str, Any], law_day: dt.date | None,
             base: Run | None = None, changed: str | None = None) -> Run:
        known = dict(facts)
        if law_day is not None:
            known[INCIDENT_DATE] = law_day
        status: dict[str, Status] = {}  # by conclusion id, so a reference looks at its own only
        if base is None or changed is None:
            results: dict[tuple[str, str], Result] = {}
            rules, _, order = self._everything
        else:
            # the rules ``changed`` cannot reach keep their results; so do the conclusions
            # only they draw (re-drawn below: those some reachable rule draws)
            results = dict(base.results)
            rules, concls, order = self._reach(changed)
            for key, result in base.status.items():
                if key[0] not in concls:
                    status.setdefault(key[0], {})[key] = result
        for rule in order:
            for party in self._parties(rule):
                if rule.id not in rules:
                    value, needs = results[(rule.id, party)]
                else:
                    value, needs = results[(rule.id, party)] = evaluate(
                        self.whole[rule.id], known, _Refs(status, party))
                if value is FALSE:
                    continue
                key = (rule.concl, party if rule.spec.conclude.party == SAME
                       else rule.spec.conclude.party or NONE_PARTY)
                found = status.setdefault(rule.concl, {})
                old_value, old_needs = found.get(key, (FALSE, NOTHING))
                if value > old_value:
                    found[key] = (value, needs)
                elif value is old_value is UNKNOWN:
                    found[key] = (value, old_needs | needs)
        return Run({k: (v, n if v is UNKNOWN else NOTHING)
                    for found in status.values() for k, (v, n) in found.items()}, results)

    def rerun(self, facts: dict[str, Any], law_day: DateValue | None, base: Run, rule_id: str,
              today: dt.date | None = None) -> Run:
        """:meth:`run`, given the ``base`` run of the same facts under a rulebook that differs
        from this one in rule ``rule_id`` only (a mutant): only that rule and what builds on
        its conclusion are evaluated again."""
        return self.run(facts, law_day, base, _RULE + rule_id, today)

    def _reach(self, fact: str) -> tuple[frozenset[str], frozenset[str], list[Rule]]:
        """The rules whose result can depend on ``fact`` (directly or through conclusions),
        the conclusions they draw, and every rule drawing one of those conclusions, in
        evaluation order (what a run changing ``fact`` evaluates or re-reads)."""
        if fact not in self._reached:
            affected = ({fact[len(_RULE):]} if fact.startswith(_RULE)
                        else {r.id for r in self.rules if fact in self._facts[r.id]})
            concls = {r.concl for r in self.rules if r.id in affected}
            for rule in self.rules:  # stratum order: a reference is to an earlier stratum
                if rule.id not in affected and self._refs[rule.id] & concls:
                    affected.add(rule.id)
                    concls.add(rule.concl)
            self._reached[fact] = (frozenset(affected), frozenset(concls),
                                   [r for r in self.rules if r.concl in concls])
        return self._reached[fact]

    def _parties(self, rule: Rule) -> list[str]:
        return self.parties if rule.spec.conclude.party == SAME else [NONE_PARTY]


class _Refs:
    """Conclusion references of one party's rule, looked up in the conclusions so far: the
    best value any instance reached, and the needs of the UNKNOWN ones when none holds."""

    def __init__(self, status: dict[str, Status], party: str) -> None:
        self.status = status
        self.party = party

    def __call__(self, ref: Ref) -> Result:
        want = self.party if ref.party == SAME else ref.party
        found = [v for (_, p), v in self.status.get(ref.concl, {}).items() if want is None or p == want]
        best = max((v for v, _ in found), default=FALSE)
        needs = NOTHING.union(*(n for v, n in found if v is UNKNOWN)) if best is UNKNOWN else NOTHING
        return best, needs
