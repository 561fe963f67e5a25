"""The Assessment: what holds, what stays open and why, assembled from the engine's firings.

``conclusions`` and ``open`` follow the contract's JSON shape; ``derivations`` keeps, for
explanations, every firing behind each conclusion (not part of the JSON output).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .compiler import (NO_PARTY, UNKNOWN_DAY, UNKNOWN_NUMBER, UNKNOWN_TEXT, day_number, fact_key,
                       sentinel, within_key)
from .conditions import SAME, Ref, Test
from .dates import DateRange, canonical
from .kleene import FALSE, NOTHING, TRUE, UNKNOWN, Result, across
from .runtime import Firing
from .vocabulary import INCIDENT_DATE

FORMAT = "faceright/1"
SCOPES = (None, "expanded_damage", "all")
Key = tuple[str, str]
UNKNOWNS = (UNKNOWN_TEXT, UNKNOWN_NUMBER, UNKNOWN_DAY)
OPTIONAL = ("scope", "policies_used", "contested", "periods")
#: top-level fields of the JSON output written only when set (dates that are not exact)
OPTIONAL_TOP = ("incident_period", "today")
OPEN_OPTIONAL = ("likely", "indicators")


class Conclusion(BaseModel):
    """A conclusion that holds, for one party, with its provisions and reasons."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: str = "holds"
    party: str | None
    provisions: list[str]
    because: list[str]
    scope: str | None = None
    policies_used: dict[str, int | float] | None = None
    contested: bool | None = None
    #: when the incident date is a range spanning several laws: for each part of it
    #: (``from``, ``to``: ISO days), the provisions the conclusion rests on there
    periods: list[dict[str, Any]] | None = None


class OpenItem(BaseModel):
    """A conclusion that unknown facts leave undecided, with the facts that would settle it.

    ``likely`` (additive, absent when not set): every fact it ``needs`` is a judgement (e.g.
    serious mental distress) that observable facts of the case indicate, by a rule citing its
    basis; ``indicators`` are those facts as ``fact = value``. It stays open: a likely item is
    not a finding, and a judgement the user states always decides instead."""

    model_config = ConfigDict(frozen=True)

    id: str
    party: str | None
    needs: list[str]
    provisions: list[str]
    likely: bool | None = Field(default=None, description=(
        "true when every needed fact is a judgement that the case's observable facts indicate "
        "(the item is still open, not a finding)"))
    indicators: list[str] | None = Field(default=None, description=(
        "the observable facts behind `likely`, as `fact = value`, sorted"))


class Assessment(BaseModel):
    """The result of assessing one case."""

    model_config = ConfigDict(frozen=True)

    format: str = FORMAT
    case: str
    law_as_of: str | None
    #: the days the incident may have happened on (``from``, ``to``), when not one exact day
    incident_period: dict[str, str] | None = None
    #: the "today" that fixed an open end (a missing date, ``after …``, ``still_online``)
    today: str | None = None
    rules_version: str
    conclusions: list[Conclusion] = Field(default_factory=list)
    open: list[OpenItem] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        """The contract's JSON object (optional fields left out when unset; party kept)."""
        data = self.model_dump()
        for key in OPTIONAL_TOP:
            if data[key] is None:
                del data[key]
        for item in data["conclusions"]:
            for key in OPTIONAL:
                if item[key] is None:
                    del item[key]
        for item in data["open"]:
            for key in OPEN_OPTIONAL:
                if item[key] is None:
                    del item[key]
        return data

    def holds(self, cid: str, party: str | None = None) -> bool:
        """Whether ``cid`` holds (for ``party``, or for any party)."""
        return any(c.id == cid and (party is None or c.party == party) for c in self.conclusions)

    def is_open(self, cid: str, party: str | None = None) -> bool:
        """Whether ``cid`` is open (for ``party``, or for any party)."""
        return any(o.id == cid and (party is None or o.party == party) for o in self.open)


