"""Renderers: an Assessment as JSON (the contract); the report of a case as text or HTML
(the report itself: :mod:`faceright.report`, :mod:`faceright.report_render`)."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Collection
from typing import Any

from .assessment import Assessment
from .evaluate import Engine
from .punctuation import colon

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
    return f"{spec.zh if lang == 'zh' else spec.en}{who}{colon(lang)}{cites}"


def _party(engine: Engine, party: str | None, lang: str) -> str:
    return engine.book.party_name(party, lang)


def to_text(engine: Engine, case: Any, lang: str = "zh", as_of: dt.date | None = None,
            law_text: bool = False, implied: Collection[str] = ()) -> str:
    """The report of one validated case for a terminal (:mod:`faceright.report`); statute text
    folded unless ``law_text``; ``implied``: facts that follow from answers (not answered)."""
    from .report import build_report
    from .report_render import to_text as report_text
    return report_text(build_report(engine, case, lang, as_of, implied), law_text)


def to_html(engine: Engine, case: Any, lang: str = "zh", as_of: dt.date | None = None) -> str:
    """The report of one validated case as an HTML fragment for the web result page."""
    from .report import build_report
    from .report_render import to_html as report_html
    return report_html(build_report(engine, case, lang, as_of))


def changing_laws(engine: Engine, assessment: Assessment, lang: str) -> list[str]:
    """The laws cited in an assessment that are in force on some but not all of the incident's
    possible days (empty for an exact date), the most cited first (then by the day they change)."""
    period = assessment.incident_period
    if period is None:
        return []
    first, last = (dt.date.fromisoformat(period[k]) for k in ("from", "to"))
    cited = {p for c in assessment.conclusions for p in c.provisions}
    cited |= {p for o in assessment.open for p in o.provisions}
    laws: dict[str, dt.date] = {}
    count: dict[str, int] = {}
    for pid in cited:
        prov = engine.book.catalogue.get(pid)
        ends = prov.effective_to or dt.date.max
        if prov.effective_from <= last and ends >= first and not (
                prov.effective_from <= first and ends >= last):
            name = prov.law if lang == "zh" else prov.law_en
            change = prov.effective_from if prov.effective_from > first else ends
            laws[name] = min(laws.get(name, change), change)
            count[name] = count.get(name, 0) + 1
    return sorted(laws, key=lambda n: (-count[n], laws[n], n))


#: how many changing laws the date sentence names
NAMED_LAWS = 3


def date_note(engine: Engine, assessment: Assessment, lang: str, later: list[str] | None = None) -> str | None:
    """One plain sentence when the incident date is not exact (which laws its possible days
    span, and that the open conclusions needing it depend on it), or when "today" fixed an
    open end; None otherwise. ``later``: the titles of the civil conclusions open on the date
    that would hold under the law of its last possible day — said in one more sentence, with
    how to settle it."""
    period, today = assessment.incident_period, assessment.today
    if period is None and today is None:
        return None
    today_text = ((f"（“今天”按 {today} 计）" if lang == "zh" else f" (today taken as {today})")
                  if today else "")
    if period is None:
        return ("“仍在网上”等以今天为止的日期" if lang == "zh"
                else "Dates running until today were assessed") + today_text + ("。" if lang == "zh" else ".")
    changing = changing_laws(engine, assessment, lang)
    laws = changing[:NAMED_LAWS]
    more = len(changing) - len(laws)
    first, last = period["from"], period["to"]
    extra = ""
    if later and laws:
        extra = (("如果是最近发生或一直留到最近的，按现行法律以下各项也会成立：" + "、".join(later)
                  + "。查明它大约何时第一次出现（例如帖子的发布日期、第一次看到或听说它的时间），就能确定。")
                 if lang == "zh" else
                 (" If it happened recently, or stayed online until recently, under the law in force now "
                  "these would also hold: " + "; ".join(later) + ". Finding out roughly when it first "
                  "appeared (the date of the post, when you first saw or heard of it) settles this."))
    if lang == "zh":
        if not laws:
            return (f"事件日期不确切，可能在 {first} 至 {last} 之间{today_text}；其间适用的法律相同，"
                    "结论与其间任何一天相同。")
        return (f"事件日期不确切，可能在 {first} 至 {last} 之间{today_text}；其间法律有变化（"
                + "、".join(laws) + (f"等 {len(changing)} 部" if more else "") + "）。列为成立的结论在其间每一天都成立；标为待定、取决于事件日期"
                "的结论取决于具体日期。" + extra)
    if not laws:
        return (f"The incident date is not exact: between {first} and {last}{today_text}; the same "
                "law applies throughout, so the conclusions are those of any day in it.")
    return (f"The incident date is not exact: between {first} and {last}{today_text}; in that time "
            "the law changed (" + "; ".join(laws) + (f"; {more} more" if more else "") + "). The conclusions listed as holding hold on "
            "every possible day; those left open on the date depend on it." + extra)




def esc(text: object) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def json_line(data: dict[str, Any]) -> str:
    """One compact JSON line (for files of several cases and for batch output)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
