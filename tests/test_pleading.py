"""Documents that read as a lawyer's (issue 14, third user trial): numbered claims derived from
the remedies found, one defendant for one company in several roles, the platform that ignored a
notice named as a defendant (its liability resting on the court's finding that the notice was
valid), the injunction applied for apart, the facts told as an account (no question texts), the
Chinese documents always written, with an English translation for English readers."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from faceright.cli import main
from faceright.documents import Written, documents_in, render, report_and_documents
from faceright.dates import DateRange, date_words, parse_date
from faceright.evaluate import Engine
from faceright.report import answer_text, build_report
from test_rulebase import shipped

TODAY = dt.date(2026, 12, 3)
#: how a claim and a demand begin, per language
CLAIM = {"zh": "判令", "en": "Order "}
#: the headings of a statement of claims' parts, per language
PARTS = {"zh": ("被告", "诉讼请求", "事实与理由"), "en": ("Defendants", "Claims", "Facts and reasons")}
NUMBERED = re.compile(r"^(\d+)\. (.+)$")


def cases(engine: Engine, root: Path) -> dict[str, Any]:
    return {c.case: c for c in shipped(engine, root)}


def sample(engine: Engine, root: Path) -> list[Any]:
    """The personas, the shipped example and every fifth other shipped case."""
    every = shipped(engine, root)
    chosen = [c for c in every if c.case.startswith("persona-") or c.case == "zhang-v-template-app"]
    return chosen + [c for c in every[::5] if c not in chosen]


def section(doc: Written, heading: str) -> str:
    [body] = [b for h, b in doc.sections if h == heading]
    return body


def statement(engine: Engine, case: Any, lang: str) -> Written | None:
    found = [d for d in documents_in(engine, case, (lang,), TODAY)[lang] if d.id == "statement_of_claims"]
    return found[0] if found else None


def roles(engine: Engine, lang: str) -> dict[str, str]:
    words = engine.book.guidance.pleadings.words
    assert words is not None
    return {p: getattr(words.roles[p], lang) for p in engine.book.parties}


def test_persona_statements_golden(engine: Engine, root: Path) -> None:
    c = cases(engine, root)
    # the woman whose notice the platform ignored: the platform is a defendant, its liability
    # argued from the notice's validity; the maker is claimed from; no 恢复名誉 (reputational
    # harm not stated), no injunction among the claims (it has its own application)
    obscene = statement(engine, c["persona-obscene-victim-no-date"], "zh")
    assert obscene is not None
    defendants = section(obscene, "被告").splitlines()
    assert [d.split("：")[0] for d in defendants] == ["被告一", "被告二"]
    assert "涉案内容的制作者" in defendants[0] and roles(engine, "zh")["platform"] in defendants[1]
    claims = section(obscene, "诉讼请求").splitlines()
    assert claims[0].startswith("1. 判令被告一立即停止侵害原告人格权益的行为")
    assert any(line.startswith(f"{i}. 判令被告二立即删除") for i, line in enumerate(claims, 1))
    assert claims[-1] == f"{len(claims)}. 本案诉讼费用由被告承担。"
    text = "\n".join(claims)
    assert "恢复名誉" not in text and "禁令" not in text
    facts = section(obscene, "事实与理由")
    assert "原告已向平台发出通知" in facts and "平台收到通知后未删除" in facts
    assert "被告二：原告的通知附有构成侵权的初步证据和原告的真实身份信息，是合格的通知" in facts
    ids = {d.id for d in documents_in(engine, c["persona-obscene-victim-no-date"], ("zh",), TODAY)["zh"]}
    assert "injunction_application" not in ids or "statement_of_claims" in ids
    # the voice actor: the app that made and sells the voice is ONE defendant, with both roles
    voice = statement(engine, c["persona-voice-actor-app"], "en")
    assert voice is not None
    [only] = section(voice, "Defendants").splitlines()
    r = roles(engine, "en")
    assert only.startswith("the Defendant: ") and r["creator"] in only and r["tool_provider"] in only
    claims = section(voice, "Claims").splitlines()
    assert all(NUMBERED.match(line) for line in claims)
    assert "Order the Defendant to compensate the plaintiff's property loss of [amount] yuan" in claims[3]
    assert "[amount]" in voice.blanks
    assert "injunction" not in "\n".join(claims).lower()
    # the injunction she may apply for is its own document
    assert "injunction_application" in {d.id for d in documents_in(engine, c["persona-voice-actor-app"], ("en",), TODAY)["en"]}
    # the example: the amount the facts state is claimed, not left blank
    zhang = statement(engine, c["zhang-v-template-app"], "zh")
    assert zhang is not None
    assert "4. 判令被告一赔偿原告财产损失人民币5,000元。" in section(zhang, "诉讼请求").splitlines()
    assert "原告因此遭受财产损失约人民币5,000元。" in section(zhang, "事实与理由")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_statements_of_a_sample_of_cases_are_pleadings(engine: Engine, root: Path, lang: str) -> None:
    """Numbered claims derived from the remedies found, never a conclusion's id or title as a
    claim; one defendant for a merged company; the platform a defendant when it ignored a
    notice; an account of the facts without a question."""
    book = engine.book
    titles = {getattr(spec, lang) for spec in book.conclusions.values()}
    questions = [book.vocabulary.spec(f).zh if lang == "zh" else book.vocabulary.spec(f).en
                 for f in book.vocabulary.facts]
    r = roles(engine, lang)
    heading_d, heading_c, heading_f = PARTS[lang]
    checked = 0
    for case in sample(engine, root):
        doc = statement(engine, case, lang)
        assessment = engine.assess(case)
        held = {(x.id, x.party) for x in assessment.conclusions}
        if doc is None:
            assert ("remedy.cease_infringement", "creator") not in held or engine.facts_of(case).get("respondent") == "deceived"
            continue
        checked += 1
        facts = engine.facts_of(case)
        claims = section(doc, heading_c).splitlines()
        numbers = [int(m.group(1)) for m in map(NUMBERED.match, claims) if m]
        assert numbers == list(range(1, len(claims) + 1)), (case.case, claims)
        bodies = [NUMBERED.match(line).group(2).rstrip("。.") for line in claims]  # type: ignore[union-attr]
        assert all(b.startswith(CLAIM[lang]) for b in bodies[:-1]), (case.case, bodies)
        assert not titles & set(bodies), (case.case, titles & set(bodies))
        assert not any(cid in "\n".join(claims) for cid in book.conclusions), case.case
        # the claims are the remedies found: stopping the infringement always, compensation
        # only where found, 恢复名誉 only where reputational harm is stated, never the injunction
        text = "\n".join(claims)
        assert ("恢复名誉" in text or "restore the plaintiff's reputation" in text) == (
            facts.get("reputational_harm") is True and any(c == "remedy.eliminate_effects" for c, _ in held)), case.case
        compensation = any(c == "remedy.compensate_property_loss" for c, _ in held)
        assert (("财产损失" if lang == "zh" else "property loss") in text) == compensation, case.case
        assert "禁令" not in text and "injunction" not in text.lower()
        # defendants: one line each; a platform that made the content is the maker
        defendants = section(doc, heading_d).splitlines()
        if facts.get("platform_authored") is True:
            assert len(defendants) == 1 and r["creator"] in defendants[0] and r["platform"] in defendants[0], case.case
        if (facts.get("platform_hosted") is True and facts.get("platform_notified") is True
                and facts.get("platform_measures") is False and facts.get("platform_authored") is not True):
            assert any(r["platform"] in d for d in defendants), (case.case, defendants)
        # the account: no question, and the answered facts told
        account = section(doc, heading_f)
        assert not any(q in account for q in questions), case.case
        assert "?" not in account and "？" not in account, case.case
        told = 0
        narrative = book.guidance.pleadings.narrative
        for fact, value in facts.items():
            item = narrative.get(fact)
            if item is None or value is None or fact in book.guidance.pleadings.told_when:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
                assert not re.search(r"约人民币0元|about 0 ", account), (case.case, fact)
                continue
            texts = ((item.yes if value else item.no) if isinstance(value, bool)
                     else item.values.get(str(value), item.text) if item.values is not None else item.text)
            if texts is None:
                continue
            template = getattr(texts, lang)
            # the sentence's fixed words around the value are in the account
            fixed = [part for part in re.split(r"\{(?:value|person|holder)\}", template) if len(part) > 3]
            assert all(part.rstrip("。.") in account or part[:1].upper() + part[1:] in account for part in fixed), (
                case.case, fact, template)
            if "{value}" in template and isinstance(value, list):
                spec = book.vocabulary.spec(fact)
                assert all(spec.choice(v, lang) in account for v in value), (case.case, fact)
            elif "{value}" in template and not isinstance(value, (dt.date, DateRange, bool)):
                assert answer_text(engine, fact, value, lang) in account, (case.case, fact)
            told += 1
        assert told >= 3, case.case
    assert checked >= 20


def test_the_platform_that_ignored_the_notice_is_among_those_responsible(engine: Engine, root: Path) -> None:
    case = cases(engine, root)["persona-obscene-victim-no-date"]
    for lang in ("zh", "en"):
        report = build_report(engine, case, lang)
        [platform] = [p for p in report.parties if p.party == "platform"]
        assert platform.possible and platform.conditions
        valid = engine.book.guidance.court_decides["notice_valid"]
        assert getattr(valid, lang) in platform.conditions[0]
        assert "platform_jointly_liable" not in {i.id for i in report.uncertain}
        assert any(platform.name in s and report.words["possibly"] in s for s in report.summary)
    # the notice was answered valid and the platform took four days: it is liable outright,
    # not "possibly"
    zhang = build_report(engine, cases(engine, root)["zhang-v-template-app"], "en")
    [platform] = [p for p in zhang.parties if p.party == "platform"]
    assert platform.items and not platform.possible


def test_the_docx_statement_opens_with_its_numbered_claims(engine: Engine, root: Path) -> None:
    from docx import Document as Docx
    for case in [c for c in shipped(engine, root) if c.case.startswith("persona-")]:
        for lang, docs in documents_in(engine, case, ("zh", "en"), TODAY).items():
            for doc in docs:
                opened = Docx(io.BytesIO(render(doc, "docx", "-", TODAY)))
                paragraphs = [p.text for p in opened.paragraphs]
                styles = {p.text: p.style.name for p in opened.paragraphs if p.style is not None}
                assert styles[doc.title] == "Heading 1"
                for heading, body in doc.sections:
                    assert styles[heading] == "Heading 2", (case.case, heading)
                    for line in body.splitlines():
                        assert line in paragraphs, (case.case, doc.id, line)


def test_english_readers_get_the_chinese_documents_and_a_translation(engine: Engine, root: Path,
                                                                     tmp_path: Path) -> None:
    from faceright.ask import closing
    from faceright.interview import Answers, interviewer_for
    case = cases(engine, root)["persona-obscene-victim-no-date"]
    answers = Answers()
    for fact, value in engine.facts_of(case).items():
        answers.set(fact, value)
    text = closing(interviewer_for(engine), answers, "en", str(tmp_path), today=TODAY)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert "statement_of_claims.zh.docx" in written and "statement_of_claims.en.docx" in written
    assert {n.split(".")[1] for n in written} == {"zh", "en"}
    assert engine.book.guidance.words["en"].also_translation in text
    # a Chinese reader gets the Chinese documents only
    zh = tmp_path / "zh"
    closing(interviewer_for(engine), answers, "zh", str(zh), today=TODAY)
    assert {p.name.split(".")[1] for p in zh.iterdir()} == {"zh"}
    # the web's result page offers both, Chinese first
    report, docs = report_and_documents(engine, case, "en", TODAY)
    assert list(docs) == ["zh", "en"] and [d.id for d in docs["zh"]] == [d.id for d in docs["en"]]
    # the documents command: --lang en writes the Chinese ones too, and says so
    result = CliRunner().invoke(main, ["documents", str(root / "cases/personas/obscene-victim-no-date.yaml"),
                                       "-o", str(tmp_path / "cli"), "--lang", "en", "--format", "md",
                                       "--date", "2026-12-03"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert "police_report.zh.md" in names and "police_report.en.md" in names
    assert engine.book.guidance.words["en"].also_translation in result.output


def test_web_result_in_english_offers_the_chinese_documents_and_translations(root: Path) -> None:
    from fastapi.testclient import TestClient

    from faceright.evaluate import load_engine
    from faceright.interview import Answers
    from faceright.web import WebApp, _state_text, create_app
    engine = load_engine(root / "rules")
    case = cases(engine, root)["persona-obscene-victim-no-date"]
    answers = Answers()
    for fact, value in engine.facts_of(case).items():
        answers.set(fact, value)
    web = WebApp(engine)
    page = web.result(answers, "en").body.decode("utf-8")
    assert 'name=doc_lang value="zh"' in page and 'name=doc_lang value="en"' in page
    assert engine.book.guidance.words["en"].also_translation in page
    with TestClient(create_app(str(root / "rules")), raise_server_exceptions=False) as client:
        got = client.post("/download/document", data={"lang": "en", "doc_lang": "zh", "state": _state_text(answers),
                                                      "document": "statement_of_claims", "format": "md"},
                          headers={"content-type": "application/x-www-form-urlencoded"})
        assert got.status_code == 200, got.text
        assert "民事起诉状" in got.text and "statement_of_claims.zh.md" in got.headers["content-disposition"]


def test_the_loss_amount_is_asked_where_a_claim_could_follow(engine: Engine) -> None:
    """A paid service that used a likeness founds a compensation claim whatever the loss, so no
    conclusion waits on the amount: it is asked all the same (the claim states it)."""
    from faceright.interview import DONT_KNOW, interviewer_for
    from persona import interview
    interviewer = interviewer_for(engine)

    def asked(facts: dict[str, Any]) -> list[str]:
        return [q.fact for q, _ in interview(interviewer, lambda f, _: facts.get(f, DONT_KNOW))[1]]

    assert "economic_loss_yuan" in asked({"respondent": "self", "likeness": ["face"], "purpose": "paid_service",
                                          "consent": "none", "where_shown": "platform", "maker_known": True})
    # and not of the person deceived, who states what was taken from them instead
    assert "economic_loss_yuan" not in asked({"respondent": "deceived", "likeness": ["face"], "purpose": "fraud",
                                              "consent": "none"})


def test_policy_units_are_rule_data_checked_at_load(root: Path, tmp_path: Path) -> None:
    import shutil
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    path = rules / "policies.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    unit_zh: 小时\n", "", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "lint", str(rules)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "policies.yaml" in result.output and "unit_zh" in result.output, result.output


# --- the fifth user trial: what the documents say is what is known ------------------------------

def variant(engine: Engine, root: Path, tmp_path: Path, persona: str, drop: tuple[str, ...] = (),
            **facts: Any) -> Any:
    """A persona's case with some facts changed (``drop``: facts removed)."""
    import yaml
    from faceright.casefile import read_cases
    data = yaml.safe_load((root / "cases/personas" / f"{persona}.yaml").read_text(encoding="utf-8"))
    data.pop("expect", None)
    if "incident_date" in facts:  # the case's date, beside its facts
        data["incident_date"] = facts.pop("incident_date")
    data["facts"] = {k: v for k, v in {**data["facts"], **facts}.items() if k not in drop}
    path = tmp_path / f"{persona}-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    [loaded] = list(read_cases(engine.reader, str(path)))
    assert loaded.error is None, str(loaded.error)
    return loaded.case


