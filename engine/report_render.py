"""The report (:class:`faceright.report.Report`) as terminal text, an HTML fragment and Markdown.

Statute text is folded: the text report cites each provision once by law and article with its
verification status and source link (``law_text=True`` unfolds the text, once per provision);
HTML folds it in ``<details>``; Chinese statute text on an English page carries ``lang="zh"``.
"""

from __future__ import annotations

import html

from .report import Item, Law, PartyBlock, Report

MARK = {"holds": "✔", "likely": "≈", "authorities": "?", "open": "?", "deferred": "…"}


def esc(text: object) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def _sep(lang: str) -> str:
    return "；" if lang == "zh" else "; "


def _item_line(r: Report, item: Item) -> str:
    w = r.words
    who = ("、" if r.lang == "zh" else ", ").join(item.parties)
    line = f"{MARK[item.status]} {item.title}" + (f" — {who}" if who else "")
    extra = list(item.notes)
    if item.status == "likely":  # the notes are the indicators
        comma = "，" if r.lang == "zh" else ", "
        extra = [f"{w['likely']}{comma}{w['because']}: " + _sep(r.lang).join(item.notes)] if item.notes else [w["likely"]]
    if item.depends:
        extra.append(f"{w['depends']}: " + " ".join(item.depends))
    if item.report_to:
        extra.append(f"{w['report_to']}: {item.report_to}")
    return line + (f" ({_sep(r.lang).join(extra)})" if extra else "")


def _possible(r: Report, p: PartyBlock) -> str:
    """What would hold against a possible respondent, and the court's findings it rests on."""
    sep = _sep(r.lang)
    return f"{sep.join(p.possible)} ({r.words['court_finds']}: {sep.join(p.conditions)})"


def _status(r: Report, law: Law) -> str:
    w = r.words
    return (w["verified"] if law.verified else w["unverified"]) + (f"; {w['source']}: {law.url}" if law.url else "")


def _grouped(r: Report) -> list[str]:
    """The provisions cited, one line per law and source: ``Civil Code, art. 1018, art. 1019 —
    text verified; source: …``."""
    groups: dict[tuple[str, bool, str | None], list[str]] = {}
    for law in r.law:
        name, _, article = law.label.rpartition(", " if r.lang == "en" else "》")
        name = name + ("" if r.lang == "en" else "》")
        groups.setdefault((name, law.verified, law.url), []).append(article)
    out = []
    for (name, verified, url), articles in groups.items():
        joined = ("、" if r.lang == "zh" else ", ").join(articles)
        status = r.words["verified"] if verified else r.words["unverified"]
        out.append(f"{name}{'' if r.lang == 'zh' else ', '}{joined} — {status}" + (f"; {r.words['source']}: {url}" if url else ""))
    return out


def to_text(r: Report, law_text: bool = False) -> str:
    """The report for a terminal; at most one line per item, statute text folded unless
    ``law_text``."""
    w = r.words
    out = [f"{w['case']}: {r.case}" + (f" — {r.title}" if r.title else ""),
           *([r.date_note] if r.date_note else [_law_line(r)]), "", f"{w['answer']}:"]
    out += [f"  {s}" for s in r.summary]
    out += ["", f"{w['steps']}:"]
    for i, step in enumerate(r.steps, 1):
        out.append(f"  {i}. {step.title}: {step.text} ({w['basis']}: {step.basis})")
    out += ["", f"{w['rights']}:"]
    out += [f"  {_item_line(r, i)}" for i in r.rights] or [f"  {w['none']}"]
    if r.parties:
        out += ["", f"{w['parties']}:"]
        for p in r.parties:
            if p.items:
                out.append(f"  {p.name}: " + _sep(r.lang).join(p.items)
                           + (f" ({_sep(r.lang).join(p.notes)})" if p.notes else ""))
            if p.possible:
                out.append(f"  {p.name}: {_possible(r, p)}")
        out += ["", f"{w['demands']}:"]
        out += [f"  {p.name}: " + _sep(r.lang).join(p.demands) for p in r.parties if p.demands] or [
            f"  {w['no_demand']}"]
    out += ["", f"{w['offences']}:"]
    out += [f"  {_item_line(r, i)}" for i in r.breaches] or [f"  {w['no_offence']}"]
    out += ["", f"{w['uncertain']}:"]
    if r.uncertain:
        out += [f"  {_item_line(r, i)}" for i in r.uncertain if i.status == "likely"]
        rest = [i.title for i in r.uncertain if i.status not in ("likely", "deferred")]
        if rest:
            out.append("  " + _sep(r.lang).join(dict.fromkeys(rest)))
        later = [i.title for i in r.uncertain if i.status == "deferred"]
        if later:
            out.append(f"  {w['deferred']}: " + _sep(r.lang).join(dict.fromkeys(later)))
    else:
        out.append(f"  {w['no_uncertain']}")
    if r.questions:
        out.append(f"  {w['questions']}:")
        out += [f"   - {q.text} ({w['settles'].format(count=q.settles)})" for q in r.questions]
    if r.why:
        out += ["", f"{w['why']}:"]
        out += [f"  {reason.title}: " + _sep(r.lang).join(reason.grounds) for reason in r.why]
    out += ["", f"{w['law']}:"]
    if law_text:
        for law in r.law:
            out.append(f"  {law.label} — {_status(r, law)}")
            out += [f"      {line}" for line in (law.text_zh or "").splitlines()]
            if r.lang == "en":
                out.append(f"      ({law.summary_en})")
    else:  # folded: one line per law, source and status
        out += [f"  {line}" for line in _grouped(r)]
    out += ["", f"{w['rules']} {r.rules_version}", w["disclaimer"]]
    return "\n".join(out) + "\n"


