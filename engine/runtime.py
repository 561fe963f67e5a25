"""Running compiled rulebooks on durable_rules' C engine: one session per process, reused.

durable_rules' Python wrapper (``durable.engine.Host``) starts timer threads that never stop,
JSON-decodes the whole session state for every action and creates a session per case, which
allocates and zeroes memory for every join node (~30 MB, ~10 ms with the full rulebook). The
runtime therefore drives the C module ``durable_rules_engine`` directly:

- each ruleset is created once per process (``create_ruleset``), with an extra *opening* rule;
- one session (``sid`` ``"1"``) per ruleset and process is opened by asserting the opening
  fact and running its action. durable_rules leaves a new session's action context
  uninitialised until an action starts, and frees it on ``delete_state``: a session in which
  nothing ever fired aborted the process (``free(): invalid size``). A session opened by an
  action never has an uninitialised context, whatever the cases that follow;
- a case asserts its case fact, runs every action durable_rules starts (each action records
  the firing and asserts the conclusion fact other rules join on), then a phase fact for each
  stratum that holds a negation, each after the previous one's actions are done, and finally
  retracts every fact it asserted — the case fact first, so that no rule can match while the
  rest is retracted. The session is then exactly as it was before the case: the property
  tests assess pairs of cases and check that B after A gives what B alone gives.

Every case is matched by durable_rules; nothing is cached between cases. The counters prove it:
``cases`` (case facts run), ``asserts`` (facts asserted), ``actions`` (actions durable_rules
started), ``retracts`` (facts retracted).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

import durable_rules_engine as dre

from .compiler import NO_PARTY, Compiled, Variant
from .errors import EngineError

#: the session every case runs in (one per ruleset and process)
SID = "1"
#: the rule and fact that open the session (see the module docstring)
OPENING = "~opening"
_OPENING_FACT = json.dumps({"t": OPENING, "sid": SID, "id": OPENING})
#: durable_rules' assert results (rules.h): handled, nobody listens (others are refusals)
_OK, _NOT_HANDLED = 0, 1


#: A conclusion fact as asserted (json.dumps layout: durable_rules hands an action the text
#: of each fact it joined exactly as asserted). Conclusion and party ids are checked against
#: :data:`_NAME` when the ruleset is created, so they need no escaping.
_CONCLUSION = '{{"t": "{0}", "cid": "{1}", "party": "{2}", "sid": "%s", "id": "{3}"}}' % SID
#: the joined conclusions in an action's frame: pattern name j<i>, conclusion, party. Every
#: fact in a frame is flat (no nested braces), and only conclusion facts have this layout.
_JOINED = re.compile(r'"j(\d+)":\{"t": "[dp]", "cid": "([^"]+)", "party": "([^"]+)"')
_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


@dataclass(frozen=True)
class Firing:
    """One durable rule fired: the variant, the party concluded and the conclusions joined."""

    variant: Variant
    party: str
    joined: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Action:
    """What one compiled rule does when it fires (precomputed at registration)."""

    variant: Variant
    joins: int  # how many conclusions the rule joins
    static_party: str | None
    conclusion: str
    twin: str
    feeds: bool


class _Loaded:
    """One ruleset created in this process's C engine, with its open session."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        definition = {key: {k: v for k, v in rule.items() if k != "run"}
                      for key, rule in compiled.ruleset.items()}
        definition[OPENING] = {"all": [{"o": {"t": OPENING}}]}
        try:
            self.handle: int = dre.create_ruleset(compiled.name, json.dumps(definition))
        except Exception as exc:  # durable reports bad rulesets as bare error codes
            raise EngineError(f"durable_rules refused the compiled ruleset: {exc}") from exc
        self.actions: dict[str, _Action] = {
            key: _Action(variant, len(variant.joins), variant.rule.spec.conclude.party,
                         variant.rule.concl, variant.twin,
                         (variant.twin, variant.rule.concl) in compiled.consumed)
            for key, variant in compiled.variants.items()}
        for action in self.actions.values():  # the names conclusion facts are written with
            for name in (action.conclusion, action.static_party or NO_PARTY):
                if name != "same" and not _NAME.fullmatch(name):
                    raise EngineError(f"not a conclusion or party name: {name!r}")
        self.phases = [json.dumps({"t": "phase", "n": n, "g": g, "sid": SID, "id": f"ph{n}.{g}"})
                       for n, g in compiled.phases]
        self.opened = False


