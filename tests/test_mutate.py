"""Rule mutation testing (`faceright rules mutate`), the wrong-rule experiment, and the
equivalent-mutant list."""

from __future__ import annotations

import fcntl
import pickle
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from faceright.cli import main
from faceright.conditions import All, Not, Test
from faceright.errors import RuleFileError
from faceright.evaluate import Engine, load_engine
from faceright.mutate import Report, load_cases, load_equivalents, mutants, mutation_test, stale_equivalents

WRONG_RULE = """\
subject: wrong
title_zh: 错误规则
title_en: A deliberately wrong rule
rules:
  - id: wrong.everything_is_fraud
    title_zh: 一切皆诈骗
    title_en: Every published case is a possible fraud
    provisions: [criminal-law-266]
    when: {fact: published, is: true}
    conclude: {id: offence.fraud, party: creator}
"""

#: the tests sharing the one full mutation run (``shipped_report``) run in one xdist worker
pytestmark = pytest.mark.xdist_group("rule-mutation")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _cases(engine: Engine, root: Path) -> list:  # type: ignore[type-arg]
    return load_cases(engine, sorted(str(p) for p in (root / "cases").rglob("*.yaml")))


@pytest.fixture(scope="session")
def shipped_report(engine: Engine, root: Path, tmp_path_factory: pytest.TempPathFactory,
                   worker_id: str) -> Report:
    """The one full mutation run of the shipped rules against the shipped cases (about 50 s),
    with the shipped equivalent list, shared by the tests below — and by the xdist workers:
    the first computes it under a lock, the others read it (xdist's documented pattern)."""
    def run() -> Report:
        return mutation_test(engine.book, _cases(engine, root), load_equivalents(root / "rules", engine.book))
    if worker_id == "master":
        return run()
    shared = tmp_path_factory.getbasetemp().parent / "shipped-mutation.pickle"
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if shared.exists():
            report: Report = pickle.loads(shared.read_bytes())
            return report
        report = run()
        shared.write_bytes(pickle.dumps(report))
        return report


def test_shipped_cases_under_the_corpus_folders_pin_their_whole_result(engine: Engine, root: Path) -> None:
    from faceright.casefile import read_cases
    for folder in ("decided", "scenarios", "coverage"):
        for path in sorted((root / "cases" / folder).glob("*.yaml")):
            for loaded in read_cases(engine.reader, str(path)):
                expect = loaded.case.expect
                assert expect is not None and expect.exact and expect.exact_open, path
                assert all(a.reason.strip() for a in expect.accepted), path


def test_mutants_cover_each_operator_with_the_line_of_the_part(engine: Engine) -> None:
    found = {m.id: m for m in mutants(engine.book) if m.rule == "offences.telecom_fraud"}
    rule = next(r for r in engine.book.rules if r.id == "offences.telecom_fraud")
    kinds = {i.rsplit(".", 1)[1] for i in found}
    assert {"drop", "negate", "threshold-", "threshold+"} <= kinds
    lines = Path(rule.path).read_text(encoding="utf-8").splitlines()
    for m in found.values():
        assert m.path == rule.path and m.line >= rule.line
        if m.id.endswith("threshold+"):
            assert "defrauded_yuan" in lines[m.line - 1], (m.id, lines[m.line - 1])
    [bump] = [m for m in found.values() if m.id.endswith("threshold+")]
    moved = [t for t in _tests(bump.mutated.cond) if t.fact == "defrauded_yuan"]
    assert moved and moved[0].value == 3001
    every = list(mutants(engine.book))
    assert any(m.id.endswith(".widen") for m in every)
    assert any(re.fullmatch(r"unless\[\d+\]\.drop", m.id) for m in every)
    assert len({(m.rule, m.id) for m in every}) == len(every)


def _tests(cond: object) -> list[Test]:
    if isinstance(cond, Test):
        return [cond]
    if isinstance(cond, Not):
        return _tests(cond.item)
    return [t for c in getattr(cond, "items", ()) for t in _tests(c)]


def test_shipped_rules_reach_the_mutation_score(engine: Engine, root: Path, shipped_report: Report,
                                                record_property: Any) -> None:
    out = shipped_report.to_text()  # what `faceright rules mutate cases/` prints
    # shown at the end of pytest's output by tests/conftest.py, e.g.
    # "rule mutation (faceright rules mutate cases/): mutation score: 97.1% (…) — required 95%"
    record_property("terminal_summary", f"rule mutation (faceright rules mutate cases/): {out.splitlines()[0]}"
                                        " — required 95%")
    assert out.startswith(f"mutation score: {shipped_report.score:.1f}% (")
    assert shipped_report.score >= 95, out
    assert not stale_equivalents(shipped_report, load_equivalents(root / "rules", engine.book)), out