@dataclass
class Derivations:
    """Every firing of the engine for one case, grouped by conclusion and twin."""

    fact: dict[str, Any]
    firings: dict[Key, dict[str, list[Firing]]]
    #: :meth:`needs` per (conclusion, conclusions on the path): open conclusions share
    #: sub-conclusions, and the questionnaire asks for every open item's needs at each step
    _needs: dict[tuple[Key, frozenset[Key]], tuple[frozenset[str], bool]] = field(default_factory=dict,
                                                                                  repr=False)
    #: :meth:`needs` of the conclusions whose needs do not depend on the path to them
    _pure: dict[Key, frozenset[str]] = field(default_factory=dict, repr=False)
    #: :meth:`unknowns` per firing (by id; the firing is kept with it)
    _unknowns: dict[int, tuple[Firing, frozenset[tuple[str, Any]]]] = field(default_factory=dict, repr=False)
    #: the fact literals of each variant on unknown facts; the segments of one case share it
    #: (they differ only in dates, which are known in every segment)
    _fact_unknowns: dict[str, frozenset[tuple[str, Any]]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, fact: dict[str, Any], firings: list[Firing]) -> Derivations:
        grouped: dict[Key, dict[str, list[Firing]]] = defaultdict(lambda: {"d": [], "p": []})
        for firing in firings:
            grouped[(firing.variant.rule.concl, firing.party)][firing.variant.twin].append(firing)
        return cls(fact, dict(grouped))

    def status(self, key: Key) -> str:
        """``holds``, ``open`` or ``absent``."""
        twins = self.firings.get(key)
        if not twins:
            return "absent"
        return "holds" if twins["d"] else ("open" if twins["p"] else "absent")

    def instances(self, ref: Ref, bound: str) -> list[Key]:
        """Conclusion keys a reference can stand for (``bound`` is the rule's own party)."""
        party = bound if ref.party == SAME else ref.party
        return sorted(k for k in self.firings if k[0] == ref.concl and (party is None or k[1] == party))

    def unknowns(self, firing: Firing) -> frozenset[tuple[str, Any]]:
        """What a possible-twin firing left undecided: literals on absent facts, and the open
        conclusions it joined or found not definitely holding."""
        found = self._unknowns.get(id(firing))
        if found is not None:
            return found[1]
        lits = self._fact_unknowns.get(firing.variant.key)
        if lits is None:
            lits = self._fact_unknowns[firing.variant.key] = frozenset(
                ("fact", lit) for lit in firing.variant.literals
                if isinstance(lit.atom, Test) and lit.atom.op != "unknown" and lit.atom.unknown_is is None
                and self.fact[fact_key(lit.atom.fact, self._first_value(lit.atom))] in UNKNOWNS)
        keys = list(firing.joined)
        # an established exception is decided (it holds or it does not): an open conclusion
        # behind it leaves nothing undecided
        keys += [k for ref in firing.variant.negations if not ref.established
                 for k in self.instances(ref, firing.party)]
        out = lits | {("concl", k) for k in keys if self.status(k) == "open"}
        self._unknowns[id(firing)] = (firing, out)  # the firing kept: its id stays its own
        return out

    @staticmethod
    def _first_value(test: Test) -> str | None:
        if test.op == "has":
            return str(test.value)
        if test.op in ("has_any", "within"):  # a list fact is unknown as a whole: any flag tells
            return str(test.value[0])
        return None

    def needs(self, key: Key, seen: frozenset[Key] = frozenset()) -> set[str]:
        """The unknown facts an open conclusion waits on (through open conclusions it uses).

        Within one rule, an alternative whose undecided part strictly contains another's is
        left out: what the smaller one leaves open is all that needs deciding.
        """
        return set(self._needs_of(key, seen)[0])

    def _needs_of(self, key: Key, seen: frozenset[Key]) -> tuple[frozenset[str], bool]:
        """:meth:`needs`, and whether it is the same whatever ``seen`` is: no conclusion on the
        way was left out for being on the path already (a cycle). Such a result is kept per
        conclusion alone, so that open conclusions sharing sub-conclusions reuse it."""
        found = self._pure.get(key)
        if found is not None:
            return found, True
        cached = self._needs.get((key, seen))
        if cached is None:
            out, cut = self._find_needs(key, seen)
            cached = self._needs[(key, seen)] = (frozenset(out), cut)
            if not cut:
                self._pure[key] = cached[0]
        return cached[0], not cached[1]

    def _find_needs(self, key: Key, seen: frozenset[Key]) -> tuple[set[str], bool]:
        by_rule: dict[str, set[frozenset[tuple[str, Any]]]] = defaultdict(set)
        for firing in self.firings.get(key, {"p": []})["p"]:
            by_rule[firing.variant.rule.id].add(self.unknowns(firing))
        out: set[str] = set()
        cut = False
        for sets in by_rule.values():
            for unknown in sets:
                if any(other < unknown for other in sets):
                    continue
                for kind, item in unknown:
                    if kind == "fact":
                        out.add(item.atom.fact)
                    elif item not in seen:
                        below, pure = self._needs_of(item, seen | {key})
                        out |= below
                        cut = cut or not pure
                    else:
                        cut = True
        return out, cut


_TRUTH = {"holds": TRUE, "open": UNKNOWN, "absent": FALSE}


