"""Renderers: an Assessment as JSON (the contract) or as readable text in Chinese or English."""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

from .assessment import Assessment
from .evaluate import Engine

DISCLAIMER = {"en": "Assessment aid, not legal advice.", "zh": "仅为评估辅助，不构成法律意见。"}
_WORDS = {
    "en": {"holds": "Conclusions", "open": "Open (unknown facts decide)", "party": "party",
           "because": "because", "needs": "needs", "none": "No conclusion holds on these facts.",
           "law": "law as of", "scope": "scope", "policy": "policy (not law)",
           "contested": "courts are divided on this", "case": "Case"},
    "zh": {"holds": "结论", "open": "待定（取决于未知事实）", "party": "责任方",
           "because": "依据事实", "needs": "需要查明", "none": "依据现有事实，没有成立的结论。",
           "law": "适用法律日期", "scope": "范围", "policy": "政策参数（非法律规定）",
           "contested": "司法实践对此存在分歧", "case": "案件"},
}
PARTY_NAMES = {
    "zh": {"creator": "制作者", "distributor": "传播者", "platform": "平台",
           "tool_provider": "技术服务提供者", "advertiser": "广告主"},
    "en": {"creator": "creator", "distributor": "distributor", "platform": "platform",
           "tool_provider": "tool provider", "advertiser": "advertiser"},
}


def to_json(assessment: Assessment, indent: int | None = 2) -> str:
    """The contract's JSON, deterministic byte for byte."""
    return json.dumps(assessment.to_json_dict(), ensure_ascii=False, indent=indent,
                      separators=None if indent else (",", ":"))


def _title(engine: Engine, cid: str, lang: str) -> str:
    spec = engine.book.conclusions[cid]
    return spec.zh if lang == "zh" else spec.en


def _provision_lines(engine: Engine, pids: list[str], lang: str) -> list[str]:
    lines = []
    for pid in pids:
        prov = engine.book.catalogue.get(pid)
        lines.append(f"    [{pid}] {prov.label()}" + ("" if prov.verified else " (unverified)"))
        for text_line in prov.text().splitlines():
            lines.append(f"      {text_line}")
        if lang == "en":
            lines.append(f"      ({prov.summary_en})")
    return lines


def reason_line(engine: Engine, conclusion: str, party: str | None, provisions: list[str], lang: str) -> str:
    """One conclusion an answer could decide (the questionnaire's "why?"), with its citations."""
    who = f" — {_party(party, lang)}" if party else ""
    cites = engine.book.catalogue.cite(provisions, lang)
    return f"{_title(engine, conclusion, lang)} [{conclusion}]{who}: {cites}"


def _party(party: str | None, lang: str) -> str:
    return PARTY_NAMES[lang].get(party, party) if party else "—"


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


def date_note(engine: Engine, assessment: Assessment, lang: str) -> str | None:
    """One plain sentence when the incident date is not exact (which laws its possible days
    span, and that the open conclusions needing it depend on it), or when "today" fixed an
    open end; None otherwise."""
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
    if lang == "zh":
        if not laws:
            return (f"事件日期不确切，可能在 {first} 至 {last} 之间{today_text}；其间适用的法律相同，"
                    "结论与其间任何一天相同。")
        return (f"事件日期不确切，可能在 {first} 至 {last} 之间{today_text}；其间法律有变化（"
                + "、".join(laws) + (f"等 {len(changing)} 部" if more else "") + "）。列为成立的结论在其间每一天都成立；标为待定、需要查明 "
                "incident_date 的结论取决于具体日期。")
    if not laws:
        return (f"The incident date is not exact: between {first} and {last}{today_text}; the same "
                "law applies throughout, so the conclusions are those of any day in it.")
    return (f"The incident date is not exact: between {first} and {last}{today_text}; in that time "
            "the law changed (" + "; ".join(laws) + (f"; {more} more" if more else "") + "). The conclusions listed as holding hold on "
            "every possible day; those open with incident_date among their needs depend on it.")


