"""The rulebook evaluated directly in three-valued logic, for the questionnaire's relevance
check ("would some answer to this question change what holds or is open?").

It applies :mod:`.kleene` to the validated rule model, conclusion by conclusion, stratum by
stratum. A run given an earlier run (its *base*) evaluates again only the rules whose own
inputs differ from the base's — those reading a changed fact, those whose date tests change
value between the base's days and this run's (a different segment of the law), a changed
rule (a mutant) — and then, stratum by stratum, only the rules reading a conclusion whose
status actually changed; every other rule keeps the base's result. Dates given as ranges are
evaluated segment by segment the same way, each segment from the one before it, so that a
segment costs what changes at its boundary. Fast enough to try every probe value of every
candidate question. Its results agree with the durable_rules engine's (the test suite checks
both against an independent reference evaluator).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .conditions import SAME, Ref, refs, tests
from .dates import DateValue
from .kleene import (FALSE, NOTHING, TRUE, UNKNOWN, Calendar, Place, Result, across, cuts,
                     evaluate, period, whole)
from .rulebook import Rule, Rulebook
from .vocabulary import INCIDENT_DATE

NONE_PARTY = "-"
#: the "changed fact" that stands for a changed rule (no fact name has a colon)
_RULE = "rule:"
_ABSENT: Result = (FALSE, NOTHING)
#: ``{(conclusion, party): (TRUE or UNKNOWN, needs)}`` for everything not false
Status = dict[tuple[str, str], Result]
#: what a base run differs in: a fact name, ``rule:ID`` (a changed rule), or several of them
Changed = str | Iterable[str]


@dataclass(frozen=True)
class Run:
    """One evaluation: the conclusions' status, and each (rule, party)'s own result
    (:meth:`result`). When dates are ranges, ``parts`` holds the run of each segment (where it
    lies, and its run); the status is theirs combined by :func:`faceright.kleene.across`, and
    so is a result, when asked for.

    ``results`` (one evaluation only), ``grouped`` (the status by conclusion id) and ``at``
    (the date facts' values it was evaluated on: a segment's first days) let a later run
    start from this one; ``fresh`` and ``dirty`` are the (rule, party) results and the
    conclusions that differ from the run's base (None: evaluated from scratch)."""

    status: Status
    results: dict[tuple[str, str], Result]
    parts: dict[tuple[tuple[str, int], ...], Run] = field(default_factory=dict)
    grouped: dict[str, Status] = field(default_factory=dict, repr=False)
    at: dict[str, Any] = field(default_factory=dict, repr=False)
    fresh: frozenset[tuple[str, str]] | None = field(default=None, repr=False)
    dirty: frozenset[str] | None = field(default=None, repr=False)
    _combined: dict[tuple[str, str], Result | None] = field(default_factory=dict, repr=False, compare=False)

    def result(self, key: tuple[str, str]) -> Result | None:
        """Rule ``key[0]``'s result for party ``key[1]`` (over every segment, when dates are
        ranges); None when the rule does not conclude for that party."""
        if not self.parts:
            return self.results.get(key)
        if key not in self._combined:
            parts = list(self.parts.items())
            self._combined[key] = (None if key not in parts[0][1].results else
                                   across([(dict(place), part.results[key]) for place, part in parts]))
        return self._combined[key]


