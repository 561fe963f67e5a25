"""The questionnaire: transcripts (exact screen output), relevance, and agreement with assess."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from faceright.cli import main
from faceright.evaluate import Engine, load_engine
from faceright.conditions import tests as fact_tests
from faceright.interview import DONT_KNOW, Answers, Final, Interviewer
from faceright.render import to_text
from faceright.rulebook import SPECIAL_FILES, Rulebook
from generate import Generator
from reference import Reference


@pytest.fixture(scope="module")
def mini(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rules = tmp_path_factory.mktemp("mini") / "rules"
    rules.mkdir()
    for name in SPECIAL_FILES:
        shutil.copy(root / "rules" / name, rules / name)
    shutil.copy(root / "tests" / "fixtures" / "mini_rules.yaml", rules / "mini.yaml")
    return rules


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ask` writes its draft notice to ./notice.txt by default: never into the checkout."""
    monkeypatch.chdir(tmp_path)


def ask(rules: Path, text: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["ask", "--rules", str(rules), *args], input=text)
    return result.exit_code, result.stdout


KEYS_EN = "    (? = don't know, why = why is this asked, back = previous question, quit = save and stop)"


def q_en(n: int, engine: Engine, fact: str) -> list[str]:
    spec = engine.book.vocabulary.spec(fact)
    lines = [f"[{n}] {spec.en}", f"    {spec.help_en}"]
    if spec.type == "enum":
        lines.append("    choices: " + "  ".join(f"{i}) {spec.choice(v, 'en')} [{v}]"
                                               for i, v in enumerate(spec.values, 1)))
    elif spec.type == "bool":
        lines.append("    yes / no")
    elif spec.type == "date":
        lines.append("    a date: 2023-06-01, or if unsure 2023, 2023-06, 2023–2024, before 2021, after 2021"
                     + "".join(f" / {w}" for w in spec.now_words))
    return [*lines, KEYS_EN]


def test_full_interview_in_english_with_why_back_and_bad_input(mini: Path, tmp_path: Path) -> None:
    engine = load_engine(mini)
    docs = tmp_path / "docs"
    code, out = ask(mini, "2023-06-01\ny\nwhy\nmaybe\n2\nback\n3\ny\n48\n1\n",
                    "--lang", "en", "--documents", str(docs))
    assert code == 0
    expected = [
        *q_en(1, engine, "incident_date"), "> 2023-06-01",
        *q_en(2, engine, "identifiable"), "> y",
        *q_en(3, engine, "consent"), "> why",
        "This answer could decide:",
        "  - Platform jointly liable — the platform: "
        "Civil Code of the People's Republic of China, art. 1195",
        "  - Portrait right infringed — the maker of the content: "
        "Civil Code of the People's Republic of China, art. 1019",
        "> maybe",
        "Could not read that answer: 1) yes, and the use stays within it [given], 2) no consent [none], "
        "3) consented, but the use goes beyond what was agreed [exceeded], 4) consented, but withdrew it [withdrawn]",
        "> 2",
        *q_en(4, engine, "platform_hosted"), "> back",
        *q_en(3, engine, "consent"), "> 3",
        *q_en(4, engine, "platform_hosted"), "> y",
        *q_en(5, engine, "platform_response_hours"), "> 48",
        *q_en(6, engine, "purpose"), "> 1",
        "",
        "Case: interview",
        f"law as of: 2023-06-01 · rules {engine.version}",
        "",
        "The answer first:",
    ]
    lines = out.splitlines()
    assert lines[:len(expected)] == expected
    # the report as `assess` prints it for these answers, then the documents written
    saved = tmp_path / "answers.yaml"
    saved.write_text("format: faceright/1\ncase: interview\nincident_date: 2023-06-01\nfacts:\n"
                     "  identifiable: true\n  consent: exceeded\n  platform_hosted: true\n"
                     "  platform_response_hours: 48\n  purpose: commercial_advertising\n", encoding="utf-8")
    assessed = CliRunner().invoke(main, ["assess", str(saved), "--lang", "en", "--rules", str(mini)]).stdout
    body, _, last = assessed.rstrip("\n").rpartition("\n")
    assert "\n" + body + "\nDocuments you can send:\n" in out
    assert f"  - {docs / 'notice.en.docx'}" in out.splitlines()
    assert last == "Assessment aid, not legal advice." and out.rstrip().endswith(last)
    from docx import Document as Docx
    text = "\n".join(p.text for p in Docx(str(docs / "notice.en.docx")).paragraphs)
    assert "Civil Code of the PRC, art. 1195" in text
    assert "Civil Code 1195 para 3" in text and "Civil Code 1196" in text
    assert "Portrait right infringed (Civil Code of the People's Republic of China, art. 1019)" in text
    assert "_" not in text.replace("____", "") and " = " not in text


