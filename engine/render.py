"""Renderers: an Assessment as JSON (the contract); the report of a case as text or HTML
(the report itself: :mod:`faceright.report`, :mod:`faceright.report_render`)."""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

from .assessment import Assessment
from .evaluate import Engine

DISCLAIMER = {"en": "Assessment aid, not legal advice.", "zh": "仅为评估辅助，不构成法律意见。"}


def to_json(assessment: Assessment, indent: int | None = 2) -> str:
    """The contract's JSON, deterministic byte for byte."""
    return json.dumps(assessment.to_json_dict(), ensure_ascii=False, indent=indent,
                      separators=None if indent else (",", ":"))


def reason_line(engine: Engine, conclusion: str, party: str | None, provisions: list[str], lang: str) -> str:
    """One conclusion an answer could decide (the questionnaire's "why?"), with its citations."""
    who = f" — {_party(engine, party, lang)}" if party else ""
    cites = engine.book.catalogue.cite(provisions, lang)
    spec = engine.book.conclusions[conclusion]
    return f"{spec.zh if lang == 'zh' else spec.en}{who}: {cites}"


def _party(engine: Engine, party: str | None, lang: str) -> str:
    return engine.book.party_name(party, lang)


def to_text(engine: Engine, case: Any, lang: str = "zh", as_of: dt.date | None = None,
            law_text: bool = False) -> str:
    """The report of one validated case for a terminal (:mod:`faceright.report`); statute text
    folded unless ``law_text``."""
    from .report import build_report
    from .report_render import to_text as report_text
    return report_text(build_report(engine, case, lang, as_of), law_text)


def to_html(engine: Engine, case: Any, lang: str = "zh", as_of: dt.date | None = None) -> str:
    """The report of one validated case as an HTML fragment for the web result page."""
    from .report import build_report
    from .report_render import to_html as report_html
    return report_html(build_report(engine, case, lang, as_of))


def esc(text: object) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def json_line(data: dict[str, Any]) -> str:
    """One compact JSON line (for files of several cases and for batch output)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
