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
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from typing import Any, Literal, ParamSpec, TypeVar
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.routing import APIRoute
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from .ask import parse_answer
from .dates import WIDEST, DateFormError, DateRange, canonical, date_words, parse_date
from .errors import CaseFileError, FacerightError, Problem, did_you_mean
from .evaluate import Engine, load_engine
from .interview import DONT_KNOW, Answers, Final, Interviewer, Question
from .render import DISCLAIMER, esc, json_line
from .source import SourceError, loads_json
from .vocabulary import INCIDENT_DATE, FactSpec
from .webstatic import DOCS_CSP, FILES, PAGE_CSP, STATIC_CACHE, docs_page, static_file

#: the environment variable naming the rules directory of :func:`app_factory` (set by `faceright serve`)
RULES_ENV = "FACERIGHT_RULES"
#: seconds between GIL hand-overs in the server process (see :func:`app_factory`)
SWITCH_INTERVAL = 0.001
MAX_BODY = 1024 * 1024
#: the media types of a YAML case file (``POST /api/assess``)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
#: the name an API body's problems are located in (``<case>:LINE: key: message``)
BODY_NAME = "<case>"
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
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
#: the questionnaire's pages (answers to POSTs, carrying the answers): kept by the user's own
#: browser only, so its Back can show them again without resubmitting; never by a shared cache
PAGE_CACHE = "private, no-cache"
TEXT = {
    "zh": {"title": "AI换脸事件评估", "start": "开始", "next": "下一步", "dont": "不知道", "back": "返回上一题",
           "why": "为什么问这个？", "switch": "English", "q": "问题", "yes": "是", "no": "否",
           "result": "评估结果", "case": "下载案件文件", "notice": "下载平台通知草稿", "draft": "致平台的通知（草稿）",
           "date": "日期", "or_date": "或者填写日期", "date_forms": "如 2023-06-01；不确定可写 2023、2023-06、2023–2024、2021年以前", "number": "数字（不含单位）", "bad": "无法识别这个回答",
           "intro": "回答几个问题，得到依据中国法律的评估。只会问可能影响结论的问题。",
           "over": "重新开始", "nav": "语言与重新开始", "review": "核对您的回答",
           "review_intro": "查看结果之前，请核对您的回答。点“修改”可以更改任何一个回答。",
           "change": "修改", "see": "查看评估结果", "reviewed": "核对回答", "none_yet": "还没有回答任何问题。",
           "to_review": "返回核对页", "resume": "从保存的案件文件继续",
           "resume_help": "选择之前下载的案件文件（case.yaml）。文件只用于这一次请求，不会被保存。",
           "file": "案件文件", "upload": "上传并继续", "upload_bad": "无法使用这个案件文件",
           "section": "第{i}部分（共{n}部分）", "left": "还剩约{a}个问题", "left_range": "还剩约{a}–{b}个问题",
           "last": "可能是最后一个问题", "follows": "（由您的回答推知）",
           "other": "其他回答", "word": "{label}（Word，可编辑）", "colon": "：", "md": "纯文本（Markdown）",
           "md_of": "{label}：纯文本（Markdown）", "translation": "英文译文",
           "docs_intro": "下载后，在方括号处填上只有您知道的内容（姓名、网址等），再发送或提交。"},
    "en": {"title": "AI face-swap assessment", "start": "Start", "next": "Next", "dont": "Don't know",
           "back": "Back", "why": "Why is this asked?", "switch": "中文", "q": "Question", "yes": "Yes",
           "no": "No", "result": "Assessment", "case": "Download the case file",
           "notice": "Download the draft notice to the platform", "draft": "Draft notice to the platform",
           "date": "Date", "or_date": "or type a date", "date_forms": "e.g. 2023-06-01; if unsure 2023, 2023-06, 2023–2024, before 2021", "number": "Number (without unit)",
           "bad": "Could not read that answer",
           "intro": "Answer a few questions to get an assessment under Chinese law. Only questions "
                    "that can change a conclusion are asked.",
           "over": "Start over", "nav": "Language and start over", "review": "Check your answers",
           "review_intro": "Before the result, check your answers. Use Change to correct any of them.",
           "change": "Change", "see": "See the assessment", "reviewed": "Check your answers",
           "none_yet": "No question has been answered yet.", "to_review": "Back to your answers",
           "resume": "Continue from a saved case file",
           "resume_help": "Choose the case file you downloaded earlier (case.yaml). It is read for "
                          "this request only and not kept.",
           "file": "Case file", "upload": "Upload and continue", "upload_bad": "This case file cannot be used",
           "section": "Section {i} of {n}", "left": "about {a} questions left",
           "left_range": "about {a}–{b} questions left", "last": "probably the last question",
           "follows": "(follows from your other answers)", "other": "Other answers",
           "word": "{label} (Word, editable)", "colon": ": ", "md": "Plain text (Markdown)", "md_of": "{label}: plain text (Markdown)",
           "translation": "English translation",
           "docs_intro": "Download, fill in the blanks in square brackets that only you know (your name, the "
                         "content's address…), then send or file it."},
}
STYLE = ("body{font-family:sans-serif;max-width:40rem;margin:auto;padding:1rem;line-height:1.5;"
         "overflow-wrap:anywhere}"
         "button,input{font-size:1rem}button{min-height:2.75rem;padding:.5rem 1rem;margin:.25rem .25rem .25rem 0}"
         "label{display:block;margin:.25rem 0;padding:.35rem 0}input[type=radio],input[type=checkbox]"
         "{width:1.25rem;height:1.25rem;vertical-align:middle}fieldset{border:1px solid #999;margin:0 0 .5rem}"
         ":focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}[role=alert]{color:#a51d2d;font-weight:bold}"
         "pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}.help{color:#444}"
         "header nav{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:flex-end}"
         "header form{display:inline}a{color:#1a5fb4}"
         "#answers ul{padding-left:0;list-style:none}#answers li{border-bottom:1px solid #ccc;padding:.5rem 0}"
         "#answers p{margin:.25rem 0}"
         "input[type=text]{padding:.35rem;max-width:100%}"
         "h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.3rem;margin:.75rem 0 .5rem}h3{margin:1rem 0 .5rem}"
         "#answer p{margin:.4rem 0}"
         "#documents ul{padding-left:0;list-style:none;margin:.25rem 0}#documents li{padding:.25rem 0}"
         "#documents p{margin:.25rem 0}#documents .help{font-size:.9rem}"
         "button.doc{display:block;width:100%;text-align:left;font-weight:bold;margin:0}"
         "button.plain,button.trans{background:none;border:0;color:#1a5fb4;text-decoration:underline;padding:0 .25rem;"
         "min-height:1.75rem;margin:0;font-size:.9rem}"
         "#plan{margin:.25rem 0;padding-left:1.75rem}#plan summary{padding:.3rem 0;cursor:pointer}")