def docs_of(engine: Engine, case: Any, lang: str) -> dict[str, Written]:
    return {d.id: d for d in documents_in(engine, case, (lang,), TODAY)[lang]}


def test_no_consent_is_not_told_as_processing(engine: Engine, root: Path, tmp_path: Path) -> None:
    """``separate_consent: false`` (implied by no consent at all) says the person never
    consented; only ``biometric_processed: true`` says the data was processed."""
    case = variant(engine, root, tmp_path, "obscene-victim-no-date", separate_consent=False)
    for lang, never, processed in (("zh", "原告从未就他人使用其面部或声音信息作出单独同意", "被提取、存储或处理"),
                                   ("en", "The plaintiff never gave separate consent to anyone using their face or voice data",
                                    "extracted, stored or processed")):
        facts = section(statement(engine, case, lang), PARTS[lang][2])  # type: ignore[arg-type]
        assert never in facts and processed not in facts and "处理原告的生物识别信息" not in facts
        assert "No separate consent was obtained for processing" not in facts
    told = variant(engine, root, tmp_path, "obscene-victim-no-date", separate_consent=False, biometric_processed=True)
    assert "原告的面部或声纹特征被提取、存储或处理" in section(statement(engine, told, "zh"), "事实与理由")  # type: ignore[arg-type]


