"""Rules about the rule base and its shipped cases (the legal rule base's "done" criteria)."""

from __future__ import annotations

from pathlib import Path

from faceright.casefile import read_cases
from faceright.evaluate import Engine
from faceright.explain import explain_case, flips

#: The contract's headline conclusion ids (shared/spec/case-file.md): never renamed or dropped.
HEADLINE = """portrait_right_infringed voice_interest_infringed reputation_right_infringed
name_right_infringed personal_information_infringed deceased_personality_protected reasonable_use
not_a_portrait platform_jointly_liable labeling_violation advertising_violation consent_check_violation
remedy.cease_infringement remedy.eliminate_effects remedy.apology remedy.compensate_property_loss
remedy.compensate_mental_distress remedy.reasonable_expenses remedy.injunction offence.fraud
offence.obscene_for_profit offence.obscene_dissemination offence.defamation offence.personal_information
offence.false_information administrative_penalty""".split()


def shipped(engine: Engine, root: Path) -> list:  # type: ignore[type-arg]
    out = []
    for path in sorted((root / "cases").rglob("*.yaml")):
        for loaded in read_cases(engine.reader, str(path)):
            assert loaded.error is None, str(loaded.error)
            out.append(loaded.case)
    return out


def test_every_headline_conclusion_has_a_rule(engine: Engine) -> None:
    concluded = {r.concl for r in engine.book.rules}
    assert not [c for c in HEADLINE if c not in concluded]
    assert not [c for c in HEADLINE if engine.book.conclusions[c].kind == "internal"]


def test_every_headline_conclusion_is_produced_by_a_shipped_case(engine: Engine, root: Path) -> None:
    produced = {c.id for case in shipped(engine, root) for c in engine.assess(case).conclusions}
    assert not [c for c in HEADLINE if c not in produced]


def test_every_shipped_case_has_expectations_and_a_basis(engine: Engine, root: Path) -> None:
    for case in shipped(engine, root):
        assert case.expect is not None, case.case
        assert case.expect.conclusions or case.expect.absent or case.expect.open, case.case
        assert case.basis, case.case


def test_decided_cases_name_their_source(engine: Engine, root: Path) -> None:
    decided = [c for c in shipped(engine, root) if c.case in {
        p.stem for p in (root / "cases" / "decided").glob("*.yaml")}]
    assert len(decided) >= 12
    for case in decided:
        assert case.source, case.case


def test_explain_and_flips_work_for_every_shipped_case(engine: Engine, root: Path) -> None:
    for case in shipped(engine, root):
        report = explain_case(engine, case, None, None, None, False)
        assessment = engine.assess(case)
        for c in assessment.conclusions:
            label = c.id if c.party is None else f"{c.id}@{c.party}"
            assert report.why[label], (case.case, label)
            assert report.why[label][0].provisions
        expect = case.expect
        main = (expect.conclusions or expect.absent or expect.open)[0].partition("@")[0]
        assert flips(engine, case, [main], limit=1), f"{case.case}: no flip for {main}"


def test_every_conclusion_cites_provisions_in_force_or_bridged(engine: Engine, root: Path) -> None:
    """Every provision a conclusion cites is in force on the case's law date, or the
    conclusion also cites the transitional provision that made its rule applicable."""
    bridges = {"spc-civil-code-temporal-1", "spc-civil-code-temporal-3"}
    for case in shipped(engine, root):
        assessment = engine.assess(case)
        day = case.incident_date
        for c in assessment.conclusions:
            late = [p for p in c.provisions
                    if p not in bridges and not engine.book.catalogue.get(p).in_force(day)]
            if late:
                assert bridges & set(c.provisions), (case.case, c.id, late)
