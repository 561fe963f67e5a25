"""Regression tooling: `faceright test`, `diff`, `rules lint`, coverage, pytest collection."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from faceright.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_shipped_cases_pass_with_a_summary_line(root: Path) -> None:
    code, out, _ = run("test", str(root / "cases"))
    assert code == 0
    assert re.search(r"^\d+ passed, 0 failed$", out.splitlines()[-1])


def test_a_broken_expectation_prints_the_derivation(root: Path, tmp_path: Path) -> None:
    text = (root / "cases" / "zhang-v-template-app.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("absent: [reasonable_use]", "absent: [reasonable_use, portrait_right_infringed]")
                      .replace("conclusions: [portrait_right_infringed, platform_jointly_liable]",
                               "conclusions: [portrait_right_infringed, platform_jointly_liable, reasonable_use]"),
                      encoding="utf-8")
    code, out, _ = run("test", str(broken))
    assert code == 1
    assert f"{broken}:1: case 'zhang-v-template-app':" in out
    assert "  expected reasonable_use to hold, but it is absent" in out
    assert "    rule portrait.reasonable_use [civil-code-1020, civil-code-999]: does not hold" in out
    assert "      - fails: purpose within [news_reporting, public_interest, research_teaching] (the case has [paid_service])" in out
    assert "  expected portrait_right_infringed to be absent, but it holds" in out
    assert "    rule portrait.unconsented_use [civil-code-1018, civil-code-1019] fired (holds)" in out
    assert out.splitlines()[-1] == "0 passed, 1 failed"


def test_bad_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("case: x\nfacts: {consnt: none}\nexpect: {conclusions: [reasonable_use]}\n", encoding="utf-8")
    code, _, err = run("test", str(bad))
    assert code == 2 and "did you mean 'consent'" in err


def test_pytest_collects_case_files_as_items(root: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-o", "addopts=", "--collect-only", "-q", "cases/decided"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert "cases/decided/bj1-2018-ge-you-portrait.yaml::bj1-2018-ge-you-portrait" in proc.stdout


def test_pytest_failure_names_the_file_and_derivation(root: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "x.yaml").write_text(
        "case: x\nincident_date: 2023-01-01\nfacts: {depicted_person: living, identifiable: true, "
        "likeness: [face], consent: given}\nexpect: {conclusions: [portrait_right_infringed]}\n", encoding="utf-8")
    shutil.copy(root / "conftest.py", tmp_path / "conftest.py")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "cases"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "x.yaml:1: case 'x':" in proc.stdout
    assert "expected portrait_right_infringed to hold, but it is absent" in proc.stdout


def test_diff_of_a_deleted_rule_shows_exactly_the_affected_cases(root: Path, tmp_path: Path) -> None:
    new = tmp_path / "rules"
    shutil.copytree(root / "rules", new)
    text = (new / "platform.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: platform.notice_not_acted_in_time")
    end = text.index("  - id: platform.knew_or_should_have_known")
    (new / "platform.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    code, out, _ = run("diff", "--old", str(root / "rules"), "--new", str(new), "--format", "json",
                       "--fail-on-change", str(root / "cases"))
    assert code == 1
    report = json.loads(out)
    lost = {c["case"] for c in report["changed"] if "platform_jointly_liable@platform" in c["lost"]}
    assert "zhang-v-template-app" in lost and "platform-slow-takedown" in lost
    assert set(report["by_rule"]["platform.notice_not_acted_in_time"]) == {f"-{c}" for c in lost}
    assert all(c["lost"] or c["opened"] or c["closed"] or c["reasons"] for c in report["changed"])
    code, out, _ = run("diff", "--old", str(root / "rules"), "--new", str(root / "rules"), "--fail-on-change",
                       str(root / "cases"))
    assert code == 0 and out.startswith(f"diff {root / 'rules'} -> {root / 'rules'}: 0 of ")


def test_diff_reads_git_revisions_and_refuses_unknown_ones(root: Path) -> None:
    code, out, _ = run("diff", "--old", "git:HEAD", "--new", "git:HEAD", str(root / "cases" / "zhang-v-template-app.yaml"))
    assert code == 0 and "0 of 1 case(s) changed" in out
    code, _, err = run("diff", "--old", "git:no-such-rev", str(root / "cases"))
    assert code == 2 and "cannot export rules/ at that revision" in err


def test_lint_is_clean_and_finds_problems(root: Path, tmp_path: Path) -> None:
    code, out, _ = run("rules", "lint", str(root / "rules"))
    assert code == 0 and out.strip() == "0 finding(s)"
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    (rules / "extra.yaml").write_text("""\
subject: extra
title_zh: 测试
title_en: Test
rules:
  - id: extra.never
    title_zh: 矛盾
    title_en: Contradiction
    provisions: [civil-code-1019]
    text: 未经肖像权人同意，不得制作、使用、公开肖像权人的肖像
    when:
      all:
        - {fact: identifiable, is: true}
        - {fact: identifiable, is: false}
    conclude: {id: portrait_right_infringed, party: creator}
  - id: extra.conflict
    title_zh: 冲突
    title_en: Conflict
    provisions: [civil-code-1018]
    when: {fact: identifiable, is: true}
    conclude: {id: not_a_portrait}