def test_chinese_interview_dont_know_and_eof(mini: Path) -> None:
    engine = load_engine(mini)
    spec = engine.book.vocabulary.spec("identifiable")
    code, out = ask(mini, "2023-06-01\n是\n?\n")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "[1] 事件发生在哪天？"
    assert lines[5] == f"[2] {spec.zh}"
    assert lines[9] == "> 是"
    assert "[3] " + engine.book.vocabulary.spec("consent").zh in lines
    assert "尚不确定的:" in out
    assert (f"  ? 肖像权被侵害 — 制作者 (取决于: {engine.book.vocabulary.spec('consent').zh})"
            in out.splitlines())
    assert out.rstrip().endswith("仅为评估辅助，不构成法律意见。")


def test_save_quit_and_resume(mini: Path, tmp_path: Path) -> None:
    saved = tmp_path / "case.yaml"
    code, out = ask(mini, "2023-06-01\ny\nquit\n", "--lang", "en", "--save", str(saved))
    assert code == 0 and out.splitlines()[-2:] == [f"Answers saved to {saved}", "Assessment aid, not legal advice."]
    assert saved.read_text(encoding="utf-8") == (
        "format: faceright/1\ncase: interview\nincident_date: 2023-06-01\nfacts:\n  identifiable: true\n")
    code, out = ask(mini, "3\ny\n10\n5\nn\n", "--lang", "en", "--resume", str(saved))
    assert code == 0
    assert out.startswith("[1] Did the person")  # identifiable is not asked again
    assert "  the platform: Platform jointly liable" not in out.splitlines()
    assert "  ✔ Portrait right infringed — the maker of the content" in out.splitlines()
    data = saved.read_text(encoding="utf-8")
    assert "consent: exceeded" in data and "platform_response_hours: 10" in data
    code, out = CliRunner().invoke(main, ["assess", str(saved), "--rules", str(mini),
                                          "--format", "json"]).exit_code, ""
    assert code == 0


def test_answers_file_only_asks_the_rest(mini: Path, tmp_path: Path) -> None:
    known = tmp_path / "known.yaml"
    known.write_text("case: k\nincident_date: 2024-01-01\nfacts:\n  identifiable: true\n  consent: none\n",
                     encoding="utf-8")
    code, out = ask(mini, "n\n", "--lang", "en", "--answers", str(known))
    assert code == 0
    assert out.startswith("[1] Was the content on a network")


def test_bad_answers_file_is_a_usage_error(mini: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("case: k\nfacts:\n  consnt: none\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ask", "--rules", str(mini), "--answers", str(bad)])
    assert result.exit_code == 2 and "did you mean 'consent'" in result.stderr


def interview_from(interviewer: Interviewer, facts: dict[str, Any]) -> tuple[Any, list[tuple[str, Answers]]]:
    """Answer every question from ``facts`` (absent = don't know); return the end and the steps."""
    answers = Answers()
    steps = []
    while True:
        step = interviewer.next_question(answers, "en")
        if isinstance(step, Final):
            return step.assessment, steps
        steps.append((step.fact, Answers(dict(answers.values), list(answers.order))))
        answers.set(step.fact, facts.get(step.fact, DONT_KNOW))


