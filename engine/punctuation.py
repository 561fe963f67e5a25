"""Punctuation of running text by language: Chinese text takes full-width marks (``：``, ``；``,
``（…）``), English the ASCII ones with their spaces. One home for the marks every renderer
puts between the words it assembles (report, documents, the interview's reasons)."""

from __future__ import annotations

import re


def colon(lang: str) -> str:
    """After a label: ``：`` in Chinese, ``: `` in English."""
    return "：" if lang == "zh" else ": "


def semicolon(lang: str) -> str:
    """Between clauses or items of a line: ``；`` or ``; ``."""
    return "；" if lang == "zh" else "; "


def comma(lang: str) -> str:
    """Between the items of a list: ``、`` or ``, ``."""
    return "、" if lang == "zh" else ", "


def paren(text: str, lang: str) -> str:
    """``text`` in parentheses after a word: ``（text）`` in Chinese, `` (text)`` in English."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


#: a Chinese character or a full-width mark (CJK punctuation, full-width forms)
_CJK = "[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
#: an ASCII colon, comma, semicolon or parenthesis beside Chinese text (spaces between allowed)
_ASCII_MARK = re.compile(rf"(?<={_CJK}) *[:,;()]|[:,;()] *(?={_CJK})")


_URL = re.compile(r"https?://\S+")


def ascii_marks(text: str) -> list[str]:
    """The ASCII ``: , ; ( )`` standing beside Chinese characters in ``text`` (each with a few
    characters around it), where Chinese running text takes ``：，；（）``: empty when clean.
    Web addresses are not running text (a source's path may hold Chinese and parentheses)."""
    text = _URL.sub(" ", text)
    return [text[max(m.start() - 6, 0):m.end() + 6] for m in _ASCII_MARK.finditer(text)]


def informal_you(text: str) -> list[str]:
    """Where ``text`` addresses the reader as 你 (the interface says 您 throughout)."""
    return [text[max(i - 6, 0):i + 6] for i, ch in enumerate(text) if ch == "你"]