class ProblemBody(BaseModel):
    """One problem of a case that cannot be used, located as the CLI locates it."""

    line: int | None = Field(description="the line of the body it is on (None: not known)")
    key: str | None = Field(description="the dotted key it is about, e.g. facts.consent (None: the whole case)")
    message: str = Field(description="what is wrong, with a did-you-mean where one is close")


class ErrorBody(BaseModel):
    """Every 4xx answer of the API and the pages: ``{"error": message}`` (the CLI's message);
    a case that cannot be used also lists each of its problems (at most 20, in the order of
    their lines; the message counts the rest)."""

    error: str = Field(description="what is wrong, naming the line and key where known (one line per problem)")
    problems: list[ProblemBody] | None = Field(
        default=None, description="a case's problems, each located (only for an invalid case)")


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
#: the questionnaire's actions (the buttons of its pages); a review page's Change buttons send
#: ``edit:FACT``
ACTIONS = ("start", "answer", "dontknow", "back", "why", "switch", "show", "review", "result", "edit")
#: what a page shows: the question on ``fact``, the review of the answers, or the result
VIEWS = ("question", "review", "result")
#: a question page asks the next question, or one the user chose to change from the review page
MODES = ("next", "edit")
_STATE = {"type": "string", "description": "the answers so far (JSON), as the last page gave them"}
_LANG = {"type": "string", "enum": list(TEXT)}
_FORM = {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "properties": {
        "lang": _LANG, "state": _STATE,
        "action": {"type": "string", "pattern": "^(" + "|".join(a for a in ACTIONS if a != "edit")
                   + "|edit:[a-z0-9_]+)$",
                   "description": "the button pressed; edit:FACT changes the answer about FACT"},
        "view": {"type": "string", "enum": list(VIEWS), "description": "the page the form is on"},
        "mode": {"type": "string", "enum": list(MODES)},
        "fact": {"type": "string", "description": "the fact the question page asks about"},
        "value": {"type": "string", "description": "the answer (checkboxes: one field each)"}}}}}
_UPLOAD_FORM = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["case"], "properties": {
        "lang": _LANG, "case": {"type": "string", "format": "binary",
                                "description": "a case file as downloaded from the result page"}}}}}
_DOWNLOAD_FORM = {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "properties": {"lang": _LANG, "state": _STATE}}}}
_DOCUMENT_FORM = {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "properties": {"lang": _LANG, "state": _STATE, "document": {"type": "string"},
                                     "doc_lang": _LANG, "format": {"enum": ["docx", "md"]}}}}}


