"""The report for a person (issue 14): the answer first, a plan of action, documents to send —
shape, no engine vocabulary on screen, the police step, documents that open in Word, and the
contract's JSON unchanged."""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import itertools
import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from faceright.cli import main
from faceright.documents import documents_for, documents_in, render, write_documents
from faceright.evaluate import Engine
from faceright.kleene import TRUE
from faceright.probes import probe_values
from faceright.relevance import Evaluator
from faceright.report import build_report, build_reports
from faceright.punctuation import ascii_marks, informal_you
from faceright.report_render import _law_line, to_html, to_markdown, to_text
from test_rulebase import shipped

EXAMPLE = "cases/zhang-v-template-app.yaml"
TODAY = dt.date(2026, 12, 3)
BREACH_KINDS = ("offence",)


def example(engine: Engine, root: Path) -> Any:
    [case] = [c for c in shipped(engine, root) if c.case == "zhang-v-template-app"]
    return case


def internal_names(engine: Engine) -> set[str]:
    """Names of the rule base that must never reach a person's screen: conclusion, fact
    (with an underscore: single words like "views" are English), party and provision ids."""
    book = engine.book
    names = {c for c in book.conclusions} | set(book.catalogue.ids())
    names |= {f for f in book.vocabulary.names() if "_" in f}
    names |= {p for p in book.parties if "_" in p}
    names |= {s.id for s in book.guidance.steps if "_" in s.id}
    return names


LEAK = re.compile(r"\w@\w|\b[a-z][a-z_]+ = \S")


@functools.lru_cache(maxsize=4)
def _names_pattern(names: frozenset[str]) -> re.Pattern[str]:
    """One pattern finding any of ``names`` standing alone (not inside a longer id). Names are
    made of word characters, dots and hyphens, so no name can start inside another's match:
    one left-to-right scan finds every name a search per name would."""
    assert all(re.fullmatch(r"[\w.-]+", n) for n in names)
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    return re.compile(rf"(?<![\w.-])(?:{alternatives})(?![\w-])")


def leaks(engine: Engine, text: str, names: set[str]) -> list[str]:
    """The internal names and ``fact = value`` assignments in ``text``."""
    text = re.sub(r"https?://\S+", "", text)  # a source link's path is not a name
    found = list(dict.fromkeys(_names_pattern(frozenset(names)).findall(text)))
    return found + LEAK.findall(text)


def test_the_example_folded_text_report_fits_in_60_lines_without_repeated_statute(engine: Engine, root: Path) -> None:
    case = example(engine, root)
    for lang in ("zh", "en"):
        report = build_report(engine, case, lang)
        text = to_text(report)
        assert len(text.splitlines()) <= 60, (lang, len(text.splitlines()))
        # the answer comes first, then the plan of action
        lines = text.splitlines()
        assert lines[3].startswith(report.words["answer"])
        c = "：" if lang == "zh" else ":"
        assert lines.index(f"{report.words['steps']}{c}") < lines.index(f"{report.words['rights']}{c}")
        # folded: no statute text; unfolded: each provision's text exactly once
        statute = [law.text_zh for law in report.law if law.text_zh]
        assert statute and not any(s.splitlines()[0] in text for s in statute)
        full = to_text(report, law_text=True)
        for s in statute:
            assert full.count(s.splitlines()[0]) == 1, s[:30]
        # rights before the liability that depends on them; each party once
        assert report.rights[0].title in lines[4]
        names = [p.name for p in report.parties]
        assert len(names) == len(set(names))


def test_the_example_answer_names_right_parties_demands_and_first_step(engine: Engine, root: Path) -> None:
    report = build_report(engine, example(engine, root), "en")
    summary = " ".join(report.summary)
    assert "Portrait right infringed" in summary
    assert "the maker of the content" in summary and "the platform" in summary
    assert "Compensation for property loss" in summary
    assert report.summary[-1] == f"First: {report.steps[0].title}"
    assert 3 <= len(report.summary) <= 6
    # the platform was notified: the notice is not proposed again, its failure is acted on
    ids = [s.id for s in report.steps]
    assert "notify_platform" not in ids and "platform_ignored" in ids
    assert ids.index("evidence") < ids.index("court")


