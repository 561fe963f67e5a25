"""The library entry point: a loaded, compiled rulebook that assesses cases.

Every front end (``assess``, ``batch``, ``ask``, ``test``, ``diff``) goes through
:meth:`Engine.assess`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeGuard

from .assessment import (Assessment, Derivations, Key, Segment, Spanned, assemble, engine_fact,
                         likely_facts)
from .casefile import CaseReader
from .compiler import Compiled, compile_rulebook
from .dates import Span
from .kleene import Calendar
from .rulebook import Rulebook, default_rules_dir, load_rulebook
from .runtime import runtime
from .source import Document
from .vocabulary import INCIDENT_DATE


@dataclass(frozen=True)
class View:
    """One engine run of a case: ``where`` (empty for exact dates, else each ranged date fact's
    segment, ``incident_date 2020-01-01..2020-12-31``), its firings, the facts it ran on
    (dates exact) and its law date."""

    where: str
    derivations: Derivations
    facts: dict[str, Any]
    law_day: dt.date | None


class Engine:
    """A validated rulebook compiled onto durable_rules."""

    def __init__(self, book: Rulebook, compiled: Compiled | None = None) -> None:
        """``compiled`` is ``compile_rulebook(book)``, passed when already at hand (cached)."""
        self.book = book
        self.compiled: Compiled = compiled if compiled is not None else compile_rulebook(book)
        self.reader = CaseReader(book.vocabulary, frozenset(book.conclusions),
                                 frozenset(book.parties))
        self._types = {n: (s.type, s.values) for n, s in book.vocabulary.facts.items()}
        self._public = set(book.public_conclusions())
        self._policies = {k: p.value for k, p in book.policies.items()}
        self._suggests = {c: (s.suggests, tuple(s.indicators))
                          for c, s in book.conclusions.items() if s.suggests}
        self.calendar = Calendar(book)

    @property
    def version(self) -> str:
        return self.book.version

    def facts_of(self, case: Any) -> dict[str, Any]:
        """The known facts of a case (unknown ones left out)."""
        return {k: v for k, v in case.facts.model_dump().items() if v is not None}

    def span(self, case: Any, as_of: dt.date | None = None,
             today: dt.date | None = None) -> Span | None:
        """How a case's dates are evaluated when some are not one exact day (None when all
        are: one engine run, as always). ``today`` fixes open ends (default:
        :func:`faceright.dates.today`). Raises :class:`DateFormError` for an empty range."""
        facts = {name: getattr(case.facts, name) for name in self.calendar.date_facts}
        return self.calendar.span(as_of or case.incident_date, facts, today)

    def derive(self, case: Any, as_of: dt.date | None = None,
               today: dt.date | None = None) -> tuple[Derivations, dict[str, Any]]:
        """Run the case through durable_rules; return the firings and the facts used. A case
        whose dates are ranges runs once per segment of them (:meth:`span`, :class:`Spanned`)."""
        facts = self.facts_of(case)
        span = self.span(case, as_of, today)
        if span is not None:
            return self._derive_span(facts, span)
        law_day = as_of or case.incident_date
        fact = engine_fact(facts, law_day, self._types, self.compiled.within)
        firings = runtime().run(self.compiled, fact)
        shown = self.book.vocabulary.as_written(facts)  # as a case file writes them
        if law_day is not None:
            shown[INCIDENT_DATE] = law_day
        return Derivations.of(fact, firings), shown

    def _derive_span(self, facts: dict[str, Any], span: Span) -> tuple[Spanned, dict[str, Any]]:
        segments = []
        shared: dict[str, Any] = {}  # see Derivations._fact_unknowns
        for place, days in span.segments(self.calendar.cuts):
            known = dict(facts)
            known.update({name: first for name, (first, _) in days.items()})
            law_day = known.pop(INCIDENT_DATE, span.exact)
            fact = engine_fact(known, law_day, self._types, self.compiled.within)
            derivations = Derivations.of(fact, runtime().run(self.compiled, fact))
            derivations._fact_unknowns = shared
            segments.append(Segment(place, days, derivations))
        shown = self.book.vocabulary.as_written(facts)
        shown.update(span.written)
        if span.exact is not None:
            shown[INCIDENT_DATE] = span.exact
        return Spanned.join(segments), shown

    def views(self, case: Any, as_of: dt.date | None = None,
              today: dt.date | None = None) -> list[View]:
        """The case as the engine saw it in each run: one view for exact dates, one per segment
        for ranges (each with its days as exact facts), for explanations that evaluate rules
        directly (``explain --why-not``, coverage, regression reports)."""
        derivations, _ = self.derive(case, as_of, today)
        facts = self.facts_of(case)
        if not isinstance(derivations, Spanned):
            return [View("", derivations, facts, as_of or case.incident_date)]
        span = self.span(case, as_of, today)
        assert span is not None
        out = []
        for segment in derivations.segments:
            known = {**facts, **{n: first for n, (first, _) in segment.days.items()}}
            law_day = known.pop(INCIDENT_DATE, span.exact)
            where = ", ".join(f"{n} {a}..{b}" for n, (a, b) in sorted(segment.days.items()))
            out.append(View(where, segment.derivations, known, law_day))
        return out

    def assess(self, case: Any, as_of: dt.date | None = None,
               today: dt.date | None = None) -> Assessment:
        """Assess one validated case under the law in force on its incident date (or ``as_of``);
        a date that is a range is assessed on every law it spans (``today`` fixes open ends)."""
        return self.evaluate(case, as_of, today)[0]

    def evaluate(self, case: Any, as_of: dt.date | None = None,
                 today: dt.date | None = None) -> tuple[Assessment, Derivations]:
        """The assessment and the firings behind it, from one run of the engine (one per
        segment when dates are ranges)."""
        derivations, shown = self.derive(case, as_of, today)
        likely = likely_facts(derivations, shown, self._suggests)
        holds = self._holding_if(case, as_of, today, likely) if likely else frozenset()
        if isinstance(derivations, Spanned):
            span = self.span(case, as_of, today)
            assert span is not None
            return assemble(case.case, span.exact, self.version, derivations, shown, self._public,
                            self._policies, span.days.get(INCIDENT_DATE), span.today,
                            likely, holds), derivations
        law_day = as_of or case.incident_date
        return assemble(case.case, law_day, self.version, derivations, shown, self._public,
                        self._policies, likely=likely, likely_holds=holds), derivations

    def _holding_if(self, case: Any, as_of: dt.date | None, today: dt.date | None,
                    likely: dict[str, list[str]]) -> frozenset[Key]:
        """The conclusions that would hold were each likely judgement true (a second run of
        the engine on the case with those facts added): what a ``likely`` open item means."""
        changed = case.model_copy(update={"facts": case.facts.model_copy(
            update={name: True for name in likely})})
        found, _ = self.derive(changed, as_of, today)
        return frozenset(k for k in found.firings if found.status(k) == "holds")

    def case(self, data: dict[str, Any]) -> Any:
        """Validate a case given as a Python mapping (as read from a case file)."""
        return self.reader.validate(Document(data), "<case>", str(data.get("case", "case")))


Built = tuple[Rulebook, Compiled]


def _build(directory: Path) -> Built:
    book = load_rulebook(directory)
    return book, compile_rulebook(book)


def _is_built(value: object) -> TypeGuard[Built]:
    return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Rulebook)
            and isinstance(value[1], Compiled))


@cache
def _load(directory: str) -> Engine:
    from .cache import cached
    book, compiled = cached(Path(directory), lambda: _build(Path(directory)), _is_built)
    return Engine(book, compiled)


def load_engine(rules_dir: Path | str | None = None) -> Engine:
    """The engine for a rules directory (the shipped rules by default), loaded once per process
    and, across processes, from the user's cache while the rule files are unchanged (see
    :mod:`faceright.cache`). Raises :class:`RuleFileError` for an invalid rulebook."""
    directory = Path(rules_dir) if rules_dir is not None else default_rules_dir()
    return _load(str(directory.resolve()))
