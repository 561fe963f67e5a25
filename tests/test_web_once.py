"""The web's result and review pages work out the answers with what they imply
(``Interviewer.effective``) once per request, not once per use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faceright.evaluate import Engine
from faceright.interview import Answers, Interviewer
from faceright.web import WebApp, _state_text

ANSWERS = [("respondent", "self"), ("likeness", ["face"]), ("purpose", ["pornographic"]),
           ("where_shown", "platform"), ("consent", "none"), ("identifiable", True)]


def _counted(monkeypatch: pytest.MonkeyPatch, answers: Answers) -> list[int]:
    """How often ``effective`` runs on exactly ``answers`` (the real method, counted)."""
    calls: list[int] = []
    real = Interviewer.effective

    def effective(self: Interviewer, given: Answers) -> Answers:
        if given.values == answers.values:
            calls.append(1)
        return real(self, given)

    monkeypatch.setattr(Interviewer, "effective", effective)
    return calls


@pytest.mark.parametrize("view", ["result", "review"])
def test_the_answers_are_worked_out_once_per_page(engine: Engine, root: Path,
                                                  monkeypatch: pytest.MonkeyPatch, view: str) -> None:
    web = WebApp(engine)
    answers = Answers()
    for fact, value in ANSWERS:
        answers.set(fact, value)
    calls = _counted(monkeypatch, answers)
    form: dict[str, Any] = {"lang": "en", "action": view, "state": _state_text(answers)}
    page = web.interview(form).body.decode("utf-8")
    assert ("id=result" if view == "result" else "id=review") in page
    assert len(calls) == 1
