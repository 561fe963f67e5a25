"""The documents a person can send (``rules/documents.yaml``), filled from one case and its
report, as editable ``.docx`` (python-docx) or Markdown files in Chinese or English.

Only the blanks each template lists are left for the person (their name, the platform's name,
the content's address, a signature…); everything the case and its report say is filled in,
in words (questions and answers, conclusion titles, provisions by law and article). Output is
deterministic: the same case, language and date give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Collection
from typing import Any

from .evaluate import Engine
from .guidance import Guidance
from .punctuation import colon
from .report import Report, _Builder, _ordered, answer_text, question_text
from .vocabulary import INCIDENT_DATE

FORMATS = ("docx", "md")
#: the fixed time stamped into a .docx file's zip entries (zip cannot store earlier)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Written:
    """One document, filled in: its sections, what to attach and the blanks left."""

    id: str
    lang: str
    title: str
    sections: list[tuple[str, str]]
    attach: list[str]
    blanks: list[str]
    attach_heading: str
    label: str = ""       #: the document in a few words
    what_for: str = ""    #: whom it is for and what it does


def _lines(items: list[str], empty: str = "—") -> str:
    return "\n".join(f"- {i}" for i in items) if items else empty


def documents_for(engine: Engine, case: Any, lang: str, today: dt.date,
                  as_of: dt.date | None = None) -> list[Written]:
    """Every document of the rulebook that applies to ``case``, filled in, in ``lang``."""
    return documents_in(engine, case, (lang,), today, as_of)[lang]


def documents_in(engine: Engine, case: Any, langs: tuple[str, ...], today: dt.date,
                 as_of: dt.date | None = None) -> dict[str, list[Written]]:
    """:func:`documents_for` in each of ``langs`` (language → documents), the case evaluated
    once for all of them."""
    first = _Builder(engine, case, langs[0], as_of)
    out = {}
    for lang in langs:
        builder = first.in_lang(lang)
        out[lang] = _written(builder, builder.build(), today)
    return out


def report_and_documents(engine: Engine, case: Any, lang: str, today: dt.date,
                         as_of: dt.date | None = None,
                         implied: Collection[str] = ()) -> tuple[Report, list[Written]]:
    """The report of ``case`` in ``lang`` (:func:`faceright.report.build_report`, ``implied``
    as there) and the documents that apply (:func:`documents_for`), from one evaluation: the
    web's result page."""
    builder = _Builder(engine, case, lang, as_of, implied)
    report = builder.build()
    return report, _written(builder, report, today)


def _written(builder: _Builder, report: Report, today: dt.date) -> list[Written]:
    """The documents that apply, filled in from ``builder``'s case and its ``report``."""
    engine, lang = builder.engine, builder.lang
    situation = builder.situation()
    guidance: Guidance = engine.book.guidance
    catalogue = engine.book.catalogue
    held = sorted(builder.assessment.conclusions, key=lambda c: builder.sort_key(c.id, c.party))
    now: dict[str, list[str]] = {}
    for c in held:
        now[c.id] = [*now.get(c.id, []), *(p for p in _latest(c) if p not in now.get(c.id, []))]
    rights = [f"{i.title}（{catalogue.cite(_ordered(now[i.id]), lang)}）" if lang == "zh"
              else f"{i.title} ({catalogue.cite(_ordered(now[i.id]), lang)})"
              for i in report.rights if i.status == "holds"]
    evidence = [e.texts[lang] for e in guidance.evidence if situation.applies(e.cond)]
    # the facts in words, as the person would state them: not who answered the questions, nor
    # a judgement answered "no" (it is the court's to make; stating it would argue against them)
    judged = {c.suggests for c in engine.book.conclusions.values() if c.suggests}
    facts = [f"{question_text(engine, f, lang)} {answer_text(engine, f, builder.known[f], lang)}"
             for f in [INCIDENT_DATE, *engine.book.vocabulary.facts] if f in builder.known
             and f != engine.book.questions.role_fact and not (f in judged and builder.known[f] is False)]
    sep = "、" if lang == "zh" else ", "
    liability = {c.id for c in held if engine.book.conclusions[c.id].kind == "liability"}
    liable = {builder.title(cid) for cid in liability}
    claims = [f"{p.name}{colon(lang)}{sep.join(p.demands or [i for i in p.items if i in liable])}"
              for p in report.parties if p.demands or any(i in liable for i in p.items)]
    defendants = [f"{p.name}{colon(lang)}{guidance.party_blank[lang]}" for p in report.parties
                  if p.party and (p.items or p.demands)]
    basis = catalogue.cite(_ordered(list(dict.fromkeys(p for c in held for p in c.provisions))), lang)
    offences = [f"{i.title} — {catalogue.cite(i.provisions, lang)}" for i in report.breaches
                if engine.book.conclusions[i.id].kind == "offence"]
    breaches = [f"{i.title} — {catalogue.cite(i.provisions, lang)}" for i in report.breaches
                if engine.book.conclusions[i.id].kind == "regulatory"]
    values = {"rights": _lines(rights), "evidence": _lines(evidence), "facts": _lines(facts),
              "claims": _lines(claims), "defendants": _lines(defendants), "basis": basis or "—",
              "offences": _lines(offences), "breaches": _lines(breaches), "today": today.isoformat()}
    out = []
    for doc in guidance.documents:
        if not situation.applies(doc.cond):
            continue
        text = doc.texts[lang]
        sections = [(s.heading, s.body.format(**values)) for s in text.sections]
        out.append(Written(doc.id, lang, text.title, sections, list(text.attach),
                           [*text.blanks, guidance.party_blank[lang]], report.words["attach"],
                           text.label, text.what_for))
    return out