@dataclass(frozen=True)
class Segment:
    """One part of a case's possible dates, within which every rule period and date test has
    one value: where it lies (``place``: its index per ranged date fact; ``days``: its first
    and last day per ranged date fact) and the engine's firings on it."""

    place: dict[str, int]
    days: dict[str, tuple[dt.date, dt.date]]
    derivations: Derivations


@dataclass
class Spanned(Derivations):
    """The firings of a case whose dates are ranges: one engine run per :class:`Segment`.

    ``firings`` is every segment's, together (what fired on some possible date); a conclusion
    holds when it holds in every segment, is open when it holds or is open in some, and its
    needs are those of :func:`faceright.kleene.across`."""

    segments: tuple[Segment, ...] = ()
    _statuses: dict[Key, str] = field(default_factory=dict, repr=False)

    @classmethod
    def join(cls, segments: list[Segment]) -> Spanned:
        """The segments' firings as one: each firing once (the same rule, alternative, party
        and joined conclusions fire alike on several segments), in first-seen order."""
        firings: dict[Key, dict[str, dict[tuple[str, str, Any], Firing]]] = {}
        for segment in segments:
            for key, twins in segment.derivations.firings.items():
                into = firings.setdefault(key, {"d": {}, "p": {}})
                for twin in ("d", "p"):
                    for f in twins[twin]:
                        into[twin].setdefault((f.variant.key, f.party, f.joined), f)
        joined = {key: {twin: list(found.values()) for twin, found in twins.items()}
                  for key, twins in firings.items()}
        return cls(segments[0].derivations.fact, joined, segments=tuple(segments))

    def result(self, key: Key) -> Result:
        """The conclusion's three-valued result over the segments, with its needs."""
        outcomes = []
        for segment in self.segments:
            status = segment.derivations.status(key)
            needs = frozenset(segment.derivations.needs(key)) if status == "open" else NOTHING
            outcomes.append((segment.place, (_TRUTH[status], needs)))
        return across(outcomes)

    def status(self, key: Key) -> str:
        found = self._statuses.get(key)
        if found is None:
            statuses = {segment.derivations.status(key) for segment in self.segments}
            found = self._statuses[key] = ("holds" if statuses == {"holds"} else
                                           "open" if statuses - {"absent"} else "absent")
        return found

    def needs(self, key: Key, seen: frozenset[Key] = frozenset()) -> set[str]:
        return set(self.result(key)[1])


def _party(party: str) -> str | None:
    return None if party == NO_PARTY else party


def label(key: Key) -> str:
    """``id@party`` (or ``id`` when the conclusion has no party)."""
    return key[0] if key[1] == NO_PARTY else f"{key[0]}@{key[1]}"


