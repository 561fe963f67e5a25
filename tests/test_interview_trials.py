"""What two fresh user trials found in the interview: the grandfather deceived by a face-swapped
video call (asked what he can know, in words that read), spoken answers (没有, 上个月, 约120万,
骗钱的, 没同意 …), an input that ends before the interview does, and a lawyer asked the same
thing twice. Terminal transcripts in zh and en, parser properties (hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from faceright.ask import parse_answer, spoken_yes_no
from faceright.cli import main
from faceright.evaluate import Engine
from faceright.interview import DONT_KNOW, Answers, Final, Interviewer, Question
from faceright.numbers import parse_number
from faceright.spoken_dates import rewrite

TODAY = "2026-12-03"


@pytest.fixture(autouse=True)
def _today_and_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACERIGHT_TODAY", TODAY)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def interviewer(engine: Engine) -> Interviewer:
    return Interviewer(engine, remember=0)


def ask(text: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["ask", *args], input=text)
    return result.exit_code, result.stdout, result.stderr


def questions(out: str) -> list[str]:
    return re.findall(r"^\[\d+\] (.+)$", out, re.M)


# --- the deceived grandfather ------------------------------------------------------------------

GRANDFATHER_ZH = ["5", "脸和声音", "骗钱的", "上个月", "视频通话", "不知道", "在世", "?", "是", "?", "没同意",
                  "约20万", "是"]
GRANDFATHER_EN = ["5", "face and voice", "a scam", "last month", "a video call", "no idea", "alive", "?",
                  "yes", "?", "didn't agree", "about 200,000", "yes"]


def test_the_grandfather_in_chinese_is_asked_what_he_can_know_in_words_that_read(tmp_path: Path) -> None:
    code, out, _ = ask("\n".join(GRANDFATHER_ZH) + "\n", "--documents", str(tmp_path / "d"))
    assert code == 0, out[-800:]
    assert questions(out) == [
        "先说说您是谁：谁在回答这些问题？",
        "假内容用了被冒充的人的什么？脸、声音，还是身体？（可多选）",
        "做这个内容是为了什么？有几个目的就选几个（可多选）",
        "这件事大约是什么时候发生的（假内容最早出现的时候）？",
        "这个内容出现在哪里？",
        "知道是谁做的吗？",
        "被冒充的人是在世的人、已经去世的人，还是虚构的角色？",
        "被冒充的人未满18周岁吗？",
        "您当时是因为认出了被冒充的人的脸和声音，才相信是本人吗？",
        "内容里用到被冒充的人的名字了吗（例如标着名字，或用名字做宣传）？",
        "被冒充的人同意过这样使用其脸和声音吗？",
        "一共被骗走了多少钱（元）？",
        "您看到或听到的，是会动、会说话、能回应您的脸和声音（AI换脸或克隆声音），而不只是一张照片或一段旧录音吗？",
    ]
    assert "无法识别" not in out  # every spoken answer was read at once
    assert "的人的人" not in out and "假内容里的那个人" not in out
    # a small, section-sized estimate, not "13–59 questions left"
    assert "第 1 部分（共 7 部分）— 发生了什么  （这一部分大约 5–9 个问题）" in out
    assert "事件日期不确切，可能在 2026-11-01 至 2026-11-30 之间" in out
    for held in ("肖像权被侵害 — 制作者", "声音权益被侵害 — 制作者", "个人信息权益被侵害 — 制作者",
                 "可能构成诈骗罪 — 制作者"):
        assert f"  ✔ {held}" in out
    # what follows from his answers is not "you answered"
    assert "处理这些生物识别信息是否取得了单独同意？ — 由您的回答可知：否" in out
    assert "诈骗是否通过电话、短信或网络等电信网络手段实施？ — 由您的回答可知：是" in out
    assert "如果还能弄清楚下面这些情况，结论会更确定：" in out


def test_the_grandfather_in_english(tmp_path: Path) -> None:
    code, out, _ = ask("\n".join(GRANDFATHER_EN) + "\n", "--lang", "en", "--documents", str(tmp_path / "d"))
    assert code == 0, out[-800:]
    asked = questions(out)
    assert len(asked) == 13 and "Could not read" not in out
    assert asked[8] == "Did you believe it was really the person impersonated because you recognised their face and voice?"
    assert asked[10] == "Did the person impersonated agree to this use of their face and voice?"
    assert asked[12].startswith("Was it a face and voice that moved, talked and answered you")
    for never in ("naked", "still online", "How many people", "viewed", "Until when"):
        assert never not in out
    assert "Section 1 of 7 — What happened  (about 5–9 questions in this section)" in out
    assert "Was separate consent obtained to process that biometric information? — follows from your answers: no" in out
    assert "  ✔ Personal information infringed — the maker of the content" in out
    assert "  You could still find out:" in out and "(would settle " in out


def test_a_call_is_not_dissemination_and_no_spread_question_follows(engine: Engine, interviewer: Interviewer) -> None:
    answers = Answers()
    for fact, value in (("respondent", "deceived"), ("likeness", ["face", "voice"]), ("purpose", "fraud"),
                        ("incident_date", dt.date(2026, 11, 1)), ("where_shown", "call")):
        answers.set(fact, value)
    effective = interviewer.effective(answers).values
    assert effective["published"] is False and effective["platform_hosted"] is False
    assert effective["telecom_network_fraud"] is True and effective["for_profit"] is True
    asked = []
    said = {"depicted_person": "living", "consent": "none"}
    while not isinstance(step := interviewer.next_question(answers, "en"), Final):
        asked.append(step.fact)
        answers.set(step.fact, said.get(step.fact, True if step.spec.type == "bool" else DONT_KNOW))
    for never in ("ongoing", "online_until", "sexual_depiction", "victims_count", "defamation_or_insult",
                  "seen_by_acquaintances", "spread_days", "telecom_network_fraud", "for_profit",
                  "economic_loss_yuan"):
        assert never not in asked, asked
    assert "biometric_processed" in asked
    result = engine.assess(interviewer.case(answers))
    held = {c.id for c in result.conclusions}
    assert "personal_information_infringed" in held
    # the dissemination offences are ruled out, not left open
    open_ = {o.id for o in result.open}
    assert not {"offence.obscene_dissemination", "offence.defamation", "reputation_right_infringed"} & (held | open_)


def test_a_posted_fake_is_still_asked_about_spread(interviewer: Interviewer) -> None:
    """The near miss of the call: the same scam posted on a platform is disseminated."""
    answers = Answers()
    for fact, value in (("respondent", "self"), ("likeness", ["face"]), ("purpose", "entertainment"),
                        ("incident_date", dt.date(2024, 5, 1)), ("where_shown", "platform")):
        answers.set(fact, value)
    assert interviewer.effective(answers).values["published"] is True
    asked = []
    while not isinstance(step := interviewer.next_question(answers, "en"), Final):
        asked.append(step.fact)
        answers.set(step.fact, True if step.spec.type == "bool" else DONT_KNOW)
    assert "ongoing" in asked and "sexual_depiction" in asked


# --- wording for every role ------------------------------------------------------------------------

def test_every_question_reads_for_every_role_and_likeness(engine: Engine) -> None:
    graph = engine.book.questions
    roles = [None, *engine.book.vocabulary.spec("respondent").values]
    likenesses = [None, ["face"], ["voice"], ["face", "voice"], ["body"]]
    persons = {lang: [r.person.get(lang) for r in graph.roles.values() if r.person] for lang in ("zh", "en")}
    for role, likeness, q, lang in itertools.product(roles, likenesses, graph.questions, ("zh", "en")):
        known: dict[str, Any] = {}
        if role:
            known["respondent"] = role
        if likeness:
            known["likeness"] = likeness
        text = graph.text(q, known, lang) + graph.help(q, known, lang)
        where = (role, likeness, q.fact, lang, text)
        assert "{" not in text and "}" not in text, where
        assert "的人的人" not in text and "认识被冒充" not in text and "认识已故" not in text, where
        for person in persons[lang]:
            assert text.count(person) <= 1 or lang == "en", where
            if lang == "en" and " " in person:
                assert f"{person}'s" not in text, where


@pytest.mark.parametrize("likeness,present,absent", [
    (["face"], ["脸"], ["声音"]), (["voice"], ["声音"], ["脸"]), (["face", "voice"], ["脸和声音"], []),
])
def test_the_consent_question_names_only_the_likeness_chosen(engine: Engine, likeness: list[str],
                                                            present: list[str], absent: list[str]) -> None:
    graph = engine.book.questions
    q = graph.question("consent")
    assert q is not None
    for role in ("self", "deceived", "relative_of_deceased", "representative"):
        text = graph.text(q, {"respondent": role, "likeness": likeness}, "zh")
        assert all(p in text for p in present) and not any(a in text for a in absent), (role, text)
    en = graph.text(q, {"respondent": "self", "likeness": ["face"]}, "en")
    assert en == "Did you agree to your face being used like this?"


def test_a_dead_persons_loss_is_asked_of_the_family_not_of_the_dead(engine: Engine) -> None:
    # trial: the son of a dead actor was asked "How much money did your late relative lose
    # because of it?" — the dead lose nothing now; the loss is the family's (Civil Code 994)
    graph = engine.book.questions
    q = graph.question("economic_loss_yuan")
    assert q is not None
    known = {"respondent": "relative_of_deceased", "likeness": ["face", "voice"]}
    assert graph.text(q, known, "en") == "How much money did it cost you or the family (in yuan)?"
    assert graph.text(q, known, "zh") == "这件事让您或家里损失了多少钱（元）？"
    assert graph.text(q, {"respondent": "self"}, "en") == "How much money did you lose because of it (in yuan)?"


# --- spoken answers ---------------------------------------------------------------------------

@pytest.mark.parametrize("fact,text,value", [
    ("economic_loss_yuan", "没有", 0), ("economic_loss_yuan", "none", 0), ("economic_loss_yuan", "nothing", 0),
    ("defrauded_yuan", "about 1.2 million", 1_200_000), ("defrauded_yuan", "约120万", 1_200_000),
    ("defrauded_yuan", "1.2 million yuan", 1_200_000), ("defrauded_yuan", "两百万", 2_000_000),
    ("defrauded_yuan", "5 thousand", 5000), ("platform_response_hours", "48h", 48),
    ("purpose", "骗钱的", "fraud"), ("purpose", "he wanted to scam me", "fraud"), ("purpose", "porn", "pornographic"),
    ("consent", "没同意", "none"), ("consent", "没有同意", "none"), ("consent", "不同意", "none"),
    ("consent", "didn't agree", "none"), ("consent", "同意了", "given"),
    ("where_shown", "视频通话", "call"), ("where_shown", "a phone call", "call"),
    ("where_shown", "微信视频打给我的", "call"), ("where_shown", "抖音", "platform"),
    ("respondent", "我被骗了", "deceived"), ("respondent", "律师", "representative"),
    ("defamation_or_insult", "都不是", "neither"), ("platform_report", "没投诉", "not_reported"),
    ("likeness", "脸和声音", ["face", "voice"]), ("likeness", "长相和声音", ["face", "voice"]),
    ("content_kind", "视频通话", ["video"]),
    ("incident_date", "上个月", "2026-11"), ("incident_date", "last month", "2026-11"),
    ("incident_date", "since March 2024", "2024-03.."), ("incident_date", "去年", "2025"),
    ("incident_date", "3个月前", "2026-09"), ("incident_date", "March 5, 2024", "2024-03-05"),
    ("incident_date", "去年以前", "..2024"),
])
def test_spoken_answers_are_read(engine: Engine, fact: str, text: str, value: Any) -> None:
    from faceright.dates import DateRange, canonical
    got = parse_answer(engine.book.vocabulary.spec(fact), text, "zh")
    if isinstance(got, (DateRange, dt.date)):
        got = canonical(got) if isinstance(got, DateRange) else got.isoformat()
    if engine.book.vocabulary.spec(fact).type == "list" and isinstance(value, str):
        value = [value]  # a list fact (several purposes): the one value read, as a list
    assert got == value


@pytest.mark.parametrize("fact,text,hint", [
    ("defrauded_yuan", "20多万", "没有就写 0"), ("purpose", "because", "1) 商业广告"),
    ("incident_date", "someday", "上个月"), ("respondent", "me", "不知道就输入 ?"),
    ("consent", "maybe", "不知道就输入 ?"),
])
def test_what_cannot_be_read_asks_again_clearly(engine: Engine, fact: str, text: str, hint: str) -> None:
    from faceright.ask import WORDS
    with pytest.raises(ValueError) as err:
        parse_answer(engine.book.vocabulary.spec(fact), text, "zh")
    shown = f"{WORDS['zh']['bad']} {err.value}{WORDS['zh']['retry']}"
    assert hint in shown and shown.startswith("无法识别这个回答，请再试一次。")


def test_every_label_and_typed_word_reads_as_its_own_value(engine: Engine) -> None:
    """Each choice's number, label (zh and en) and each word listed for it (answers_zh/en) reads
    as that value: no word of one value is taken for another."""
    for name, spec in engine.book.vocabulary.facts.items():
        if spec.type not in ("enum", "list"):
            continue
        for i, value in enumerate(spec.values, 1):
            want = value if spec.type == "enum" else [value]
            for text in (str(i), spec.choice(value, "zh"), spec.choice(value, "en"), *spec.typed_words(value)):
                assert parse_answer(spec, text, "en") == want, (name, text)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["", "约", "大约", "about ", "around "]),
       st.sampled_from(["", "元", " yuan", "块"]))
def test_numbers_with_separators_and_words_read_back(n: int, before: str, after: str) -> None:
    assert parse_number(f"{before}{n:,}{after}") == n
    assert parse_number(f"{before}{n}{after}") == n


@settings(max_examples=200)
@given(st.integers(min_value=1, max_value=99_999), st.integers(min_value=0, max_value=9))
def test_wan_and_million_read_as_their_value(whole: int, tenth: int) -> None:
    assert parse_number(f"{whole}万") == whole * 10_000
    assert parse_number(f"约{whole}.{tenth}万") == whole * 10_000 + tenth * 1000
    assert parse_number(f"about {whole}.{tenth} million") == whole * 1_000_000 + tenth * 100_000


@settings(max_examples=200)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)), st.integers(min_value=1, max_value=11))
def test_relative_months_count_back_from_today(today: dt.date, n: int) -> None:
    back = today.year * 12 + today.month - 1 - n
    month = f"{back // 12:04d}-{back % 12 + 1:02d}"
    assert rewrite(f"{n}个月前", today) == month == rewrite(f"{n} months ago", today)
    last = today.year * 12 + today.month - 2
    assert rewrite("上个月", today) == f"{last // 12:04d}-{last % 12 + 1:02d}" == rewrite("last month", today)
    assert rewrite("去年", today) == str(today.year - 1)
    assert rewrite("since 2019", today) == "since 2019"  # a written form is left as it is


@pytest.mark.parametrize("said", ["可能是去年吧", "去年吧？", "大概是去年", "也许去年", "maybe last year",
                                  "perhaps last year?", "I think last year", "去年左右"])
def test_a_hedged_date_reads_as_the_date(said: str) -> None:
    # trial: a frightened woman typed "可能是去年吧" and was told the answer could not be read
    today = dt.date(2026, 12, 3)
    assert rewrite(said, today) == "2025"
    assert rewrite("?", today) == "?" and rewrite("2023年以前吧", today) == "2023年以前"


def test_yes_no_words_still_read() -> None:
    assert spoken_yes_no("没同意") is False and spoken_yes_no("是的") is True and spoken_yes_no("不知道") is None


# --- the input ends before the interview -------------------------------------------------------

def test_an_input_that_ends_early_is_an_unfinished_interview(tmp_path: Path) -> None:
    saved = tmp_path / "case.yaml"
    code, out, err = ask("", "--lang", "en", "--save", str(saved))
    assert code == 3
    assert "The interview was not finished: the input ended before question 1 was answered." in err
    assert "The answer first" not in out and not (tmp_path / "faceright-documents").exists()
    assert saved.read_text(encoding="utf-8") == "format: faceright/1\ncase: interview\nfacts: {}\n"
    code, out, err = ask("5\n脸和声音\n骗钱的\n", "--save", str(saved))
    assert code == 3 and "访谈没有完成：第 4 个问题还没有回答，输入就结束了。" in err
    assert f"faceright ask --resume {saved}" in err
    # what was answered, and what it implies — nothing for the question left unanswered
    assert saved.read_text(encoding="utf-8") == (
        "format: faceright/1\ncase: interview\nfacts:\n  for_profit: true\n  likeness:\n  - face\n  - voice\n"
        "  purpose: fraud\n  respondent: deceived\n")
    # resumed and finished, it exits 0
    code, out, _ = ask("\n".join(GRANDFATHER_ZH[3:]) + "\n", "--resume", str(saved), "--documents", str(tmp_path / "d"))
    assert code == 0 and "  ✔ 个人信息权益被侵害 — 制作者" in out


# --- the lawyer is not asked the same thing twice ---------------------------------------------

def _lawyer(interviewer: Interviewer, extra: dict[str, Any]) -> list[str]:
    answers = Answers()
    for fact, value in {"respondent": "representative", "likeness": ["face"], "content_kind": ["video"],
                        "purpose": "entertainment", "incident_date": dt.date(2024, 5, 1), "published": True,
                        "platform_hosted": True, "maker_known": True, "tool_provider": True, **extra}.items():
        answers.set(fact, value)
    asked = []
    while not isinstance(step := interviewer.next_question(answers, "en"), Final):
        asked.append(step.fact)
        answers.set(step.fact, extra.get(step.fact, True if step.spec.type == "bool" else DONT_KNOW))
    return asked


def test_recognised_settles_recognisable_and_a_visible_label_the_providers_mark(interviewer: Interviewer) -> None:
    recognised = _lawyer(interviewer, {"recognised_by_acquaintances": True, "labeled_synthetic": True})
    assert "identifiable" not in recognised and "seen_by_acquaintances" not in recognised
    assert "provider_labeled" not in recognised
    # near misses: not recognised → "recognisable?" is asked; no visible label → the provider's mark is
    not_recognised = _lawyer(interviewer, {"recognised_by_acquaintances": False, "labeled_synthetic": False})
    assert "identifiable" in not_recognised and "provider_labeled" in not_recognised
