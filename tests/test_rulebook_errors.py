"""Rule files are checked at load time; each problem names file, line, rule and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from faceright.errors import RuleFileError
from faceright.rulebook import SPECIAL_FILES, load_rulebook

RULE = """\
subject: test
title_zh: 测试
title_en: Test
rules:
  - id: test.rule
    title_zh: 测试规则
    title_en: Test rule
    provisions: [civil-code-1019]
    when:
      all:
        - {fact: identifiable, is: true}
        - {fact: consent, in: [none]}
    conclude: {id: portrait_right_infringed, party: creator}
"""


def book_with(tmp_path: Path, root: Path, text: str) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    for path in rules.glob("*.yaml"):
        if path.name not in SPECIAL_FILES:
            path.unlink()
    (rules / "test.yaml").write_text(text, encoding="utf-8")
    return rules


def error_of(tmp_path: Path, root: Path, text: str) -> str:
    rules = book_with(tmp_path, root, text)
    with pytest.raises(RuleFileError) as info:
        load_rulebook(rules)
    return str(info.value).replace(str(rules) + "/", "")


def test_valid_rule_loads(tmp_path: Path, root: Path) -> None:
    book = load_rulebook(book_with(tmp_path, root, RULE))
    assert [r.id for r in book.rules] == ["test.rule"]


@pytest.mark.parametrize("old,new,expected", [
    ("fact: identifiable", "fact: identifable",
     "test.yaml:11: rule 'test.rule': when.all.0.fact: unknown fact 'identifable' (did you mean 'identifiable'?)"),
    ("in: [none]", "in: [nnoe]",
     "test.yaml:12: rule 'test.rule': when.all.1.in: 'nnoe' is not a value of this fact (did you mean 'none'?)"),
    ("[civil-code-1019]", "[civil-code-1019x]",
     "test.yaml:8: rule 'test.rule': provisions.0: unknown provision 'civil-code-1019x' (did you mean 'civil-code-1019'?)"),
    ("id: portrait_right_infringed", "id: portrait_right_infringd",
     "test.yaml:13: rule 'test.rule': conclude.id: unknown conclusion 'portrait_right_infringd' (did you mean 'portrait_right_infringed'?)"),
    ("    when:", "    period: {from: 2019-01-01}\n    when:",
     "test.yaml:9: rule 'test.rule': period: provision 'civil-code-1019' is not in force for the whole period claimed (2019-01-01 to now); it is in force 2021-01-01 to now"),
    ("is: true}", "gt: 3}",
     "test.yaml:11: rule 'test.rule': when.all.0.gt: operator 'gt' does not apply to bool fact 'identifiable'"),
    ("    provisions: [civil-code-1019]", "    provisions: [civil-code-1019]\n    text: 任何人都可以随意使用肖像。",
     "test.yaml:9: rule 'test.rule': text: this text is not found verbatim in the cited provisions' verified text (quote the catalogue; never retype statute text)"),
    ("    when:", "    whne: 1\n    when:", "test.yaml:9: rule 'test.rule': rules.0.whne: unknown key 'whne'"),
    ("- {fact: consent, in: [none]}", "- {concl: no_valid_consent, established: false}",
     "test.yaml:12: rule 'test.rule': when.all.1.established: write 'established: true' or leave it out"),
])
def test_rule_errors_are_located(tmp_path: Path, root: Path, old: str, new: str, expected: str) -> None:
    assert error_of(tmp_path, root, RULE.replace(old, new, 1)) == expected


def test_dependency_cycle_is_refused(tmp_path: Path, root: Path) -> None:
    cyc = RULE.replace("- {fact: consent, in: [none]}", "- {concl: reputation_right_infringed}") + """\
  - id: test.back
    title_zh: 反向
    title_en: Back
    provisions: [civil-code-1024]
    when: {concl: portrait_right_infringed}
    conclude: {id: reputation_right_infringed, party: creator}
"""
    message = error_of(tmp_path, root, cyc)
    assert "dependency cycle: portrait_right_infringed -> reputation_right_infringed -> portrait_right_infringed" in message


def test_duplicate_rule_ids_name_both_places(tmp_path: Path, root: Path) -> None:
    twice = RULE + RULE.split("rules:\n", 1)[1]
    message = error_of(tmp_path, root, twice)
    assert message.startswith("test.yaml:14: rule 'test.rule': id: duplicate rule id (first at ")
    assert message.endswith("test.yaml:5)")


def test_party_same_needs_an_anchor(tmp_path: Path, root: Path) -> None:
    bad = RULE.replace("party: creator}", "party: same}")
    assert "party 'same' needs a condition referring to a conclusion" in error_of(tmp_path, root, bad)


def test_two_blocking_presumptions_in_one_alternative_are_refused(tmp_path: Path, root: Path) -> None:
    bad = RULE.replace("- {fact: consent, in: [none]}",
                       "- {fact: minor, is: true, unknown_is: false}\n        "
                       "- {fact: consent_by, is: person, unknown_is: false}")
    assert ("when: presumptions on consent_by, minor hold back the same alternative"
            in error_of(tmp_path, root, bad))


def test_every_choice_needs_its_on_screen_names(tmp_path: Path, root: Path) -> None:
    rules = book_with(tmp_path, root, RULE)
    facts = rules / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    facts.write_text(text.replace("      fictional: 虚构人物\n", "", 1), encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        load_rulebook(rules)
    message = str(info.value).replace(str(rules) + "/", "")
    assert message.startswith("facts.yaml:")
    assert "facts.depicted_person" in message
    assert "choices_zh must name every value and no other; missing fictional" in message
