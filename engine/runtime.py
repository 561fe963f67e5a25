"""Running compiled rulebooks on durable_rules: one Host per process, one session per case.

durable_rules' Host starts timer threads that never stop, so there is exactly one, made
lazily (never before a fork). Each ruleset registers once under its version-stamped name.
Each case gets its own session, whose state is checked for swallowed action errors and
always deleted (a ruleset holds at most 1,024 live sessions).
"""

from __future__ import annotations

import copy
import itertools
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from durable import engine as durable

from .compiler import NO_PARTY, Compiled, Variant
from .errors import EngineError


@dataclass(frozen=True)
class Firing:
    """One durable rule fired: the variant, the party concluded and the conclusions joined."""

    variant: Variant
    party: str
    joined: tuple[tuple[str, str], ...]


@dataclass
class _Session:
    firings: list[Firing] = field(default_factory=list)
    asserted: set[tuple[str, str, str]] = field(default_factory=set)


class _Host(durable.Host):  # type: ignore[misc]
    """A Host whose actions are looked up in our table instead of durable's global registry."""

    def __init__(self) -> None:
        self.actions: dict[str, Callable[[Any], None]] = {}
        super().__init__()

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self.actions[action_name]

    def _run(self) -> None:
        """Start no background threads. Every rule fires synchronously inside ``assert_fact``;
        durable_rules' dispatch timers (for asynchronous actions and timers, never used here)
        would race with it — measured: an action occasionally taken over by the timer thread
        ("error code: 307") and its conclusion lost — and they never stop."""


class Runtime:
    """The process's durable_rules Host and the rulesets registered on it."""

    def __init__(self) -> None:
        self._host: _Host | None = None
        self._pid = os.getpid()
        self._registered: dict[str, Compiled] = {}
        self._sessions: dict[str, _Session] = {}
        self._ids = itertools.count(1)
        #: work done in this process: durable sessions opened and facts asserted
        self.counters: dict[str, int] = {"sessions": 0, "asserts": 0}
        self._lock = threading.Lock()

    @property
    def host(self) -> _Host:
        if self._host is None or self._pid != os.getpid():
            self._host = _Host()
            self._pid = os.getpid()
            self._registered = {}
        return self._host

    def register(self, compiled: Compiled) -> None:
        """Register a compiled ruleset once (durable_rules cannot re-register a name)."""
        host = self.host
        if compiled.name in self._registered:
            return
        for key, variant in compiled.variants.items():
            host.actions[f"{compiled.name}:{key}"] = self._action(variant, compiled.consumed)
        try:
            host.set_rulesets({compiled.name: copy.deepcopy(compiled.ruleset)})
        except Exception as exc:  # durable reports bad rulesets as bare errors with codes
            raise EngineError(f"durable_rules refused the compiled ruleset: {exc}") from exc
        self._registered[compiled.name] = compiled

    def _action(self, variant: Variant, consumed: frozenset[tuple[str, str]]) -> Callable[[Any], None]:
        static = variant.rule.spec.conclude.party
        names = [f"j{i}" for i in range(len(variant.joins))]
        concl = variant.rule.concl
        twin = variant.twin
        feeds = (twin, concl) in consumed

        def act(c: Any) -> None:
            joined = tuple((str(getattr(c, n).cid), str(getattr(c, n).party)) for n in names)
            party = joined[0][1] if static == "same" else (static or NO_PARTY)
            session = self._sessions[c.s.sid]
            session.firings.append(Firing(variant, party, joined))
            marker = (twin, concl, party)
            if feeds and marker not in session.asserted:
                session.asserted.add(marker)
                self.counters["asserts"] += 1
                c.assert_fact({"t": twin, "cid": concl, "party": party})

        return act

    def run(self, compiled: Compiled, fact: dict[str, Any]) -> list[Firing]:
        """Run one case (its engine fact) through the ruleset; return what fired."""
        self.register(compiled)
        host = self.host
        with self._lock:
            sid = f"s{next(self._ids)}"
        self._sessions[sid] = _Session()
        self.counters["sessions"] += 1
        try:
            self._post(host, compiled.name, {**fact, "t": "case", "sid": sid})
            for stratum, group in compiled.phases:
                self._post(host, compiled.name, {"t": "phase", "n": stratum, "g": group, "sid": sid})
            state = host.get_state(compiled.name, sid)
            if "exception" in state:
                raise EngineError(f"a rule action failed: {str(state['exception'])[:500]}")
            return self._sessions[sid].firings
        finally:
            self._sessions.pop(sid, None)
            try:
                host.delete_state(compiled.name, sid)
            except Exception:  # noqa: BLE001 - a session never created has nothing to free
                pass

    def _post(self, host: _Host, name: str, fact: dict[str, Any]) -> None:
        self.counters["asserts"] += 1
        try:
            host.assert_fact(name, fact)
        except durable.MessageNotHandledException:
            pass  # no rule pattern looks at this fact: nothing follows from it


_RUNTIME = Runtime()


def runtime() -> Runtime:
    """The process-wide runtime (its Host is created on first use, in this process)."""
    return _RUNTIME