def show(value: Any) -> str:
    """A fact value as the reports print it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, dt.date | DateRange):
        return canonical(value)
    return str(value)


def because(firings: list[Firing], facts: dict[str, Any]) -> list[str]:
    """The facts and conclusions a set of firings rested on, as sorted readable strings."""
    out: set[str] = set()
    for firing in firings:
        for lit in firing.variant.literals:
            if isinstance(lit.atom, Test) and lit.atom.fact in facts:
                out.add(f"{lit.atom.fact} = {show(facts[lit.atom.fact])}")
        out |= {label(k) for k in firing.joined}
    return sorted(out)


def likely_facts(derivations: Derivations, facts: dict[str, Any],
                 suggests: Mapping[str, tuple[str, Sequence[str]]]) -> dict[str, list[str]]:
    """The judgement facts made likely: for each conclusion of ``suggests`` (conclusion id →
    (judgement fact, indicator facts)) that holds, its fact with the indicators its firings
    rested on (``fact = value``, sorted)."""
    found: dict[str, set[str]] = {}
    for key in sorted(derivations.firings):
        if key[0] in suggests and derivations.status(key) == "holds":
            fact, indicators = suggests[key[0]]
            wanted = tuple(f"{name} = " for name in indicators)
            found.setdefault(fact, set()).update(
                b for b in because(derivations.firings[key]["d"], facts) if b.startswith(wanted))
    return {fact: sorted(ind) for fact, ind in sorted(found.items())}


def assemble(case_id: str, law_as_of: dt.date | None, version: str, derivations: Derivations,
             facts: dict[str, Any], public: set[str], policies: dict[str, Any],
             incident: tuple[dt.date, dt.date] | None = None,
             today: dt.date | None = None,
             likely: Mapping[str, list[str]] | None = None,
             likely_holds: frozenset[Key] = frozenset()) -> Assessment:
    """Build the contract's Assessment from the engine's firings (of one run, or of every
    segment of a range of dates: :class:`Spanned`). ``incident``: the first and last possible
    day of an incident date that is not exact; ``today``: the day that fixed an open end.
    ``likely`` are the judgement facts observable facts indicate (:func:`likely_facts`),
    ``likely_holds`` the conclusions that would hold were those judgements true: such an open
    item is marked ``likely``."""
    held: list[Conclusion] = []
    open_: list[OpenItem] = []
    likely = likely or {}
    for key in sorted(derivations.firings):
        if key[0] not in public:
            continue
        status = derivations.status(key)
        twins = derivations.firings[key]
        if status == "holds":
            held.append(_conclusion(key, twins["d"], facts, policies)
                        if not isinstance(derivations, Spanned)
                        else _spanned(key, derivations, facts, policies))
        elif status == "open":
            needs = sorted(derivations.needs(key))
            judged = [n for n in needs if n in likely]
            marked = key in likely_holds and bool(judged)
            open_.append(OpenItem(
                id=key[0], party=_party(key[1]), needs=needs,
                provisions=sorted({p for f in twins["p"] for p in f.variant.provisions()}),
                likely=True if marked else None,
                indicators=sorted({i for n in judged for i in likely[n]}) if marked else None))
    return Assessment(case=case_id, law_as_of=law_as_of.isoformat() if law_as_of else None,
                      incident_period={"from": incident[0].isoformat(), "to": incident[1].isoformat()}
                      if incident else None, today=today.isoformat() if today else None,
                      rules_version=version, conclusions=held, open=open_)


def _conclusion(key: Key, firings: list[Firing], facts: dict[str, Any],
                policies: dict[str, Any]) -> Conclusion:
    rules = sorted({f.variant.rule.id: f.variant.rule for f in firings}.values(), key=lambda r: r.id)
    used = sorted({p for r in rules for p in r.policies()})
    scope = max((r.spec.conclude.scope for r in rules), key=SCOPES.index)
    return Conclusion(
        id=key[0], party=_party(key[1]),
        provisions=sorted({p for f in firings for p in f.variant.provisions()}),
        because=because(firings, facts),
        scope=scope,
        policies_used={p: policies[p] for p in used} or None,
        contested=True if all(f.variant.contested for f in firings) else None)


def _spanned(key: Key, derivations: Spanned, facts: dict[str, Any],
             policies: dict[str, Any]) -> Conclusion:
    """A conclusion holding on every possible date: each segment's reasons and provisions,
    contested when it is on some segment, and the provisions per part of the incident's
    possible days when they differ."""
    parts = [_conclusion(key, s.derivations.firings[key]["d"], facts, policies)
             for s in derivations.segments]
    joined = _conclusion(key, derivations.firings[key]["d"], facts, policies)
    by_day: dict[tuple[dt.date, dt.date], set[str]] = {}
    for segment, part in zip(derivations.segments, parts):
        days = segment.days.get(INCIDENT_DATE)
        if days is not None:
            by_day.setdefault(days, set()).update(part.provisions)
    periods: list[dict[str, Any]] = []
    for (first, last), provisions in sorted(by_day.items()):
        cited = sorted(provisions)
        if periods and periods[-1]["provisions"] == cited:
            periods[-1]["to"] = last.isoformat()
        else:
            periods.append({"from": first.isoformat(), "to": last.isoformat(), "provisions": cited})
    return joined.model_copy(update={
        "contested": True if any(p.contested for p in parts) else None,
        "periods": periods if len(periods) > 1 else None})


def engine_fact(facts: dict[str, Any], law_day: dt.date | None,
                vocab_types: Mapping[str, tuple[str, tuple[str, ...]]],
                within: Iterable[tuple[str, tuple[str, ...]]] = ()) -> dict[str, Any]:
    """The case as one flat durable_rules fact: list facts as flags (one per value, and one per
    set ``within`` names: :func:`faceright.compiler.within_key`), dates as day numbers, and
    every unknown fact as its type's stand-in (see :func:`faceright.compiler.sentinel`)."""
    out: dict[str, Any] = {}
    for name, chosen in within:
        value = facts.get(name)
        out[within_key(name, chosen)] = UNKNOWN_TEXT if value is None else all(v in chosen for v in value)
    for name, (kind, values) in vocab_types.items():
        value = facts.get(name)
        if kind == "list":
            out.update({fact_key(name, v): UNKNOWN_TEXT if value is None else v in value
                        for v in values})
        elif value is None:
            out[name] = sentinel(kind)
        else:
            out[name] = day_number(value) if kind == "date" else value
    out[INCIDENT_DATE] = day_number(law_day) if law_day is not None else UNKNOWN_DAY
    return out
