"""The library entry point: a loaded, compiled rulebook that assesses cases.

Every front end (``assess``, ``batch``, ``ask``, ``test``, ``diff``) goes through
:meth:`Engine.assess`.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any, TypeGuard

from .assessment import Assessment, Derivations, Key, assemble, engine_fact, likely_facts
from .casefile import CaseReader
from .compiler import Compiled, compile_rulebook
from .rulebook import Rulebook, default_rules_dir, load_rulebook
from .runtime import runtime
from .source import Document
from .vocabulary import INCIDENT_DATE


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

    @property
    def version(self) -> str:
        return self.book.version

    def facts_of(self, case: Any) -> dict[str, Any]:
        """The known facts of a case (unknown ones left out)."""
        return {k: v for k, v in case.facts.model_dump().items() if v is not None}

    def derive(self, case: Any, as_of: dt.date | None = None) -> tuple[Derivations, dict[str, Any]]:
        """Run the case through durable_rules; return the firings and the facts used."""
        facts = self.facts_of(case)
        law_day = as_of or case.incident_date
        fact = engine_fact(facts, law_day, self._types)
        firings = runtime().run(self.compiled, fact)
        shown = dict(facts)
        if law_day is not None:
            shown[INCIDENT_DATE] = law_day
        return Derivations.of(fact, firings), shown

    def assess(self, case: Any, as_of: dt.date | None = None) -> Assessment:
        """Assess one validated case under the law in force on its incident date (or ``as_of``)."""
        return self.evaluate(case, as_of)[0]

    def evaluate(self, case: Any, as_of: dt.date | None = None) -> tuple[Assessment, Derivations]:
        """The assessment and the firings behind it, from one run of the engine."""
        derivations, shown = self.derive(case, as_of)
        law_day = as_of or case.incident_date
        likely = likely_facts(derivations, shown, self._suggests)
        holds = self._holding_if(case, as_of, likely) if likely else frozenset()
        return assemble(case.case, law_day, self.version, derivations, shown, self._public,
                        self._policies, likely, holds), derivations

    def _holding_if(self, case: Any, as_of: dt.date | None, likely: dict[str, list[str]]) -> frozenset[Key]:
        """The conclusions that would hold were each likely judgement true (a second run of
        the engine on the case with those facts added): what a ``likely`` open item means."""
        facts = {**self.facts_of(case), **{name: True for name in likely}}
        fact = engine_fact(facts, as_of or case.incident_date, self._types)
        found = Derivations.of(fact, runtime().run(self.compiled, fact))
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
