"""Documents and the plan follow who is speaking and what happened (issue 14, sixth user trial):
the person deceived tells his own account to the police; a step applies only where its facts
allow; what waits on the maker's identity is not asked; remedies are demanded only where found;
English headings agree with the number of parties; one wording for dates and policy numbers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from faceright.documents import Written
from faceright.evaluate import Engine
from faceright.report import build_report, build_reports
from faceright.report_render import to_html, to_markdown, to_text
from test_pleading import cases, docs_of, section, variant
from test_rulebase import shipped

#: what the person deceived cannot know or is not his to say (the maker's profit, the
#: impersonated person's consent and data, how many were deceived), in each language
NOT_HIS = {"zh": ("获利", "谋取了金钱", "从未同意", "被提取", "单独同意", "共1名", "被骗或者被描绘的人"),
           "en": ("gain", "never agreed", "extracted", "separate consent", "Number of people")}
#: his own account: the call, who was impersonated, the pretext, the transfer
HIS = {"zh": ("本人接到一个视频或语音通话", "对方冒充[被冒充者的姓名及与本人的关系]", "[对方要求转账时所说的理由]",
              "[转账时间]", "[收款户名、账号及开户银行或支付平台]", "人民币200,000元", "2026年11月"),
       "en": ("I received a video or voice call", "They posed as [name of the person impersonated",
              "[the reason they gave for the transfer]", "[time of the transfer]", "200,000 yuan", "November 2026")}
BLANK = re.compile(r"\[[^\[\]]+\]")


def _doc_text(doc: Written) -> str:
    return "\n".join(f"{h}\n{b}" for h, b in doc.sections)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_deceived_person_police_report_tells_his_own_account(engine: Engine, root: Path, lang: str) -> None:
    case = cases(engine, root)["persona-deceived-video-call"]
    docs = docs_of(engine, case, lang)
    report = docs["police_report"]
    facts = section(report, "事实经过" if lang == "zh" else "What happened")
    assert all(part in facts for part in HIS[lang]), facts
    assert not [w for w in NOT_HIS[lang] if w in facts], facts
    # the offence raised is in its own section; every blank left is one he is told to fill
    offences = section(report, "可能涉嫌的违法犯罪" if lang == "zh" else "Possible offences")
    assert ("诈骗罪" if lang == "zh" else "fraud") in offences
    assert set(BLANK.findall(_doc_text(report))) <= set(report.blanks)
    assert {"[转账时间]", "[time of the transfer]"} & set(report.blanks)
    # the impersonated person's own applications are not drafted in his name
    assert "injunction_application" not in docs and "statement_of_claims" not in docs
    # and the plan's police step tells him what to bring for a fraud, not views and reposts
    [police] = [st for st in build_report(engine, case, lang).steps if st.id == "police"]
    assert ("转账凭证" if lang == "zh" else "transfer receipts") in police.text
    assert ("浏览量" if lang == "zh" else "views") not in police.text


def test_the_account_depends_on_who_tells_it(engine: Engine, root: Path, tmp_path: Path) -> None:
    """The same facts told by the person shown: the default account (their consent, their data),
    none of the deceived person's blanks."""
    own = variant(engine, root, tmp_path, "deceived-by-video-call", respondent="self")
    facts = section(docs_of(engine, own, "zh")["police_report"], "事实经过")
    assert "本人从未同意制作或使用涉案内容" in facts and "本人的面部或声纹特征被提取" in facts
    assert "[转账时间]" not in facts and "本人接到一个视频或语音通话" not in facts
    assert "[转账时间]" not in docs_of(engine, own, "zh")["police_report"].blanks


def test_no_injunction_application_for_the_deceived_even_while_it_goes_on(engine: Engine, root: Path,
                                                                        tmp_path: Path) -> None:
    going = variant(engine, root, tmp_path, "deceived-by-video-call", ongoing=True)
    twin = variant(engine, root, tmp_path, "deceived-by-video-call", ongoing=True, respondent="self")
    assert "injunction_application" not in docs_of(engine, going, "zh")
    assert "injunction_application" in docs_of(engine, twin, "zh")


def _steps(engine: Engine, case: Any) -> list[str]:
    return [s.id for s in build_report(engine, case, "zh").steps]


