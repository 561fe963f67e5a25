"""The report (:class:`faceright.report.Report`) as terminal text, an HTML fragment and Markdown.

Statute text is folded: the text report cites each provision once by law and article with its
verification status, and lists the source links once at the end (``law_text=True`` unfolds the
text, once per provision); HTML folds it, with its source link, in ``<details>``; Chinese statute text on an English page carries ``lang="zh"``.
"""

from __future__ import annotations

import html

from .punctuation import colon, comma, paren, semicolon
from .report import Item, Law, PartyBlock, Report

MARK = {"holds": "✔", "likely": "≈", "authorities": "?", "open": "?", "deferred": "…"}


def esc(text: object) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def _sep(lang: str) -> str:
    return semicolon(lang)


def _colon(lang: str) -> str:
    return colon(lang)


def _item_line(r: Report, item: Item) -> str:
    w = r.words
    c = _colon(r.lang)
    who = comma(r.lang).join(item.parties)
    line = f"{MARK[item.status]} {item.title}" + (f" — {who}" if who else "")
    extra = list(item.notes)
    if item.status == "likely":  # the notes are the indicators
        pause = "，" if r.lang == "zh" else ", "
        extra = [f"{w['likely']}{pause}{w['because']}{c}" + _sep(r.lang).join(item.notes)] if item.notes else [w["likely"]]
    if item.depends:
        extra.append(f"{w['depends']}{c}" + ("" if r.lang == "zh" else " ").join(item.depends))
    if item.report_to:
        extra.append(f"{w['report_to']}{c}{item.report_to}")
    return line + (paren(_sep(r.lang).join(extra), r.lang) if extra else "")


def _other_breaches(r: Report) -> list[Item]:
    """The offences and breaches not already reported as the respondent's own situation."""
    mine = {i.id for i in r.own}
    return [i for i in r.breaches if i.id not in mine]


def _possible(r: Report, p: PartyBlock) -> str:
    """What would hold against a possible respondent, and the court's findings it rests on."""
    sep = _sep(r.lang)
    return sep.join(p.possible) + paren(f"{r.words['court_finds']}{_colon(r.lang)}{sep.join(p.conditions)}", r.lang)


def _status(r: Report, law: Law) -> str:
    return r.words["verified"] if law.verified else r.words["unverified"]


def _sources(r: Report) -> list[str]:
    """The lines of the end list of where the statute texts were read: a heading, then each
    address once, in the order the laws are cited (none: no line)."""
    urls = list(dict.fromkeys(law.url for law in r.law if law.url))
    return [f"{r.words['source']}{_colon(r.lang).rstrip()}", *urls] if urls else []


def _grouped(r: Report) -> list[str]:
    """The provisions cited, one line per law and source: ``Civil Code, art. 1018, art. 1019 —
    text verified`` (the sources listed once at the end, :func:`_sources`)."""
    groups: dict[tuple[str, bool, str | None], list[str]] = {}
    for law in r.law:
        name, _, article = law.label.rpartition(", " if r.lang == "en" else "》")
        name = name + ("" if r.lang == "en" else "》")
        groups.setdefault((name, law.verified, law.url), []).append(article)
    out = []
    for (name, verified, _url), articles in groups.items():
        joined = comma(r.lang).join(articles)
        status = r.words["verified"] if verified else r.words["unverified"]
        out.append(f"{name}{'' if r.lang == 'zh' else ', '}{joined} — {status}")
    return list(dict.fromkeys(out))


