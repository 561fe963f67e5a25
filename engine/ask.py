"""The terminal questionnaire: prompts, answers, don't know / why / back / quit, saving,
and the closing report with next steps and the draft notice to the platform."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from .assessment import Assessment
from .interview import DONT_KNOW, Answers, Final, Interviewer, Question
from .casefile import CaseReader, documents
from . import spoken_dates
from .dates import DateFormError, parse_date, today
from .errors import CaseFileError
from .numbers import parse_number
from .punctuation import colon, paren
from .render import to_text
from .vocabulary import INCIDENT_DATE, FactSpec, Vocabulary

YES = {"y", "yes", "true", "是", "对", "有", "yeah", "yep", "sure", "right", "correct", "of course"}
NO = {"n", "no", "false", "否", "不", "没有", "无", "nope", "not", "never"}
DONT = {"?", "？", "unknown", "不知道", "dk", "不清楚", "不确定", "不记得", "说不清", "不好说", "不晓得",
        "don't know", "dont know", "do not know", "not sure", "no idea", "i don't know", "dunno"}
#: how a spoken Chinese answer begins: a negation answers "no" (不在了, 没有, 不能); otherwise a
#: verb echoed from the question, or a word of assent, answers "yes" (还在, 能，同事都认出来了)
ZH_NO = ("不", "没", "無", "无", "否", "未", "别")
ZH_YES = ("是", "对", "有", "能", "会", "可以", "嗯", "还在", "在", "已经", "确实", "当然", "肯定", "好",
          "认出", "被", "看过", "一直", "都")
WHY = {"why", "为什么", "w"}
BACK = {"back", "返回", "b"}
QUIT = {"quit", "exit", "退出", "q"}
WORDS = {
    "zh": {"choices": "选项", "keys": "（? = 不知道，why = 为什么问，back = 上一题，quit = 保存并退出）",
           "why": "这个回答可能决定：", "bad": "无法识别这个回答，请再试一次。可以输入：", "retry": "；不知道就输入 ?", "saved": "答案已保存到",
           "nothing_back": "没有可以返回的问题。", "yes_no": "是 / 否", "notice": "通知草稿已写入",
           "open": "仍待查明", "list": "可多选，用逗号分隔", "section": "第 {i} 部分（共 {n} 部分）— {title}",
           "left": "这一部分大约 {n} 个问题", "left_one": "这一部分大约 1 个问题", "number": "一个数，例如 20000、20,000、2万、两万、1.5万；没有就写 0 或“没有”",
           "whole": "一个整数，例如 300 或 1.5万", "date": "日期：2023-06-01，不确定可写 2023、2023-06、2023–2024、2021年以前、2021年以后、上个月、去年"},
    "en": {"choices": "choices", "keys": "(? = don't know, why = why is this asked, back = previous question, quit = save and stop)",
           "why": "This answer could decide:", "bad": "Could not read that answer; please try again. You can type:", "retry": "; or ? if you don't know", "saved": "Answers saved to",
           "nothing_back": "There is no earlier question.", "yes_no": "yes / no", "notice": "Draft notice written to",
           "open": "still open", "list": "one or more, separated by commas", "section": "Section {i} of {n} — {title}",
           "left": "about {n} questions in this section", "left_one": "about 1 question in this section", "number": "a number, e.g. 20000, 20,000, 15k or 1.2 million; 0 or none if there was none",
           "whole": "a whole number, e.g. 300 or 15k", "date": "a date: 2023-06-01, or if unsure 2023, 2023-06, 2023–2024, before 2021, after 2021, last month, March 2024"},
}


class Quit(Exception):
    """The user asked to stop (answers are saved first)."""


class InputEnded(Exception):
    """The input closed before the interview was finished (a script or a pipe ran out of
    answers): ``asked`` questions were put, the last one unanswered."""

    def __init__(self, asked: int) -> None:
        super().__init__(asked)
        self.asked = asked


#: exit code of ``faceright ask`` when its input ends before the interview does
UNFINISHED_EXIT = 3
UNFINISHED = {
    "zh": "访谈没有完成：第 {n} 个问题还没有回答，输入就结束了。没有给出评估报告，也没有生成文书。",
    "en": "The interview was not finished: the input ended before question {n} was answered. "
          "No report was given and no documents were written.",
}
RESUME = {"zh": "已回答的内容已保存到 {path}；用 faceright ask --resume {path} 继续。",
          "en": "The answers given so far are saved to {path}; continue with faceright ask --resume {path}."}


def menu(spec: FactSpec, lang: str, sep: str) -> str:
    """The numbered choices of an enum or list fact in words: ``1) a living person``. (The
    stored value, e.g. ``living``, is still accepted when typed, but never shown: it is the
    engine's word, not the person's.)"""
    return sep.join(f"{i}) {spec.choice(v, lang)}" for i, v in enumerate(spec.values, 1))



def parse_answer(spec: FactSpec, text: str, lang: str, periods: list[tuple[str, str]] | None = None) -> Any:
    """Turn typed text into a fact value, or raise ValueError with a message to show.
    ``periods``: a date question's rough periods (value, words), chosen by number or words."""
    raw = text.strip()
    for i, (period, words) in enumerate(periods or [], 1):
        if plain(raw) in {str(i), plain(words), period}:
            raw = period
    low = raw.lower()
    if spec.type == "bool":
        answer = spoken_yes_no(raw)
        if answer is None:
            raise ValueError(WORDS[lang]["yes_no"])
        return answer
    if spec.type in ("enum", "list"):
        picked = []
        whole = _choice(spec, raw, loose=spec.type == "enum")
        # several answers: "1,3", "色情 和 骚扰", "news reporting and advertising" — each part
        # a choice, or else each word of it
        parts = [whole] if whole is not None else [
            c for p in re.split(r"[,，、;；和与]+|\s+and\s+|\s+&\s+", raw) if p.strip()
            for c in ([_choice(spec, p)] if _choice(spec, p) is not None or not p.split()[1:]
                      else [_choice(spec, w) for w in p.split()])]
        for choice in parts:
            if choice is None:
                raise ValueError(menu(spec, lang, ", "))
            picked.append(choice)
        if not picked or (spec.type == "enum" and len(picked) != 1):
            raise ValueError(menu(spec, lang, ", "))
        return picked[0] if spec.type == "enum" else sorted(set(picked), key=spec.values.index)
    if spec.type == "date":
        value = None
        for form in dict.fromkeys((raw, spoken_dates.rewrite(raw, today()))):
            try:
                value = parse_date(form, now_words=spec.now_words)
            except DateFormError:
                continue
            if value is not None:
                break
        if value is None:
            raise ValueError(WORDS[lang]["date"] + "".join(f" / {w}" for w in spec.now_words))
        return value
    try:
        number = parse_number(raw)
    except ValueError:
        raise ValueError(WORDS[lang]["number"]) from None
    if spec.type == "int" and not isinstance(number, int):
        raise ValueError(WORDS[lang]["whole"])
    return number


