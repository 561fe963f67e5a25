"""Legal invariants, as property tests over generated cases (hypothesis drives the generator)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from faceright.evaluate import Engine
from generate import Generator

UNCONSENTED = ("portrait_right_infringed", "voice_interest_infringed", "name_right_infringed")
REMEDIES = ("remedy.cease_infringement", "remedy.eliminate_effects", "remedy.apology",
            "remedy.compensate_property_loss", "remedy.compensate_mental_distress",
            "remedy.reasonable_expenses", "remedy.injunction")
BRIDGES = {"spc-civil-code-temporal-1", "spc-civil-code-temporal-3"}


def draw(engine: Engine, rng: random.Random) -> dict[str, Any]:
    rules = sorted(engine.book.rules, key=lambda r: r.id)
    return Generator(engine.book).case(rng, rng.choice(rules), unknown=rng.random() * 0.5)


def held(engine: Engine, data: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(c.id, c.party) for c in engine.assess(engine.case(data)).conclusions}


@settings(max_examples=120)
@given(st.randoms(use_true_random=False))
def test_consent_given_within_scope_never_yields_an_unconsented_use(engine: Engine, rng: random.Random) -> None:
    data = draw(engine, rng)
    data["facts"].update(consent="given", consent_by="person", minor=False, minor_under_14=False)
    assessment = engine.assess(engine.case(data))
    for cid in UNCONSENTED:
        assert not assessment.holds(cid) and not assessment.is_open(cid), cid


@settings(max_examples=120)
@given(st.randoms(use_true_random=False), st.sampled_from(
    ["economic_loss_yuan", "infringer_profit_yuan", "reputational_harm", "degrading", "severe_mental_distress"]))
def test_more_harm_never_removes_a_remedy(engine: Engine, rng: random.Random, fact: str) -> None:
    data = draw(engine, rng)
    facts = data["facts"]
    if fact.endswith("_yuan"):
        facts[fact] = facts.get(fact, 0)
        worse = {**data, "facts": {**facts, fact: facts[fact] + rng.choice([1, 1000, 10**6])}}
    else:
        facts[fact] = False
        worse = {**data, "facts": {**facts, fact: True}}
    before = {k for k in held(engine, data) if k[0] in REMEDIES}
    assert before <= held(engine, worse)


@settings(max_examples=120)
@given(st.randoms(use_true_random=False), st.floats(0, 24))
def test_a_platform_that_acted_in_time_and_did_not_know_is_never_jointly_liable(
        engine: Engine, rng: random.Random, hours: float) -> None:
    data = draw(engine, rng)
    data["facts"].update(platform_hosted=True, platform_notified=True, notice_valid=True,
                         platform_measures=True, platform_response_hours=hours,
                         platform_knew=False, platform_actually_knew=False)
    assert not engine.assess(engine.case(data)).holds("platform_jointly_liable")


@settings(max_examples=80)
@given(st.randoms(use_true_random=False))
def test_a_platform_that_acted_once_it_knew_and_got_no_notice_is_never_jointly_liable(
        engine: Engine, rng: random.Random) -> None:
    """Civil Code 1197 and Tort Law 36 para 3 require that no necessary measures were taken."""
    data = draw(engine, rng)
    data["facts"].update(platform_hosted=True, platform_notified=False, platform_authored=False,
                         platform_knew=True, platform_actually_knew=True, platform_acted_on_knowledge=True)
    assert not engine.assess(engine.case(data)).holds("platform_jointly_liable")


@settings(max_examples=120)
@given(st.randoms(use_true_random=False), st.sampled_from(["labeled_synthetic", "provider_labeled"]))
def test_a_label_never_removes_a_portrait_voice_or_name_infringement(
        engine: Engine, rng: random.Random, label: str) -> None:
    data = draw(engine, rng)
    data["facts"][label] = False
    before = {k for k in held(engine, data) if k[0] in UNCONSENTED}
    after = held(engine, {**data, "facts": {**data["facts"], label: True}})
    assert before <= after


@settings(max_examples=150)
@given(st.randoms(use_true_random=False))
def test_every_conclusion_cites_a_provision_in_force_or_bridged(engine: Engine, rng: random.Random) -> None:
    data = draw(engine, rng)
    case = engine.case(data)
    assume(case.incident_date is not None)  # no date, no law in force to check against
    assert case.incident_date is not None
    for c in engine.assess(case).conclusions:
        late = [p for p in c.provisions if p not in BRIDGES
                and not engine.book.catalogue.get(p).in_force(case.incident_date)]
        assert not late or BRIDGES & set(c.provisions), (c.id, late)
        assert any(p not in BRIDGES for p in c.provisions)