def test_dates_are_told_in_words() -> None:
    cases_ = {"2021..": ("2021年或以后", "in 2021 or later"), "..2020": ("2020年或以前", "in 2020 or earlier"),
              "2023-06": ("2023年6月", "in June 2023"), "2021-01-01..2021-12-31": ("2021年", "in 2021"),
              "2023-09-01": ("2023年9月1日", "on 1 September 2023"),
              "2021-03-01..2022-05-05": ("2021年3月1日至2022年5月5日之间", "between 1 March 2021 and 5 May 2022")}
    for text, (zh, en) in cases_.items():
        value = parse_date(text)
        assert value is not None
        assert date_words(value, "zh") == zh and date_words(value, "en", at=True) == en, text


def test_the_account_reads_naturally(engine: Engine, root: Path, tmp_path: Path) -> None:
    case = variant(engine, root, tmp_path, "obscene-victim-no-date", incident_date="2021..",
                   economic_loss_yuan=0, obscene_items=1, defamation_or_insult="insult")
    zh = section(statement(engine, case, "zh"), "事实与理由")  # type: ignore[arg-type]
    assert zh.startswith("事件发生于2021年或以后。") and "上述" not in zh.split("\n")[0][:4]
    assert "涉案内容至今仍在网上。" in zh and "一直在线至仍在网上" not in zh
    assert "人民币0元" not in zh and "涉案淫秽文件的数量约为1个" in zh
    assert zh.count("侮辱") == 1, zh
    en_doc = statement(engine, case, "en")
    assert en_doc is not None
    en = section(en_doc, "Facts and reasons")
    assert en.startswith("This happened in 2021 or later.") and "The content is still online." in en
    exact = variant(engine, root, tmp_path, "obscene-victim-no-date", incident_date="2023-09-01")
    assert section(statement(engine, exact, "en"), "Facts and reasons").startswith(  # type: ignore[arg-type]
        "This happened on 1 September 2023.")
    # one defendant: singular words
    voice = statement(engine, cases(engine, root)["persona-voice-actor-app"], "en")
    assert voice is not None
    claims = section(voice, "Claims")
    assert claims.splitlines()[-1].endswith("Order the Defendant to bear the costs of the proceedings.")
    assert "the defendants" not in section(voice, "Facts and reasons").lower().replace("the defendant's", "")