#: the shipped cases are scanned in this many parts (every case in exactly one: case i in part
#: i % CHUNKS), so that xdist can spread the whole-corpus tests over its workers
CHUNKS = 4


def chunk(engine: Engine, root: Path, part: int) -> list[Any]:
    cases = shipped(engine, root)
    assert len(cases) > 100
    return cases[part::CHUNKS]


@pytest.mark.parametrize("part", range(CHUNKS))
def test_no_text_or_html_output_shows_internal_ids_or_fact_assignments(engine: Engine, root: Path,
                                                                       part: int) -> None:
    """Every shipped case's report (one part of them per test), in both languages, as text,
    HTML and Markdown, shows no internal name or ``fact = value`` — the case titles included
    (shipped titles are written in plain words)."""
    names = internal_names(engine)
    bad = []
    for case in chunk(engine, root, part):
        for lang, report in build_reports(engine, case, ("zh", "en")).items():
            for kind, out in (("text", to_text(report)), ("html", to_html(report)), ("md", to_markdown(report))):
                found = leaks(engine, out, names)
                if found:
                    bad.append((case.case, lang, kind, found[:3]))
                if lang == "zh":  # Chinese punctuation and the polite 您 (the case's own title aside)
                    shown = out.replace(report.title or "\0", "")
                    if kind == "html":
                        shown = html.unescape(re.sub(r"<[^>]+>", " ", shown))
                    marks = ascii_marks(shown) + informal_you(shown)
                    if marks:
                        bad.append((case.case, lang, kind, marks[:3]))
    assert not bad, bad[:5]


def test_chinese_output_names_the_case_by_its_chinese_title_or_not_at_all(engine: Engine, root: Path) -> None:
    """A report's heading is the case's title in the report's language, never its id: the
    example's zh report shows its title_zh; a case titled only in English shows no title in
    Chinese; an interview's case (id only) shows none."""
    case = example(engine, root)
    zh, en = (build_report(engine, case, lang) for lang in ("zh", "en"))
    assert case.title_zh and to_text(zh).splitlines()[0] == case.title_zh
    assert to_markdown(zh).startswith(f"# {case.title_zh}\n")
    assert to_text(en).splitlines()[0] == case.title
    untitled = engine.case({"case": "interview", "title": "Only in English", "facts": engine.facts_of(case)})
    for lang in ("zh", "en"):
        report = build_report(engine, untitled, lang)
        first = to_text(report).splitlines()[0]
        assert "interview" not in to_text(report) and "interview" not in to_markdown(report)
        assert first == ("Only in English" if lang == "en" else report.date_note or _law_line(report)), first
    chinese = engine.case({"case": "x", "title": "张某诉某换脸应用", "facts": engine.facts_of(case)})
    assert build_report(engine, chinese, "zh").title == "张某诉某换脸应用"
    assert build_report(engine, chinese, "en").title is None


def test_the_chinese_scans_would_catch_ascii_marks_and_informal_you() -> None:
    assert ascii_marks("案件: 张某") and ascii_marks("依据:《民法典》") and ascii_marks("制作者 (司法实践)")
    assert ascii_marks("是,否") and ascii_marks("确定;个人")
    assert not ascii_marks("案件：张某（2023-06-01）") and not ascii_marks("see https://x.cn/a:b, (c)")
    assert not ascii_marks("10:30, 2023") and not ascii_marks("（Word，可编辑）")
    assert informal_you("核对你的回答") and not informal_you("核对您的回答")