def _walk(cond: Any) -> Iterator[Any]:
    """Every node of a condition tree (the test's own walk of the validated rule model)."""
    yield cond
    for child in getattr(cond, "items", ()):
        yield from _walk(child)
    if hasattr(cond, "item"):
        yield from _walk(cond.item)


def candidate_values(book: Rulebook) -> dict[str, list[Any]]:
    """Values that can change a result, found independently of the questionnaire's own probe
    points: every choice (lists: every non-empty subset) and, for numbers and dates, every
    value a rule compares with and its neighbours (the day or the 0.0001 on either side); for
    the incident date, every rule period's first and last day and their neighbours."""
    found: dict[str, set[Any]] = {}
    for rule in book.rules:
        for cond in (rule.cond, *(e.cond for e in rule.exceptions)):
            for node in _walk(cond):
                if hasattr(node, "fact") and isinstance(node.value, (int, float, dt.date)) \
                        and not isinstance(node.value, bool):
                    found.setdefault(node.fact, set()).add(node.value)
        for day in (rule.start, rule.until):
            if day is not None:
                found.setdefault("incident_date", set()).add(day)
    out: dict[str, list[Any]] = {}
    for name in [*book.vocabulary.names(), "incident_date"]:
        kind = "date" if name == "incident_date" else book.vocabulary.spec(name).type
        if kind == "bool":
            out[name] = [True, False]
        elif kind == "enum":
            out[name] = list(book.vocabulary.spec(name).values)
        elif kind == "list":
            choices = book.vocabulary.spec(name).values
            out[name] = [list(c) for n in range(1, len(choices) + 1) for c in itertools.combinations(choices, n)]
        elif kind == "date":
            one = dt.timedelta(days=1)
            out[name] = sorted({d + k * one for d in found.get(name, ()) for k in (-1, 0, 1)})
        else:
            step = 1 if kind == "int" else 0.0001
            out[name] = sorted({0, *(v + k * step for v in found.get(name, ()) for k in (-1, 0, 1))})
    return out


def relevant(reference: Reference, values: dict[str, list[Any]], fact: str, answers: Answers) -> bool:
    """Some value of ``fact`` changes what holds or is open, by the reference evaluator
    (``tests/reference.py``, the oracle) over independently found ``values``."""
    def view(known: dict[str, Any]) -> Any:
        law = known.get("incident_date")
        facts = {k: v for k, v in known.items() if k != "incident_date"}
        return sorted(reference.evaluate(facts, law).items(), key=repr)
    base = view(answers.known())
    return any(view({**answers.known(), fact: v}) != base for v in values[fact])


def complete_cases(engine: Engine, n: int) -> list[dict[str, Any]]:
    rng = random.Random(21)
    gen = Generator(engine.book)
    # a rule that needs a fact to be unknown (a judgement made likely) has no complete case
    rules = sorted((r for r in engine.book.rules if not any(t.op == "unknown" for t in fact_tests(r.cond))),
                   key=lambda r: r.id)
    return [gen.case(rng, rules[(i * 7) % len(rules)], unknown=0.0) for i in range(n)]


def test_questionnaire_reaches_assess_and_asks_only_relevant_questions(engine: Engine) -> None:
    interviewer = Interviewer(engine)
    reference = Reference(engine.book)
    values = candidate_values(engine.book)
    for data in complete_cases(engine, 12):
        facts = {**data["facts"], "incident_date": data["incident_date"]}
        final, steps = interview_from(interviewer, facts)
        whole = engine.assess(engine.case(data))
        assert {(c.id, c.party) for c in final.conclusions} == {(c.id, c.party) for c in whole.conclusions}, data["case"]
        assert not final.open
        for fact, before in steps:
            assert relevant(reference, values, fact, before), (data["case"], fact)
        assert len(steps) < len(facts)


def test_a_fixed_question_order_fails_the_relevance_check(engine: Engine) -> None:
    reference = Reference(engine.book)
    values = candidate_values(engine.book)
    data = complete_cases(engine, 1)[0]
    answers = Answers()
    irrelevant = 0
    for fact in engine.book.vocabulary.names():  # the vocabulary's fixed order
        if not relevant(reference, values, fact, answers):
            irrelevant += 1
        answers.set(fact, {**data["facts"], "incident_date": data["incident_date"]}.get(fact, DONT_KNOW))
    assert irrelevant > 0


