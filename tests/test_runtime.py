"""durable_rules integration: sessions are freed, swallowed action errors surface."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from faceright.compiler import Variant
from faceright.errors import EngineError
from faceright.evaluate import Engine
from faceright.runtime import Runtime, runtime


def test_more_cases_than_durable_sessions(engine: Engine) -> None:
    """A ruleset holds at most 1,024 live sessions; each case's session is deleted."""
    case = engine.case({"case": "x", "incident_date": "2023-01-01",
                        "facts": {"identifiable": True, "consent": "none", "likeness": ["face"],
                                  "depicted_person": "fictional", "purpose": "entertainment"}})
    expected = engine.assess(case)
    assert not expected.holds("portrait_right_infringed")
    for _ in range(1100):
        assert engine.assess(case) == expected


def test_one_host_per_process(engine: Engine) -> None:
    engine.assess(engine.case({"case": "x"}))
    host = runtime().host
    engine.assess(engine.case({"case": "y"}))
    assert runtime().host is host
    # durable_rules' own Host would start re-arming timer threads that race with our
    # synchronous evaluation; ours starts none
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer)]


class FailingRuntime(Runtime):
    """A runtime whose actions raise, as a bug in an action would (durable swallows it)."""

    def _action(self, variant: Variant, consumed: frozenset[tuple[str, str]]) -> Any:
        def act(c: Any) -> None:
            raise RuntimeError(f"boom in {variant.rule.id}")
        return act


def test_swallowed_action_errors_are_raised(engine: Engine) -> None:
    from dataclasses import replace
    compiled = replace(engine.compiled, name=engine.compiled.name + "-failing")
    compiled = replace(compiled, ruleset={
        k: {**v, "run": v["run"].replace(engine.compiled.name, compiled.name)}
        for k, v in engine.compiled.ruleset.items()})
    failing = FailingRuntime()
    with pytest.raises(EngineError, match="a rule action failed: .*boom in"):
        failing.run(compiled, {"identifiable": True, "consent": "none", "likeness__face": True,
                               "likeness__voice": False, "likeness__body": False,
                               "depicted_person": "living", "incident_date": 19000})