def _law_line(r: Report) -> str:
    """Which law the assessment applies: the day's, or — the date not known exactly — each
    law of the possible dates (``date_note`` then says which)."""
    w = r.words
    return f"{w['law_as_of']}: {r.law_as_of}" if r.law_as_of else w["date_unsettled"]


def _ul(items: list[str], ident: str = "") -> str:
    attr = f" id={ident}" if ident else ""
    return f"<ul{attr}>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def to_html(r: Report) -> str:
    """The report as an HTML fragment (no script): the answer and the first steps first, then
    the sections; statute text folded in ``<details>``."""
    w = r.words
    zh_attr = ' lang="zh"' if r.lang != "zh" else ""

    def item(i: Item) -> str:
        return f"<li class={esc(i.status)}>{esc(_item_line(r, i))}</li>"

    out = [f"<section id=answer><h3>{esc(w['answer'])}</h3>"
           + "".join(f"<p>{esc(s)}</p>" for s in r.summary) + "</section>"]
    steps = "".join(f"<li><b>{esc(s.title)}</b><br>{esc(s.text)}<br><small>{esc(w['basis'])}: {esc(s.basis)}</small></li>"
                    for s in r.steps)
    out.append(f"<section id=steps><h3>{esc(w['steps'])}</h3><ol id=plan>{steps}</ol></section>")
    if r.date_note:  # below the answer and the plan: it qualifies the details that follow
        out.append(f"<p class=dates>{esc(r.date_note)}</p>")
    out.append(f"<section id=rights><h3>{esc(w['rights'])}</h3>"
               + (f"<ul>{''.join(item(i) for i in r.rights)}</ul>" if r.rights else f"<p>{esc(w['none'])}</p>")
               + "</section>")
    if r.parties:
        sep = _sep(r.lang)
        out.append(f"<section id=parties><h3>{esc(w['parties'])}</h3>"
                   + _ul([f"<b>{esc(p.name)}</b>: {esc(sep.join(p.items))}"
                          + (f" <small>({esc(sep.join(p.notes))})</small>" if p.notes else "")
                          for p in r.parties if p.items]
                        + [f"<b>{esc(p.name)}</b>: {esc(_possible(r, p))}" for p in r.parties if p.possible])
                   + "</section>")
        out.append(f"<section id=demands><h3>{esc(w['demands'])}</h3>"
                   + (_ul([f"<b>{esc(p.name)}</b>: {esc(sep.join(p.demands))}" for p in r.parties if p.demands])
                      if any(p.demands for p in r.parties) else f"<p>{esc(w['no_demand'])}</p>")
                   + "</section>")
    out.append(f"<section id=offences><h3>{esc(w['offences'])}</h3>"
               + (f"<ul>{''.join(item(i) for i in r.breaches)}</ul>" if r.breaches else f"<p>{esc(w['no_offence'])}</p>")
               + "</section>")
    questions = "".join(f"<li>{esc(q.text)} <small>({esc(w['settles'].format(count=q.settles))})</small></li>"
                        for q in r.questions)
    likely = "".join(item(i) for i in r.uncertain if i.status == "likely")
    out.append(f"<section id=uncertain><h3>{esc(w['uncertain'])}</h3>"
               + (f"<ul>{likely}</ul>" if likely else "")
               + (f"<p>{esc(w['questions'])}:</p><ol>{questions}</ol>" if questions else "")
               + (f"<details><summary>{esc(w['uncertain'])}: {len(r.uncertain)}</summary>"
                  f"<ul>{''.join(item(i) for i in r.uncertain)}</ul></details>" if r.uncertain
                  else f"<p>{esc(w['no_uncertain'])}</p>") + "</section>")
    if r.why:
        out.append(f"<section id=why><h3>{esc(w['why'])}</h3>"
                   + _ul([f"<b>{esc(x.title)}</b>: {esc(_sep(r.lang).join(x.grounds))}" for x in r.why])
                   + "</section>")
    laws = []
    for law in r.law:
        status = esc(w["verified"] if law.verified else w["unverified"])
        link = f' · <a href="{esc(law.url)}" rel=noopener>{esc(w["source"])}</a>' if law.url else ""
        body = (f"<p{zh_attr}>{'<br>'.join(esc(x) for x in law.text_zh.splitlines())}</p>" if law.text_zh else "")
        body += f"<p><i>{esc(law.summary_en)}</i></p>" if r.lang == "en" else ""
        laws.append(f"<li><details><summary>{esc(law.label)}</summary>{body}</details>"
                    f"<small>{status}{link}</small></li>")
    out.append(f"<section id=law><h3>{esc(w['law'])}</h3><ul>{''.join(laws)}</ul></section>")
    out.append(f"<p><small>{esc(_law_line(r))} · {esc(w['rules'])} {esc(r.rules_version)}"
               f"</small></p><p><small>{esc(w['disclaimer'])}</small></p>")
    return "".join(out)