def plain(text: str) -> str:
    """Typed text as the answer words are compared: trimmed, lower case, no closing stop."""
    return text.strip().lower().rstrip("。.!！")


def spoken_yes_no(text: str) -> bool | None:
    """A yes/no answer as people say it, or None: ``yes``, ``no, never``, ``是的``, ``还在``,
    ``能，同事都认出来了`` (yes), ``不在了``, ``没有`` (no). Only the first clause counts."""
    whole = plain(text)
    first = re.split(r"[,，。.!！;；:：\s]+", whole, maxsplit=1)[0] if whole else ""
    if whole in DONT:
        return None
    for candidate in (whole, first):
        if candidate in YES:
            return True
        if candidate in NO:
            return False
    if first and not first.isascii():
        if first.startswith(ZH_NO):
            return False
        if first.startswith(ZH_YES):
            return True
    return None


def _choice(spec: FactSpec, text: str, loose: bool = True) -> str | None:
    """The value ``text`` names: its number in the menu, the value itself, its label in either
    language, or a word people type for it (``answers_zh``/``answers_en`` in the vocabulary:
    ``骗钱的`` → fraud, ``没同意`` → none), case and surrounding punctuation ignored. Failing
    an exact match: the one value whose longest word the text contains (``他骗我钱`` → fraud),
    or the one label that contains the text (``porn``) — unless ``loose`` is false."""
    part = text.strip().strip("。.!！\"'“”")
    if part.isdigit() and 1 <= int(part) <= len(spec.values):
        return spec.values[int(part) - 1]
    low = part.casefold()
    named = spec.value_named(part)
    if named is not None or not low or not loose:  # a list's whole answer matches exactly, or is read part by part
        return named
    labels = {value: {value, spec.choice(value, "zh"), spec.choice(value, "en")} for value in spec.values}
    words = {value: {w.casefold() for w in spec.typed_words(value)} for value in spec.values}
    best: dict[str, int] = {}
    for value in spec.values:
        for word in words[value]:
            if len(word) >= 2 and _contains(low, word):
                best[value] = max(best.get(value, 0), len(word))
    if best:
        top = max(best.values())
        found = [v for v, n in best.items() if n == top]
        return found[0] if len(found) == 1 else None
    if len(low) >= 3 or not low.isascii():  # a part of one label only: "porn", "没有同意"
        found = [v for v, names in labels.items() if any(low in name.casefold() for name in names)]
        if len(found) == 1:
            return found[0]
    return None