def held(report: str) -> list[str]:
    """The report's findings that hold (rights and breaches) and the parties' sections (the
    plan of action and what stays open may differ: the questionnaire asks only what can change
    a conclusion, and stops asking what the user cannot know)."""
    part = report[report.index("Your rights:"):report.index("Still uncertain:")]
    return [line for line in part.splitlines() if line.startswith("  ✔")]


def typed(value: Any) -> str:
    """A fact value as a user types it at the prompt (``?`` for don't know)."""
    if value is None:
        return "?"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return ",".join(value) if isinstance(value, list) else str(value)


#: Runs `faceright ask --lang en` once per input in a process of its own (so no interviewer of
#: the test's process is shared): reads a JSON list of stdin texts, prints their exit codes and
#: outputs as JSON.
ASK_IN_A_FRESH_PROCESS = """
import json, sys
from click.testing import CliRunner
from faceright.cli import main
inputs = json.load(sys.stdin)
out = []
for text in inputs:
    result = CliRunner().invoke(main, ["ask", "--lang", "en"], input=text)
    out.append([result.exit_code, result.stdout])
json.dump(out, sys.stdout)
"""


def test_terminal_questionnaire_agrees_with_assess_on_every_shipped_case(engine: Engine,
                                                                         shipped_cases: list[Any],
                                                                         tmp_path: Path) -> None:
    """Every shipped case answered through `faceright ask` (stdin, don't know where the case is
    silent) ends with the conclusions `faceright assess` prints; the terminal asks exactly the
    questions `next_question` chooses, in its order. The terminal runs in a fresh process: its
    interviewer chooses each question itself (in this process, `interviewer_for` would hand it
    the choices the test's interview just made, and the order would hold by construction)."""
    questions = {engine.book.vocabulary.spec(n).en: n for n in engine.book.vocabulary.names()}
    interviewer = Interviewer(engine)  # not the terminal's: nothing is shared with it
    expected = []
    for case in shipped_cases:
        facts = {**engine.facts_of(case), "incident_date": case.incident_date}
        final, steps = interview_from(interviewer, {k: v for k, v in facts.items() if v is not None})
        assessment = engine.assess(case)
        assert [(c.id, c.party) for c in final.conclusions] == [(c.id, c.party) for c in assessment.conclusions]
        asked = [fact for fact, _ in steps]
        expected.append((case.case, asked, "\n".join(typed(facts.get(f)) for f in asked) + "\n",
                         held(to_text(engine, case, "en"))))
    run = subprocess.run([sys.executable, "-c", ASK_IN_A_FRESH_PROCESS], cwd=tmp_path, text=True,
                         input=json.dumps([text for _, _, text, _ in expected]),
                         capture_output=True, check=False, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(run.stdout)
    assert len(results) == len(expected)
    for (case_id, asked, _, report), (code, stdout) in zip(expected, results):
        assert code == 0, (case_id, stdout[-500:])
        assert [questions[q] for q in re.findall(r"^\[\d+\] (.+)$", stdout, re.M)] == asked, case_id
        assert held(stdout) == report, case_id


@pytest.mark.parametrize("body,message", [
    ("facts:\n  views: .inf\n", "3: facts.views: numbers must be finite"),
    ("facts:\n  consnt: none\n", "3: facts.consnt: unknown key 'consnt' (did you mean 'consent'?)"),
])
def test_resuming_from_a_bad_file_names_file_line_and_key(mini: Path, tmp_path: Path, body: str,
                                                          message: str) -> None:
    saved = tmp_path / "case.yaml"
    saved.write_text("case: x\n" + body, encoding="utf-8")
    result = CliRunner().invoke(main, ["ask", "--rules", str(mini), "--resume", str(saved)], input="")
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip().endswith(f"Error: {saved}:{message}")