def test_the_reports_of_both_languages_from_one_evaluation_are_the_reports_of_each(engine: Engine,
                                                                                   root: Path) -> None:
    """:func:`build_reports` (one evaluation for both languages, as the scans above use) gives
    exactly what :func:`build_report` gives in each language, and so do the documents."""
    cases = {c.case: c for c in shipped(engine, root)}
    for name in ("zhang-v-template-app", "persona-obscene-victim-no-date", "persona-deceived-video-call"):
        both = build_reports(engine, cases[name], ("zh", "en"))
        for lang in ("zh", "en"):
            assert both[lang] == build_report(engine, cases[name], lang), (name, lang)
        docs = documents_in(engine, cases[name], ("zh", "en"), TODAY)
        assert docs == {lang: documents_for(engine, cases[name], lang, TODAY) for lang in ("zh", "en")}
        assert docs["zh"] and docs["en"]


def test_the_scan_would_catch_a_leak(engine: Engine) -> None:
    names = internal_names(engine)
    assert leaks(engine, "because: depicted_person = living", names)
    assert leaks(engine, "personality_infringed@creator", names)
    assert leaks(engine, "see civil-code-1019", names)
    assert not leaks(engine, "The platform counted 10,000 views.", names)
    # every name is found alone, beside another, at either end; none inside a longer id
    for name in names:
        assert {name, "civil-code-1019"} <= set(leaks(engine, f"({name}, civil-code-1019)", names))
        assert leaks(engine, name, names) == [name]
        assert name not in leaks(engine, f"x{name}_y", names)


def test_english_pages_mark_chinese_statute_text(engine: Engine, root: Path) -> None:
    case = example(engine, root)
    html_en = to_html(build_report(engine, case, "en"))
    html_zh = to_html(build_report(engine, case, "zh"))
    assert html_en.count('<p lang="zh">') >= 5 and '<p lang="zh">' not in html_zh
    assert "<details><summary>" in html_en
    # each provision once, with its status and source link
    labels = re.findall(r"<details><summary>([^<]*)</summary>", html_en)
    assert len(labels) == len(set(labels))
    assert html_en.count("https://github.com/LawRefBook/Laws/blob/") >= 3


def _police_must_appear(engine: Engine, evaluator: Evaluator, points: dict[str, list[Any]], case: Any,
                        assessment: Any, rng: random.Random) -> bool:
    """Independently of the report: some offence or public-security conclusion holds, or some
    values of the still-unknown facts the person cannot know make one hold (direct three-valued
    evaluation of the rulebook over sampled values of those facts)."""
    book = engine.book
    kinds = {c for c, s in book.conclusions.items() if s.kind == "offence"}
    if any(c.id in kinds for c in assessment.conclusions):
        return True
    open_ = [o for o in assessment.open if o.id in kinds]
    if not open_:
        return False
    facts = engine.facts_of(case)
    needed = sorted({f for o in open_ for f in o.needs} & set(book.guidance.unknowable) - {"incident_date"})
    days = [case.incident_date] if case.incident_date else [dt.date(2024, 6, 1), dt.date(2026, 6, 1)]
    choices = [points.get(f) or [None] for f in needed]
    size = 1
    for c in choices:
        size *= len(c)
    combos = list(itertools.product(*choices)) if size <= 24 else [
        tuple(rng.choice(c) for c in choices) for _ in range(24)]
    for day in days:
        for combo in combos:
            trial = {**facts, **{f: v for f, v in zip(needed, combo) if v is not None}}
            status = evaluator.run(trial, day).status
            if any(v is TRUE for (c, _), (v, _) in status.items() if c in kinds):
                return True
    return False