""", encoding="utf-8")
    code, out, _ = run("rules", "lint", str(rules))
    assert code == 1
    assert f"{rules}/extra.yaml:5: rule 'extra.never': unreachable: every alternative of its condition contradicts itself" in out
    assert "rule 'extra.conflict': concludes not_a_portrait, incompatible with portrait_right_infringed" in out
    assert "rule 'extra.conflict': no statute text quoted" in out


def test_coverage_reports_every_rule_and_no_gaps(root: Path) -> None:
    code, out, _ = run("test", str(root / "cases"), "--coverage")
    assert code == 0
    assert "conditions never decisive: 0" in out
    # parts no case can make decisive are those whose mutant is listed as equivalent, shown apart
    assert re.search(r"never decisive, equivalent mutant listed in mutants.yaml: \d+\n", out)
    assert "  remedies.property_loss: when[1].any[0] threshold+\n" in out
    assert re.search(r"portrait\.unconsented_use\s+fired\s+\d+\s+decisive ✔+", out)


def test_receipt_holds_then_detects_a_rule_change(root: Path, tmp_path: Path) -> None:
    code, out, _ = run("assess", str(root / "cases" / "zhang-v-template-app.yaml"), "--format", "json", "--receipt")
    assert code == 0
    data = json.loads(out)
    receipt = data["receipt"]
    assert receipt["rules_fired"] and "platform.notice_not_acted_in_time" in receipt["rules_fired"]
    assert set(receipt["files"]) >= {"provisions.yaml", "portrait.yaml", "policies.yaml"}
    path = tmp_path / "receipt.json"
    path.write_text(out, encoding="utf-8")
    code, out, _ = run("verify", str(path))
    assert code == 0 and out == f"{path}: receipt holds (rules {data['rules_version']})\n"
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    policies = rules / "policies.yaml"
    policies.write_text(policies.read_text(encoding="utf-8").replace("value: 24", "value: 120"), encoding="utf-8")
    code, out, _ = run("verify", str(path), "--rules", str(rules))
    assert code == 1
    assert out.splitlines()[1:] == [
        f"  - receipt.rules_version: recorded {data['rules_version']!r}, now {json.loads(run('assess', str(root / 'cases' / 'zhang-v-template-app.yaml'), '--format', 'json', '--rules', str(rules))[1])['rules_version']!r}",
        "  - receipt.files.policies.yaml: rule file changed since the receipt",
        "  - receipt.rules_fired: differ (no longer: platform.notice_not_acted_in_time; now also: -)",
        "  - receipt.result_sha256: the assessment differs from the recorded one",
        "  - conclusions: 7 recorded, 6 in the assessment (not in the assessment: platform_jointly_liable@platform)",
        "  - open: 27 recorded, 28 in the assessment (missing from the receipt: platform_jointly_liable@platform)",
        "  - rules_version: differs from the assessment"]
    path.write_text("{}", encoding="utf-8")
    code, _, err = run("verify", str(path))
    assert code == 2 and "not a readable receipt" in err


def test_diff_git_revisions_of_a_temp_repo_list_what_a_rule_change_gained_and_lost(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`diff git:REV` between two real commits: the second deletes the 1195 notice rule, so the
    cases it decided lose platform liability (and, the other way round, gain it)."""
    repo = tmp_path / "repo"
    shutil.copytree(root / "rules", repo / "rules")
    (repo / "cases").mkdir()
    for case in ("zhang-v-template-app.yaml", "scenarios/platform-slow-takedown.yaml"):
        shutil.copy(root / "cases" / case, repo / "cases" / Path(case).name)

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo,
                       check=True, capture_output=True)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "rules v1")
    path = repo / "rules" / "platform.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: platform.notice_not_acted_in_time")
    path.write_text(text[:start] + text[text.index("  - id: platform.knew_or_should_have_known"):], encoding="utf-8")
    git("commit", "-qam", "rules v2: no notice rule")
    monkeypatch.chdir(repo / "cases")  # the repository is found from the working directory
    lost_ids = {"zhang-v-template-app", "platform-slow-takedown"}
    for old, new, side in (("git:HEAD~1", "git:HEAD", "lost"), ("git:HEAD", "git:HEAD~1", "gained")):
        code, out, err = run("diff", "--old", old, "--new", new, "--format", "json", "--fail-on-change",
                             "zhang-v-template-app.yaml", "platform-slow-takedown.yaml")
        assert code == 1, err
        report = json.loads(out)
        changed = {c["case"] for c in report["changed"] if "platform_jointly_liable@platform" in c[side]}
        assert changed == lost_ids, report
        assert set(report["by_rule"]["platform.notice_not_acted_in_time"]) == {
            ("-" if side == "lost" else "+") + c for c in lost_ids}
    code, out, _ = run("diff", "--old", "git:HEAD~1", "--new", "git:HEAD~1", "--fail-on-change",
                       "zhang-v-template-app.yaml")
    assert code == 0 and "0 of 1 case(s) changed" in out


