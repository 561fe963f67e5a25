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
from faceright.dates import DateRange, canonical
from faceright.kleene import FALSE, TRUE
from faceright.questions import gate_facts
from generate import Generator
from persona import Respondent
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
KEYS_ZH = "    （? = 不知道，why = 为什么问，back = 上一题，quit = 保存并退出）"


def screen(out: str) -> list[str]:
    """The transcript without the lines every question repeats (choices, key help)."""
    return [line for line in out.splitlines()
            if not line.startswith(("    choices: ", "    选项：")) and line not in (KEYS_EN, KEYS_ZH)]


def test_english_interview_as_the_person_shown_with_a_partial_date_why_back_and_bad_input(
        mini: Path, tmp_path: Path) -> None:
    from docx import Document as Docx
    docs = tmp_path / "docs"
    code, out = ask(mini, "1\n3\n2023年6月\nwhy\n1\nmaybe\ny\nback\n是\nno consent\n?\n",
                    "--lang", "en", "--documents", str(docs))
    assert code == 0
    recognise = ("    If nobody could tell who it is, the law does not count it as using that person's likeness "
                 "(portrait). If unsure, answer \"don't know\": faceright weighs what you told and says "
                 "\"likely\". portrait: an image by which people can recognise a particular person, such as "
                 "the face.")
    expected = [
        "",
        "Section 1 of 7 — What happened  (about 2–4 questions in this section)",
        "[1] First: who is answering these questions?",
        "    The questions are worded for you. This answer changes no legal conclusion by itself.",
        "> 1",
        "[2] What was it made for? Select all that apply (one or more)",
        "    A fake often serves several purposes at once, e.g. pornography and harassment; select them all.",
        "> 3",
        "[3] Roughly when did it happen (when the fake first appeared)?",
        "    A year or a month is enough; if unsure, pick the rough period (think of when you first saw it or "
        "heard of it, it was made before that). It decides which law applies; if you really cannot say, answer "
        "\"don't know\".",
        "    a date: 2023-06-01, or if unsure 2023, 2023-06, 2023–2024, before 2021, after 2021, last month, March 2024",
        "> 2023年6月",
        "[4] Where did it appear?",
        "    Pick the closest; if you cannot tell, answer \"don't know\".",
        "> why",
        "This answer could decide:",
        "  - if it was posted on a website, app or social platform or others have seen it, but I am not sure "
        "where, Platform jointly liable (the platform) stays open; if any other answer, Platform jointly liable "
        "(the platform) is ruled out — Civil Code of the People's Republic of China, art. 1195",
        "Where did it appear?",  # the question again, to answer it now
        "> 1",
        "",
        "Section 2 of 7 — Whose likeness  (about 1 question in this section)",
        "[5] Would people who know you recognise you in it?",
        recognise,
        "    yes / no",
        "> maybe",
        "Could not read that answer; please try again. You can type: yes / no; or ? if you don't know",
        "> y",
        "",
        "Section 3 of 7 — Consent and purpose  (about 1 question in this section)",
        "[6] Did you agree to your face or voice being used like this?",
        "    Agreement that was exceeded or withdrawn does not count, and an \"AI-made\" label is not agreement.",
        "> back",
        "",
        "Section 2 of 7 — Whose likeness  (about 1 question in this section)",
        "[5] Would people who know you recognise you in it?",
        recognise,
        "    yes / no",
        "> 是",
        "",
        "Section 3 of 7 — Consent and purpose  (about 1 question in this section)",
        "[6] Did you agree to your face or voice being used like this?",
        "    Agreement that was exceeded or withdrawn does not count, and an \"AI-made\" label is not agreement.",
        "> no consent",
        # the loss changes no conclusion here, but a claim states it: asked all the same
        "",
        "Section 6 of 7 — Money  (about 1 question in this section)",
        "[7] How much money did you lose because of it (in yuan)?",
        "    Lost income, cancelled contracts… A rough figure is fine.",
        "> ?",
        "",
        "The incident date is not exact: between 2023-06-01 and 2023-06-30; the same law applies throughout, "
        "so the conclusions are those of any day in it.",
        "",
        "The answer first:",
        "  In law: Portrait right infringed.",
        "  Responsible: the maker of the content.",
        "  First: Preserve the evidence",
    ]
    lines = screen(out)
    assert lines[:len(expected)] == expected
    # the platform is only possibly liable: uncertain, with the question that settles it
    uncertain = lines[lines.index("Still uncertain:"):]
    assert uncertain[1] == "  Platform jointly liable"
    assert "How many hours passed between the notice and the platform's measures?" in uncertain[3]
    steps = lines[lines.index("What to do now:"):lines.index("Your rights:")]
    assert steps[2].startswith("  2. Send the platform a notice asking it to delete, block or disconnect the content:")
    assert "  ✔ Portrait right infringed — the maker of the content" in lines
    assert lines[-1].endswith("Assessment aid, not legal advice.")  # after the rules version
    # the Chinese notice to send, and its English translation, said so
    assert f"  - {docs / 'notice.zh.docx'}" in lines and f"  - {docs / 'notice.en.docx'}" in lines
    assert any("the Chinese files are the ones to send" in line for line in lines)
    text = "\n".join(p.text for p in Docx(str(docs / "notice.en.docx")).paragraphs)
    assert "Civil Code of the PRC, art. 1195" in text and "Civil Code 1196" in text
    assert "Portrait right infringed (Civil Code of the People's Republic of China, art. 1019)" in text