def test_a_platform_step_needs_a_platform(engine: Engine, root: Path, tmp_path: Path) -> None:
    """Notify the platform only where a platform hosted the content (not a live call, a private
    chat) and did not make it itself; what follows an ignored notice not where nothing was
    hosted — across the personas and every shipped case, and twins that do reach them."""
    for case in shipped(engine, root):
        facts = engine.facts_of(case)
        steps = _steps(engine, case)
        if "notify_platform" in steps:
            assert facts.get("platform_hosted") is True and facts.get("platform_authored") is not True, case.case
        if "platform_ignored" in steps:
            assert facts.get("platform_hosted") is not False, case.case
    call = variant(engine, root, tmp_path, "deceived-by-video-call")
    posted = variant(engine, root, tmp_path, "deceived-by-video-call", where_shown="platform",
                     platform_hosted=True, published=True)
    assert "notify_platform" not in _steps(engine, call) and "notify_platform" in _steps(engine, posted)
    made = variant(engine, root, tmp_path, "relative-deceased-actor-no-date", platform_authored=True)
    assert "notify_platform" in _steps(engine, cases(engine, root)["persona-relative-deceased-actor"])
    assert "notify_platform" not in _steps(engine, made)
    private = variant(engine, root, tmp_path, "obscene-victim-no-date", platform_hosted=False)
    assert "platform_ignored" in _steps(engine, cases(engine, root)["persona-obscene-victim-no-date"])
    assert "platform_ignored" not in _steps(engine, private)
    # nor is its evidence described as a web page
    listed = section(docs_of(engine, private, "zh")["statement_of_claims"], "证据")
    assert "网址、发布账号" not in listed and "展示或发送它的时间、地点和账号" in listed


def test_what_waits_on_the_maker_is_not_asked(engine: Engine, root: Path, tmp_path: Path) -> None:
    """Guardian and employer liability hinge on who the maker is: for an unknown maker they are
    listed as to be settled once the maker is identified, in every rendering, with no question
    to the person; once the maker is known they are open questions like any other."""
    spec = engine.book.vocabulary
    asked = [getattr(spec.spec(f), lang) for f in ("employee_on_duty", "creator_lacks_capacity") for lang in ("zh", "en")]
    for name in ("persona-deceived-video-call", "persona-obscene-victim-no-date"):
        case = cases(engine, root)[name]
        for lang, report in build_reports(engine, case).items():
            later = [i for i in report.uncertain if i.id in ("employer_liable", "guardian_liable")]
            assert later and all(i.status == "deferred" and not i.depends for i in later), (name, later)
            assert all(i.notes == [report.words["deferred"]] for i in later)
            assert not {q.fact for q in report.questions} & {"employee_on_duty", "creator_lacks_capacity"}
            for page in (to_text(report), to_html(report), to_markdown(report)):
                assert not [q for q in asked if q in page], (name, lang)
                assert report.words["deferred"] in page
    known = variant(engine, root, tmp_path, "obscene-victim-no-date", maker_known=True)
    report = build_report(engine, known, "zh")
    waiting = [i for i in report.uncertain if i.id in ("employer_liable", "guardian_liable")]
    assert waiting and all(i.status == "open" and i.depends for i in waiting)


def test_remedies_are_demanded_only_where_found(engine: Engine, root: Path) -> None:
    """恢复名誉 only with reputational harm, 消除影响 only where the content was disseminated, in
    every document of every shipped case; the regulator complaint names only what the cyberspace
    authorities deal with."""
    cyber = {engine.book.conclusions[c].zh for c in ("labeling_violation", "consent_check_violation")}
    seen = {"regulator_complaint": 0, "restore": 0}
    for case in shipped(engine, root):
        facts = engine.facts_of(case)
        for doc in docs_of(engine, case, "zh").values():
            text = _doc_text(doc)
            if "恢复名誉" in text:
                seen["restore"] += 1
                assert facts.get("reputational_harm") is True, (case.case, doc.id)
            if "消除影响" in text:
                assert facts.get("published") is True, (case.case, doc.id)
            if doc.id == "regulator_complaint":
                seen["regulator_complaint"] += 1
                listed = [line[2:].split(" — ")[0] for line in section(doc, "违规事实").splitlines()]
                assert listed and set(listed) <= cyber, (case.case, listed)
    assert seen["regulator_complaint"] >= 5 and seen["restore"] >= 5


def test_english_headings_agree_with_the_number_of_parties(engine: Engine, root: Path) -> None:
    c = cases(engine, root)
    one, two = c["persona-voice-actor-app"], c["persona-obscene-victim-no-date"]
    for case, heading, label in ((one, "Defendant", "The Defendant: "), (two, "Defendants", "Defendant 1: ")):
        docs = docs_of(engine, case, "en")
        lines = section(docs["statement_of_claims"], heading).splitlines()
        assert lines[0].startswith(label), lines
        assert section(docs["injunction_application"], heading.replace("Defendant", "Respondent"))
    for case in (one, two):  # Chinese has no plural
        assert section(docs_of(engine, case, "zh")["statement_of_claims"], "被告")