def test_the_platform_answers_for_the_damage_after_the_notice(engine: Engine, root: Path, tmp_path: Path) -> None:
    case = variant(engine, root, tmp_path, "obscene-victim-no-date", maker_known=False)
    doc = statement(engine, case, "zh")
    assert doc is not None
    claims = section(doc, "诉讼请求")
    assert "对其接到原告通知后损害的扩大部分，与发布涉案内容的网络用户承担连带赔偿责任" in claims
    assert "对上述赔偿承担连带责任" not in claims
    # the maker unknown: named, with how the name is to be had
    [maker] = [line for line in section(doc, "被告").splitlines() if "涉案内容的制作者" in line]
    assert "请求平台披露" in maker and "查明后补正" in maker
    en = statement(engine, case, "en")
    assert en is not None and "ask the platform to disclose the identity" in section(en, "Defendants")
    known = statement(engine, variant(engine, root, tmp_path, "obscene-victim-no-date", maker_known=True), "zh")
    assert known is not None and "请求平台披露" not in section(known, "被告")


def test_the_injunction_names_respondents(engine: Engine, root: Path) -> None:
    case = cases(engine, root)["persona-obscene-victim-no-date"]
    zh = docs_of(engine, case, "zh")["injunction_application"]
    text = "\n".join(body for _, body in zh.sections)
    assert "被申请人一：" in text and "被申请人二：" in text and "被告" not in text
    en = docs_of(engine, case, "en")["injunction_application"]
    text = "\n".join(body for _, body in en.sections)
    assert "Respondent 1:" in text and "Defendant" not in text and "the respondents" in text