def _ok(media_type: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry of a 200 that is text of ``media_type``."""
    return {200: {"description": "Successful Response",
                  "content": {media_type: {"schema": {}}}}}


def _page_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a form whose errors are shown on a page (HTML)."""
    return {status: {"description": "the page, with the error shown", "content": {"text/html": {"schema": {}}}}
            for status in statuses}


class BadInput(Exception):
    """A request whose content cannot be used (answered with 4xx and the message; an invalid
    case also with its problems, :class:`ProblemBody` each)."""

    def __init__(self, status: int, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems

    @classmethod
    def of_case(cls, status: int, exc: FacerightError) -> BadInput:
        """The error of a case that cannot be used: the CLI's message and, for a case file's
        error, each problem located."""
        problems = exc.problems() if isinstance(exc, CaseFileError) else None
        return cls(status, str(exc), problems)

    def body(self) -> dict[str, Any]:
        """The JSON answer (:class:`ErrorBody`)."""
        if self.problems is None:
            return {"error": self.message}
        return {"error": self.message,
                "problems": [{"line": line, "key": key, "message": message}
                             for line, key, message in self.problems]}


def _other_lang(lang: str) -> str:
    """The ``lang`` attribute of the language switch, which is written in the other language."""
    return 'lang="en"' if lang == "zh" else 'lang="zh-CN"'


def _hidden(fields: dict[str, str]) -> str:
    """Hidden inputs carrying ``fields`` (escaped)."""
    return "".join(f'<input type=hidden name="{esc(k)}" value="{esc(v)}">' for k, v in fields.items())


def _page(lang: str, body: str, heading: str = "", nav: dict[str, str] | None = None,
          again: dict[str, str] | None = None, status: int = 200, footer: str | None = None) -> HTMLResponse:
    """A whole page: a header with the language switch and start over, ``<main>`` with the one
    ``h1`` and ``body``, the disclaimer in the footer. ``nav`` holds the fields a switch of
    language carries to show the same page in the other language (the answers among them);
    without them the switch is a link to the start page. ``again`` holds the fields that show
    this page again (``static/app.js`` keeps them in the tab's history: reload and Back work
    without resubmitting); a page made by a POST has them and is kept only by the user's own
    browser (:data:`PAGE_CACHE`). ``footer`` replaces the footer's disclaimer (a result's
    rules version and disclaimer)."""
    t = TEXT[lang]
    other = "en" if lang == "zh" else "zh"
    if nav is None:
        switch = f'<a href="/?lang={other}" {_other_lang(lang)}>{esc(t["switch"])}</a>'
    else:
        switch = (f"<form method=post action=/interview>{_hidden({**nav, 'lang': lang})}"
                  f"<button name=action value=switch formnovalidate {_other_lang(lang)}>"
                  f"{esc(t['switch'])}</button></form>")
    title = f"{heading} — {t['title']}" if heading else t["title"]
    kept = "" if again is None else (f"<form id=again hidden method=post action=/interview>"
                                     f"{_hidden({**again, 'lang': lang, 'action': 'show'})}</form>")
    page = (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>'
            f'<style>{STYLE}</style><script src="/static/app.js" defer></script></head><body>'
            f'<header><nav aria-label="{esc(t["nav"])}">{switch}'
            f'<a href="/?lang={lang}">{esc(t["over"])}</a></nav></header>'
            f"<main><h1>{esc(t['title'])}</h1>{body}</main>"
            f"<footer><p><small>{esc(DISCLAIMER[lang] if footer is None else footer)}</small></p></footer>"
            f"{kept}</body></html>")
    headers = {"Cache-Control": PAGE_CACHE} if again is not None else None
    return HTMLResponse(page, status_code=status, headers=headers)


def _state_text(answers: Answers) -> str:
    """The answers as the hidden field's JSON (dates as ISO text)."""
    data = {"values": {k: (canonical(v) if isinstance(v, dt.date | DateRange) else v)
                       for k, v in answers.values.items()},
            "order": answers.order}
    return json.dumps(data, ensure_ascii=False)


def _upload_name(name: str | None) -> str:
    """The name an uploaded file is reported under: its base name, printable, at most 80
    characters (``upload`` when it has none)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable())[:80]
    return base or "upload"


def _state_field(answers: Answers) -> str:
    return f'<input type=hidden name=state value="{esc(_state_text(answers))}">'


def _form_text(spec: FactSpec, value: Any) -> str:
    """An answer as the question's inputs write it (``yes``/``no``, ISO dates, list values
    joined by commas), to show it chosen again; empty for don't know."""
    if value is None or value == DONT_KNOW:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dt.date | DateRange):
        return canonical(value)
    return str(value)


def _label(engine: Engine, fact: str, value: Any, lang: str) -> str:
    """An answer in the words the question offered (never a fact's key or raw value): the
    report's words for it (:func:`faceright.report.answer_text`), "don't know" for none."""
    from .report import answer_text
    if value == DONT_KNOW or value == WIDEST:
        return TEXT[lang]["dont"]
    return answer_text(engine, fact, value, lang)