def _latest(conclusion: Any) -> list[str]:
    """The provisions a held conclusion rests on under the latest law its possible dates reach
    (its last ``periods`` entry when they differ between parts of an inexact date; else all):
    what a person writing now invokes — not an older rule, whose own conditions (the General
    Principles' profit element …) might read against them."""
    periods = conclusion.periods
    return list(periods[-1]["provisions"]) if periods else list(conclusion.provisions)


def to_markdown(doc: Written, disclaimer: str) -> str:
    """A document as Markdown."""
    out = [f"# {doc.title}", ""]
    for heading, body in doc.sections:
        out += [f"## {heading}", "", *body.splitlines(), ""]
    out += [f"## {doc.attach_heading}", "", *[f"- {a}" for a in doc.attach], "", f"*{disclaimer}*", ""]
    return "\n".join(out)


def to_docx(doc: Written, disclaimer: str, today: dt.date) -> bytes:
    """A document as ``.docx`` bytes: one heading per section, fixed core properties and zip
    times, so that the same input gives the same bytes."""
    from docx import Document as Docx
    document = Docx()
    style = _style_ids()

    def add(text: str, style_name: str | None = None) -> None:
        paragraph = document.add_paragraph(text)
        if style_name is not None:
            paragraph._p.style = style[style_name]  # what `paragraph.style = name` sets

    add(doc.title, "Heading 1")
    for heading, body in doc.sections:
        add(heading, "Heading 2")
        for line in body.splitlines():
            add(line)
    add(doc.attach_heading, "Heading 2")
    for item in doc.attach:
        add(item, "List Bullet")
    document.add_paragraph(disclaimer)
    stamp = dt.datetime(today.year, today.month, today.day)
    props = document.core_properties
    props.author, props.last_modified_by, props.title = "faceright", "faceright", doc.title
    props.created = props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    raw = io.BytesIO()
    document.save(raw)
    return _fixed_zip(raw.getvalue())


@functools.cache
def _style_ids() -> dict[str, str]:
    """The ids of the styles a document uses, in python-docx's default template (the one every
    document starts from), looked up by name once: python-docx's own lookup, repeated for each
    paragraph, scans the style sheet twice and took half the time a document took."""
    from docx import Document as Docx
    styles = Docx().styles
    return {name: styles[name].style_id for name in ("Heading 1", "Heading 2", "List Bullet")}


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry's time set to :data:`ZIP_TIME`, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def file_name(doc: Written, fmt: str) -> str:
    """``notice.zh.docx`` and the like."""
    return f"{doc.id}.{doc.lang}.{fmt}"


def render(doc: Written, fmt: str, disclaimer: str, today: dt.date) -> bytes:
    """A document's file content in ``fmt`` (``docx`` or ``md``)."""
    if fmt == "docx":
        return to_docx(doc, disclaimer, today)
    return to_markdown(doc, disclaimer).encode("utf-8")


def write_documents(engine: Engine, case: Any, directory: Path, langs: list[str], fmt: str,
                    today: dt.date) -> list[Path]:
    """Write every applicable document of ``case`` into ``directory`` (created if need be),
    one file per document and language; returns the paths written, in order."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    documents = documents_in(engine, case, tuple(langs), today) if langs else {}
    for lang in langs:
        disclaimer = engine.book.guidance.words[lang].disclaimer
        for doc in documents[lang]:
            path = directory / file_name(doc, fmt)
            path.write_bytes(render(doc, fmt, disclaimer, today))
            written.append(path)
    return written