def test_chinese_interview_of_a_relative_worded_for_the_role(mini: Path, tmp_path: Path) -> None:
    code, out = ask(mini, "3\n4\n2023\n1\n是\nwhy\n没有同意\n?\n", "--documents", str(tmp_path))
    assert code == 0
    lines = screen(out)
    assert lines[:4] == ["", "第 1 部分（共 7 部分）— 发生了什么  （这一部分大约 2–4 个问题）",
                         "[1] 先说说您是谁：谁在回答这些问题？", "    问题会按您的身份来问。这一项本身不改变任何法律结论。"]
    assert "[5] 认识您那位已故亲人的人看了，能认出是他（她）吗？" in lines
    assert "[6] 已故的亲人生前，或者您和其他近亲属，同意过这样使用其脸或声音吗？" in lines
    assert "第 3 部分（共 7 部分）— 同意与用途  （这一部分大约 1 个问题）" in lines
    why = lines[lines.index("> why") + 2]
    assert why == ("  - 如果回答“同意了，且使用在同意范围内”，肖像权被侵害（制作者）不成立；如果是其他回答，"
                   "肖像权被侵害（制作者）很可能成立 — 《中华人民共和国民法典》第一千零一十九条")
    assert "depicted_person" not in out  # the role says the person has died: never asked
    assert "事件日期不确切，可能在 2023-01-01 至 2023-12-31 之间" in out
    # a deceased person's portrait is named as the close relatives' claim (Civil Code 994)
    assert "  ✔ 死者的肖像受到侵害（近亲属有权请求行为人承担民事责任） — 制作者" in lines
    assert out.rstrip().endswith("仅为评估辅助，不构成法律意见。")


def test_chinese_interview_dont_know_the_date_and_eof(mini: Path, tmp_path: Path) -> None:
    """"Don't know" to the date is the widest range: what no day of it can establish is no
    longer asked; an input that ends before the interview does is an unfinished interview
    (exit 3, no report), never "don't know" to the rest."""
    code, out = ask(mini, "1\n娱乐\n不知道\n", "--documents", str(tmp_path))
    assert code == 0
    lines = screen(out)
    assert "> 娱乐" in lines and "> 不知道" in lines
    assert "[4] " not in out  # the mini rulebook is Civil Code only: nothing holds before 2021
    assert "事件日期不确切，可能在 1987-01-01 至 2026-12-03 之间" in out
    rights = lines[lines.index("您的权利：") + 1]
    assert rights.startswith("  ? 肖像权被侵害 — 制作者")
    code, out = ask(mini, "1\n", "--documents", str(tmp_path))
    assert code == 3 and "[2] 做这个内容是为了什么？有几个目的就选几个（可多选）" in out and "尚不确定的：" not in out