def _contains(text: str, word: str) -> bool:
    """Whether ``text`` contains ``word``: Chinese anywhere, English as whole words."""
    if word.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None
    return word in text


def load_answers(path: str, reader: CaseReader, content: bytes | None = None) -> Answers:
    """Answers from a case file, validated with their locations (``unknown`` facts are
    remembered as "don't know"); ``content`` is the file's bytes when they did not come from
    disk (the web's upload named ``path``). Raises :class:`CaseFileError`."""
    docs = list(documents(path, content))
    if len(docs) != 1:
        raise CaseFileError(path, 1, None, "expected one case to resume from")
    [doc] = docs
    if isinstance(doc, CaseFileError):
        raise doc
    case = reader.validate(doc, path, Path(path).stem)
    data = doc.data
    answers = Answers()
    if case.incident_date is not None:  # the validated value: a JSON file's date is text
        answers.set(INCIDENT_DATE, case.incident_date)
    known = case.facts.model_dump()
    for key, value in (data.get("facts") or {}).items():
        answers.set(key, value if known.get(key) is None else known[key])
    return answers


def yaml_text(answers: Answers, case_id: str, vocabulary: Vocabulary | None = None) -> str:
    """The answers as a case file in the contract's format (with ``vocabulary``, each fact as
    a case file writes it: :meth:`~faceright.vocabulary.Vocabulary.as_written`)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    buffer = io.StringIO()
    data = answers.case_data(case_id)
    if vocabulary is not None:
        data["facts"] = vocabulary.as_written(data["facts"])
    yaml.dump(data, buffer)
    return buffer.getvalue()


def save_answers(answers: Answers, path: str, case_id: str, vocabulary: Vocabulary | None = None) -> None:
    """Write the answers as a case file in the contract's format (see :func:`yaml_text`)."""
    Path(path).write_text(yaml_text(answers, case_id, vocabulary), encoding="utf-8")


def left(bounds: tuple[int, int], w: dict[str, str]) -> str:
    """The estimate of the questions left in a section, in words: ``about 2–4 questions in
    this section`` (one number when the bounds agree)."""
    lo, hi = bounds
    return w["left_one"] if hi == 1 else w["left"].format(n=str(lo) if lo == hi else f"{lo}–{hi}")