def _progress(q: Question, answered: int, lang: str) -> tuple[str, str]:
    """The heading of a question page ("Section 3 of 7 — The platform") and the line under it
    ("Question 5 · about 4–8 questions left", this one included), from the interviewer's
    sections and its estimate of the questions left."""
    t = TEXT[lang]
    heading = t["section"].format(i=q.section_index, n=q.section_count) + f" — {q.section_title}"
    low, high = q.remaining
    if high <= 1:
        left = t["last"]
    elif low == high:
        left = t["left"].format(a=low)
    else:
        left = t["left_range"].format(a=low, b=high)
    return heading, f"{t['q']} {answered + 1} · {left}"


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
    def start(self, lang: str, error: str = "", status: int = 200) -> HTMLResponse:
        """The start page: begin, or continue from a downloaded case file (``error``: why an
        upload could not be used, shown with ``status``)."""
        t = TEXT[lang]
        alert = f"<p role=alert id=upload-error>{esc(t['upload_bad'])}{t['colon']}{'<br>'.join(map(esc, error.splitlines()))}</p>" if error else ""
        return _page(lang, f"<p>{esc(t['intro'])}</p><form method=post action=/interview>"
                           f"{_hidden({'lang': lang})}"
                           f"<button name=action value=start>{esc(t['start'])}</button></form>"
                           f"<h2>{esc(t['resume'])}</h2>"
                           f"<form method=post action=/resume enctype=multipart/form-data>"
                           f"{_hidden({'lang': lang})}<p class=help id=resume-help>{esc(t['resume_help'])}</p>"
                           f"{alert}<label for=case-file>{esc(t['file'])}</label>"
                           f"<input id=case-file type=file name=case accept=\".yaml,.yml,.json\" required "
                           f"aria-describedby=resume-help>"
                           f"<button>{esc(t['upload'])}</button></form>", status=status)

    def interview(self, form: dict[str, str]) -> HTMLResponse:
        """One press of a questionnaire button: the page it leads to (see :data:`ACTIONS`)."""
        lang = form.get("lang", "zh")
        if lang not in TEXT:
            raise BadInput(400, "lang must be zh or en")
        action = form.get("action", "start")
        edited = None
        if action.startswith("edit:"):
            action, edited = "edit", self._fact(action[len("edit:"):])
        elif action not in ACTIONS or action == "edit":
            raise BadInput(400, f"unknown action '{action[:40]}'" + did_you_mean(action, ACTIONS))
        view, mode = form.get("view", "question"), form.get("mode", "next")
        if view not in VIEWS:
            raise BadInput(400, f"unknown view '{view[:40]}'" + did_you_mean(view, VIEWS))
        if mode not in MODES:
            raise BadInput(400, f"unknown mode '{mode[:40]}'" + did_you_mean(mode, MODES))
        answers = self.answers(form.get("state"))
        fact = self._fact(form["fact"]) if form.get("fact") else None
        value = (form.get("value") or "").strip() or form.get("period")  # a typed date, or a rough period
        if action == "switch":
            lang, action = ("en" if lang == "zh" else "zh"), "show"
        if action == "start":
            return self.proceed(Answers(), lang)
        if action == "review" or (action == "show" and view == "review"):
            return self.review(answers, lang)
        if action == "result" or (action == "show" and view == "result"):
            return self.result(answers, lang)
        if action == "edit" and edited is not None:
            return self.ask(answers, self.question_about(answers, edited, lang), lang,
                            mode="edit", value=_form_text(self._spec(edited), answers.values.get(edited)))
        if action == "back":
            return self.back(answers, lang, mode)
        if action in ("show", "why"):
            if mode == "edit" and fact is not None:
                return self.ask(answers, self.question_about(answers, fact, lang), lang, mode="edit",
                                value=value, show_why=action == "why")
            step = self.interviewer.next_question(answers, lang)
            if isinstance(step, Final):
                return self.review(answers, lang)
            return self.ask(answers, step, lang, value=value if step.fact == fact else None,
                            show_why=action == "why")
        if fact is None:
            raise BadInput(400, f"{action} needs the fact the question is about")
        if action == "dontknow":
            answers.set(fact, DONT_KNOW)
            return self.proceed(answers, lang)
        try:
            parsed = parse_answer(self._spec(fact), value or "", lang)
        except ValueError as exc:
            return self.again(answers, fact, lang, mode, value, TEXT[lang]['bad'] + TEXT[lang]['colon'] + str(exc))
        previous = answers.values.get(fact)
        answers.set(fact, parsed)
        try:
            self.engine.case(answers.case_data("web"))
        except FacerightError as exc:
            answers.back()
            if previous is not None:
                answers.set(fact, previous)
            return self.again(answers, fact, lang, mode, value, TEXT[lang]['bad'] + TEXT[lang]['colon'] + str(exc))
        return self.proceed(answers, lang)

    def again(self, answers: Answers, fact: str, lang: str, mode: str, value: str | None,
              error: str) -> HTMLResponse:
        """The question on ``fact`` once more, with the answer given and why it was refused."""
        if mode == "next":
            step = self.interviewer.next_question(answers, lang)
            if isinstance(step, Question) and step.fact == fact:
                return self.ask(answers, step, lang, value=value, error=error)
        return self.ask(answers, self.question_about(answers, fact, lang), lang, mode=mode,
                        value=value, error=error)

    def proceed(self, answers: Answers, lang: str) -> HTMLResponse:
        """The next question, or the review of the answers when nothing is left to ask."""
        step = self.interviewer.next_question(answers, lang)
        if isinstance(step, Final):
            return self.review(answers, lang)
        return self.ask(answers, step, lang)

    def back(self, answers: Answers, lang: str, mode: str) -> HTMLResponse:
        """The app's Back: from a change made on the review page, the review page; otherwise
        the previous question, its answer taken back but shown chosen."""
        if mode == "edit" or not answers.order:
            return self.review(answers, lang) if mode == "edit" else self.proceed(answers, lang)
        fact = answers.order[-1]
        previous = answers.values[fact]
        answers.back()
        step = self.interviewer.next_question(answers, lang)
        if isinstance(step, Final):
            return self.review(answers, lang)
        chosen = _form_text(step.spec, previous) if step.fact == fact else None
        return self.ask(answers, step, lang, value=chosen)

    def question_about(self, answers: Answers, fact: str, lang: str) -> Question:
        """The question on ``fact`` as the interview asks it with the other answers given (its
        text, section and reasons), to change its answer."""
        others = Answers()
        for key in answers.order:
            if key != fact:
                others.set(key, answers.values[key])
        step = self.interviewer.next_question(others, lang)
        if isinstance(step, Question) and step.fact == fact:
            return step
        graph = self.interviewer.graph  # no longer asked as things stand: worded all the same
        gq = graph.question(fact)
        text, help_ = self._worded(fact, answers, lang)
        index = gq.section_index if gq is not None else 1
        return Question(fact, self._spec(fact), text, help_, [], graph.sections[index - 1].id,
                        graph.section_title(index, lang), index, len(graph.sections), (1, 1),
                        periods=graph.periods(fact, lang))

    def _worded(self, fact: str, answers: Answers, lang: str,
                full: Answers | None = None) -> tuple[str, str]:
        """The question on ``fact`` and its help as the interview words them for the respondent
        the answers name (the vocabulary's wording for a fact outside the question graph);
        ``full``: the answers' ``effective`` form when the caller has it."""
        graph = self.interviewer.graph
        gq = graph.question(fact)
        if gq is None:
            spec = self._spec(fact)
            return (spec.zh, spec.help_zh) if lang == "zh" else (spec.en, spec.help_en)
        known = (self.interviewer.effective(answers) if full is None else full).known()
        return graph.text(gq, known, lang), graph.help(gq, known, lang)

    def _spec(self, fact: str) -> FactSpec:
        return self.engine.book.vocabulary.spec(fact)

    def _fact(self, fact: str) -> str:
        """A fact name from the form, or a 400 naming it (with a did-you-mean)."""
        names = self.engine.book.vocabulary.names()
        if fact not in names:
            raise BadInput(400, f"unknown fact '{fact[:40]}'" + did_you_mean(fact, names))
        return fact

    def ask(self, answers: Answers, q: Question, lang: str, mode: str = "next", value: str | None = None,
            error: str = "", show_why: bool = False) -> HTMLResponse:
        """A question page: the question with its choices (``value`` shown chosen), progress,
        and the buttons next, don't know, back and why."""
        t = TEXT[lang]
        spec = q.spec
        field = f"f-{q.fact}"
        chosen = set((value or "").split(",")) if spec.type == "list" else {value or ""}

        def mark(option: str) -> str:
            return " checked" if option in chosen else ""

        if spec.type in ("enum", "list"):
            kind, required = ("radio", " required") if spec.type == "enum" else ("checkbox", "")
            inputs = "".join(f'<label><input type={kind} name=value value="{esc(v)}"{required}{mark(v)}> '
                             f"{esc(spec.choice(v, lang))}</label>" for v in spec.values)
        elif spec.type == "bool":
            inputs = (f'<label><input type=radio name=value value=yes required{mark("yes")}> {esc(t["yes"])}</label>'
                      f'<label><input type=radio name=value value=no{mark("no")}> {esc(t["no"])}</label>')
        elif spec.type == "date":
            hint = t["date_forms"] + "".join(f" / {w}" for w in spec.now_words)
            # rough periods as choices (name=period); a typed date (name=value) comes first when
            # both are given, and the field is then optional
            rough = "".join(f'<label><input type=radio name=period value="{esc(v)}"{mark(v)}> {esc(words)}</label>'
                            for v, words in q.periods)
            typed = "" if value in {v for v, _ in q.periods} else value or ""
            inputs = (rough + f'<label for="{field}">{esc(t["or_date"] if rough else t["date"])} '
                      f'<small>{esc(hint)}</small></label>'
                      f'<input id="{field}" type=text name=value{"" if rough else " required"} autocomplete=off '
                      f'value="{esc(typed)}">')
        else:
            inputs = (f'<label for="{field}">{esc(t["number"])}</label>'
                      f'<input id="{field}" type=text inputmode=decimal name=value required '
                      f'value="{esc(value or "")}">')
        why = ""
        if show_why:
            items = "".join(f"<li>{esc(line)}</li>" for line in q.why_lines)
            why = f"<section id=why aria-labelledby=why-title><h3 id=why-title>{esc(t['why'])}</h3><ul>{items}</ul></section>"
        keep = {"state": _state_text(answers), "view": "question", "mode": mode, "fact": q.fact}
        err = f'<p role=alert>{esc(error)}</p>' if error else ""
        heading, line = _progress(q, len(answers.order), lang)
        can_go_back = mode == "edit" or bool(answers.order)
        back_label = t["to_review"] if mode == "edit" else t["back"]
        body = (f"<h2 id=progress>{esc(heading)}</h2><p id=count>{esc(line)}</p>"
                f'<form method=post action=/interview><fieldset><legend id=question>{esc(q.text)}</legend>'
                f"<p class=help>{esc(q.help)}</p>{err}{inputs}</fieldset>{_hidden({**keep, 'lang': lang})}"
                f"<button name=action value=answer>{esc(t['next'])}</button>"
                f"<button name=action value=dontknow formnovalidate>{esc(t['dont'])}</button>"
                + (f"<button name=action value=back formnovalidate>{esc(back_label)}</button>" if can_go_back else "")
                + f"<button name=action value=why formnovalidate>{esc(t['why'])}</button>"
                f"</form>{why}")
        shown = {**keep, "value": value or ""}
        return _page(lang, body, heading=f"{t['q']} {len(answers.order) + 1}", nav=shown, again=shown)

    def review(self, answers: Answers, lang: str) -> HTMLResponse:
        """The answers so far in plain words — each question as asked and the answer's label —
        each with a Change button, and the way on to the result."""
        t = TEXT[lang]
        keep = {"state": _state_text(answers), "view": "review"}
        graph = self.interviewer.graph
        place = {q.fact: (q.section_index, i) for i, q in enumerate(graph.questions)}
        other = len(graph.sections) + 1  # answers the graph does not ask (from an upload)
        ordered = sorted(answers.order, key=lambda f: place.get(f, (other, answers.order.index(f))))
        groups: dict[int, list[str]] = {}
        full = self.interviewer.effective(answers)
        inferred = self.interviewer.inferred(answers, full)  # not answered: marked as what follows
        for n, fact in enumerate(ordered, start=1):
            text = self._worded(fact, answers, lang, full)[0]
            follows = f" <small class=follows>{esc(t['follows'])}</small>" if fact in inferred else ""
            value = answers.values[fact]
            rough = dict(graph.periods(fact, lang))  # a rough period is named as it was offered
            label = rough.get(_form_text(self._spec(fact), value)) or _label(self.engine, fact, value, lang)
            groups.setdefault(place.get(fact, (other, 0))[0], []).append(
                f"<li><p id=q{n}>{esc(text)}</p><p><b>{esc(label)}</b>{follows}</p>"
                f'<button name=action value="edit:{esc(fact)}" aria-describedby=q{n} formnovalidate>'
                f"{esc(t['change'])}</button></li>")
        listing = "".join(
            f"<h3>{esc(graph.section_title(index, lang) if index < other else t['other'])}</h3>"
            f"<ul>{''.join(rows)}</ul>" for index, rows in sorted(groups.items()))
        listing = f"<div id=answers>{listing}</div>" if groups else f"<p>{esc(t['none_yet'])}</p>"
        back = f"<button name=action value=back>{esc(t['back'])}</button>" if answers.order else ""
        body = (f"<h2 id=review>{esc(t['review'])}</h2><p>{esc(t['review_intro'])}</p>"
                f"<form method=post action=/interview>{_hidden({**keep, 'lang': lang})}{listing}"
                f"<button name=action value=result>{esc(t['see'])}</button>{back}</form>")
        return _page(lang, body, heading=t["review"], nav=keep, again=keep)


    def resume(self, form: dict[str, str], name: str | None, content: bytes | None) -> HTMLResponse:
        """The start page's upload: the case file read by the same reader as ``faceright ask
        --resume`` (the same messages, located in the uploaded file), then the interview goes
        on from its answers; a file that cannot be used is shown on the start page with a 4xx."""
        lang = form.get("lang", "zh")
        if lang not in TEXT:
            return self.start("zh", "lang must be zh or en", 400)
        if content is None:
            return self.start(lang, "no case file was chosen", 400)
        from .ask import load_answers
        try:
            answers = load_answers(_upload_name(name), self.engine.reader, content)
        except FacerightError as exc:
            return self.start(lang, str(exc), 422)
        return self.proceed(answers, lang)

    def result(self, answers: Answers, lang: str) -> HTMLResponse:
        """The report for these answers (whether or not questions are left: the person asked
        for it), the documents that apply as downloads (stateless: the answers travel in each
        form), the case file, and back. The answers with what they imply are worked out once."""
        from .documents import report_and_documents
        from .report_render import footer_line
        from .report_render import to_html as report_html
        t = TEXT[lang]
        full = self.interviewer.effective(answers)
        case = self.engine.case(full.case_data("web"))
        hidden = f'{_state_field(answers)}<input type=hidden name=lang value="{lang}">'
        words = self.engine.book.guidance.words[lang]
        implied = self.interviewer.implied(answers, full)
        report, written = report_and_documents(self.engine, case, lang, dt.date.today(), implied=implied)
        # Chinese always (they go to Chinese platforms, police and courts), an English
        # translation beside each for a page in English
        translated = {d.id: d for d in written.get(lang, [])} if lang != "zh" else {}

        def item(d: Any) -> str:
            shown = translated.get(d.id, d)  # named and explained in the page's language
            fields = f'{hidden}<input type=hidden name=document value="{esc(d.id)}">'
            out = (f"<li><form method=post action=/download/document>{fields}"
                   f'<input type=hidden name=doc_lang value="zh">'
                   f'<button name=format value=docx class=doc aria-describedby="doc-{esc(d.id)}">'
                   f"{esc(t['word'].format(label=shown.label))}</button>"
                   f'<p class=help><span id="doc-{esc(d.id)}">{esc(shown.what_for)}</span> '
                   f'<button name=format value=md class=plain aria-label="{esc(t["md_of"].format(label=shown.label))}">'
                   f"{esc(t['md'])}</button></p></form>")
            if d.id in translated:
                out += (f"<form method=post action=/download/document>{fields}"
                        f'<input type=hidden name=doc_lang value="{esc(lang)}">'
                        f'<button name=format value=docx class=trans>{esc(t["translation"])} (Word)</button>'
                        f'<button name=format value=md class=trans>{esc(t["translation"])} (Markdown)</button></form>')
            return out + "</li>"
        docs = "".join(item(d) for d in written["zh"])
        note = f"<p>{esc(words.also_translation)}</p>" if translated else ""
        documents = (f"<section id=documents><h3>{esc(words.documents)}</h3><p>{esc(t['docs_intro'])}</p>"
                     f"{note}<ul>{docs}</ul></section>") if docs else ""
        body = (f"<h2 id=result>{esc(t['result'])}</h2>{report_html(report, documents)}"
                f"<form method=post action=/download/case>{hidden}<button>{esc(t['case'])}</button></form>"
                f"<form method=post action=/interview>{hidden}<input type=hidden name=view value=result>"
                f"<button name=action value=review>{esc(t['reviewed'])}</button></form>")
        keep = {"state": _state_text(answers), "view": "result"}
        return _page(lang, body, heading=t["result"], nav=keep, again=keep, footer=footer_line(report))

    def case_file(self, form: dict[str, str]) -> Response:
        from .ask import yaml_text
        if form.get("lang", "zh") not in TEXT:
            raise BadInput(400, "lang must be zh or en")
        answers = self.answers(form.get("state"))
        # the facts the answers state by themselves are written too: the file assesses as the page did
        return Response(yaml_text(self.interviewer.effective(answers), "web", self.engine.book.vocabulary), media_type="application/yaml",
                        headers={"Content-Disposition": 'attachment; filename="case.yaml"'})

    def document_file(self, form: dict[str, str]) -> Response:
        """One document of the result page (``document``: its id; ``format``: docx or md)."""
        from .documents import FORMATS, documents_for, file_name, render
        lang = form.get("doc_lang") or form.get("lang", "zh")
        if lang not in TEXT:
            raise BadInput(400, "lang must be zh or en")
        fmt = form.get("format", "docx")
        if fmt not in FORMATS:
            raise BadInput(400, f"format must be one of {', '.join(FORMATS)}")
        answers = self.answers(form.get("state"))
        today = dt.date.today()
        case = self.engine.case(self.interviewer.effective(answers).case_data("web"))
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
            raise BadInput.of_case(422, exc) from None
        return self.engine.assess(case).to_json_dict()

    def assess_yaml(self, body: bytes) -> dict[str, Any]:
        """A YAML case file's one case assessed: read as the CLI reads a file (safe loading,
        the same bounds and messages, lines of the body), 400 when it is not YAML, 422 when it
        is not one valid case."""
        from .casefile import _decode, yaml_documents
        try:
            docs = list(yaml_documents(BODY_NAME, _decode(BODY_NAME, body)))
        except CaseFileError as exc:  # not UTF-8
            raise BadInput(400, str(exc)) from None
        for doc in docs:
            if isinstance(doc, CaseFileError):
                raise BadInput(400, str(doc)) from None
        if not docs:
            raise BadInput(422, f"{BODY_NAME}: no case found in this body")
        if len(docs) > 1:
            raise BadInput(422, f"{BODY_NAME}: expected one case, found {len(docs)}; send "
                                "several to /api/batch (JSONL)")
        [doc] = docs
        assert not isinstance(doc, CaseFileError)
        try:
            case = self.engine.reader.validate(doc, BODY_NAME, "case")
        except FacerightError as exc:
            raise BadInput.of_case(422, exc) from None
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
            raise BadInput.of_case(422, exc) from None
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
                             "why_lines": step.why_lines,
                             "periods": [{"value": v, "label": words} for v, words in step.periods]}}

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