def test_numbers_and_labels_as_typed(engine: Engine) -> None:
    from faceright.ask import parse_answer
    vocabulary = engine.book.vocabulary
    assert parse_answer(vocabulary.spec("defrauded_yuan"), "20,000", "en") == 20000
    assert parse_answer(vocabulary.spec("defrauded_yuan"), "两万", "zh") == 20000
    assert parse_answer(vocabulary.spec("infringer_profit_yuan"), "1.5万元", "zh") == 15000
    assert parse_answer(vocabulary.spec("consent"), "no consent", "en") == "none"
    assert parse_answer(vocabulary.spec("consent"), "没有同意", "zh") == "none"
    assert parse_answer(vocabulary.spec("likeness"), "脸和声音", "zh") == ["face", "voice"]
    assert parse_answer(vocabulary.spec("defamation_or_insult"), "neither", "en") == "neither"
    with pytest.raises(ValueError):
        parse_answer(vocabulary.spec("respondent"), "me", "en")  # two choices start so: ask again
    with pytest.raises(ValueError):
        parse_answer(vocabulary.spec("views"), "3.5", "en")


def test_save_quit_and_resume(mini: Path, tmp_path: Path) -> None:
    saved = tmp_path / "case.yaml"
    code, out = ask(mini, "1\n3\n2023-06-01\nquit\n", "--lang", "en", "--save", str(saved))
    assert code == 0 and out.splitlines()[-2:] == [f"Answers saved to {saved}", "Assessment aid, not legal advice."]
    # with the facts the answers imply (the person answering for herself is a living adult),
    # so that `assess` of the file gives the interview's result
    assert saved.read_text(encoding="utf-8") == (
        "format: faceright/1\ncase: interview\nincident_date: 2023-06-01\nfacts:\n  depicted_person: living\n"
        "  minor: false\n  minor_under_14: false\n  purpose: entertainment\n  respondent: self\n")
    code, out = ask(mini, "1\ny\n3\n3\n", "--lang", "en", "--resume", str(saved))
    assert code == 0
    assert out.splitlines()[2] == "[1] Where did it appear?"  # what was answered is not asked again
    data = saved.read_text(encoding="utf-8")
    assert "consent: exceeded" in data and "where_shown: platform" in data
    assert "published: true" in data and "platform_hosted: true" in data  # what "on a platform" means
    code, out = CliRunner().invoke(main, ["assess", str(saved), "--rules", str(mini),
                                          "--format", "json"]).exit_code, ""
    assert code == 0


def test_answers_file_only_asks_the_rest(mini: Path, tmp_path: Path) -> None:
    known = tmp_path / "known.yaml"
    known.write_text("case: k\nincident_date: 2024-01-01\nfacts:\n  respondent: representative\n"
                     "  identifiable: true\n  consent: none\n", encoding="utf-8")
    code, out = ask(mini, "?\n?\n?\n", "--lang", "en", "--answers", str(known))
    assert code == 0
    assert out.splitlines()[2] == "[1] What was it made for? Select all that apply (one or more)"
    # the two questions a rule reads, then the loss (asked wherever consent is lacking: the
    # documents claim it)
    assert re.findall(r"^\[\d+\] ", out, re.M) == ["[1] ", "[2] ", "[3] "]


def test_bad_answers_file_is_a_usage_error(mini: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("case: k\nfacts:\n  consnt: none\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ask", "--rules", str(mini), "--answers", str(bad)])
    assert result.exit_code == 2 and "did you mean 'consent'" in result.stderr


def interview_from(interviewer: Interviewer, facts: dict[str, Any]) -> tuple[Any, list[tuple[str, Answers, Any]]]:
    """Answer every question as the scripted respondent (``tests/persona.py``) would from
    ``facts`` — a lawyer (``respondent: representative``) unless the facts say who answers;
    return the end and the steps (fact, answers before it, answer given)."""
    respondent = Respondent(interviewer.engine, {"respondent": "representative", **facts})
    answers = Answers()
    steps = []
    while True:
        step = interviewer.next_question(answers, "en")
        if isinstance(step, Final):
            return step.assessment, steps
        value = respondent.answer(step.fact, answers)
        steps.append((step.fact, Answers(dict(answers.values), list(answers.order)), value))
        answers.set(step.fact, value)