class Session:
    """One interview on a terminal (or a script: one answer per line)."""

    def __init__(self, interviewer: Interviewer, answers: Answers, lang: str,
                 read: Callable[[str], str | None], write: Callable[[str], None]) -> None:
        self.interviewer = interviewer
        self.answers = answers
        self.lang = lang
        self.read = read
        self.write = write
        self.asked = 0
        self.section = ""
        #: the answers the final assessment rests on (with the facts they imply)
        self.final: Answers = answers

    def run(self) -> Assessment:
        """Ask until nothing left can change a conclusion; return the final assessment."""
        while True:
            step = self.interviewer.next_question(self.answers, self.lang)
            if isinstance(step, Final):
                self.final = step.answers or self.answers
                return step.assessment
            self.ask(step)

    def ask(self, q: Question) -> None:
        w = WORDS[self.lang]
        self.asked += 1
        lines = []
        if q.section_id != self.section:
            self.section = q.section_id
            lines += ["", w["section"].format(i=q.section_index, n=q.section_count, title=q.section_title)
                      + f"  {paren(left(q.section_remaining, w), self.lang).strip()}"]
        lines += [f"[{self.asked}] {q.text}", f"    {q.help}"]
        if q.spec.type in ("enum", "list"):
            lines.append(f"    {w['choices']}{colon(self.lang)}{menu(q.spec, self.lang, '  ')}"
                         + (f"  {paren(w['list'], self.lang).strip()}" if q.spec.type == "list" else ""))
        elif q.spec.type == "bool":
            lines.append(f"    {w['yes_no']}")
        elif q.spec.type == "date":
            if q.periods:
                lines.append(f"    {w['choices']}{colon(self.lang)}"
                             + "  ".join(f"{i}) {words}" for i, (_, words) in enumerate(q.periods, 1)))
            lines.append(f"    {w['date']}" + "".join(f" / {word}" for word in q.spec.now_words))
        lines.append(f"    {w['keys']}")
        self.write("\n".join(lines))
        while True:
            text = self.read("> ")
            if text is None:
                raise InputEnded(self.asked)
            if plain(text) in DONT:
                self.answers.set(q.fact, DONT_KNOW)
                return
            word = text.strip().lower()
            if word in WHY:
                self.write(w["why"])
                for line in q.why_lines:
                    self.write("  - " + line)
                self.write(q.text)  # the question again, to answer it now
                continue
            if word in BACK:
                if self.answers.back() is None:
                    self.write(w["nothing_back"])
                    continue
                self.asked -= 2  # this question and the one undone are asked again
                self.section = ""  # and its section is announced again
                return
            if word in QUIT:
                raise Quit()
            try:
                self.answers.set(q.fact, parse_answer(q.spec, text, self.lang, q.periods))
                return
            except ValueError as exc:
                self.write(f"{w['bad']} {exc}{w['retry']}")


def closing(interviewer: Interviewer, answers: Answers, lang: str, documents_dir: str | None,
            case_id: str = "interview", today: dt.date | None = None) -> str:
    """The final report (as ``assess`` prints it), and the documents that apply written as
    ``.docx`` into ``documents_dir`` (none when it is None), listed at the end."""
    from .documents import document_langs, write_documents
    engine = interviewer.engine
    effective = interviewer.effective(answers)
    case = engine.case(effective.case_data(case_id))
    text = to_text(engine, case, lang, implied=interviewer.implied(answers, effective))
    if documents_dir:
        langs = document_langs(lang)
        written = write_documents(engine, case, Path(documents_dir), list(langs), "docx", today or dt.date.today())
        if written:
            body, _, last = text.rstrip("\n").rpartition("\n")
            words = engine.book.guidance.words[lang]
            files = "\n".join(f"  - {p}" for p in written)
            note = f"  {words.also_translation}\n" if len(langs) > 1 else ""
            text = f"{body}\n{words.documents}{colon(lang).rstrip()}\n{note}{files}\n\n{last}\n"
    return text