def to_text(r: Report, law_text: bool = False) -> str:
    """The report for a terminal; at most one line per item, statute text folded unless
    ``law_text``."""
    w = r.words
    c, h = _colon(r.lang), _colon(r.lang).rstrip()  # h: after a heading that ends its line
    out = [*([r.title] if r.title else []),
           *([r.date_note] if r.date_note else [_law_line(r)]), "", f"{w['answer']}{h}"]
    out += [f"  {s}" for s in r.summary]
    out += ["", f"{w['steps']}{h}"]
    for i, step in enumerate(r.steps, 1):
        out.append(f"  {i}. {step.title}{c}{step.text}" + paren(f"{w['basis']}{c}{step.basis}", r.lang))
    if r.own:
        out += ["", f"{w['own']}{h}"]
        out += [f"  {_item_line(r, i)}" for i in r.own]
    out += ["", f"{w['rights']}{h}"]
    out += [f"  {_item_line(r, i)}" for i in r.rights] or [f"  {w['none']}"]
    if r.parties:
        out += ["", f"{w['parties']}{h}"]
        for p in r.parties:
            if p.items:
                out.append(f"  {p.name}{c}" + _sep(r.lang).join(p.items)
                           + (paren(_sep(r.lang).join(p.notes), r.lang) if p.notes else ""))
            if p.possible:
                out.append(f"  {p.name}{c}{_possible(r, p)}")
        out += ["", f"{w['demands']}{h}"]
        out += [f"  {p.name}{c}" + _sep(r.lang).join(p.demands) for p in r.parties if p.demands] or [
            f"  {w['no_demand']}"]
    breaches = _other_breaches(r)
    if breaches or not r.own:
        out += ["", f"{w['offences']}{h}"]
        out += [f"  {_item_line(r, i)}" for i in breaches] or [f"  {w['no_offence']}"]
    out += ["", f"{w['uncertain']}{h}"]
    if r.uncertain:
        out += [f"  {_item_line(r, i)}" for i in r.uncertain if i.status == "likely"]
        rest = [i.title for i in r.uncertain if i.status not in ("likely", "deferred")]
        if rest:
            out.append("  " + _sep(r.lang).join(dict.fromkeys(rest)))
        later = [i.title for i in r.uncertain if i.status == "deferred"]
        if later:
            out.append(f"  {w['deferred']}{c}" + _sep(r.lang).join(dict.fromkeys(later)))
    else:
        out.append(f"  {w['no_uncertain']}")
    if r.questions:
        out.append(f"  {w['questions']}{h}")
        out += [f"   - {q.text}" + paren(w['settles'].format(count=q.settles), r.lang) for q in r.questions]
    if r.why:
        out += ["", f"{w['why']}{h}"]
        out += [f"  {reason.title}{c}" + _sep(r.lang).join(reason.grounds) for reason in r.why]
    out += ["", f"{w['law']}{h}"]
    if law_text:
        for law in r.law:
            out.append(f"  {law.label} — {_status(r, law)}")
            out += [f"      {line}" for line in (law.text_zh or "").splitlines()]
            if r.lang == "en":
                out.append(f"      ({law.summary_en})")
    else:  # folded: one line per law, source and status
        out += [f"  {line}" for line in _grouped(r)]
    if r.policies:
        out.append(f"  {_policy_line(r)}")
    sources = _sources(r)
    if sources:  # one line: the addresses apart by spaces, each whole to copy
        out.append(f"  {sources[0]} " + " ".join(sources[1:]))
    out += ["", footer_line(r)]  # the rules version and the disclaimer, on one line
    return "\n".join(out) + "\n"



def _policy_line(r: Report) -> str:
    """The one line on the numbers the law leaves open that the conclusions relied on."""
    return f"{r.words['policy']}{_colon(r.lang)}{_sep(r.lang).join(r.policies)}"


def _law_line(r: Report) -> str:
    """Which law the assessment applies: the day's, or — the date not known exactly — each
    law of the possible dates (``date_note`` then says which)."""
    w = r.words
    return f"{w['law_as_of']}{_colon(r.lang)}{r.law_as_of}" if r.law_as_of else w["date_unsettled"]