@pytest.mark.parametrize("part", range(CHUNKS))
def test_police_step_appears_whenever_an_offence_holds_or_waits_only_on_what_the_person_cannot_know(
        engine: Engine, root: Path, part: int) -> None:
    """For every shipped case (one part of them per test)."""
    evaluator, points, rng = Evaluator(engine.book), probe_values(engine.book), random.Random(14 + part)
    missing, shown = [], 0
    for case in chunk(engine, root, part):
        report = build_report(engine, case, "en")
        has_police = any(s.id == "police" for s in report.steps)
        shown += has_police
        assessment = engine.assess(case)
        if _police_must_appear(engine, evaluator, points, case, assessment, rng) and not has_police:
            missing.append(case.case)
        kinds = {c.id for c in assessment.conclusions} | {o.id for o in assessment.open}
        if not any(engine.book.conclusions[k].kind == "offence" for k in kinds):
            assert not has_police, case.case  # nothing an offence could rest on
    assert not missing, missing[:10]
    assert shown >= 5  # each part has its share of the cases with an offence


def test_personas_get_the_action_their_situation_needs(engine: Engine, root: Path) -> None:
    personas = {c.case: c for c in shipped(engine, root) if c.case.startswith("persona-")}
    fraud = build_report(engine, personas["persona-deceived-video-call"], "en")
    assert fraud.steps[0].id == "stop_payment" and "96110" in fraud.steps[0].title
    assert any(s.id == "police" for s in fraud.steps)
    obscene = build_report(engine, personas["persona-obscene-victim-no-date"], "en")
    ids = [s.id for s in obscene.steps]
    assert "police" in ids and "platform_ignored" in ids and "notify_platform" not in ids
    relative = build_report(engine, personas["persona-relative-deceased-actor"], "en")
    assert "notify_platform" in [s.id for s in relative.steps]


def test_json_report_is_additive_and_the_contract_fields_are_unchanged(engine: Engine, root: Path) -> None:
    runner = CliRunner()
    for path in sorted((root / "cases" / "personas").glob("*.yaml")) + [root / EXAMPLE]:
        plain = json.loads(runner.invoke(main, ["assess", str(path), "--format", "json"]).stdout)
        both = json.loads(runner.invoke(main, ["assess", str(path), "--format", "json", "--report",
                                               "--lang", "en"]).stdout)
        report = both.pop("report")
        assert both == plain
        assert {"format", "case", "law_as_of", "rules_version", "conclusions", "open"} <= set(plain)
        assert "report" not in plain
        assert report["summary"] and report["steps"] and report["lang"] == "en"


# --- documents -------------------------------------------------------------------------------

BLANK = re.compile(r"\[[^\]\n]+\]")


@pytest.mark.parametrize("part", range(CHUNKS))
def test_every_applicable_document_of_every_shipped_case_opens_as_docx(engine: Engine, root: Path,
                                                                       part: int) -> None:
    """Every document that applies to a shipped case (one part of the cases per test), in both
    languages, opens as .docx with its headings, no internal name, only its own blanks."""
    from docx import Document as Docx
    names = internal_names(engine)
    count = 0
    style_names: dict[str, str] = {}
    for case in chunk(engine, root, part):
        for lang, docs in documents_in(engine, case, ("zh", "en"), TODAY).items():
            disclaimer = engine.book.guidance.words[lang].disclaimer
            for doc in docs:
                data = render(doc, "docx", disclaimer, TODAY)
                opened = Docx(io.BytesIO(data))
                # each paragraph's style by its id: every document starts from python-docx's
                # template, whose style sheet is read once (`p.style` reads it for each paragraph)
                style_names = style_names or {style.style_id: style.name for style in opened.styles}
                headings = [p.text for p in opened.paragraphs
                            if style_names.get(p._p.style or "", "").startswith("Heading")]
                assert headings == [doc.title, *[h for h, _ in doc.sections], doc.attach_heading], (case.case, doc.id)
                text = "\n".join(p.text for p in opened.paragraphs)
                assert not leaks(engine, text, names), (case.case, doc.id, leaks(engine, text, names))
                left = set(BLANK.findall(text))
                assert left <= set(doc.blanks), (case.case, doc.id, left - set(doc.blanks))
                assert "{" not in text, (case.case, doc.id)
                if lang == "zh":
                    assert not ascii_marks(text) and not informal_you(text), (case.case, doc.id, ascii_marks(text))
                count += 1
    assert count > 200 // CHUNKS