class Evaluator:
    """Evaluates a rulebook on a case's facts, conclusion by conclusion, stratum by stratum."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.parties = [*book.parties, NONE_PARTY]
        self.rules = sorted(book.rules, key=lambda r: (r.stratum, r.id))
        self.whole = {r.id: whole(r) for r in book.rules}
        conds = {r.id: [period(r), r.cond, *(e.cond for e in r.exceptions)] for r in book.rules}
        self._facts = {rid: {t.fact for c in cs for t in tests(c)} for rid, cs in conds.items()}
        self._refs = {rid: frozenset(ref.concl for c in cs for ref in refs(c)) for rid, cs in conds.items()}
        self._readers: dict[str, frozenset[str]] = {}
        for rid, facts in self._facts.items():
            for fact in facts:
                self._readers[fact] = self._readers.get(fact, frozenset()) | {rid}
        self.calendar = Calendar(book)
        #: per date fact: the days some rule's test of it changes value, and those rules
        self._turns: dict[str, tuple[list[dt.date], list[frozenset[str]]]] = {}
        for fact in self.calendar.cuts:
            by_day: dict[dt.date, set[str]] = {}
            for rule in self.rules:
                for day in cuts([rule], fact):
                    by_day.setdefault(day, set()).add(rule.id)
            days = sorted(by_day)
            self._turns[fact] = (days, [frozenset(by_day[d]) for d in days])
        self._rule = {r.id: r for r in self.rules}
        strata = sorted({r.stratum for r in self.rules})
        #: each rule's place in evaluation order (its stratum's index), the rules of each
        self._level = {r.id: strata.index(r.stratum) for r in self.rules}
        self._levels = [[r.id for r in self.rules if self._level[r.id] == i] for i in range(len(strata))]
        #: the rules reading each conclusion
        self._read_by: dict[str, list[str]] = {}
        for rid, concls in self._refs.items():
            for concl in concls:
                self._read_by.setdefault(concl, []).append(rid)
        self._drawn_by: dict[str, list[Rule]] = {}
        for rule in self.rules:
            self._drawn_by.setdefault(rule.concl, []).append(rule)
        self._keys = {r.id: [(party, (r.concl, party if r.spec.conclude.party == SAME
                                       else r.spec.conclude.party or NONE_PARTY))
                             for party in self._parties(r)] for r in self.rules}

    def run(self, facts: dict[str, Any], law_day: DateValue | None,
            base: Run | None = None, changed: Changed | None = None, today: dt.date | None = None) -> Run:
        """Evaluate every rule for every party. Given the ``base`` run of the same facts but
        ``changed`` (a fact name, ``rule:ID`` for a rulebook differing in that rule, or several),
        only what that can change is evaluated again. ``law_day`` is the incident date: a day,
        a range or None (unknown: the widest range); dates given as ranges are evaluated on
        each segment of them and combined like the engine's (``today`` fixes open ends)."""
        names = frozenset({changed} if isinstance(changed, str) else changed or ())
        if base is None or changed is None:
            base, names = None, frozenset()
        span = self.calendar.span(law_day, facts, today)
        if span is None:
            known = dict(facts)
            if isinstance(law_day, dt.date):
                known[INCIDENT_DATE] = law_day
            if base is not None and base.parts:
                start = min(base.parts.values(), key=lambda p: len(self._seed(names, p.at, known)))
                return self._run(known, start, self._seed(names, start.at, known))
            return self._run(known, base, self._seed(names, base.at, known) if base else None)
        earlier = base.parts if base is not None else {}
        parts: list[tuple[Place, Run]] = []
        matched = base is not None
        previous: Run | None = None
        for place, days in span.segments(self.calendar.cuts):
            known = {**facts, **{name: first for name, (first, _) in days.items()}}
            if INCIDENT_DATE not in known and span.exact is not None:
                known[INCIDENT_DATE] = span.exact
            # start from the base's run of this segment, or from this run's previous segment,
            # whichever has less to evaluate again
            options = []
            if (same := earlier.get(tuple(sorted(place.items())))) is not None:
                options.append((same, self._seed(names, same.at, known)))
            if previous is not None:
                options.append((previous, self._seed(frozenset(), previous.at, known)))
            if options:
                start, seed = min(options, key=lambda o: self._weight(o[1]))
                matched = matched and start is same
                part = self._run(known, start, seed)
            else:
                matched, part = False, self._run(known)
            parts.append((place, part))
            previous = part
        placed = {tuple(sorted(p.items())): part for p, part in parts}
        if base is not None and matched and set(base.parts) == set(placed):
            # only the conclusions that differ from a base part are combined again
            dirty = frozenset().union(*(part.dirty or () for _, part in parts))
            keys = {k for _, part in parts for c in dirty for k in part.grouped.get(c, {})}
            status = {k: v for k, v in base.status.items() if k[0] not in dirty}
        else:
            keys = {k for _, part in parts for k in part.status}
            status = {}
        for k in keys:
            if (v := across([(p, part.status.get(k, _ABSENT)) for p, part in parts]))[0] is not FALSE:
                status[k] = v
        return Run(dict(sorted(status.items())), {}, placed)

    def _weight(self, seed: frozenset[str]) -> int:
        """How many (rule, party) results a seed evaluates at least."""
        return sum(len(self._keys[rid]) for rid in seed)

    def _seed(self, changed: frozenset[str], was: Mapping[str, Any], now: Mapping[str, Any]) -> frozenset[str]:
        """The rules whose own inputs differ between a base evaluated with dates ``was`` and
        an evaluation with ``now``: the ``changed`` facts' readers (or the changed rule), and
        the rules with a date test whose value differs between the two days."""
        out: set[str] = set()
        for name in changed:
            out |= {name[len(_RULE):]} if name.startswith(_RULE) else self._readers.get(name, frozenset())
        for fact, (days, rules) in self._turns.items():
            a, b = was.get(fact), now.get(fact)
            if a == b or fact in changed:
                continue
            if not isinstance(a, dt.date) or not isinstance(b, dt.date):
                out |= self._readers.get(fact, frozenset())
                continue
            lo, hi = min(a, b), max(a, b)
            for i in range(bisect.bisect_right(days, lo), bisect.bisect_right(days, hi)):
                out |= rules[i]
        return frozenset(out)

    def _run(self, known: dict[str, Any], base: Run | None = None,
             seed: frozenset[str] | None = None) -> Run:
        """One evaluation on ``known`` (dates exact). Given a ``base`` run, only the ``seed``
        rules and those reading a conclusion whose status changed are evaluated again."""
        at = {fact: known.get(fact) for fact in self._turns}
        if base is None or seed is None:
            results: dict[tuple[str, str], Result] = {}
            grouped: dict[str, Status] = {}
            for level in self._levels:
                touched = set()
                for rid in level:
                    rule = self._rule[rid]
                    for party, _ in self._keys[rid]:
                        results[(rid, party)] = evaluate(self.whole[rid], known, _Refs(grouped, party))
                    touched.add(rule.concl)
                for concl in touched:
                    found = self._draw(concl, results)
                    if found:
                        grouped[concl] = found
            status = {k: (v, n if v is UNKNOWN else NOTHING) for found in grouped.values()
                      for k, (v, n) in found.items()}
            return Run(status, results, grouped=grouped, at=at)
        results, grouped = dict(base.results), dict(base.grouped)
        fresh: set[tuple[str, str]] = set()
        dirty: set[str] = set()
        todo: dict[int, set[str]] = {}
        for rid in seed:
            todo.setdefault(self._level[rid], set()).add(rid)
        while todo:
            touched = set()
            for rid in todo.pop(min(todo)):
                for party, _ in self._keys[rid]:
                    rk = (rid, party)
                    new = evaluate(self.whole[rid], known, _Refs(grouped, party))
                    if results[rk] != new:
                        results[rk] = new
                        fresh.add(rk)
                        touched.add(self._rule[rid].concl)
            for concl in touched:
                found = self._draw(concl, results)
                if grouped.get(concl, {}) == found:
                    continue
                dirty.add(concl)
                if found:
                    grouped[concl] = found
                else:
                    grouped.pop(concl, None)
                for reader in self._read_by.get(concl, ()):
                    todo.setdefault(self._level[reader], set()).add(reader)
        if dirty:
            status = {k: v for k, v in base.status.items() if k[0] not in dirty}
            for concl in dirty:
                status.update({k: (v, n if v is UNKNOWN else NOTHING)
                               for k, (v, n) in grouped.get(concl, {}).items()})
        else:
            status = base.status
        return Run(status, results, grouped=grouped, at=at, fresh=frozenset(fresh), dirty=frozenset(dirty))

    def _draw(self, concl: str, results: dict[tuple[str, str], Result]) -> Status:
        """A conclusion's status from its rules' results: per party the best value, the needs
        of all its UNKNOWN ones when none holds."""
        found: Status = {}
        for rule in self._drawn_by[concl]:
            for party, key in self._keys[rule.id]:
                value, needs = results[(rule.id, party)]
                if value is FALSE:
                    continue
                old_value, old_needs = found.get(key, _ABSENT)
                if value > old_value:
                    found[key] = (value, needs)
                elif value is old_value is UNKNOWN:
                    found[key] = (value, old_needs | needs)
        return found

    def rerun(self, facts: dict[str, Any], law_day: DateValue | None, base: Run, rule_id: str,
              today: dt.date | None = None) -> Run:
        """:meth:`run`, given the ``base`` run of the same facts under a rulebook that differs
        from this one in rule ``rule_id`` only (a mutant): only that rule and what builds on
        its conclusion are evaluated again."""
        return self.run(facts, law_day, base, _RULE + rule_id, today)

    def keys_of(self, rule_id: str) -> list[tuple[str, str]]:
        """The (rule, party) keys of a rule's results (see :meth:`Run.result`)."""
        return [(rule_id, party) for party, _ in self._keys[rule_id]]

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