def _ul(items: list[str], ident: str = "") -> str:
    attr = f" id={ident}" if ident else ""
    return f"<ul{attr}>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def to_html(r: Report, actions: str = "") -> str:
    """The report as an HTML fragment (no script) for a phone first: the answer, then what to
    do now — the plan's steps as a short list, the first open, each other step's explanation
    folded under its title in ``<details>`` — then ``actions`` (HTML placed as given: the web's
    document downloads), then the sections; statute text folded in ``<details>``. The rules
    version is left to the page's footer (:func:`footer_line`)."""
    w = r.words
    zh_attr = ' lang="zh"' if r.lang != "zh" else ""

    def item(i: Item) -> str:
        return f"<li class={esc(i.status)}>{esc(_item_line(r, i))}</li>"

    out = [f"<section id=answer><h3>{esc(w['answer'])}</h3>"
           + "".join(f"<p>{esc(s)}</p>" for s in r.summary) + "</section>"]
    # the first step open (what to do first, with its explanation, on the first screen), the
    # others folded under their titles
    steps = "".join(f"<li><details{' open' if n == 0 else ''}><summary><b>{esc(s.title)}</b></summary>"
                    f"<p>{esc(s.text)}</p>"
                    f"<p><small>{esc(w['basis'])}{_colon(r.lang)}{esc(s.basis)}</small></p></details></li>"
                    for n, s in enumerate(r.steps))
    out.append(f"<section id=steps><h3>{esc(w['steps'])}</h3><ol id=plan>{steps}</ol></section>")
    out.append(actions)
    if r.date_note:  # below the answer and the plan: it qualifies the details that follow
        out.append(f"<p class=dates>{esc(r.date_note)}</p>")
    if r.own:
        out.append(f"<section id=own><h3>{esc(w['own'])}</h3><ul>{''.join(item(i) for i in r.own)}</ul></section>")
    out.append(f"<section id=rights><h3>{esc(w['rights'])}</h3>"
               + (f"<ul>{''.join(item(i) for i in r.rights)}</ul>" if r.rights else f"<p>{esc(w['none'])}</p>")
               + "</section>")
    if r.parties:
        sep, c = _sep(r.lang), esc(_colon(r.lang))
        out.append(f"<section id=parties><h3>{esc(w['parties'])}</h3>"
                   + _ul([f"<b>{esc(p.name)}</b>{c}{esc(sep.join(p.items))}"
                          + (f" <small>{esc(paren(sep.join(p.notes), r.lang).strip())}</small>" if p.notes else "")
                          for p in r.parties if p.items]
                         + [f"<b>{esc(p.name)}</b>{c}{esc(_possible(r, p))}" for p in r.parties if p.possible])
                   + "</section>")
        out.append(f"<section id=demands><h3>{esc(w['demands'])}</h3>"
                   + (_ul([f"<b>{esc(p.name)}</b>{c}{esc(sep.join(p.demands))}" for p in r.parties if p.demands])
                      if any(p.demands for p in r.parties) else f"<p>{esc(w['no_demand'])}</p>")
                   + "</section>")
    breaches = _other_breaches(r)
    if breaches or not r.own:
        out.append(f"<section id=offences><h3>{esc(w['offences'])}</h3>"
                   + (f"<ul>{''.join(item(i) for i in breaches)}</ul>" if breaches else f"<p>{esc(w['no_offence'])}</p>")
                   + "</section>")
    questions = "".join(f"<li>{esc(q.text)} <small>{esc(paren(w['settles'].format(count=q.settles), r.lang).strip())}</small></li>"
                        for q in r.questions)
    likely = "".join(item(i) for i in r.uncertain if i.status == "likely")
    out.append(f"<section id=uncertain><h3>{esc(w['uncertain'])}</h3>"
               + (f"<ul>{likely}</ul>" if likely else "")
               + (f"<p>{esc(w['questions'])}{esc(_colon(r.lang).rstrip())}</p><ol>{questions}</ol>" if questions else "")
               + (f"<details><summary>{esc(w['uncertain_all'].format(count=len(r.uncertain)))}</summary>"
                  f"<ul>{''.join(item(i) for i in r.uncertain)}</ul></details>" if r.uncertain
                  else f"<p>{esc(w['no_uncertain'])}</p>") + "</section>")
    if r.why:
        out.append(f"<section id=why><h3>{esc(w['why'])}</h3>"
                   + _ul([f"<b>{esc(x.title)}</b>{esc(_colon(r.lang))}{esc(_sep(r.lang).join(x.grounds))}" for x in r.why])
                   + "</section>")
    laws = []
    for law in r.law:
        status = esc(w["verified"] if law.verified else w["unverified"])
        link = (f'<p><small><a href="{esc(law.url)}" rel=noopener>{esc(w["source"])}</a></small></p>'
                if law.url else "")  # folded with the text it is the source of
        body = (f"<p{zh_attr}>{'<br>'.join(esc(x) for x in law.text_zh.splitlines())}</p>" if law.text_zh else "")
        body += f"<p><i>{esc(law.summary_en)}</i></p>" if r.lang == "en" else ""
        laws.append(f"<li><details><summary>{esc(law.label)}</summary>{body}{link}</details>"
                    f"<small>{status}</small></li>")
    policies = f"<p id=policies><small>{esc(_policy_line(r))}</small></p>" if r.policies else ""
    out.append(f"<section id=law><h3>{esc(w['law'])}</h3><p><small>{esc(_law_line(r))}</small></p>"
               f"<ul>{''.join(laws)}</ul>{policies}</section>")
    return "".join(out)


