"""Several purposes (issue 13): ``purpose`` is a set of values that still reads — and writes —
one value alone as the contract first had it; rules read "X is among the purposes" (``has``)
and "only these purposes" (``within``); the interview asks it as "select all that apply"."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from faceright.ask import parse_answer, yaml_text
from faceright.casefile import read_cases
from faceright.cli import main
from faceright.compiler import GROUP_SIZE, within_key
from faceright.errors import CaseFileError
from faceright.evaluate import Engine
from faceright.interview import Answers, Final, Interviewer
from faceright.receipt import case_input


def case_of(engine: Engine, facts: dict[str, Any], date: str = "2023-09-01") -> Any:
    return engine.case({"case": "t", "incident_date": date, "facts": facts})


def validate(engine: Engine, text: str, tmp_path: Path) -> Any:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    [loaded] = read_cases(engine.reader, str(path))
    if loaded.error is not None:
        raise loaded.error
    return loaded.case


def test_one_value_alone_is_the_list_of_it_and_is_written_back_alone(engine: Engine) -> None:
    one = case_of(engine, {"purpose": "fraud"})
    assert one.facts.purpose == ["fraud"] == case_of(engine, {"purpose": ["fraud"]}).facts.purpose
    # JSON outputs and receipts write one purpose as the contract did: same input hash as before
    assert one.facts.model_dump(mode="json")["purpose"] == "fraud"
    assert case_input(one)["facts"]["purpose"] == "fraud"
    several = case_of(engine, {"purpose": ["harassment", "pornographic"]})
    assert several.facts.purpose == ["pornographic", "harassment"]  # a set: the vocabulary's order
    assert several.facts.model_dump(mode="json")["purpose"] == ["pornographic", "harassment"]
    # likeness stays a list fact that takes a list only (the contract's form)
    with pytest.raises(CaseFileError, match="expected a list"):
        case_of(engine, {"likeness": "face"})


@pytest.mark.parametrize("value,key,message", [
    ("comercial_advertising", "facts.purpose", "did you mean 'commercial_advertising'?"),
    ("[news_reporting, comercial_advertising]", "facts.purpose.1", "did you mean 'commercial_advertising'?"),
    ("[fraud, fraud]", "facts.purpose", "lists 'fraud' more than once"),
    ("[]", "facts.purpose", "must not be empty"),
    ("3", "facts.purpose", "expected a value or a list of values, e.g. fraud or [fraud, harassment]"),
])
def test_bad_purposes_name_line_and_key(engine: Engine, tmp_path: Path, value: str, key: str,
                                        message: str) -> None:
    with pytest.raises(CaseFileError) as err:
        validate(engine, f"case: t\nfacts:\n  consent: none\n  purpose: {value}\n", tmp_path)
    assert f"c.yaml:4: {key}: " in str(err.value) and message in str(err.value)


def test_csv_and_json_schema_take_both_forms(engine: Engine, tmp_path: Path) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("case,purpose\na,fraud\nb,pornographic;harassment\n", encoding="utf-8")
    assert [c.case.facts.purpose for c in read_cases(engine.reader, str(csv))] == [
        ["fraud"], ["pornographic", "harassment"]]
    schema = engine.reader.json_schema()
    for purpose in ("fraud", ["fraud", "harassment"], "unknown"):
        jsonschema.validate({"case": "x", "facts": {"purpose": purpose}}, schema)
    for bad in (["fraud", "fraud"], [], "frau", 3):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"case": "x", "facts": {"purpose": bad}}, schema)


NEWS = {"depicted_person": "living", "identifiable": True, "likeness": ["face"], "consent": "none",
        "use_necessary": True, "degrading": False, "published": True}


@pytest.mark.parametrize("purpose,reasonable", [
    ("news_reporting", True),
    (["news_reporting", "public_interest"], True),  # every purpose one 1020 lists
    (["news_reporting", "commercial_advertising"], False),  # news that is also an advert
    (["news_reporting", "entertainment"], False),
    (None, False),  # unknown: reasonable use is for the user to establish (unknown_is: false)
])
def test_reasonable_use_needs_every_purpose_to_be_one_the_law_lists(
        engine: Engine, purpose: Any, reasonable: bool) -> None:
    facts = {**NEWS, **({"purpose": purpose} if purpose is not None else {})}
    result = engine.assess(case_of(engine, facts))
    assert result.holds("reasonable_use") is reasonable
    assert result.holds("portrait_right_infringed") is not reasonable
    # an unknown purpose raises no exception (it is the user's to establish): not even open
    assert not result.is_open("reasonable_use")


def test_has_reads_among_the_purposes(engine: Engine) -> None:
    base = {"depicted_person": "living", "identifiable": True, "likeness": ["face", "voice"],
            "consent": "none", "defrauded_yuan": 80000, "published": True}
    alone = engine.assess(case_of(engine, {**base, "purpose": "fraud"}, "2024-05-01"))
    both = engine.assess(case_of(engine, {**base, "purpose": ["commercial_advertising", "fraud"]},
                                 "2024-05-01"))
    assert alone.holds("offence.fraud") and both.holds("offence.fraud")
    assert both.holds("advertising_violation") and not alone.holds("advertising_violation")
    # an advert that is also a fraud exploited the likeness commercially: the court-fixed amount
    # of Civil Code 1182 stays claimable; a fraud alone is the victims' loss, not the person's
    assert both.holds("remedy.compensate_property_loss")
    assert not alone.holds("remedy.compensate_property_loss")


def test_within_is_one_flag_of_the_engine_fact(engine: Engine) -> None:
    sets = dict(engine.compiled.within)
    assert ("purpose", ("news_reporting", "public_interest", "research_teaching")) in engine.compiled.within
    key = within_key("purpose", ("news_reporting", "public_interest", "research_teaching"))
    fact = engine.derive(case_of(engine, {"purpose": ["news_reporting", "fraud"]}))[0].fact
    assert fact[key] is False and fact["purpose__fraud"] is True
    assert engine.derive(case_of(engine, {"purpose": "news_reporting"}))[0].fact[key] is True
    assert engine.derive(case_of(engine, {}))[0].fact[key] == "?"
    assert "purpose" in sets


def test_no_pattern_links_more_rules_than_durable_rules_allows(engine: Engine) -> None:
    """durable_rules refuses a ruleset with more than 256 rules on one pattern's node (error
    108); the compiler starts a new node every GROUP_SIZE rules."""
    counts: dict[str, int] = {}
    for rule in engine.compiled.ruleset.values():
        for pattern in rule["all"][1:]:
            shape = json.dumps(pattern, sort_keys=True)
            counts[shape] = counts.get(shape, 0) + 1
    assert max(counts.values()) <= GROUP_SIZE
    assert any('"~1"' in shape for shape in counts)  # the shipped book needs a second node


# --- the interview ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed,lang,expected", [
    ("1,3", "zh", ["commercial_advertising", "entertainment"]),
    ("色情 和 骚扰", "zh", ["pornographic", "harassment"]),
    ("色情与骚扰", "zh", ["pornographic", "harassment"]),
    ("诈骗、收费服务", "zh", ["paid_service", "fraud"]),
    ("news reporting and advertising", "en", ["commercial_advertising", "news_reporting"]),
    ("classroom teaching or research, fraud", "en", ["research_teaching", "fraud"]),
    ("porn", "en", ["pornographic"]),
])
def test_typed_purposes(engine: Engine, typed: str, lang: str, expected: list[str]) -> None:
    assert parse_answer(engine.book.vocabulary.spec("purpose"), typed, lang) == expected


def test_a_typed_purpose_that_names_nothing_lists_the_choices(engine: Engine) -> None:
    with pytest.raises(ValueError, match=r"9\) 色情内容"):
        parse_answer(engine.book.vocabulary.spec("purpose"), "1, 13", "zh")


def test_the_question_says_select_all_in_both_languages(engine: Engine) -> None:
    spec = engine.book.vocabulary.spec("purpose")
    assert spec.type == "list" and "可多选" in spec.zh and "one or more" in spec.en
    graph = engine.book.questions.question("purpose")
    assert graph is not None
    texts = " ".join(graph.texts())
    assert "可多选" in texts and "Select all that apply" in texts


def test_answers_imply_from_each_purpose_and_save_one_alone(engine: Engine) -> None:
    interviewer = Interviewer(engine)
    answers = Answers()
    answers.set("purpose", ["pornographic", "commercial_advertising"])
    implied = interviewer.effective(answers).values
    assert implied["obscene"] is True and implied["for_profit"] is True  # from each purpose
    single = Answers()
    single.set("purpose", "pornographic")  # a library caller's one value alone
    assert interviewer.effective(single).values["purpose"] == ["pornographic"]
    assert interviewer.effective(single).values["obscene"] is True
    vocab = engine.book.vocabulary
    one = Answers()
    one.set("purpose", ["entertainment"])
    assert "  purpose: entertainment\n" in yaml_text(one, "x", vocab)
    assert "  purpose:\n  - pornographic\n  - commercial_advertising\n" in yaml_text(answers, "x", vocab)


def test_terminal_interview_takes_several_purposes_and_saves_them(tmp_path: Path, root: Path) -> None:
    saved = tmp_path / "saved.yaml"
    # the person shown; their face; then the purpose question, with two purposes
    script = "1\n1\n色情 和 骚扰\n" + "不知道\n" * 60
    result = CliRunner().invoke(main, ["ask", "--lang", "zh", "--save", str(saved),
                                       "--documents", str(tmp_path / "documents")], input=script)
    assert "做这个内容是为了什么？有几个目的就选几个（可多选）" in result.output
    text = saved.read_text(encoding="utf-8")
    assert "purpose:\n  - pornographic\n  - harassment\n" in text and "obscene: true" in text


def test_web_asks_purpose_with_checkboxes_and_keeps_both(root: Path) -> None:
    from fastapi.testclient import TestClient
    from faceright.web import create_app
    with TestClient(create_app(str(root / "rules")), raise_server_exceptions=False) as client:
        def post(data: dict[str, Any]) -> str:
            return client.post("/interview", data=data).text

        def state(page: str) -> str:
            match = re.search(r'name="state" value="([^"]*)"', page)
            return html.unescape(match.group(1)) if match else ""

        def fact(page: str) -> str | None:
            match = re.search(r'name="?fact"? value="([^"]*)"', page)
            return match.group(1) if match else None

        page = post({"lang": "en", "action": "start"})
        before = {"respondent": "self", "likeness": ["face"], "content_kind": ["video"]}
        while (asked := fact(page)) in before:
            assert asked is not None
            page = post({"lang": "en", "state": state(page), "fact": asked, "action": "answer",
                         "value": before.pop(asked)})
        assert fact(page) == "purpose"
        assert page.count("type=checkbox name=value") == 12 and "Select all that apply" in page
        page = post({"lang": "en", "state": state(page), "fact": "purpose", "action": "answer",
                     "value": ["pornographic", "harassment"]})
        assert json.loads(state(page))["values"]["purpose"] == ["pornographic", "harassment"]
        review = post({"lang": "en", "state": state(page), "action": "review"})
        assert "pornography, harassment or insult" in review


def test_the_readme_example_assesses_as_its_twin(tmp_path: Path) -> None:
    """The README's example of several purposes assesses as the shipped twin says."""
    path = tmp_path / "c.yaml"
    path.write_text("case: t\nincident_date: 2023-09-01\nfacts:\n  depicted_person: living\n"
                    "  identifiable: true\n  likeness: [face]\n  consent: none\n"
                    "  purpose: [news_reporting, commercial_advertising]\n  use_necessary: true\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["assess", str(path), "--format", "json"])
    data = json.loads(result.output)
    held = {c["id"] for c in data["conclusions"]}
    assert "portrait_right_infringed" in held and "reasonable_use" not in held


def test_why_names_each_purpose_not_a_long_combination(engine: Engine) -> None:
    interviewer = Interviewer(engine)
    answers = Answers()
    for fact, value in (("respondent", "representative"), ("likeness", ["face"]), ("content_kind", ["video"])):
        answers.set(fact, value)
    for lang in ("zh", "en"):
        question = interviewer.next_question(answers, lang)
        assert not isinstance(question, Final) and question.fact == "purpose"
        assert question.why_lines and not any("+" in line for line in question.why_lines)
