"""A fresh user trial's findings in the report a victim reads (text, HTML, Markdown): no
policy-parameter notes on the lines they qualify, dates and inferred facts in words, no count
glued to a heading, no source links repeated per law, demands shown only where they hold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from faceright.evaluate import Engine
from faceright.report import build_report
from faceright.report_render import to_html, to_markdown, to_text
from test_rulebase import shipped

TODAY = dt.date(2026, 12, 3)


@pytest.fixture(scope="module")
def fraud_case(engine: Engine, root: Path) -> Any:
    """A shipped case whose conclusions rely on the fraud amount policies."""
    [case] = [c for c in shipped(engine, root) if c.case == "fraud-voice-call-3000"]
    return case


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_policy_numbers_are_one_line_near_the_end_not_notes_on_party_lines(engine: Engine, fraud_case: Any,
                                                                          lang: str) -> None:
    report = build_report(engine, fraud_case, lang, TODAY)
    labels = [p.zh if lang == "zh" else p.en for p in engine.book.policies.values()]
    assert report.policies, "the fraud case relies on a policy number"
    lines = [*(n for p in report.parties for n in p.notes),
             *(n for i in report.rights + report.breaches + report.uncertain for n in i.notes)]
    assert not [n for n in lines if any(label in n for label in labels)]
    text = to_text(report)
    assert "按默认取值" not in text and "taken as 3,000" not in text.split(report.words["law"])[0]
    # one line, in the law section at the end
    [line] = [x for x in text.splitlines() if report.words["policy"] in x]
    assert text.index(line) > text.index(report.words["law"] + ("：" if lang == "zh" else ":"))
    assert ("按3,000元计" if lang == "zh" else "taken as 3,000 yuan") in line
    page = to_html(report)
    assert page.count(report.words["policy"]) == 1 and page.index("id=policies") > page.index("id=law")
    assert to_markdown(report).count(report.words["policy"]) == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_source_links_are_listed_once_at_the_end_not_on_each_law(engine: Engine, fraud_case: Any,
                                                                 lang: str) -> None:
    report = build_report(engine, fraud_case, lang, TODAY)
    urls = list(dict.fromkeys(law.url for law in report.law if law.url))
    assert len(urls) >= 2
    for text in (to_text(report), to_text(report, law_text=True), to_markdown(report)):
        lines = text.splitlines()
        for url in urls:  # each address once, on a line of its own after every law line
            [at] = [n for n, x in enumerate(lines) if url in x]
            assert lines[at].strip().strip("-<> ") == url
            assert at > max(n for n, x in enumerate(lines) if report.words["verified"] in x)
        assert f"{report.words['source']}{'：' if lang == 'zh' else ': '}http" not in text
    page = to_html(report)
    for url in urls:  # in HTML, inside the folded details of the law it is the source of
        at = page.index(f'href="{url}"')
        assert page.rfind("<details>", 0, at) > page.rfind("</details>", 0, at)
