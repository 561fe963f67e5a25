"""The documents a person can send (``rules/documents.yaml``), filled from one case and its
report, as editable ``.docx`` (python-docx) or Markdown files in Chinese or English.

Only the blanks each template lists are left for the person (their name, the platform's name,
the content's address, a signature…); everything the case and its report say is filled in,
in words (questions and answers, conclusion titles, provisions by law and article). Output is
deterministic: the same case, language and date give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Collection
from typing import Any

from .dates import date_words
from .evaluate import Engine
from .guidance import Guidance
from .pleading import assembler, latest
from .report import Report, _Builder, _ordered

FORMATS = ("docx", "md")
#: the paragraph styles of python-docx's default template a document uses
STYLES = ("Heading 1", "Heading 2", "List Bullet")
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


def document_langs(lang: str) -> tuple[str, ...]:
    """The languages to write documents in for a person reading ``lang``: Chinese always (the
    documents go to Chinese platforms, police, regulators and courts), and an English
    translation for one reading English."""
    return ("zh",) if lang == "zh" else ("zh", lang)


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
                         implied: Collection[str] = ()) -> tuple[Report, dict[str, list[Written]]]:
    """The report of ``case`` in ``lang`` (:func:`faceright.report.build_report`, ``implied``
    as there) and the documents that apply in each of :func:`document_langs` (language →
    documents), from one evaluation: the web's result page."""
    builder = _Builder(engine, case, lang, as_of, implied)
    report = builder.build()
    out = {}
    for doc_lang in document_langs(lang):
        other = builder if doc_lang == lang else builder.in_lang(doc_lang)
        out[doc_lang] = _written(other, report if doc_lang == lang else other.build(), today)
    return report, out


def _written(builder: _Builder, report: Report, today: dt.date) -> list[Written]:
    """The documents that apply, filled in from ``builder``'s case and its ``report``."""
    engine, lang = builder.engine, builder.lang
    situation = builder.situation()
    guidance: Guidance = engine.book.guidance
    catalogue = engine.book.catalogue
    held = sorted(builder.assessment.conclusions, key=lambda c: builder.sort_key(c.id, c.party))
    now: dict[str, list[str]] = {}
    for c in held:
        now[c.id] = [*now.get(c.id, []), *(p for p in latest(c) if p not in now.get(c.id, []))]
    rights = [f"{i.title}（{catalogue.cite(_ordered(now[i.id]), lang)}）" if lang == "zh"
              else f"{i.title} ({catalogue.cite(_ordered(now[i.id]), lang)})"
              for i in report.rights if i.status == "holds"]
    evidence = [e for e in guidance.evidence if situation.applies(e.cond)]
    assembled = assembler(builder, situation)
    pleaded = assembled.assemble()
    basis = catalogue.cite(_ordered(pleaded.basis), lang)
    listed = [(i, engine.book.conclusions[i.id].kind, f"{i.title} — {catalogue.cite(i.provisions, lang)}")
              for i in report.breaches]
    values = {"rights": _lines(rights), "they": pleaded.they,
              "claims": "\n".join(pleaded.claims) or "—", "demands": "\n".join(pleaded.demands) or "—",
              "defendants": "\n".join(pleaded.defendants) or "—", "reasons": _reasons(pleaded.reasons, pleaded.liability),
              "letter_basis": catalogue.cite(_ordered(pleaded.letter_basis), lang) or "—",
              "basis": basis or "—",
              "today": date_words(today, lang)}
    out = []
    for doc in guidance.documents:
        if not situation.applies(doc.cond):
            continue
        text = doc.texts[lang]
        facts = assembled.facts(doc.person) or "—"
        own = dict(values, evidence=_lines([e.texts[lang] for e in evidence if doc.id not in e.not_in]))
        for key, kind in (("offences", "offence"), ("breaches", "regulatory")):
            own[key] = _lines([line for i, k, line in listed
                               if k == kind and (doc.lists is None or i.id in doc.lists)])
        sole = len(pleaded.defendants) == 1
        if doc.parties is not None:  # its own word for those it is against
            lines, they = assembled.party_lines(doc.parties)
            own.update(defendants="\n".join(lines) or "—", they=they)
            sole = len(lines) == 1
        conds = doc.section_when.get(lang, ())
        sections = [(s.heading_sole if sole and s.heading_sole else s.heading, s.body.format(**own, facts=facts).rstrip())
                    for j, s in enumerate(text.sections) if j >= len(conds) or situation.applies(conds[j])]
        told = assembled.blanks("\n".join(body for _, body in sections))
        out.append(Written(doc.id, lang, text.title, sections, list(text.attach),
                           [*text.blanks, guidance.party_blank[lang], *pleaded.blanks, *told], report.words["attach"],
                           text.label, text.what_for))
    return out


def _reasons(lines: list[str], heading: str) -> str:
    """The defendants' liability under its heading, or nothing."""
    if not lines:
        return ""
    return "\n" + heading + "\n" + "\n".join(f"- {r}" for r in lines)


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
    # each style looked up by name once per document (a lookup scans the style sheet)
    style = {name: document.styles[name] for name in STYLES}

    def add(text: str, style_name: str | None = None) -> None:
        document.add_paragraph(text, style[style_name] if style_name is not None else None)

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
