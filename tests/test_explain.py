"""`faceright explain`: derivations down to facts, why-not, and flips computed by re-running."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from faceright.cli import main
from faceright.evaluate import Engine
from faceright.explain import flips

EXAMPLE = "cases/zhang-v-template-app.yaml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_why_goes_down_to_facts_with_provisions(root: Path) -> None:
    code, out, _ = run("explain", str(root / EXAMPLE), "--why", "platform_jointly_liable", "--format", "json")
    assert code == 0
    [step] = json.loads(out)["why"]["platform_jointly_liable@platform"]
    assert step["rule"] == "platform.notice_not_acted_in_time"
    assert "civil-code-1195" in step["provisions"]
    assert "platform_response_hours = 96" in step["facts"]
    chain = step
    while chain["below"]:
        chain = chain["below"][0]
    assert chain["key"] == ["no_valid_consent", "-"] and "consent = none" in chain["facts"]


def test_why_not_names_the_failing_condition(root: Path) -> None:
    code, out, _ = run("explain", str(root / EXAMPLE), "--why-not", "reasonable_use", "--lang", "en")
    assert code == 0
    assert "rule portrait.reasonable_use" in out
    assert "fails: purpose within [news_reporting, public_interest, research_teaching] (the case has [paid_service])" in out


def test_why_not_names_the_exception_that_defeated_a_rule(engine: Engine) -> None:
    from faceright.explain import why_not
    case = engine.case({"case": "n", "incident_date": "2023-03-01", "facts": {
        "depicted_person": "living", "identifiable": True, "likeness": ["face"], "consent": "none",
        "purpose": "news_reporting", "use_necessary": True, "degrading": False}})
    derivations, _ = engine.derive(case)
    diagnoses = {d.rule: d for d in why_not(engine, derivations, engine.facts_of(case),
                                            case.incident_date, "portrait_right_infringed")}
    main = diagnoses["portrait.unconsented_use"]
    assert main.verdict == "does not hold"
    assert "defeated by exception 1 (civil-code-1020)" in main.reasons
    old = diagnoses["portrait.for_profit_gpcl"]
    assert old.reasons[0] == "not in force: the rule applies 1987-01-01 to 2020-12-31, the law date is 2023-03-01"


def test_flips_are_found_by_rerunning_the_engine(engine: Engine) -> None:
    case = engine.case({"case": "f", "incident_date": "2023-03-01", "facts": {
        "depicted_person": "living", "identifiable": True, "likeness": ["face"], "consent": "none",
        "purpose": "parody"}})
    found = flips(engine, case, ["portrait_right_infringed"])
    changes = {(f.fact, f.new, f.status_after) for f in found}
    assert ("consent", "given", "absent") in changes
    assert ("identifiable", "false", "absent") in changes
    assert ("consent", "unknown", "open") in changes
    for f in found:  # every reported flip really flips
        if f.fact in ("incident_date", "likeness", "online_until"):
            continue
        data = case.model_dump(exclude_none=True)
        data["facts"].pop(f.fact, None)
        if f.new != "unknown":
            data["facts"][f.fact] = {"true": True, "false": False}.get(f.new, f.new)
        after = engine.assess(engine.case(data))
        assert f.status_before == "holds"
        assert after.holds("portrait_right_infringed") == (f.status_after == "holds")


def test_flips_in_the_cli(root: Path) -> None:
    code, out, _ = run("explain", str(root / EXAMPLE), "--why", "portrait_right_infringed", "--flips", "--lang", "en")
    assert code == 0
    assert "portrait_right_infringed: consent none -> given: holds -> absent" in out


def test_unknown_conclusion_is_a_usage_error(root: Path) -> None:
    code, _, err = run("explain", str(root / EXAMPLE), "--why", "portrait_rigth_infringed")
    assert code == 2 and "did you mean 'portrait_right_infringed'" in err


def test_why_not_reports_the_period_as_the_engine_applies_it(engine: Engine) -> None:
    """A Civil Code rule reaching back to conduct continuing into 2021 waits on online_until;
    one that also reaches earlier conduct (voice, SPC temporal provisions art. 3) applies to a
    2019 incident whatever online_until is, so its period is no reason for anything."""
    from faceright.explain import why_not
    case = engine.case({"case": "p", "incident_date": "2019-06-01", "facts": {
        "depicted_person": "living", "identifiable": True, "likeness": ["voice"], "consent": "none"}})
    derivations, _ = engine.derive(case)

    def reasons(cid: str, rule: str) -> list[str]:
        found = {d.rule: d for d in why_not(engine, derivations, engine.facts_of(case),
                                            case.incident_date, cid)}
        return found[rule].reasons

    assert reasons("portrait_right_infringed", "portrait.unconsented_use")[0] == (
        "unknown: online_until (the rule applies from 2021-01-01 to conduct continuing into it)")
    voice = reasons("voice_interest_infringed", "voice.unconsented_imitation")
    assert not any("online_until" in r or "incident_date" in r for r in voice), voice
    assert engine.assess(case).holds("voice_interest_infringed") or engine.assess(case).is_open(
        "voice_interest_infringed")
    undated = engine.case({"case": "u", "facts": {"likeness": ["voice"]}})
    derivations, _ = engine.derive(undated)
    [first, *_] = why_not(engine, derivations, engine.facts_of(undated), None, "voice_interest_infringed")
    assert first.reasons[0] == "unknown: incident_date (decides which law applies)"