def test_documents_fit_the_case(engine: Engine, root: Path) -> None:
    cases = {c.case: c for c in shipped(engine, root)}
    zhang = {d.id for d in documents_for(engine, cases["zhang-v-template-app"], "en", TODAY)}
    assert zhang == {"demand_letter", "statement_of_claims"}  # notified already: no new notice
    relative = {d.id for d in documents_for(engine, cases["persona-relative-deceased-actor"], "zh", TODAY)}
    assert "notice" in relative
    [notice] = [d for d in documents_for(engine, cases["persona-relative-deceased-actor"], "zh", TODAY)
                if d.id == "notice"]
    body = "\n".join(b for _, b in notice.sections)
    assert "第一千一百九十五条第三款" in body and "第一千一百九十六条" in body
    assert "死亡证明" in body  # the evidence list, in words
    fraud = {d.id for d in documents_for(engine, cases["persona-deceived-video-call"], "en", TODAY)}
    assert "police_report" in fraud and "demand_letter" not in fraud


def test_documents_command_writes_the_same_bytes_twice(root: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    outs = []
    for n in (1, 2):
        target = tmp_path / f"out{n}"
        result = runner.invoke(main, ["documents", str(root / EXAMPLE), "-o", str(target), "--lang", "both",
                                      "--date", "2026-12-03"])
        assert result.exit_code == 0, result.output
        outs.append({p.name: p.read_bytes() for p in sorted(target.iterdir())})
    assert outs[0] == outs[1]
    assert sorted(outs[0]) == ["demand_letter.en.docx", "demand_letter.zh.docx",
                               "statement_of_claims.en.docx", "statement_of_claims.zh.docx"]
    md = runner.invoke(main, ["documents", str(root / EXAMPLE), "-o", str(tmp_path / "md"), "--format", "md",
                              "--lang", "en", "--date", "2026-12-03"])
    assert md.exit_code == 0
    text = (tmp_path / "md" / "statement_of_claims.en.md").read_text(encoding="utf-8")
    # numbered claims against numbered defendants, the amount from the facts
    assert "1. Order Defendant 1 to stop infringing the plaintiff's personality rights" in text
    assert "Order Defendant 1 to compensate the plaintiff's property loss of 5,000 yuan." in text
    # the platform notified: jointly liable only for the damage that grew after the notice (1195 para 2)
    assert ("Order Defendant 2 to be jointly liable with the user who posted the content for the part of the "
            "damage that grew after it received the plaintiff's notice") in text
    # --lang en: the Chinese documents to send, and English translations
    assert (tmp_path / "md" / "statement_of_claims.zh.md").exists()


def test_documents_command_rejects_a_bad_case_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: faceright/1\ncase: x\nfacts: {consent: nope}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["documents", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_web_result_offers_the_documents(engine: Engine, root: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from faceright.web import create_app
    with TestClient(create_app(str(root / "rules")), raise_server_exceptions=False) as client:
        page = client.post("/interview", data={"lang": "en", "action": "start"},
                           headers={"content-type": "application/x-www-form-urlencoded"})
        assert page.status_code == 200
        bad = client.post("/download/document", data={"lang": "en", "state": "", "document": "nope",
                                                      "format": "docx"},
                          headers={"content-type": "application/x-www-form-urlencoded"})
        assert bad.status_code == 400


# --- the first phone screen ------------------------------------------------------------------

def test_personas_see_the_answer_and_first_action_on_the_first_phone_screen(engine: Engine, root: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    from faceright.interview import Answers
    from faceright.web import WebApp
    web = WebApp(engine)
    artifacts = root / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    personas = [c for c in shipped(engine, root) if c.case.startswith("persona-")]
    assert len(personas) == 4
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        for case in personas:
            for lang in ("zh", "en"):
                answers = Answers()
                if case.incident_date:
                    answers.set("incident_date", case.incident_date)
                for fact, value in engine.facts_of(case).items():
                    answers.set(fact, value)
                html = web.result(answers, lang).body.decode("utf-8")
                page.set_content(html)
                page.screenshot(path=str(artifacts / f"report-{case.case}-{lang}-phone.png"))
                for selector in ("#answer", "#plan > li:first-child b"):  # the answer, the first action (its title)
                    box = page.locator(selector).bounding_box()
                    assert box is not None, (case.case, selector)
                    assert box["y"] >= 0 and box["y"] + box["height"] <= 844, (case.case, lang, selector, box)
        browser.close()


@pytest.mark.parametrize("edit, where", [
    (lambda t: t.replace('body: "{rights}"', 'body: "{right}"', 1),
     "documents.yaml:{line}: documents.0.zh.sections.3.body: unknown placeholder {{right}}"),
    (lambda t: t.replace('blanks: ["[平台名称]", "[姓名]"', 'blanks: ["[平台]", "[姓名]"', 1),
     "documents.yaml:{line}: documents.0.zh.blanks.0: blank '[平台]' appears in no section"),
    (lambda t: t.replace("  - when: {fact: likeness, has: face}", "  - when: {fact: likeness, has: fase}"),
     "documents.yaml:{line}: evidence.1.when.has: 'fase' is not a value of this fact (did you mean 'face'?)"),
    (lambda t: t.replace("    basis: [civil-code-1195, civil-code-1196]\n    zh:\n      title: 要求",
                         "    basis: [civil-code-11950]\n    zh:\n      title: 要求"),
     "documents.yaml:{line}: documents.0.basis.0: unknown provision 'civil-code-11950'"),
    # a fact no document can tell, a remedy that is neither a claim nor said not to be one
    (lambda t: t.replace("  - fact: pi_traded\n", "  - fact: pi_tradedx\n"),
     "documents.yaml:{line}: narrative.{index}.fact: unknown fact 'pi_tradedx' (did you mean 'pi_traded'?)"),
    (lambda t: t.replace("not_narrated: [respondent, where_shown, platform_report,",
                         "not_narrated: [respondent, where_shown,"),
     "narrative: fact 'platform_report' is neither told nor listed under not_narrated"),
    (lambda t: t.replace("  - concl: remedy.injunction\n    reason:", "  - concl: remedy.apology\n    reason:"),
     "claims: conclusion 'remedy.injunction' (remedy) is neither a claim nor listed under not_claimed"),
    (lambda t: t.replace("判令{defendants}向原告书面赔礼道歉", "判令{defendant}向原告书面赔礼道歉"),
     "claims.3.claim.zh: unknown placeholder {{defendant}}"),
    (lambda t: t.replace("  notice_valid:\n    when: {fact: platform_notified", "  notice_validx:\n    when: {fact: platform_notified"),
     "findings.notice_validx: 'notice_validx' is not a judgement listed in guidance.yaml court_decides"),
    (lambda t: t.replace("    creator: {zh: 涉案内容的制作者, en: maker of the content}\n", ""),
     "pleading.roles: missing the role of party 'creator'"),
])
def test_a_malformed_documents_file_fails_at_load_with_its_line(root: Path, tmp_path: Path, edit: Any,
                                                                where: str) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    path = rules / "documents.yaml"
    text = path.read_text(encoding="utf-8")
    changed = edit(text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "lint", str(rules)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    # the line named is the one edited (the first that differs); a narrative entry's index is
    # its place among the narrative's facts
    line = next(i for i, (a, b) in enumerate(zip(text.splitlines(), changed.splitlines()), 1) if a != b)
    index = [f["fact"] for f in yaml.safe_load(text)["narrative"]].index("pi_traded")
    assert where.format(line=line, index=index) in result.output, result.output


# --- the person deceived, and the offences each police step cites (legal-a) --------------------

OFFENCE_ARTICLES = {"criminal-law-266": "offence.fraud", "criminal-law-363": "offence.obscene_for_profit",
                    "criminal-law-364": "offence.obscene_dissemination",
                    "criminal-law-253-1": "offence.personal_information",
                    "criminal-law-291-1-2": "offence.false_information", "criminal-law-246": "offence.defamation"}


def _persona(engine: Engine, root: Path, name: str) -> Any:
    [case] = [c for c in shipped(engine, root) if c.case == name]
    return case


def _police(report: Any) -> Any:
    [step] = [s for s in report.steps if s.id == "police"]
    return step


def test_the_police_step_of_a_fraud_cites_fraud_and_of_an_obscene_deepfake_obscenity(engine: Engine,
                                                                                     root: Path) -> None:
    fraud = _police(build_report(engine, _persona(engine, root, "persona-deceived-video-call"), "en"))
    assert "criminal-law-266" in fraud.provisions
    assert not {"criminal-law-363", "criminal-law-364", "criminal-law-253-1"} & set(fraud.provisions)
    assert "art. 266" in fraud.basis and "art. 363" not in fraud.basis
    obscene = _police(build_report(engine, _persona(engine, root, "persona-obscene-victim-no-date"), "zh"))
    assert {"criminal-law-363", "criminal-law-364"} & set(obscene.provisions)
    assert "criminal-law-266" not in obscene.provisions
    assert "第二百六十六条" not in obscene.basis


@pytest.mark.parametrize("part", range(CHUNKS))
def test_no_police_step_cites_an_offence_its_case_does_not_raise(engine: Engine, root: Path, part: int) -> None:
    """Every article of an offence a police step cites belongs to an offence that holds or is
    open in the case, and every offence that holds is cited."""
    checked = 0
    for case in chunk(engine, root, part):
        report = build_report(engine, case, "en")
        steps = [s for s in report.steps if s.id == "police"]
        if not steps:
            continue
        assessment = engine.assess(case)
        held = {c.id for c in assessment.conclusions}
        raised = held | {o.id for o in assessment.open}
        for pid, concl in OFFENCE_ARTICLES.items():
            if pid in steps[0].provisions:
                assert concl in raised, (case.case, pid)
            if concl in held:
                assert pid in steps[0].provisions, (case.case, concl)
        assert steps[0].provisions, case.case
        checked += 1
    assert checked >= 5


def test_the_deceived_person_report_leads_with_their_own_situation(engine: Engine, root: Path) -> None:
    case = _persona(engine, root, "persona-deceived-video-call")
    reports = build_reports(engine, case, ("zh", "en"))
    en, zh = reports["en"], reports["zh"]
    assert en.perspective == zh.perspective == "deceived"
    # the answer first: the fraud and its tier, getting the money back, the first step, and only
    # then the rights of the person whose face was used
    assert "fraud (Criminal Law 266)" in en.summary[0] and '"huge"' in en.summary[0] and "200,000" in en.summary[0]
    assert "刑法第二百六十六条" in zh.summary[0] and "数额巨大" in zh.summary[0]
    assert "Criminal Law 64" in en.summary[1] and "刑法第六十四条" in zh.summary[1]
    assert en.summary[2].startswith("First:") and "96110" in en.summary[2]
    assert "Portrait right infringed" in en.summary[3] and "separately from your loss" in en.summary[3]
    assert "Portrait right" not in " ".join(en.summary[:3])
    # the plan: stop the payment first, the police (fraud only), then recovery
    ids = [s.id for s in en.steps]
    assert ids[0] == "stop_payment" and ids.index("police") < ids.index("recover_money")
    recover = en.steps[ids.index("recover_money")]
    assert {"criminal-law-64", "spc-criminal-procedure-interpretation-2021-176"} <= set(recover.provisions)
    # his own situation, first among the sections, in the perspective's order
    assert [i.id for i in en.own][:4] == ["offence.fraud", "fraud_amount.huge", "fraud_proceeds_recovered",
                                          "deceived_person_claim"]
    assert all(i.status == "holds" for i in en.own[:4])
    text = to_text(en)
    assert (text.index("\nYour own situation:\n") < text.index("their own rights:\n")
            < text.index("\nWho is responsible:\n"))
    # nothing he was told of as his own is repeated among the other offences
    assert "Possible offences and breaches of duty" not in text
    html = to_html(en)
    assert html.index("id=own") < html.index("id=rights")


WRONG_FOR_THE_DECEIVED = {
    "en": ["Your rights", "What you can demand", "You can demand", "your real identity", "your personality",
           "your notice", "sue where you live", "your rights"],
    "zh": ["您的权利", "您可以要求什么", "您可以要求：", "您的真实身份", "您的人格权", "您住所地"],
}


def test_the_deceived_person_is_never_addressed_as_the_person_shown(engine: Engine, root: Path) -> None:
    """Everywhere in the report and the plan (text, HTML, Markdown, both languages), for every
    shipped case told by a deceived person; and the same case told by the person shown keeps
    "your rights" (the wording follows the respondent, not the facts)."""
    deceived = [c for c in shipped(engine, root) if getattr(c.facts, "respondent", None) == "deceived"]
    assert len(deceived) >= 5
    for case in deceived:
        for lang, report in build_reports(engine, case, ("zh", "en")).items():
            for out in (to_text(report), to_html(report), to_markdown(report)):
                found = [p for p in WRONG_FOR_THE_DECEIVED[lang] if p in out]
                assert not found, (case.case, lang, found)
    grandfather = _persona(engine, root, "persona-deceived-video-call")
    himself = grandfather.model_copy(update={"facts": grandfather.facts.model_copy(update={"respondent": "self"})})
    en = build_report(engine, himself, "en")
    assert en.perspective is None and not en.own and "Your rights:" in to_text(en)
    assert en.summary[0].startswith("In law:")


def test_the_deceived_person_report_changes_with_the_amount_tier(engine: Engine, root: Path) -> None:
    tiers = {"fraud-tier-video-call-29999-2026": '"relatively large"',
             "fraud-tier-video-call-30000-2026": '"huge"',
             "fraud-tier-video-call-499999-2026": '"huge"',
             "fraud-tier-video-call-500000-2026": '"especially huge"'}
    for name, tier in tiers.items():
        report = build_report(engine, _persona(engine, root, name), "en")
        assert tier in report.summary[0], (name, report.summary[0])
        assert report.steps[0].id == "stop_payment"
    unknown = build_report(engine, _persona(engine, root, "fraud-impersonation-amount-unknown-2026"), "en")
    assert "depends on the amount taken" in unknown.summary[0]
    # the fraud the person reports is what the police look into, its amount unknown or not
    assert "criminal-law-266" in _police(unknown).provisions
    assert unknown.own[0].id == "offence.fraud" and unknown.own[0].status == "open"


def test_rules_lint_flags_ascii_punctuation_and_informal_you_in_chinese_text(root: Path, tmp_path: Path) -> None:
    """`faceright rules lint` finds an ASCII colon between Chinese words and a 你 in the rule
    data's Chinese text, with file, line and key (the shipped rules have none: lint is clean)."""
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    path = rules / "documents.yaml"
    text = path.read_text(encoding="utf-8")
    changed = text.replace("label: 平台通知书", "label: 你的平台通知书", 1).replace(
        "姓名：[姓名]　身份证件号码", "姓名: [姓名]　身份证件号码", 1)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "lint", str(rules)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "documents.yaml" in line]
    label_line = text.splitlines().index("      label: 平台通知书") + 1
    assert any(f":{label_line}: documents.0.zh.label: Chinese text addresses the reader as 你" in line
               for line in lines), lines
    assert any("documents.0.zh.sections.1.body: ASCII punctuation in Chinese text" in line for line in lines), lines
    assert "2 finding(s)" in result.output