def test_medical_records_go_to_the_court_not_the_platform(engine: Engine, root: Path, tmp_path: Path) -> None:
    case = variant(engine, root, tmp_path, "obscene-victim-no-date", severe_mental_distress=True)
    docs = docs_of(engine, case, "zh")
    assert "就医记录" not in section(docs["renewed_notice"], "五、构成侵权的初步证据")
    assert "就医记录" in section(docs["statement_of_claims"], "证据")


def test_the_person_deceived_gets_a_police_report_for_the_money(engine: Engine, root: Path) -> None:
    case = cases(engine, root)["persona-deceived-video-call"]
    docs = docs_of(engine, case, "zh")
    report = docs["police_report"]
    assert "紧急止付、冻结" in section(report, "请求") and "返还被骗款项" in section(report, "请求")
    facts = section(report, "事实经过")
    assert "公众能够从涉案内容中认出" not in facts and "尚未向他人传播" not in facts
    assert "Please order an urgent stop-payment" in section(docs_of(engine, case, "en")["police_report"], "Request")
    # the plan promises no document that is not written for him
    built = build_report(engine, case, "zh")
    plan = "\n".join(f"{s.title}{s.text}" for s in built.steps)
    if "statement_of_claims" not in docs:
        assert "起诉状草稿" not in plan and "所附起诉状" not in plan