def test_the_mutate_command_prints_the_score_and_survivors_of_the_chosen_rules(root: Path) -> None:
    code, out, _ = run("rules", "mutate", str(root / "cases"), "--rule", "offences.telecom_fraud",
                       "--min-score", "95")
    head = out.splitlines()[0]
    assert re.fullmatch(r"mutation score: 100\.0% \(\d+ killed, 0 survived, \d+ equivalent; \d+ case\(s\)\)", head), out
    assert code == 0
    # with a single case most mutants of that rule survive: a low score, exit 1, each survivor listed
    one = str(root / "cases" / "scenarios" / "app-labelled.yaml")
    code, out, _ = run("rules", "mutate", one, "--rule", "offences.telecom_fraud")
    head = re.match(r"mutation score: ([\d.]+)% \((\d+) killed, (\d+) survived, 3 equivalent; 1 case\(s\)\)", out)
    assert head and code == 1, out
    killed, survived = int(head.group(2)), int(head.group(3))
    assert survived > 0 and float(head.group(1)) == round(100 * killed / (killed + survived), 1)
    listed = [line for line in out.splitlines() if "rule 'offences.telecom_fraud': mutant " in line]
    assert len(listed) == survived
    assert "rule 'offences.telecom_fraud': mutant when.all[2].threshold-: " in out


def test_a_dropped_exception_is_killed_and_an_unkillable_mutant_survives(engine: Engine, shipped_report: Report) -> None:
    killed = {(m.rule, m.id) for m, _ in shipped_report.killed}
    assert ("portrait.unconsented_use", "unless[0].drop") in killed or any(
        r == "portrait.unconsented_use" and i.startswith("unless") for r, i in killed)
    # with no cases at all, nothing is killed and every mutant survives
    empty = mutation_test(engine.book, [])
    assert not empty.killed and len(empty.survived) == len(list(mutants(engine.book)))
    assert empty.score == 0.0


def test_the_wrong_fraud_rule_fails_dozens_of_cases(root: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    (rules / "wrong.yaml").write_text(WRONG_RULE, encoding="utf-8")
    code, out, _ = run("test", str(root / "cases"), "--rules", str(rules))
    assert code == 1
    failed = int(re.search(r"(\d+) failed$", out.strip()).group(1))  # type: ignore[union-attr]
    assert failed >= 24, out[-500:]
    assert "offence.fraud@creator holds but is not expected (exact: true)" in out
    # the mutation command refuses to score a rulebook that already fails its cases
    code, out, err = run("rules", "mutate", str(root / "cases"), "--rules", str(rules))
    assert code == 1 and "fails without any mutation" in err
    # and the diff against the shipped rules names the rule and the conclusion gained
    code, out, _ = run("diff", "--old", str(root / "rules"), "--new", str(rules), "--fail-on-change",
                       str(root / "cases"))
    assert code == 1 and "offence.fraud" in out and "wrong.everything_is_fraud" in out


def test_equivalent_list_is_checked_at_load(engine: Engine, root: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    target = next(m for m in mutants(engine.book) if m.rule == "portrait.unconsented_use")
    (rules / "mutants.yaml").write_text(
        f"equivalent:\n  - rule: {target.rule}\n    mutant: {target.id}\n    reason: x\n", encoding="utf-8")
    assert list(load_equivalents(rules, engine.book)) == [(target.rule, target.id)]
    bad = [
        ("equivalent:\n  - rule: portrait.unconsented_uze\n    mutant: a\n    reason: x\n",
         r"mutants.yaml:2: .*unknown rule 'portrait.unconsented_uze' \(did you mean 'portrait.unconsented_use'\?\)"),
        (f"equivalent:\n  - rule: {target.rule}\n    mutant: when.all[99].drop\n    reason: x\n",
         r"mutants.yaml:3: .*unknown mutant 'when.all\[99\].drop'"),
        (f"equivalent:\n  - rule: {target.rule}\n    mutant: {target.id}\n", r"mutants.yaml:2: .*'reason' must be"),
        ("equivalents: []\n", r"mutants.yaml:1: .*unknown key 'equivalents' \(did you mean 'equivalent'\?\)"),
    ]
    for text, message in bad:
        (rules / "mutants.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(RuleFileError, match=message):
            load_equivalents(rules, engine.book)
    code, _, err = run("rules", "mutate", str(root / "cases"), "--rules", str(rules))
    assert code == 2 and "unknown key 'equivalents'" in err and "Traceback" not in err


def test_a_killed_mutant_listed_as_equivalent_is_reported_stale(shipped_report: Report, root: Path, tmp_path: Path) -> None:
    victim, _ = shipped_report.killed[0]
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    (rules / "mutants.yaml").write_text(
        f"equivalent:\n  - rule: {victim.rule}\n    mutant: {victim.id}\n    reason: wrongly listed\n",
        encoding="utf-8")
    code, out, _ = run("rules", "mutate", str(root / "cases"), "--rules", str(rules), "--min-score", "0",
                       "--rule", victim.rule)
    assert code == 1
    assert f"mutant {victim.id} is listed as equivalent but a case kills it" in out


def test_rules_directory_without_mutants_file_loads(root: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    (rules / "mutants.yaml").unlink()
    book = load_engine(rules).book
    assert load_equivalents(rules, book) == {}
    assert not any(r.path.endswith("mutants.yaml") for r in book.rules)
    _ = All  # the condition types used by the mutator are the rule model's