def footer_line(r: Report) -> str:
    """The small print under a report: the rules version it was made with, and the disclaimer."""
    return f"{r.words['rules']} {r.rules_version} · {r.words['disclaimer']}"


def to_markdown(r: Report) -> str:
    """The report as Markdown (statute text in quoted blocks, once per provision)."""
    w = r.words
    c = _colon(r.lang)
    out = [*([f"# {r.title}", ""] if r.title else []), _law_line(r), "", f"## {w['answer']}", ""]
    out += [*r.summary, "", f"## {w['steps']}", ""]
    out += [f"{i}. **{s.title}** {s.text} *{paren(w['basis'] + c + s.basis, r.lang).strip()}*"
            for i, s in enumerate(r.steps, 1)]
    if r.own:
        out += ["", f"## {w['own']}", ""]
        out += [f"- {_item_line(r, i)}" for i in r.own]
    out += ["", f"## {w['rights']}", ""]
    out += [f"- {_item_line(r, i)}" for i in r.rights] or [w["none"]]
    if r.parties:
        out += ["", f"## {w['parties']}", ""]
        out += [f"- **{p.name}**{c}" + _sep(r.lang).join(p.items) for p in r.parties if p.items]
        out += [f"- **{p.name}**{c}{_possible(r, p)}" for p in r.parties if p.possible]
        out += ["", f"## {w['demands']}", ""]
        out += [f"- **{p.name}**{c}" + _sep(r.lang).join(p.demands) for p in r.parties if p.demands] or [
            w["no_demand"]]
    breaches = _other_breaches(r)
    if breaches or not r.own:
        out += ["", f"## {w['offences']}", ""]
        out += [f"- {_item_line(r, i)}" for i in breaches] or [w["no_offence"]]
    out += ["", f"## {w['uncertain']}", ""]
    out += [f"- {_item_line(r, i)}" for i in r.uncertain] or [w["no_uncertain"]]
    if r.questions:
        out += ["", f"{w['questions']}{c.rstrip()}", ""]
        out += [f"{n}. {q.text}" for n, q in enumerate(r.questions, 1)]
    if r.why:
        out += ["", f"## {w['why']}", ""]
        out += [f"- **{x.title}**{c}" + _sep(r.lang).join(x.grounds) for x in r.why]
    out += ["", f"## {w['law']}", ""]
    for law in r.law:
        out.append(f"- **{law.label}** — {_status(r, law)}")
        out += [f"  > {line}" for line in (law.text_zh or "").splitlines()]
    if r.policies:
        out += ["", _policy_line(r)]
    sources = _sources(r)
    if sources:
        out += ["", sources[0], "", *(f"- <{url}>" for url in sources[1:])]
    out += ["", f"*{footer_line(r)}*"]
    return "\n".join(out) + "\n"