# --- expect semantics (engine/expect.py), on hand-built assessments --------------------------

def _assessment(holds: list[tuple[str, str | None]], open_: list[tuple[str, str | None]]) -> Any:
    from faceright.assessment import Assessment, Conclusion, OpenItem
    return Assessment(case="x", law_as_of=None, rules_version="v",
                      conclusions=[Conclusion(id=c, party=p, provisions=[], because=[]) for c, p in holds],
                      open=[OpenItem(id=c, party=p, needs=[], provisions=[]) for c, p in open_])


def _expect(**kw: Any) -> Any:
    from faceright.casefile import Expect
    return Expect.model_validate(kw)


def test_expect_check_each_entry_kind() -> None:
    from faceright.expect import check
    a = _assessment([("portrait_right_infringed", "creator"), ("not_a_portrait", None)],
                    [("remedy.apology", "creator")])
    assert check(a, _expect(conclusions=["portrait_right_infringed", "portrait_right_infringed@creator",
                                         "not_a_portrait"], open=["remedy.apology@creator"],
                            absent=["reasonable_use", "remedy.apology@platform"])) == []
    assert check(a, _expect(conclusions=["portrait_right_infringed@platform", "remedy.apology"])) == [
        "expected portrait_right_infringed@platform to hold, but it is absent",
        "expected remedy.apology to hold, but it is open"]
    assert check(a, _expect(absent=["not_a_portrait", "remedy.apology"])) == [
        "expected not_a_portrait to be absent, but it holds",
        "expected remedy.apology to be absent, but it is open"]
    assert check(a, _expect(open=["not_a_portrait", "reasonable_use"])) == [
        "expected not_a_portrait to be open, but it is holds",
        "expected reasonable_use to be open, but it is absent"]


def test_expect_exact_and_exact_open_and_accepted() -> None:
    from faceright.expect import check
    a = _assessment([("portrait_right_infringed", "creator"), ("not_a_portrait", None)],
                    [("remedy.apology", "creator"), ("remedy.apology", "platform")])
    assert check(a, _expect(conclusions=["portrait_right_infringed"], exact=True)) == [
        "not_a_portrait holds but is not expected (exact: true)"]
    assert check(a, _expect(conclusions=["portrait_right_infringed@platform", "not_a_portrait"], exact=True)) == [
        "expected portrait_right_infringed@platform to hold, but it is absent",
        "portrait_right_infringed@creator holds but is not expected (exact: true)"]
    assert check(a, _expect(conclusions=["portrait_right_infringed", "not_a_portrait"], exact=True)) == []
    # exact says nothing about open items, exact_open nothing about what holds
    assert check(a, _expect(exact_open=True, open=["remedy.apology@creator"])) == [
        "remedy.apology@platform is open but is not expected (exact_open: true)"]
    assert check(a, _expect(exact_open=True, open=["remedy.apology"])) == []
    accepted = [{"conclusion": "not_a_portrait", "reason": "r"},
                {"conclusion": "remedy.apology@platform", "reason": "r"}]
    assert check(a, _expect(conclusions=["portrait_right_infringed"], open=["remedy.apology@creator"],
                            exact=True, exact_open=True, accepted=accepted)) == []
    # an accepted entry tolerates; it does not assert
    assert check(_assessment([], []), _expect(exact=True, exact_open=True, accepted=accepted)) == []
    assert check(_assessment([], []), _expect()) == []


