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


# --- content that both defames and insults (defamation_or_insult: both) ------------------------

def test_both_is_read_as_defamation_and_as_insult_by_every_rule_that_reads_the_fact(engine: Engine) -> None:
    """Every rule and question test on defamation_or_insult that passes for defamation or for
    insult passes for both (the fact's `stands_for`): no test names a single value without it."""
    from faceright.conditions import tests
    conds = [(r.id, c) for r in engine.book.rules for c in (r.cond, *(e.cond for e in r.exceptions))]
    conds += [(q.fact, q.when) for q in engine.book.questions.questions if q.when is not None]
    seen = 0
    for where, cond in conds:
        for test in tests(cond):
            if test.fact != "defamation_or_insult" or test.value == "neither":
                continue
            seen += 1
            named = (test.value,) if test.op == "is" else test.value
            assert "both" in named, f"{where}: {test}"
    assert seen >= 15


@pytest.mark.parametrize(("twin", "near_miss"), [
    ("sexual-fake-false-caption-both-repeat-offender", "sexual-fake-false-caption-insult-repeat-offender"),
    ("caption-lie-and-insult-views-5000", "caption-insult-only-views-5000"),
])
def test_both_reaches_the_defamation_thresholds_that_insult_alone_does_not(
        engine: Engine, root: Path, twin: str, near_miss: str) -> None:
    both = _held(engine, _case(engine, root, f"scenarios/{twin}.yaml"))
    insult = _held(engine, _case(engine, root, f"scenarios/{near_miss}.yaml"))
    assert ("offence.defamation", "creator") in both
    assert ("offence.defamation", "creator") not in insult
    assert ("administrative_penalty", "creator") in insult  # the public-insult tier (PSAPL 2012 art. 42)


def test_both_is_offered_asked_and_told_in_zh_and_en(engine: Engine, root: Path) -> None:
    from faceright.ask import parse_answer
    spec = engine.book.vocabulary.spec("defamation_or_insult")
    assert spec.choice("both", "zh").startswith("两者都有") and spec.choice("both", "en").startswith("both")
    for text, lang in (("两者都有", "zh"), ("既造谣又侮辱", "zh"), ("both", "en"), ("lies and insults", "en")):
        assert parse_answer(spec, text, lang) == "both", text
    assert parse_answer(spec, "都不是", "zh") == "neither"
    question = engine.book.questions.question("defamation_or_insult")
    assert "两者都有" in question.wording("you").zh and "both" in question.wording("you").en


# --- the issue 15 audit table in the README: every twin reaches, every near-miss does not --------

def _audit_rows(root: Path) -> list[list[str]]:
    text = (root / "README.md").read_text(encoding="utf-8")
    start = text.index("**Issue 15 audit**")
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("| ") and not line.startswith("| kind") and not line.startswith("|---"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
        elif rows and not line.startswith("|"):
            break
    return rows


def _status(engine: Engine, root: Path, name: str, label: str) -> str:
    assessment, _ = engine.evaluate(_case(engine, root, f"scenarios/{name}.yaml"), None)
    cid, _, party = label.partition("@")
    for c in assessment.conclusions:
        if c.id == cid and c.party == (party or None):
            return "holds"
    for o in assessment.open:
        if o.id == cid and o.party == (party or None):
            return "likely" if o.likely else "open"
    return "absent"


def test_the_readme_audit_table_holds_for_every_kind(engine: Engine, root: Path) -> None:
    rows = _audit_rows(root)
    kinds = {row[0] for row in rows}
    assert {str(k) for k in range(1, 15)} <= kinds, sorted(kinds)
    order = ["absent", "open", "likely", "holds"]
    for kind, label, reaches, twin, near, _ in rows:
        got = _status(engine, root, twin, label)
        assert got == reaches, f"kind {kind}: {twin} gives {label} {got}, the table says {reaches}"
        missed = _status(engine, root, near, label)
        assert order.index(missed) < order.index(reaches), f"kind {kind}: near-miss {near} reaches {label} ({missed})"
        for name in (twin, near):
            [loaded] = list(read_cases(engine.reader, str(root / "cases" / "scenarios" / f"{name}.yaml")))
            assert loaded.case is not None and loaded.case.basis, f"{name}: no basis"
