"""Dates as people say them at a prompt, rewritten into the written forms
:func:`faceright.dates.parse_date` reads (this module adds no date form of its own).

Relative words count from ``today`` (:func:`faceright.dates.today`): ``上个月`` / ``last month``
→ that month (``2026-11``), ``今年`` / ``this year`` → ``2026``, ``去年`` / ``last year``,
``前年``, ``这个月`` / ``this month``, ``今天`` / ``today``, ``昨天`` / ``yesterday``,
``3个月前`` / ``3 months ago`` → that month, ``2年前`` / ``2 years ago`` → that year. Month
names are read in English (``March 2024``, ``Mar 2024``, ``2024 March``) → ``2024-03``. The
rest of the answer is kept, so ``since March 2024`` → ``since 2024-03`` and ``去年以前`` →
``2025以前``; a leading ``in``, ``around``, ``about``, ``maybe``, ``大约``, ``大概``, ``可能是``…
and a trailing ``吧``, ``左右`` or question mark are dropped (``可能是去年吧？`` → ``2025``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NAMED = [
    (re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\.?,?\s+(\d{{4}})\b", re.I),
     lambda m: f"{m[3]}-{MONTHS[m[2].lower()]:02d}-{int(m[1]):02d}"),
    (re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I),
     lambda m: f"{m[3]}-{MONTHS[m[1].lower()]:02d}-{int(m[2]):02d}"),
    (re.compile(rf"\b({_MONTH})\.?\s+(\d{{4}})\b", re.I), lambda m: f"{m[2]}-{MONTHS[m[1].lower()]:02d}"),
    (re.compile(rf"\b(\d{{4}})\s+({_MONTH})\b", re.I), lambda m: f"{m[1]}-{MONTHS[m[2].lower()]:02d}"),
]
_LEAD = re.compile(r"^(?:(?:maybe|perhaps|probably|i think|i guess|in|around|about|roughly|approximately"
                   r"|可能是|可能|也许是|也许|好像是|好像|大约是|大约|大概是|大概|差不多|约)\s*)+", re.I)
_TAIL = re.compile(r"(?<=\S)\s*(?:吧|呢|左右|[?？。!！])+$")
_AGO = re.compile(r"(\d+|[一二两三四五六七八九十])\s*(?:个)?\s*(月|年|months?|years?)\s*(?:前|ago)", re.I)
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _month(day: dt.date, back: int) -> str:
    index = day.year * 12 + day.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def rewrite(text: str, today: dt.date) -> str:
    """``text`` with spoken dates replaced by written forms (see the module docstring); text
    without any is returned as it is (stripped)."""
    out = _TAIL.sub("", _LEAD.sub("", text.strip()))
    words = [  # longer words first: 上个月 before 月
        (r"上上个月", _month(today, 2)), (r"上个月|上月|last month", _month(today, 1)),
        (r"这个月|本月|this month", _month(today, 0)),
        (r"前年|the year before last", str(today.year - 2)), (r"去年|last year", str(today.year - 1)),
        (r"今年|this year", str(today.year)),
        (r"前天|the day before yesterday", (today - dt.timedelta(days=2)).isoformat()),
        (r"昨天|yesterday", (today - dt.timedelta(days=1)).isoformat()),
        (r"今天|today", today.isoformat()),
    ]
    for pattern, value in words:
        out = re.sub(pattern, value, out, flags=re.I)

    def ago(m: re.Match[str]) -> str:
        n = int(m[1]) if m[1].isdigit() else _ZH_DIGITS[m[1]]
        return _month(today, n) if m[2].lower().startswith(("月", "month")) else str(today.year - n)
    out = _AGO.sub(ago, out)
    for named, spelled in _NAMED:
        out = named.sub(spelled, out)
    return out