def _require(request: Request, *types: str) -> str:
    """The request's media type (without parameters), one of ``types``; else 415."""
    got = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if got not in types:
        raise BadInput(415, f"content type must be {' or '.join(types)}")
    return got


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
                                 for m in (NextQuestionBody, ErrorBody, ProblemBody))):
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


async def _upload(request: Request) -> tuple[dict[str, str], str | None, bytes | None]:
    """A multipart upload of at most :data:`MAX_BODY` bytes: its text fields, and the name and
    bytes of its one file ``case`` (``None`` when no file was chosen); :class:`BadInput` 415 for
    another content type, 413 too large, 400 malformed or more than one file."""
    from starlette.datastructures import UploadFile
    from starlette.formparsers import MultiPartException, MultiPartParser
    _require(request, "multipart/form-data")
    body = await _body(request, MAX_BODY)

    async def chunks() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(request.headers, chunks(), max_files=1, max_fields=MAX_FORM_FIELDS)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadInput(400, f"malformed upload: {exc.message}") from None
    fields: dict[str, str] = {}
    name, content = None, None
    try:
        for key, item in form.multi_items():
            if isinstance(item, UploadFile):
                if key == "case" and (item.filename or item.size):
                    name, content = item.filename, await item.read()
            else:
                fields[key] = item
    finally:
        await form.close()
    return fields, name, content


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
    app = FastAPI(title="faceright", version=web.engine.version, docs_url=None, redoc_url=None,
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
            response = JSONResponse(exc.body(), status_code=exc.status)
        except Exception as exc:  # noqa: BLE001 - never a traceback to the client
            response = _internal_error(request, exc)
        for key, value in HEADERS.items():  # a response may set its own policy and caching
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """FastAPI's answer, except that a 405's ``Allow`` names the methods of every route
        of the path (``/interview``: GET and POST are two routes)."""
        if exc.status_code == 405:
            methods = {m for route in app.router.routes if isinstance(route, APIRoute)
                       and route.path_regex.match(request.url.path) for m in route.methods or ()}
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(methods))}
        return await http_exception_handler(request, exc)

    @app.exception_handler(BadInput)
    async def bad_input(_: Request, exc: BadInput) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.get("/", response_class=HTMLResponse)
    async def start(lang: str = "zh") -> HTMLResponse:
        return web.start(lang if lang in TEXT else "zh")

    @app.post("/resume", response_class=HTMLResponse, responses=_page_errors(400, 408, 413, 415, 422),
              openapi_extra=_body_of(_UPLOAD_FORM))
    async def resume(request: Request) -> HTMLResponse:
        try:
            fields, name, content = await _upload(request)
        except BadInput as exc:
            return web.start("zh", exc.message, exc.status)
        return await _engine_call(web.resume, fields, name, content)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(docs_page(app.title, "/openapi.json"),
                            headers={"Content-Security-Policy": DOCS_CSP})

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        found = static_file(name)
        if found is None:
            raise BadInput(404, f"no such file '{name[:40]}'" + did_you_mean(name, FILES))
        content, media_type = found
        return Response(content, media_type=media_type, headers={"Cache-Control": STATIC_CACHE})

    @app.post("/interview", response_class=HTMLResponse,
              responses=_errors(400, 408, 413, 415), openapi_extra=_body_of(_FORM))
    async def interview(request: Request) -> HTMLResponse:
        return await _engine_call(_form_page, web.interview, await _form_body(request))

    @app.get("/interview", response_class=HTMLResponse)
    async def interview_again(lang: str = "zh") -> HTMLResponse:
        """Where a reload or Back lands once the pages' script made a page's history entry a
        GET: the start page, whose script posts the entry's form data again (no script: the
        start page)."""
        return web.start(lang if lang in TEXT else "zh")

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
              openapi_extra=_body_of({t: {"schema": _CASE_REF} for t in ("application/json", *YAML_TYPES)}))
    async def assess(request: Request) -> Response:
        """One case, as JSON or as a YAML case file (safe loading; one document): its
        assessment, or the CLI's message with each of the case's problems."""
        if _require(request, "application/json", *YAML_TYPES) == "application/json":
            return await _engine_call(_json_api, web.assess, await _body(request, MAX_BODY))
        body = await _body(request, MAX_BODY)
        return await _engine_call(lambda: JSONResponse(web.assess_yaml(body)))

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
