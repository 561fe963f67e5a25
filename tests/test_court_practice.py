"""Court practice found in the second user trial (issue 15): PIPL reached without a separate-
consent answer, the deceased's claims named as the relatives', the report's words for them, and
the interview asking separate consent only where some consent was given."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from faceright.casefile import read_cases
from faceright.errors import RuleFileError
from faceright.evaluate import Engine
from faceright.interview import Interviewer
from faceright.report import build_report
from faceright.report_render import to_text
from faceright.rulebook import load_rulebook
from persona import walk


def _case(engine: Engine, root: Path, name: str) -> Any:
    [loaded] = list(read_cases(engine.reader, str(root / "cases" / name)))
    return loaded.case


def _held(engine: Engine, case: Any) -> dict[tuple[str, str | None], list[str]]:
    assessment, _ = engine.evaluate(case, None)
    return {(c.id, c.party): list(c.provisions) for c in assessment.conclusions}


def test_no_consent_at_all_reaches_pipl_28_29_and_the_presumed_fault_of_69(engine: Engine, root: Path) -> None:
    held = _held(engine, _case(engine, root, "scenarios/pi-voice-actor-no-consent-2024.yaml"))
    assert {"pipl-28", "pipl-29"} <= set(held[("personal_information_infringed", "creator")])
    assert held[("pi_fault_presumed", "creator")] == ["pipl-69"]


def test_before_pipl_and_for_family_use_neither_pipl_ground_nor_presumed_fault(engine: Engine, root: Path) -> None:
    for name in ("scenarios/pi-voice-actor-no-consent-2021-06.yaml",
                 "scenarios/pi-voice-actor-no-consent-personal-use.yaml"):
        held = _held(engine, _case(engine, root, name))
        assert not {"pipl-28", "pipl-29"} & set(held[("personal_information_infringed", "creator")]), name
        assert ("pi_fault_presumed", "creator") not in held, name


def _asked(interviewer: Interviewer, facts: dict[str, Any]) -> list[str]:
    return [q.fact for q, _ in walk(interviewer, facts)[1]]


def test_separate_consent_is_asked_only_where_some_consent_was_given(engine: Engine, root: Path) -> None:
    interviewer = Interviewer(engine, remember=0)
    base = {"respondent": "representative", "depicted_person": "living", "identifiable": True,
            "likeness": ["voice"], "purpose": "paid_service", "published": True,
            "tool_provider": True, "biometric_processed": True, "incident_date": _case(
                engine, root, "scenarios/pi-voice-actor-no-consent-2024.yaml").incident_date}
    assert "separate_consent" not in _asked(interviewer, {**base, "consent": "none"})
    assert "separate_consent" in _asked(interviewer, {**base, "consent": "given", "consent_by": "person"})


@pytest.mark.parametrize("lang, deceased, living", [
    ("en", "The deceased's portrait was infringed", "Portrait right infringed"),
    ("zh", "死者的肖像受到侵害", "肖像权被侵害"),
])
def test_a_deceased_persons_portrait_is_reported_as_the_relatives_claim(
        engine: Engine, root: Path, lang: str, deceased: str, living: str) -> None:
    dead = _case(engine, root, "scenarios/deceased-star-revival.yaml")
    assert ("portrait_right_infringed", "creator") in _held(engine, dead)  # the id is unchanged
    text = to_text(build_report(engine, dead, lang, None))
    assert deceased in text and living not in text
    alive = to_text(build_report(engine, _case(engine, root, "zhang-v-template-app.yaml"), lang, None))
    assert living in alive and deceased not in alive


def test_a_title_for_an_unknown_conclusion_fails_at_load_with_its_line(root: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    path = rules / "guidance.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  - conclusion: portrait_right_infringed\n", "  - conclusion: portrait_rigth_infringed\n", 1),
        encoding="utf-8")
    with pytest.raises(RuleFileError) as err:
        load_rulebook(rules)
    message = str(err.value)
    assert "guidance.yaml:" in message and "portrait_rigth_infringed" in message
    assert "did you mean 'portrait_right_infringed'" in message