def consistent(engine: Engine, data: dict[str, Any]) -> dict[str, Any]:
    """A generated case as the interview can take it from a lawyer: what its answers imply
    stated (purpose commercial_advertising → for_profit, as the contract says), and the facts
    its other facts rule out (a notice to a platform that hosted nothing) left out."""
    graph = engine.book.questions
    # the rough period of a date not known (incident_when) is asked only after "don't know":
    # a generated case states its date itself
    facts = {"respondent": "representative", **{k: v for k, v in data["facts"].items() if k != "incident_when"}}
    for _ in range(len(graph.questions) + 1):
        implied = graph.implications({}, facts)
        facts.update(implied)
        # a question never asked because another answer implies its fact is not ruled out; one
        # whose precondition waits only on gates that can never be asked is
        unaskable: set[str] = set()
        while True:
            more = set()
            for q in graph.questions:
                if q.fact in unaskable:
                    continue
                known = {k: v for k, v in facts.items() if k != q.fact and k not in unaskable}
                pre = graph.precondition(q, known)
                waiting = [g for g in gate_facts(q) if g not in known]
                if pre is FALSE or (pre is not TRUE and waiting and all(g in unaskable for g in waiting)):
                    more.add(q.fact)
            if not more:
                break
            unaskable |= more
        ruled_out = [q.fact for q in graph.questions if q.fact in facts and q.fact not in implied
                     and q.fact in unaskable]
        if not ruled_out:
            return {**data, "facts": facts}
        for fact in ruled_out:  # all at once: one left behind could imply another again
            del facts[fact]
    raise AssertionError(f"{data['case']}: its facts do not settle")


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

    def answered(value: Any) -> dict[str, Any]:  # with what the answer implies (where_shown → published …)
        known = {**answers.known(), fact: value}
        implied = reference.book.questions.implications({**answers.values, fact: value}, known)
        return {**known, **{k: v for k, v in implied.items() if k not in known}}
    base = view(answers.known())
    return any(view(answered(v)) != base for v in values[fact])


def complete_cases(engine: Engine, n: int) -> list[dict[str, Any]]:
    rng = random.Random(21)
    gen = Generator(engine.book)
    # a rule that needs a fact to be unknown (a judgement made likely) has no complete case
    rules = sorted((r for r in engine.book.rules if not any(t.op == "unknown" for t in fact_tests(r.cond))),
                   key=lambda r: r.id)
    return [gen.case(rng, rules[(i * 7) % len(rules)], unknown=0.0) for i in range(n)]


def always(engine: Engine, fact: str) -> bool:
    """Whether the question graph asks ``fact`` whatever the engine says (``always``: who is
    answering; the loss a statement of claims states)."""
    question = engine.book.questions.question(fact)
    return question is not None and question.spec.always


def test_questionnaire_reaches_assess_and_asks_only_relevant_questions(engine: Engine) -> None:
    interviewer = Interviewer(engine)
    reference = Reference(engine.book)
    values = candidate_values(engine.book)
    gates = {g for q in engine.book.questions.questions for g in gate_facts(q)}
    for data in complete_cases(engine, 12):
        data = consistent(engine, data)
        facts = {**data["facts"], "incident_date": data["incident_date"]}
        final, steps = interview_from(interviewer, facts)
        whole = engine.assess(engine.case(data))
        assert {(c.id, c.party) for c in final.conclusions} == {(c.id, c.party) for c in whole.conclusions}, data["case"]
        for fact, before, _ in steps:  # relevant by the reference evaluator, or the gate of what is
            assert (relevant(reference, values, fact, interviewer.effective(before))
                    or fact in gates or always(engine, fact)), (data["case"], fact)
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


#: a conclusion that holds, as the report prints it (title — parties)
HELD = re.compile(r"^  ✔ (.+)$", re.M)


def typed(value: Any) -> str:
    """A fact value as a user types it at the prompt (``?`` for don't know)."""
    if value is None:
        return "?"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, DateRange):
        return canonical(value)
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