def to_markdown(r: Report) -> str:
    """The report as Markdown (statute text in quoted blocks, once per provision)."""
    w = r.words
    out = [f"# {w['case']}: {r.case}" + (f" — {r.title}" if r.title else ""), "",
           f"{_law_line(r)} · {w['rules']} {r.rules_version}", "", f"## {w['answer']}", ""]
    out += [*r.summary, "", f"## {w['steps']}", ""]
    out += [f"{i}. **{s.title}** {s.text} *({w['basis']}: {s.basis})*" for i, s in enumerate(r.steps, 1)]
    out += ["", f"## {w['rights']}", ""]
    out += [f"- {_item_line(r, i)}" for i in r.rights] or [w["none"]]
    if r.parties:
        out += ["", f"## {w['parties']}", ""]
        out += [f"- **{p.name}**: " + _sep(r.lang).join(p.items) for p in r.parties if p.items]
        out += [f"- **{p.name}**: {_possible(r, p)}" for p in r.parties if p.possible]
        out += ["", f"## {w['demands']}", ""]
        out += [f"- **{p.name}**: " + _sep(r.lang).join(p.demands) for p in r.parties if p.demands] or [
            w["no_demand"]]
    out += ["", f"## {w['offences']}", ""]
    out += [f"- {_item_line(r, i)}" for i in r.breaches] or [w["no_offence"]]
    out += ["", f"## {w['uncertain']}", ""]
    out += [f"- {_item_line(r, i)}" for i in r.uncertain] or [w["no_uncertain"]]
    if r.questions:
        out += ["", f"{w['questions']}:", ""]
        out += [f"{n}. {q.text}" for n, q in enumerate(r.questions, 1)]
    if r.why:
        out += ["", f"## {w['why']}", ""]
        out += [f"- **{x.title}**: " + _sep(r.lang).join(x.grounds) for x in r.why]
    out += ["", f"## {w['law']}", ""]
    for law in r.law:
        out.append(f"- **{law.label}** — {_status(r, law)}")
        out += [f"  > {line}" for line in (law.text_zh or "").splitlines()]
    out += ["", f"*{w['disclaimer']}*"]
    return "\n".join(out) + "\n"