def test_expect_accepted_needs_a_reason_and_a_known_conclusion(tmp_path: Path) -> None:
    base = "case: x\nincident_date: 2023-01-01\nfacts: {identifiable: true}\nexpect:\n  exact: true\n"
    for body, message in (
        ("  accepted: [{conclusion: not_a_portrait, reason: ''}]\n", "expect.accepted.0.reason"),
        ("  accepted: [{conclusion: not_a_portrait}]\n", "expect.accepted.0.reason"),
        ("  accepted:\n    - {conclusion: not_a_portrat, reason: r}\n", "x.yaml:7: expect.accepted: unknown conclusion 'not_a_portrat' (did you mean 'not_a_portrait'?)"),
        ("  exact_opn: true\n", "unknown key 'exact_opn' (did you mean 'exact_open'?)"),
    ):
        path = tmp_path / "x.yaml"
        path.write_text(base + body, encoding="utf-8")
        code, _, err = run("test", str(path))
        assert code == 2 and message in err, (body, err)


def test_coverage_sees_nested_parts_and_each_side_of_a_threshold(engine: Any, root: Path) -> None:
    from faceright.coverage import coverage_report, parts
    from faceright.regression import run_file
    rule = next(r for r in engine.book.rules if r.id == "offences.obscene_for_profit_child")
    labels = [label for label, _ in parts(rule)]
    video = "when[3].any[0].all[1]"  # {fact: obscene_items, ge: 10} beside obscene_item_kind: video
    assert {video, f"{video} threshold-", f"{video} threshold+", "when[3].any[0]"} <= set(labels)
    at_10 = str(root / "cases" / "scenarios" / "obscene-child-10-videos.yaml")
    at_9 = str(root / "cases" / "scenarios" / "obscene-child-9-videos.yaml")

    def decisive(paths: list[str]) -> set[str]:
        results = [r for p in paths for r in run_file(engine, p)]
        report = coverage_report(engine, results)
        assert all((rule.id, label) in report.gaps() + report.excused() for label in labels
                   if label not in report.decisive[rule.id])
        return report.decisive[rule.id]

    alone = decisive([at_10])
    # 10 videos: moving the threshold up (ge 11) flips the rule, moving it down does not
    assert f"{video} threshold+" in alone and f"{video} threshold-" not in alone
    assert video in alone and "when[3].any[0]" in alone
    both = decisive([at_10, at_9])
    assert f"{video} threshold-" in both  # 9 videos: ge 9 would make it hold


def test_coverage_names_each_part_by_the_mutant_that_forces_it(engine: Any, root: Path, tmp_path: Path) -> None:
    from faceright.coverage import coverage_report, mutant_id, parts
    from faceright.mutate import mutants
    from faceright.regression import run_file
    ids = {(m.rule, m.id) for m in mutants(engine.book)}
    for rule in engine.book.rules:  # every coverage part has its mutant: negation or moved threshold
        for label, _ in parts(rule):
            assert (rule.id, mutant_id(rule, label)) in ids, (rule.id, label)
    rule = next(r for r in engine.book.rules if r.id == "offences.obscene_for_profit")
    assert mutant_id(rule, "when[2].any[2].all[0]") == "when.all[2].any[2].all[0].negate"
    assert mutant_id(rule, "when[2].any[5] threshold-") == "when.all[2].any[5].threshold-"
    single = next(r for r in engine.book.rules if r.id == "consent.absent")
    assert mutant_id(single, "when[0]") == "when.negate"
    gpcl = next(r for r in engine.book.rules if r.id == "portrait.for_profit_gpcl")
    assert mutant_id(gpcl, "unless[0] threshold+") == "unless[0].when.threshold+"
    # a part never decisive is a gap unless its mutant is listed as equivalent
    results = run_file(engine, str(root / "cases" / "scenarios" / "obscene-profit-200-pictures.yaml"))
    report = coverage_report(engine, results)
    picture_kind = (rule.id, "when[2].any[2].all[0]")
    assert picture_kind in report.excused() and picture_kind not in report.gaps()
    assert (rule.id, "when[2].any[4] threshold+") in report.gaps()  # clicks: killable, not excused
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    (rules / "mutants.yaml").write_text("equivalent: []\n", encoding="utf-8")
    from faceright.evaluate import load_engine
    bare = coverage_report(load_engine(rules), results)
    assert picture_kind in bare.gaps() and not bare.excused()