def test_terminal_questionnaire_agrees_with_assess_on_sampled_shipped_cases(engine: Engine,
                                                                         interview_cases: list[Any],
                                                                         tmp_path: Path) -> None:
    """Every shipped case answered through `faceright ask` (stdin, don't know where the case is
    silent) ends with the conclusions `faceright assess` prints; the terminal asks exactly the
    questions `next_question` chooses, in its order. The terminal runs in a fresh process: its
    interviewer chooses each question itself (in this process, `interviewer_for` would hand it
    the choices the test's interview just made, and the order would hold by construction)."""
    graph = engine.book.questions
    roles = [{}, *({"respondent": r} for r in engine.book.vocabulary.spec("respondent").values)]
    values = engine.book.vocabulary.spec("likeness").values  # questions name the likeness chosen
    likenesses = [{}, *({"likeness": list(c)} for n in range(1, len(values) + 1)
                        for c in itertools.combinations(values, n))]
    questions = {graph.text(q, {**known, **likeness}, "en"): q.fact for q in graph.questions
                 for known in roles for likeness in likenesses}
    interviewer = Interviewer(engine)  # not the terminal's: nothing is shared with it
    expected = []
    for case in interview_cases:
        facts = {**engine.facts_of(case), "incident_date": case.incident_date}
        final, steps = interview_from(interviewer, {k: v for k, v in facts.items() if v is not None})
        assessment = engine.assess(case)
        assert [(c.id, c.party) for c in final.conclusions] == [(c.id, c.party) for c in assessment.conclusions]
        asked = [fact for fact, _, _ in steps]
        expected.append((case.case, asked, "\n".join(typed(None if v == DONT_KNOW else v)
                                                     for _, _, v in steps) + "\n",
                         HELD.findall(to_text(engine, case, "en"))))
    run = subprocess.run([sys.executable, "-c", ASK_IN_A_FRESH_PROCESS], cwd=tmp_path, text=True,
                         input=json.dumps([text for _, _, text, _ in expected]),
                         capture_output=True, check=False, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(run.stdout)
    assert len(results) == len(expected)
    for (case_id, asked, _, held), (code, stdout) in zip(expected, results):
        assert code == 0, (case_id, stdout[-500:])
        assert [questions[q] for q in re.findall(r"^\[\d+\] (.+)$", stdout, re.M)] == asked, case_id
        assert HELD.findall(stdout) == held, case_id


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


# --- the date as people know it, with the shipped rules (a user trial) ------------------------

def test_english_transcript_date_not_known_picks_a_rough_period(root: Path, tmp_path: Path) -> None:
    """The date question offers rough periods people can answer beside a typed date; "in the
    last few years" (chosen by its number) is the contract's range 2021.. and the victim's
    portrait right holds."""
    code, out = ask(root / "rules", "self\nface\npornographic\n1\nplatform\nreported_not_removed\n"
                    "?\nyes\nno consent\n" + "?\n" * 20, "--lang", "en", "--documents", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    at = lines.index("[4] Roughly when did it happen (when the fake first appeared)?")
    assert lines[at + 2] == "    choices: 1) in the last few years (2021 or later)  2) before 2021"
    assert lines[at + 3].startswith("    a date: 2023-06-01")
    assert lines[at + 5] == "> 1"
    assert "That's fine. Roughly when" not in out  # no second question about the date
    assert "The incident date is not exact: between 2021-01-01 and 2026-12-03" in out
    assert "  ✔ Portrait right infringed — the maker of the content" in lines
    assert "courts are divided" not in out


def test_chinese_transcript_really_dont_know_says_what_the_law_now_in_force_adds(root: Path, tmp_path: Path) -> None:
    code, out = ask(root / "rules", "self\nface\npornographic\n不知道\nplatform\nreported\n?\n是\n是\n没有同意\n" + "?\n" * 20,
                    "--documents", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    at = lines.index("> 不知道")
    assert lines[at - 5].startswith("[4] 这件事大约是什么时候发生的")
    assert lines[at - 3] == "    选项：1) 最近几年（2021年或以后）  2) 2021年以前"
    assert lines[at + 1].startswith("[5] 这个内容出现在哪里？")  # "don't know" is asked nothing more
    note = next(line for line in lines if line.startswith("事件日期不确切，可能在 1987-01-01 至 2026-12-03 之间"))
    assert "如果是最近发生或一直留到最近的，按现行法律以下各项也会成立：" in note and "人格权禁令" in note
    assert "查明它大约何时第一次出现" in note


@pytest.mark.parametrize("fact,typed,lang,value", [
    ("respondent", "my late father", "en", "relative_of_deceased"),
    ("respondent", "relative of deceased", "en", "relative_of_deceased"),
    ("respondent", "死者家属", "zh", "relative_of_deceased"),
    ("platform_report", "yes", "en", "reported"),
    ("platform_report", "是", "zh", "reported"),
    ("platform_report", "no", "en", "not_reported"),
])
def test_the_words_a_user_trial_typed_are_read(root: Path, fact: str, typed: str, lang: str, value: str) -> None:
    """Answers a fresh user typed and the terminal refused (a user trial): "my late father" to
    who is answering, a plain "yes" to "did anyone complain to the platform?"."""
    from faceright.ask import parse_answer
    from faceright.evaluate import load_engine
    spec = load_engine(root / "rules").book.vocabulary.spec(fact)
    assert parse_answer(spec, typed, lang) == value