class Runtime:
    """This process's durable_rules rulesets, each with one reusable session.

    Thread-safe: cases run one at a time per process (a lock around each case), since a
    durable_rules session is one agenda. After ``fork`` the child creates its rulesets anew.
    """

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._loaded: dict[str, _Loaded] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        #: work done in this process (see the module docstring)
        self.counters: dict[str, int] = {"cases": 0, "asserts": 0, "actions": 0, "retracts": 0}

    def _ruleset(self, compiled: Compiled) -> _Loaded:
        if self._pid != os.getpid():  # a forked child: the C engine's state is the parent's
            self._pid = os.getpid()
            self._loaded = {}
        loaded = self._loaded.get(compiled.name)
        if loaded is None:
            loaded = self._loaded[compiled.name] = _Loaded(compiled)
        if not loaded.opened:
            self._open(loaded)
        return loaded

    def _open(self, loaded: _Loaded) -> None:
        code, state = dre.assert_fact(loaded.handle, _OPENING_FACT)
        if code != _OK:
            raise EngineError(f"durable_rules could not open a session (code {code})")
        started = dre.start_action_for_state(loaded.handle, state)
        if started is None or OPENING not in started[1]:
            raise EngineError("durable_rules did not start the session's opening action")
        if dre.complete_and_start_action(loaded.handle, state) is not None:
            raise EngineError("durable_rules started an action the opening fact cannot match")
        loaded.opened = True

    def run(self, compiled: Compiled, fact: dict[str, Any]) -> list[Firing]:
        """Run one case (its engine fact: a flat mapping of keys to JSON scalars) through the
        ruleset; return what fired, in firing order. Raises :class:`EngineError` when
        durable_rules refuses the fact or a rule action fails (the session is then reset)."""
        with self._lock:
            loaded = self._ruleset(compiled)
            number = next(self._ids)
            case = json.dumps({**fact, "t": "case", "sid": SID, "id": f"c{number}"})
            asserted: dict[str, None] = {}  # in assertion order; a set for the duplicate check
            firings: list[Firing] = []
            self.counters["cases"] += 1
            try:
                self._assert(loaded, case, asserted, firings, number)
                for phase in loaded.phases:
                    self._assert(loaded, phase, asserted, firings, number)
            except EngineError:
                self._reset(loaded)
                raise
            except Exception as exc:
                self._reset(loaded)
                raise EngineError(f"a rule action failed: {type(exc).__name__}: "
                                  f"{str(exc)[:500]}") from exc
            except BaseException:  # KeyboardInterrupt mid-case: the session is reopened
                self._reset(loaded)
                raise
            self._retract(loaded, asserted)
            return firings

    def _assert(self, loaded: _Loaded, text: str, asserted: dict[str, None],
                firings: list[Firing], number: int) -> None:
        """Assert one fact and run every action durable_rules starts until none is left."""
        handle = loaded.handle
        state = self._post(handle, text)
        asserted[text] = None
        if state is None:
            return
        started = dre.start_action_for_state(handle, state)
        message = started[1] if started is not None else None
        while message is not None:
            self.counters["actions"] += 1
            key = message[2:message.index('"', 2)]
            joined = tuple(sorted(_JOINED.findall(message), key=lambda m: int(m[0])))
            self._fire(loaded, loaded.actions[key], joined, asserted, firings, number)
            message = dre.complete_and_start_action(handle, state)

    def _post(self, handle: int, text: str) -> int | None:
        """Assert a fact; the session's state offset, or None when no rule looks at it."""
        self.counters["asserts"] += 1
        code, state = dre.assert_fact(handle, text)
        if code == _NOT_HANDLED:
            return None
        if code != _OK:
            raise EngineError(f"durable_rules refused a fact (code {code}): {text[:200]}")
        return int(state)

    def _fire(self, loaded: _Loaded, action: _Action, found: tuple[tuple[str, str, str], ...],
              asserted: dict[str, None], firings: list[Firing], number: int) -> None:
        if len(found) != action.joins:
            raise EngineError(f"durable_rules passed {len(found)} joined conclusions to "
                              f"{action.variant.key}, which joins {action.joins}")
        joined = tuple((cid, party) for _, cid, party in found)
        static = action.static_party
        party = joined[0][1] if static == "same" else (static or NO_PARTY)
        firings.append(Firing(action.variant, party, joined))
        if not action.feeds:
            return
        marker = f"{action.twin}|{action.conclusion}|{party}"
        text = _CONCLUSION.format(action.twin, action.conclusion, party, f"c{number}|{marker}")
        if text in asserted:
            return  # already concluded for this party by another rule or alternative
        self._post(loaded.handle, text)  # its actions run in this agenda, after this one
        asserted[text] = None

    def _retract(self, loaded: _Loaded, asserted: dict[str, None]) -> None:
        """Retract the case's facts, the case fact first; nothing may fire while doing it."""
        self.counters["retracts"] += len(asserted)
        code, state = dre.retract_facts(loaded.handle, "[" + ",".join(asserted) + "]")
        if code not in (_OK, _NOT_HANDLED) or (
                code == _OK and dre.start_action_for_state(loaded.handle, state) is not None):
            self._reset(loaded)
            raise EngineError("durable_rules started an action while a case was retracted")

    def _reset(self, loaded: _Loaded) -> None:
        """Drop the session after a failure (its context is initialised: deleting is safe)."""
        try:
            dre.delete_state(loaded.handle, SID)
        except Exception:  # noqa: BLE001 - a failure here leaves the session to reopen
            pass
        loaded.opened = False


_RUNTIME = Runtime()


def runtime() -> Runtime:
    """The process-wide runtime (its rulesets are created on first use, in this process)."""
    return _RUNTIME