def to_text(engine: Engine, assessment: Assessment, lang: str = "zh", title: str | None = None) -> str:
    """A readable report: each conclusion with its provisions' text, party and reasons."""
    w = _WORDS[lang]
    out = [f"{w['case']}: {assessment.case}" + (f" — {title}" if title else ""),
           f"{w['law']}: {assessment.law_as_of or '?'}   rules {assessment.rules_version}", ""]
    note = date_note(engine, assessment, lang)
    if note:
        out[-1:-1] = [note]
    out.append(f"{w['holds']}:")
    if not assessment.conclusions:
        out.append(f"  {w['none']}")
    for c in assessment.conclusions:
        extra = f"; {w['scope']}: {c.scope}" if c.scope else ""
        out.append(f"  ✔ {_title(engine, c.id, lang)}  [{c.id}] — {w['party']}: {_party(c.party, lang)}{extra}")
        if c.contested:
            out.append(f"    ! {w['contested']}")
        if c.policies_used:
            used = ", ".join(f"{k} = {v}" for k, v in c.policies_used.items())
            out.append(f"    {w['policy']}: {used}")
        out.append(f"    {w['because']}: " + "; ".join(c.because))
        out.extend(_provision_lines(engine, c.provisions, lang))
    if assessment.open:
        out += ["", f"{w['open']}:"]
        for o in assessment.open:
            out.append(f"  ? {_title(engine, o.id, lang)}  [{o.id}] — {w['party']}: "
                       f"{_party(o.party, lang)}; {w['needs']}: {', '.join(o.needs)}")
    out += ["", DISCLAIMER[lang]]
    return "\n".join(out) + "\n"


def to_html(engine: Engine, assessment: Assessment, lang: str = "zh") -> str:
    """The report as an HTML fragment for the web page: one list item per conclusion, its
    provisions' text folded under their citation (``<details>``, no script needed)."""
    w = _WORDS[lang]
    vocabulary = engine.book.vocabulary

    catalogue = engine.book.catalogue

    def provision(pid: str) -> str:
        prov = catalogue.get(pid)
        return (f"<p><b>{esc(catalogue.cite([pid], lang))}</b>{'' if prov.verified else ' (unverified)'}</p>"
                f"<p>{esc(prov.text())}</p>" + (f"<p><i>{esc(prov.summary_en)}</i></p>" if lang == "en" else ""))

    def cited(pids: list[str]) -> str:
        return (f"<details><summary>{esc(catalogue.cite(pids, lang))}</summary>"
                f"{''.join(provision(p) for p in pids)}</details>")

    items = []
    for c in assessment.conclusions:
        notes = [f"{w['scope']}: {c.scope}"] if c.scope else []
        notes += [w["contested"]] if c.contested else []
        notes += [f"{w['policy']}: " + ", ".join(f"{k} = {v}" for k, v in c.policies_used.items())
                  ] if c.policies_used else []
        items.append(f'<li class=holds data-id="{esc(c.id)}" data-party="{esc(c.party or "")}">'
                     f"<b>{esc(_title(engine, c.id, lang))}</b> — {esc(w['party'])}: {esc(_party(c.party, lang))}"
                     + "".join(f"<br>{esc(n)}" for n in notes)
                     + f"<br><small>{esc(w['because'])}: {esc('; '.join(c.because))}</small>{cited(c.provisions)}</li>")
    out = [f"<h3>{esc(w['holds'])}</h3>",
           f"<ul id=conclusions>{''.join(items)}</ul>" if items else f"<p>{esc(w['none'])}</p>"]
    if assessment.open:
        opened = []
        for o in assessment.open:
            needs = "".join(f"<li>{esc(vocabulary.spec(f).zh if lang == 'zh' else vocabulary.spec(f).en)}</li>"
                            for f in o.needs)
            opened.append(f'<li class=open data-id="{esc(o.id)}" data-party="{esc(o.party or "")}">'
                          f"<b>{esc(_title(engine, o.id, lang))}</b> — {esc(w['party'])}: {esc(_party(o.party, lang))}"
                          f"<br><small>{esc(w['needs'])}:</small><ul>{needs}</ul></li>")
        out.append(f"<details><summary><b>{esc(w['open'])}: {len(opened)}</b></summary>"
                   f"<ul id=open>{''.join(opened)}</ul></details>")
    note = date_note(engine, assessment, lang)
    if note:
        out.insert(0, f"<p class=dates>{esc(note)}</p>")
    out.append(f"<p><small>{esc(w['law'])}: {esc(assessment.law_as_of or '?')} · "
               f"rules {esc(assessment.rules_version)}</small></p>")
    return "".join(out)


def esc(text: object) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def json_line(data: dict[str, Any]) -> str:
    """One compact JSON line (for files of several cases and for batch output)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
