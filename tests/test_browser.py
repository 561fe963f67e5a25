"""The web questionnaire in a real browser: Debian's Chromium driven by Playwright against a live
`faceright serve` on 127.0.0.1. Screenshots of the question and result pages at phone and desktop
widths are kept in tests/artifacts/."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
              pytest.mark.xdist_group("browser")]  # one server and one browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", "from faceright.cli import run; run()", "serve",
                             "--port", str(port)], cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/api/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def answer(page: Any, facts: dict[str, Any]) -> None:
    fact = page.input_value("input[name=fact]")
    value = facts.get(fact)
    if value is None:
        page.click("button[value=dontknow]")
        return
    if isinstance(value, bool):
        page.check(f"input[name=value][value={'yes' if value else 'no'}]")
    elif isinstance(value, list):
        for v in value:
            page.check(f"input[name=value][value={v}]")
    elif page.locator("input[type=radio][name=value]").count():
        page.check(f"input[name=value][value='{value}']")
    else:
        page.fill("input[name=value]", str(value))
    page.click("button[value=answer]")


def shown_conclusions(page: Any) -> list[list[str]]:
    """The conclusions on the result page, as [id, party]."""
    return list(page.eval_on_selector_all("li.holds", "items => items.map(i => [i.dataset.id, i.dataset.party])"))


def test_english_interview_with_why_and_back_matches_the_cli(server: str, browser: Any, engine: Any,
                                                             root: Path, tmp_path: Path) -> None:
    from faceright.casefile import read_cases
    [loaded] = read_cases(engine.reader, str(root / "cases" / "zhang-v-template-app.yaml"))
    case = loaded.case
    facts = {**engine.facts_of(case), "incident_date": case.incident_date.isoformat()}
    artifacts = root / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{server}/?lang=en")
    page.click("button[value=start]")
    assert page.locator("legend#question").is_visible()
    page.screenshot(path=str(artifacts / "question-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(artifacts / "question-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("button[value=why]")
    assert page.locator("#why li").count() >= 1
    answer(page, facts)
    page.click("button[value=back]")
    for _ in range(80):
        if page.locator("#result").count():
            break
        answer(page, facts)
    assert page.locator("#result").is_visible()
    page.screenshot(path=str(artifacts / "result-phone.png"), full_page=True)
    expected = engine.assess(case)
    assert shown_conclusions(page) == [[c.id, c.party or ""] for c in expected.conclusions]
    with page.expect_download() as info:
        page.click("button:has-text('Download the case file')")
    saved = tmp_path / "case.yaml"
    info.value.save_as(saved)
    [again] = read_cases(engine.reader, str(saved))
    assert [c.id for c in engine.assess(again.case).conclusions] == [c.id for c in expected.conclusions]
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(artifacts / "result-desktop.png"), full_page=True)
    page.close()


#: every visible form control has a label; the page never scrolls sideways
CHECKS = """() => ({
  unlabelled: [...document.querySelectorAll('input:not([type=hidden])')].filter(i => !i.labels.length).length,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
})"""


def test_chinese_interview_by_keyboard_on_a_phone_matches_assess(server: str, browser: Any, engine: Any,
                                                                 root: Path) -> None:
    """A decided case answered in Chinese at a 320-pixel width, the first choice question by
    keyboard alone (Tab, arrows, Enter): the result lists the conclusions `assess` reaches;
    every input is labelled and no page scrolls sideways."""
    from faceright.casefile import read_cases
    [loaded] = read_cases(engine.reader, str(root / "cases" / "decided" / "hzinternet-2023-faceswap-obscene-pi.yaml"))
    case = loaded.case
    facts = {**engine.facts_of(case), "incident_date": case.incident_date.isoformat()}
    page = browser.new_page(viewport={"width": 320, "height": 640})
    page.goto(server)
    page.click("button[value=start]")
    page.screenshot(path=str(root / "tests" / "artifacts" / "question-phone-zh.png"), full_page=True)
    assert page.inner_text("button[value=dontknow]") == "不知道"
    by_keyboard = False
    for _ in range(80):
        if page.locator("#result").count():
            break
        assert page.evaluate(CHECKS) == {"unlabelled": 0, "overflow": 0}
        fact = page.input_value("input[name=fact]")
        radios = page.locator("input[type=radio][name=value]")
        if not by_keyboard and radios.count() > 2 and facts.get(fact) is not None:
            values = [radios.nth(i).get_attribute("value") for i in range(radios.count())]
            page.keyboard.press("Tab")  # from the page to the first choice
            while page.evaluate("document.activeElement.name") != "value":
                page.keyboard.press("Tab")
            page.keyboard.press("Space")
            for _ in range(values.index(str(facts[fact]))):
                page.keyboard.press("ArrowDown")
            assert page.evaluate("document.activeElement.value") == facts[fact]
            with page.expect_navigation():  # the next page, not the one being left
                page.keyboard.press("Enter")  # submits the form the focused choice belongs to
            by_keyboard = True
            continue
        answer(page, facts)
    assert by_keyboard
    assert page.locator("#result").is_visible()
    assert page.evaluate(CHECKS)["overflow"] == 0
    page.screenshot(path=str(root / "tests" / "artifacts" / "result-phone-zh.png"), full_page=True)
    assert shown_conclusions(page) == [[c.id, c.party or ""] for c in engine.assess(case).conclusions]
    page.click("li.holds summary")  # a provision's text unfolds
    assert page.locator("li.holds details[open] p").first.is_visible()
    assert "仅为评估辅助，不构成法律意见。" in page.inner_text("body")
    page.close()
