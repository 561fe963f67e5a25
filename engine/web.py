"""The web questionnaire and HTTP API (``faceright serve``): the same library calls as the CLI.

Stateless by design: the answers so far travel with every POST as a hidden form field (never in
a query string), are re-validated on each request, and nothing about a user is kept or logged.
Server-rendered HTML that works without JavaScript; every user-supplied string is escaped.

The event loop never runs the engine: every request that assesses, chooses a question, renders a
result or runs a batch does that work in a worker thread (:func:`_engine_call`), holding the
process's one engine lock (durable_rules' Host must never be entered by two threads at once), so
``/api/health`` and the reading of other requests never wait behind it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Literal, ParamSpec, TypeVar
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from .ask import parse_answer
from .dates import DateFormError, DateRange, canonical, parse_date
from .errors import FacerightError, did_you_mean
from .evaluate import Engine, load_engine
from .interview import DONT_KNOW, Answers, Final, Interviewer, Question
from .render import DISCLAIMER, esc, json_line, reason_line, to_html
from .source import SourceError, loads_json
from .vocabulary import INCIDENT_DATE

#: the environment variable naming the rules directory of :func:`app_factory` (set by `faceright serve`)
RULES_ENV = "FACERIGHT_RULES"
#: seconds between GIL hand-overs in the server process (see :func:`app_factory`)
SWITCH_INTERVAL = 0.001
MAX_BODY = 1024 * 1024
MAX_BATCH = 32 * 1024 * 1024
#: the most cases (non-blank lines) one ``/api/batch`` request may carry; more is a 413
#: (about a minute of engine time at most: larger runs belong to ``faceright batch``)
MAX_BATCH_CASES = 1000
#: seconds a request body may pause between two chunks, and to arrive whole: then 408
BODY_IDLE_TIMEOUT = 5.0
BODY_TIMEOUT = 60.0
#: the most fields of a form body (the questionnaire sends six)
MAX_FORM_FIELDS = 100
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
TEXT = {
    "zh": {"title": "AI换脸事件评估", "start": "开始", "next": "下一步", "dont": "不知道", "back": "返回上一题",
           "why": "为什么问这个？", "switch": "English", "q": "问题", "yes": "是", "no": "否",
           "result": "评估结果", "case": "下载案件文件", "notice": "下载平台通知草稿", "draft": "致平台的通知（草稿）",
           "date": "日期", "date_forms": "如 2023-06-01；不确定可写 2023、2023-06、2023–2024、2021年以前", "number": "数字（不含单位）", "bad": "无法识别这个回答",
           "intro": "回答几个问题，得到依据中国法律的评估。只会问可能影响结论的问题。"},
    "en": {"title": "AI face-swap assessment", "start": "Start", "next": "Next", "dont": "Don't know",
           "back": "Back", "why": "Why is this asked?", "switch": "中文", "q": "Question", "yes": "Yes",
           "no": "No", "result": "Assessment", "case": "Download the case file",
           "notice": "Download the draft notice to the platform", "draft": "Draft notice to the platform",
           "date": "Date", "date_forms": "e.g. 2023-06-01; if unsure 2023, 2023-06, 2023–2024, before 2021", "number": "Number (without unit)",
           "bad": "Could not read that answer",
           "intro": "Answer a few questions to get an assessment under Chinese law. Only questions "
                    "that can change a conclusion are asked."},
}
STYLE = ("body{font-family:sans-serif;max-width:40rem;margin:auto;padding:1rem;line-height:1.5;"
         "overflow-wrap:anywhere}"
         "button,input{font-size:1rem}button{min-height:2.75rem;padding:.5rem 1rem;margin:.25rem .25rem .25rem 0}"
         "label{display:block;margin:.25rem 0;padding:.35rem 0}input[type=radio],input[type=checkbox]"
         "{width:1.25rem;height:1.25rem;vertical-align:middle}fieldset{border:1px solid #999;margin:0 0 .5rem}"
         ":focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}[role=alert]{color:#a51d2d;font-weight:bold}"
         "pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}.help{color:#444}")


class ErrorBody(BaseModel):
    """Every 4xx answer of the API and the pages: ``{"error": message}`` (the CLI's message)."""

    error: str = Field(description="what is wrong, naming the line and key where known")


class NextQuestionBody(BaseModel):
    """The body of ``POST /api/next-question`` (unknown keys are refused)."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="the answers so far, fact -> value as in a case file's facts (plus "
                    "incident_date); 'unknown' for don't know; validated like a case")
    lang: Literal["zh", "en"] = "zh"


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of the given error statuses (each an :class:`ErrorBody`)."""
    meaning = {400: "malformed body (JSON, a duplicate key, nesting too deep, a bad form field)",
               404: "no such provision", 408: "the request body did not arrive in time",
               413: "body too large, or too many cases or form fields",
               415: "wrong content type", 422: "well-formed but not a valid case or answer"}
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    return {status: {"description": meaning[status], "content": content} for status in statuses}


def _body_of(content: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` declaring a required request body of these media types and schemas."""
    return {"requestBody": {"required": True, "content": content}}


_CASE_REF = {"$ref": "#/components/schemas/Case"}
_JSONL = {"schema": {"type": "string", "description": f"JSONL: one case a line, at most "
                                                      f"{MAX_BATCH_CASES} cases"}}
#: the questionnaire's actions (the buttons of its pages)
ACTIONS = ("start", "answer", "dontknow", "back", "why", "switch")
_STATE = {"type": "string", "description": "the answers so far (JSON), as the last page gave them"}
_LANG = {"type": "string", "enum": list(TEXT)}
_FORM = {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "properties": {
        "lang": _LANG, "action": {"type": "string", "enum": list(ACTIONS)}, "state": _STATE,
        "fact": {"type": "string"}, "value": {"type": "string"}}}}}
_DOWNLOAD_FORM = {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "properties": {"lang": _LANG, "state": _STATE}}}}
_DOCUMENT_FORM = {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "properties": {"lang": _LANG, "state": _STATE, "document": {"type": "string"},
                                     "format": {"enum": ["docx", "md"]}}}}}


def _ok(media_type: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry of a 200 that is text of ``media_type``."""
    return {200: {"description": "Successful Response",
                  "content": {media_type: {"schema": {}}}}}


class BadInput(Exception):
    """A request whose content cannot be used (answered with 4xx and the message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _other_lang(lang: str) -> str:
    """The ``lang`` attribute of the language switch, which is written in the other language."""
    return 'lang="en"' if lang == "zh" else 'lang="zh-CN"'


def _page(lang: str, body: str) -> HTMLResponse:
    t = TEXT[lang]
    return HTMLResponse(
        f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(t["title"])}</title>'
        f"<style>{STYLE}</style></head><body><h1>{esc(t['title'])}</h1>{body}"
        f"<p><small>{esc(DISCLAIMER[lang])}</small></p></body></html>")


def _state_field(answers: Answers) -> str:
    data = {"values": {k: (canonical(v) if isinstance(v, dt.date | DateRange) else v)
                       for k, v in answers.values.items()},
            "order": answers.order}
    return f'<input type="hidden" name="state" value="{esc(json.dumps(data, ensure_ascii=False))}">'


class WebApp:
    """Request handlers bound to one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.interviewer = Interviewer(engine, remember=0)  # no one's answers kept in memory
        self._batch_state: Any = None  # the batch record writer's state, made on first use
        vocabulary = engine.book.vocabulary
        #: facts whose answers travel as ISO text in the hidden field
        self.dates = {n for n in vocabulary.names() if vocabulary.spec(n).type == "date"}

    # --- state ---------------------------------------------------------------------------
    def answers(self, raw: str | None) -> Answers:
        """The hidden answers field, re-validated against the case model."""
        if not raw:
            return Answers()
        try:
            data = loads_json(raw)  # duplicate keys, NaN and deep nesting refused
            if not isinstance(data, dict) or set(data) != {"values", "order"}:
                raise ValueError("not {values, order}")
            values, order = data["values"], data["order"]
            if (not isinstance(values, dict) or not isinstance(order, list)
                    or not all(isinstance(k, str) for k in order) or len(order) != len(values)
                    or set(order) != set(values)):
                raise ValueError("inconsistent answers")
        except (SourceError, ValueError):
            raise BadInput(400, "the answers field is malformed") from None
        answers = Answers()
        for key in order:
            value = values[key]
            if key in self.dates and isinstance(value, str | int) and value != DONT_KNOW:
                try:
                    value = parse_date(value, now_words=self.engine.book.vocabulary.spec(key).now_words)
                except DateFormError:
                    raise BadInput(400, f"{key}: not a date") from None
            answers.set(str(key), value)
        try:
            self.engine.case(answers.case_data("web"))
        except FacerightError as exc:
            raise BadInput(400, str(exc)) from None
        return answers

    # --- web pages -----------------------------------------------------------------------
    def start(self, lang: str) -> HTMLResponse:
        t = TEXT[lang]
        return _page(lang, f"<p>{esc(t['intro'])}</p><form method=post action=/interview>"
                           f'<input type=hidden name=lang value="{lang}">'
                           f"<button name=action value=start>{esc(t['start'])}</button></form>"
                           f"<form method=post action=/interview><input type=hidden name=lang value=\"{lang}\">"
                           f"<button name=action value=switch {_other_lang(lang)}>{esc(t['switch'])}</button></form>")

    def interview(self, form: dict[str, str]) -> HTMLResponse:
        lang = form.get("lang", "zh")
        if lang not in TEXT:
            raise BadInput(400, "lang must be zh or en")
        action = form.get("action", "start")
        if action not in ACTIONS:
            raise BadInput(400, f"unknown action '{action[:40]}'" + did_you_mean(action, ACTIONS))
        answers = self.answers(form.get("state"))
        error = ""
        show_why = False
        if action == "switch":
            lang = "en" if lang == "zh" else "zh"
        elif action == "back":
            answers.back()
        elif action == "dontknow" and form.get("fact"):
            answers.set(self._fact(form["fact"]), DONT_KNOW)
        elif action == "why":
            show_why = True
        elif action == "answer" and form.get("fact"):
            fact = self._fact(form["fact"])
            try:
                value = parse_answer(self.engine.book.vocabulary.spec(fact), form.get("value", ""), lang)
            except ValueError as exc:
                error = f"{TEXT[lang]['bad']}: {exc}"
            else:
                answers.set(fact, value)
                try:
                    self.engine.case(answers.case_data("web"))
                except FacerightError as exc:
                    answers.back()
                    error = f"{TEXT[lang]['bad']}: {exc}"
        step = self.interviewer.next_question(answers, lang)
        if isinstance(step, Final):
            return self.result(answers, step, lang)
        return self.question(answers, step, lang, error, show_why)

    def _fact(self, fact: str) -> str:
        """A fact name from the form, or a 400 naming it (with a did-you-mean)."""
        names = self.engine.book.vocabulary.names()
        if fact not in names:
            raise BadInput(400, f"unknown fact '{fact[:40]}'" + did_you_mean(fact, names))
        return fact

    def question(self, answers: Answers, q: Question, lang: str, error: str, show_why: bool) -> HTMLResponse:
        t = TEXT[lang]
        spec = q.spec
        field = f"f-{q.fact}"
        if spec.type in ("enum", "list"):
            kind, required = ("radio", " required") if spec.type == "enum" else ("checkbox", "")
            inputs = "".join(f'<label><input type={kind} name=value value="{esc(v)}"{required}> '
                             f"{esc(spec.choice(v, lang))}</label>" for v in spec.values)
        elif spec.type == "bool":
            inputs = (f'<label><input type=radio name=value value=yes required> {esc(t["yes"])}</label>'
                      f'<label><input type=radio name=value value=no> {esc(t["no"])}</label>')
        elif spec.type == "date":
            hint = t["date_forms"] + "".join(f" / {w}" for w in spec.now_words)
            inputs = (f'<label for="{field}">{esc(t["date"])} <small>{esc(hint)}</small></label>'
                      f'<input id="{field}" type=text name=value required autocomplete=off>')
        else:
            inputs = (f'<label for="{field}">{esc(t["number"])}</label>'
                      f'<input id="{field}" type=number min=0 step=any name=value required>')
        why = ""
        if show_why:
            items = "".join(f"<li>{esc(reason_line(self.engine, r.conclusion, r.party, r.provisions, lang))}</li>"
                            for r in q.why)
            why = f"<div id=why><p>{esc(t['why'])}</p><ul>{items}</ul></div>"
        hidden = (f'{_state_field(answers)}<input type=hidden name=lang value="{lang}">'
                  f'<input type=hidden name=fact value="{esc(q.fact)}">')
        err = f'<p role=alert>{esc(error)}</p>' if error else ""
        body = (f"<p>{esc(t['q'])} {len(answers.order) + 1}</p>"
                f'<form method=post action=/interview><fieldset><legend id=question>{esc(q.text)}</legend>'
                f"<p class=help>{esc(q.help)}</p>{err}{inputs}</fieldset>{hidden}"
                f"<button name=action value=answer>{esc(t['next'])}</button></form>"
                f"<form method=post action=/interview>{hidden}"
                f"<button name=action value=dontknow formnovalidate>{esc(t['dont'])}</button>"
                f"<button name=action value=back formnovalidate>{esc(t['back'])}</button>"
                f"<button name=action value=why formnovalidate>{esc(t['why'])}</button>"
                f"<button name=action value=switch formnovalidate {_other_lang(lang)}>{esc(t['switch'])}</button>"
                f"</form>{why}")
        return _page(lang, body)

    def result(self, answers: Answers, final: Final, lang: str) -> HTMLResponse:
        """The report for a person, the documents that apply as downloads (stateless: the
        answers travel in each form), the case file, and back."""
        from .documents import documents_for
        t = TEXT[lang]
        case = self.engine.case(answers.case_data("web"))
        hidden = f'{_state_field(answers)}<input type=hidden name=lang value="{lang}">'
        words = self.engine.book.guidance.words[lang]
        docs = "".join(
            f"<li>{esc(d.title)} <form method=post action=/download/document class=inline>{hidden}"
            f'<input type=hidden name=document value="{esc(d.id)}">'
            f"<button name=format value=docx>.docx</button><button name=format value=md>.md</button></form></li>"
            for d in documents_for(self.engine, case, lang, dt.date.today()))
        documents = f"<section id=documents><h3>{esc(words.documents)}</h3><ul>{docs}</ul></section>" if docs else ""
        body = (f"<h2 id=result>{esc(t['result'])}</h2>{to_html(self.engine, case, lang)}{documents}"
                f"<form method=post action=/download/case>{hidden}<button>{esc(t['case'])}</button></form>"
                f"<form method=post action=/interview>{hidden}<button name=action value=back>{esc(t['back'])}</button></form>")
        return _page(lang, body)

    def case_file(self, form: dict[str, str]) -> Response:
        from .ask import yaml_text
        if form.get("lang", "zh") not in TEXT:
            raise BadInput(400, "lang must be zh or en")
        answers = self.answers(form.get("state"))
        return Response(yaml_text(answers, "web"), media_type="application/yaml",
                        headers={"Content-Disposition": 'attachment; filename="case.yaml"'})

    def document_file(self, form: dict[str, str]) -> Response:
        """One document of the result page (``document``: its id; ``format``: docx or md)."""
        from .documents import FORMATS, documents_for, file_name, render
        lang = form.get("lang", "zh")
        if lang not in TEXT:
            raise BadInput(400, "lang must be zh or en")
        fmt = form.get("format", "docx")
        if fmt not in FORMATS:
            raise BadInput(400, f"format must be one of {', '.join(FORMATS)}")
        answers = self.answers(form.get("state"))
        today = dt.date.today()
        case = self.engine.case(answers.case_data("web"))
        found = {d.id: d for d in documents_for(self.engine, case, lang, today)}
        wanted = form.get("document", "")
        if wanted not in found:
            raise BadInput(400, f"no document '{wanted}' applies to these answers"
                           + (f" (these do: {', '.join(found)})" if found else ""))
        doc = found[wanted]
        media = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document" if fmt == "docx"
                 else "text/markdown; charset=utf-8")
        content = render(doc, fmt, self.engine.book.guidance.words[lang].disclaimer, today)
        return Response(content, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{file_name(doc, fmt)}"'})

    def notice_file(self, form: dict[str, str]) -> Response:
        """The notice to the platform as Markdown text (kept for links made before
        ``/download/document``)."""
        return self.document_file({**form, "document": "notice", "format": "md"})

    # --- API -----------------------------------------------------------------------------
    def assess(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise BadInput(422, "a case must be a JSON object")
        try:
            case = self.engine.case(data)
        except FacerightError as exc:
            raise BadInput(422, str(exc)) from None
        return self.engine.assess(case).to_json_dict()

    def next_question(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict) or not isinstance(data.get("answers", {}), dict):
            raise BadInput(422, "expected {\"answers\": {fact: value}, \"lang\": \"zh\"|\"en\"}")
        for key in data:
            if key not in NextQuestionBody.model_fields:
                raise BadInput(422, f"unknown key '{str(key)[:80]}'"
                               + did_you_mean(str(key), NextQuestionBody.model_fields))
        lang = data.get("lang", "zh")
        if not isinstance(lang, str) or lang not in TEXT:
            raise BadInput(422, "lang: must be zh or en")
        answers = Answers()
        raw = dict(data.get("answers", {}))
        for key, value in raw.items():
            answers.set(str(key), value)
        try:
            case = self.engine.case(answers.case_data("api"))
        except FacerightError as exc:
            raise BadInput(422, str(exc)) from None
        answers = Answers()
        dumped = case.model_dump(exclude_none=True)
        for key, value in raw.items():
            answers.set(key, DONT_KNOW if value == DONT_KNOW else
                        (dumped.get(key) if key == INCIDENT_DATE else dumped["facts"].get(key)))
        step = self.interviewer.next_question(answers, lang)
        if isinstance(step, Final):
            return {"assessment": step.assessment.to_json_dict()}
        spec = step.spec
        return {"question": {"fact": step.fact, "type": spec.type, "choices": list(spec.values),
                             "labels": [spec.choice(v, lang) for v in spec.values],
                             "text": step.text, "help": step.help,
                             "section": {"id": step.section_id, "title": step.section_title,
                                         "index": step.section_index, "count": step.section_count},
                             "remaining": list(step.remaining),
                             "why": [{"conclusion": r.conclusion, "party": r.party, "provisions": r.provisions,
                                      "title": r.title, "outcomes": [list(o) for o in r.outcomes]}
                                     for r in step.why],
                             "why_lines": step.why_lines}}

    def batch_line(self, number: int, raw: bytes) -> bytes | None:
        """One line of a JSONL batch → its record as a JSON line, or ``None`` for a blank line.

        The line reader and record writer of ``faceright batch`` (:mod:`faceright.batch`): a
        result is the assessment JSON with ``source`` (``-:LINE``) after ``case``; an error
        record is ``{"format", "case", "source", "rules_version", "error"}``. A case without an
        id is ``lineN``."""
        from .batch.inputs import jsonl_document
        from .batch.model import Item
        from .batch.records import WorkerState, evaluate
        doc = jsonl_document("-", number, raw)
        if doc is None:
            return None
        if isinstance(doc, FacerightError):
            item = Item("-", number, "", None, str(doc))
        else:
            item = Item("-", number, f"line{number}", doc, None)
        if self._batch_state is None:
            self._batch_state = WorkerState(self.engine, "jsonl", [])
        [outcome] = evaluate(self._batch_state, [item])
        return (outcome.line + "\n").encode()


# --- off the event loop ------------------------------------------------------------------
#: held around every call into the engine: durable_rules' Host is not safe for two threads
_ENGINE_LOCK = threading.Lock()
P = ParamSpec("P")
R = TypeVar("R")


async def _engine_call(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)`` in a worker thread of the pool, holding the engine lock; the
    event loop awaits it. Whatever ``fn`` raises (e.g. :class:`BadInput`) is raised here."""
    def locked() -> R:
        with _ENGINE_LOCK:
            return fn(*args, **kwargs)

    return await run_in_threadpool(locked)


def _batch_stream(web: WebApp, body: bytes) -> Iterator[bytes]:
    """The records of a JSONL batch body, one chunk per line. A plain generator: the streaming
    response iterates it in worker threads (one ``next`` at a time), and each line takes the
    engine lock for itself, so other requests run between the lines of a long batch (the lock
    is never held across a ``yield``: the next line may run in another thread)."""
    for number, raw in enumerate(body.split(b"\n"), start=1):
        with _ENGINE_LOCK:
            chunk = web.batch_line(number, raw)
        if chunk is not None:
            yield chunk


def _batch_cases(body: bytes) -> int:
    """The number of cases (non-blank lines) of a JSONL batch body."""
    return sum(1 for line in body.split(b"\n") if line.strip())


def _json_api(fn: Callable[[Any], dict[str, Any]], body: bytes) -> JSONResponse:
    """The JSON API in a worker thread: parse ``body`` (:class:`BadInput` 400 if malformed), run
    ``fn`` on it, serialise the answer (the caller holds the engine lock)."""
    return JSONResponse(fn(_parse_json(body)))


def _form_page(fn: Callable[[dict[str, str]], R], body: bytes) -> R:
    """A form handler in a worker thread: parse the form ``body``, run ``fn`` on it."""
    return fn(_parse_form(body))


async def _body(request: Request, limit: int) -> bytes:
    """The request body: 413 over ``limit`` bytes (by its Content-Length or as it arrives), 408
    when it pauses :data:`BODY_IDLE_TIMEOUT` seconds or is not whole after :data:`BODY_TIMEOUT`
    (a stalled client cannot hold a connection and a task for ever)."""
    size = request.headers.get("content-length")
    if size is not None and (not size.isdigit() or int(size) > limit):
        raise BadInput(413, f"request body larger than {limit} bytes")
    chunks, total = [], 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BODY_TIMEOUT
    stream = request.stream().__aiter__()
    while True:
        wait = min(BODY_IDLE_TIMEOUT, deadline - loop.time())
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), max(wait, 0.0))
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise BadInput(408, "the request body did not arrive in time") from None
        except ClientDisconnect:  # nobody to answer; not a server error
            raise BadInput(400, "the client disconnected before its body arrived") from None
        total += len(chunk)
        if total > limit:
            raise BadInput(413, f"request body larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _require(request: Request, *types: str) -> None:
    got = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if got not in types:
        raise BadInput(415, f"content type must be {' or '.join(types)}")


def _openapi(app: FastAPI, web: WebApp) -> Callable[[], dict[str, Any]]:
    """The OpenAPI document with the request bodies' schemas (a case, the next-question body)
    among its components: the handlers read and check their bodies themselves (for the CLI's
    messages and the size and time bounds), so FastAPI does not derive these schemas."""
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            ref = "#/components/schemas/{model}"
            case = web.engine.reader.json_schema(ref)
            del case["$schema"]
            for name, body in (("Case", case),
                               *((m.__name__, m.model_json_schema(ref_template=ref))
                                 for m in (NextQuestionBody, ErrorBody))):
                components.update(body.pop("$defs", {}))
                components[name] = body
            app.openapi_schema = schema
        return app.openapi_schema
    return openapi


def _parse_json(body: bytes) -> Any:
    """A JSON body (NaN and Infinity, duplicate keys and nesting deeper than the readers' bound
    refused); :class:`BadInput` 400 naming the line and what is wrong."""
    try:
        return loads_json(body)
    except SourceError as exc:
        where = f"line {exc.line}: " if exc.line is not None else ""
        message = exc.message if exc.message.startswith("malformed JSON") else f"malformed JSON: {exc.message}"
        raise BadInput(400, where + message) from None


def _parse_form(body: bytes) -> dict[str, str]:
    """A url-encoded form body (repeated fields joined by commas); :class:`BadInput` 400 unless UTF-8."""
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except UnicodeDecodeError:
        raise BadInput(400, "form is not UTF-8") from None
    except ValueError:
        raise BadInput(413, f"form has more than {MAX_FORM_FIELDS} fields") from None
    return {k: ",".join(v) for k, v in parsed.items()}


async def _json_body(request: Request) -> bytes:
    """The body of a JSON request (415 for another content type, 413 over :data:`MAX_BODY`)."""
    _require(request, "application/json")
    return await _body(request, MAX_BODY)


async def _form_body(request: Request) -> bytes:
    """The body of a form POST (415 for another content type, 413 over :data:`MAX_BODY`)."""
    _require(request, "application/x-www-form-urlencoded")
    return await _body(request, MAX_BODY)


LOG = logging.getLogger("faceright.web")


def _internal_error(request: Request, exc: BaseException) -> Response:
    """A bug met while serving ``request``: a 500 with an error id (JSON for ``/api/``, a page
    otherwise); the report — the exception's type and code locations, never its message, the
    body or the answers (:mod:`faceright.crash`) — goes to the server's log under that id."""
    from .crash import error_id, report
    ident = error_id()
    LOG.error("%s", report(exc, ident, f"{request.method} {request.url.path}").rstrip("\n"))
    message = f"internal error — please report, error id {ident}"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "error_id": ident}, status_code=500)
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>faceright</title><p>{message}</p>",
                        status_code=500)


def create_app(rules_dir: str | None = None) -> FastAPI:
    """The ASGI application (one engine, loaded at start; its durable Host is made on the first
    assessment, in this process). Raises :class:`FacerightError` for an unusable rulebook."""
    web = WebApp(load_engine(rules_dir))
    app = FastAPI(title="faceright", version=web.engine.version,
                  description="Assess AI face-swap incidents under Chinese law — an assessment aid, "
                              f"not legal advice. Bodies: at most {MAX_BODY} bytes ({MAX_BATCH} and "
                              f"{MAX_BATCH_CASES} cases for /api/batch), arriving within "
                              f"{BODY_TIMEOUT:g} s with no pause over {BODY_IDLE_TIMEOUT:g} s.")
    app.openapi = _openapi(app, web)  # type: ignore[method-assign]

    @app.middleware("http")
    async def harden(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        try:
            response = await call_next(request)
        except BadInput as exc:
            response = JSONResponse({"error": exc.message}, status_code=exc.status)
        except Exception as exc:  # noqa: BLE001 - never a traceback to the client
            response = _internal_error(request, exc)
        response.headers.update(HEADERS)
        return response

    @app.exception_handler(BadInput)
    async def bad_input(_: Request, exc: BadInput) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.get("/", response_class=HTMLResponse)
    async def start(lang: str = "zh") -> HTMLResponse:
        return web.start(lang if lang in TEXT else "zh")

    @app.post("/interview", response_class=HTMLResponse,
              responses=_errors(400, 408, 413, 415), openapi_extra=_body_of(_FORM))
    async def interview(request: Request) -> HTMLResponse:
        return await _engine_call(_form_page, web.interview, await _form_body(request))

    @app.post("/download/case", responses={**_ok("application/yaml"), **_errors(400, 408, 413, 415)},
              openapi_extra=_body_of(_DOWNLOAD_FORM))
    async def download_case(request: Request) -> Response:
        return await _engine_call(_form_page, web.case_file, await _form_body(request))

    @app.post("/download/notice", responses={**_ok("text/plain"), **_errors(400, 408, 413, 415)},
              openapi_extra=_body_of(_DOWNLOAD_FORM))
    async def download_notice(request: Request) -> Response:
        return await _engine_call(_form_page, web.notice_file, await _form_body(request))

    @app.post("/download/document", responses={**_ok("application/octet-stream"), **_errors(400, 408, 413, 415)},
              openapi_extra=_body_of(_DOCUMENT_FORM))
    async def download_document(request: Request) -> Response:
        return await _engine_call(_form_page, web.document_file, await _form_body(request))

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "rules_version": web.engine.version}

    @app.get("/api/provisions/{pid}", responses=_errors(404, 422))
    async def provision(pid: str, as_of: str | None = None) -> dict[str, Any]:
        try:
            p = web.engine.book.catalogue.get(pid)
        except KeyError as exc:
            raise BadInput(404, str(exc.args[0])) from None
        data: dict[str, Any] = p.model_dump(mode="json")
        if as_of is not None:
            try:
                data["in_force"] = p.in_force(dt.date.fromisoformat(as_of))
            except ValueError:
                raise BadInput(422, "as_of must be a date YYYY-MM-DD") from None
        return data

    @app.post("/api/assess", response_model=dict[str, Any],
              responses=_errors(400, 408, 413, 415, 422),
              openapi_extra=_body_of({"application/json": {"schema": _CASE_REF}}))
    async def assess(request: Request) -> Response:
        return await _engine_call(_json_api, web.assess, await _json_body(request))

    @app.post("/api/next-question", response_model=dict[str, Any],
              responses=_errors(400, 408, 413, 415, 422),
              openapi_extra=_body_of({"application/json": {
                  "schema": {"$ref": "#/components/schemas/NextQuestionBody"}}}))
    async def next_question(request: Request) -> Response:
        return await _engine_call(_json_api, web.next_question, await _json_body(request))

    @app.post("/api/batch", responses={**_ok("application/x-ndjson"), **_errors(408, 413, 415)},
              openapi_extra=_body_of({t: _JSONL for t in ("application/x-ndjson", "application/jsonl",
                                                          "text/plain")}))
    async def batch(request: Request) -> StreamingResponse:
        """JSONL in, JSONL out: one result or error record per line, at most
        :data:`MAX_BATCH_CASES` cases (413 beyond: use ``faceright batch``)."""
        _require(request, "application/x-ndjson", "application/jsonl", "text/plain")
        body = await _body(request, MAX_BATCH)
        if _batch_cases(body) > MAX_BATCH_CASES:
            raise BadInput(413, f"at most {MAX_BATCH_CASES} cases per request; split the input "
                                "or use faceright batch")
        return StreamingResponse(_batch_stream(web, body), media_type="application/x-ndjson")

    return app


def app_factory() -> FastAPI:
    """The application each worker of ``faceright serve`` imports (``uvicorn --factory
    faceright.web:app_factory``): the rules directory comes from the environment variable
    :data:`RULES_ENV` (the shipped rulebook when unset or empty), each worker process loading
    its own engine.

    The server process also hands the GIL over every :data:`SWITCH_INTERVAL` seconds (instead
    of Python's 5 ms): the event loop takes it back from the engine's thread at each step of a
    request, so a health check waits about one interval per step rather than 5 ms."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    return create_app(os.environ.get(RULES_ENV) or None)