def test_a_deceased_person_documents_claim_for_the_deceased(engine: Engine, root: Path) -> None:
    docs = docs_of(engine, cases(engine, root)["persona-relative-deceased-actor"], "zh")
    claims = section(docs["statement_of_claims"], "诉讼请求")
    assert "停止侵害死者人格利益" in claims and "原告人格权益" not in claims
    assert "侵害了死者的下列人格利益" in section(docs["statement_of_claims"], "事实与理由")
    evidence = section(docs["statement_of_claims"], "证据")
    assert "死者生前的照片或视频" in evidence and "本人照片或视频" not in evidence
    assert "死者人格利益" in section(docs["injunction_application"], "申请事项")


def test_the_policy_note_says_once_that_the_numbers_are_not_law(engine: Engine, root: Path) -> None:
    found = 0
    for case in shipped(engine, root):
        for lang in ("zh", "en"):
            report = build_report(engine, case, lang)
            if not report.policies:
                continue
            found += 1
            line = next(x for x in to_text(report).splitlines() if report.words["policy"] in x)
            assert "政策参数" not in line and "非法律规定" not in line and "policy, not law" not in line, line
    assert found >= 4


def test_documents_are_dated_in_words(engine: Engine, root: Path) -> None:
    case = cases(engine, root)["persona-voice-actor-app"]
    assert "日期：2026年12月3日" in section(docs_of(engine, case, "zh")["statement_of_claims"], "签署")
    assert "Date: 3 December 2026" in section(docs_of(engine, case, "en")["statement_of_claims"], "Signed")


def test_each_breach_goes_to_its_own_authority(engine: Engine, root: Path) -> None:
    """An unlawful advertisement is reported to the market regulator (12315: a step and its own
    complaint), a missing AI label to the cyberspace authorities (12377); the answer first names
    each authority with the breaches it deals with."""
    advert = {engine.book.conclusions[c].zh for c in ("advertising_violation", "ad_platform_violation")}
    found = 0
    for case in shipped(engine, root):
        held = {c.id for c in engine.assess(case).conclusions}
        if not held & {"advertising_violation", "ad_platform_violation"}:
            continue
        found += 1
        docs = docs_of(engine, case, "zh")
        listed = [line[2:].split(" — ")[0] for line in section(docs["market_complaint"], "违法事实").splitlines()]
        assert listed and set(listed) <= advert, (case.case, listed)
        report = build_report(engine, case, "zh")
        assert "market_regulator" in [s.id for s in report.steps], case.case
        for sentence in report.summary:
            if "违反广告法" in sentence:
                assert "12315" in sentence and "12377" not in sentence, (case.case, sentence)
            if "违反合成内容标识义务" in sentence:
                assert "12377" in sentence and "12315" not in sentence, (case.case, sentence)
    assert found >= 3
    plain = cases(engine, root)["zhang-v-template-app"]
    assert "market_complaint" not in docs_of(engine, plain, "zh")
    assert "market_regulator" not in [s.id for s in build_report(engine, plain, "zh").steps]


def test_the_person_shown_does_not_claim_what_the_fraud_took_from_another(engine: Engine, root: Path) -> None:
    """The money a fraud took is the deceived person's claim (through the police): the
    impersonated person's statement of claims neither claims it nor sues the bank or telecom
    operator for it, nor gives the fraudster's duty to return it as a reason."""
    words = engine.book.guidance.pleadings.words
    assert words is not None
    banks = {words.roles["bank"].zh, words.roles["telecom_operator"].zh}
    theirs = {engine.book.conclusions[c].zh for c in ("deceived_person_claim", "fraud_proceeds_recovered",
                                                      "anti_fraud_duty_liable")}
    found = 0
    for case in shipped(engine, root):
        held = {c.id for c in engine.assess(case).conclusions}
        doc = docs_of(engine, case, "zh").get("statement_of_claims")
        if doc is None or "deceived_person_claim" not in held:
            continue
        found += 1
        text = _doc_text(doc)
        assert "被骗取的款项" not in section(doc, "诉讼请求"), case.case
        assert not [b for b in banks if b in section(doc, "被告")], case.case
        assert not [t for t in theirs if t in text], case.case
    assert found >= 5
