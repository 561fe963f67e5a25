"""Dates as people know them: exact days, years, months, ranges, open ends and "still online".

A date fact (``incident_date``, ``online_until``, …) is either an exact :class:`datetime.date`
(the contract's ``YYYY-MM-DD``, unchanged) or a :class:`DateRange`: the days it may have been.
:func:`parse_date` reads every accepted written form; :func:`canonical` writes the one
canonical form (what receipts hash and case files written by faceright hold):

=========================  ==============================  =======================
written                    meaning                         canonical
=========================  ==============================  =======================
``2023-06-01``             that day                        ``2023-06-01``
``2023``, ``2023年``        that year                       ``2023``
``2023-06``, ``2023年6月``   that month                      ``2023-06``
``2023-01..2024-06``       first to last day (inclusive)   ``2023-01..2024-06``
``2023–2024``, ``2023 to 2024``, ``2023-2024``, ``2023/2024``, ``2023年至2024年``
``before 2021``, ``2021年以前``  up to the day before        ``..2020``
``after 2021-03``, ``2021年3月以后``  from the day after     ``2021-04..``
``since 2021``, ``2021年起``  from its first day               ``2021..``
``2021 or later``, ``2021年或以后``  from its first day          ``2021..``
``2020 or earlier``, ``2020年或以前``  up to its last day        ``..2020``
``between 2021 and 2023``, ``2021年至2023年之间``               ``2021..2023``
``unknown`` / missing      (``incident_date``) the widest interval
``still_online``, ``仍在网上``  (a fact that declares the word) today
=========================  ==============================  =======================

An open end is fixed only when a case is assessed: the start at the earliest day any
provision of the catalogue is in force, the end at "today" — which is never read silently
from the system clock inside the engine: :func:`today` is the one clock, overridable
(``FACERIGHT_TODAY=YYYY-MM-DD`` or ``--today`` on the command line) and echoed in the output
whenever an assessment used it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .errors import FacerightError

#: the environment variable fixing "today" (``YYYY-MM-DD``)
TODAY_ENV = "FACERIGHT_TODAY"
#: what a missing date fact is written as
UNKNOWN = "unknown"


class DateFormError(FacerightError, ValueError):
    """A value that is no accepted way of writing a date; the message says which forms are."""


class DateRange:
    """The days a date may have been, both ends inclusive (immutable, hashable).

    ``lo`` is the first possible day (None: as early as the catalogue's law goes), ``hi`` the
    last (None: today); ``now``: set to the fact's word for it (``still_online``), exactly
    today (both ends are then None). A plain class, not a dataclass: pydantic hands it back
    as is (it would turn a dataclass into a mapping)."""

    __slots__ = ("lo", "hi", "now")
    lo: dt.date | None
    hi: dt.date | None
    now: str | None

    def __init__(self, lo: dt.date | None = None, hi: dt.date | None = None,
                 now: str | None = None) -> None:
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)
        object.__setattr__(self, "now", now)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a DateRange is immutable")

    def _key(self) -> tuple[Any, ...]:
        return (self.lo, self.hi, self.now)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by its ends (the rulebook cache holds ranges the question graph implies)."""
        return (DateRange, self._key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateRange) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(("DateRange", *self._key()))

    def __repr__(self) -> str:
        return f"DateRange({canonical(self)!r})"

    def __str__(self) -> str:
        return canonical(self)

    def resolve(self, earliest: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
        """The first and last possible day, open ends fixed; raises :class:`DateFormError`
        when the range is empty (it ends before the law's earliest day or starts after today)."""
        if self.now:
            return today, today
        lo = self.lo or min(earliest, self.hi or earliest)
        hi = self.hi or max(today, lo)
        if lo > hi:
            raise DateFormError(f"the range {canonical(self)} is empty (it ends before it starts)")
        return lo, hi

    @property
    def uses_today(self) -> bool:
        """Whether resolving it reads today's date."""
        return self.now is not None or self.hi is None


#: a date fact's value: an exact day or the days it may have been
DateValue = dt.date | DateRange
#: a date fact as read from a case: the value, or None when unknown
WIDEST = DateRange()

_POINT = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?")
_ZH_POINT = re.compile(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})[日号])?)?")
_RANGE_SEPS = re.compile(r"\s*(?:\.\.|–|—|~|～|/|\bto\b|至|到|-)\s*")
_BEFORE = re.compile(r"^(?:before\s+(.+)|(.+?)\s*(?:以前|之前|前))$")
_AFTER = re.compile(r"^(?:after\s+(.+)|(.+?)\s*(?:以后|之后|后))$")
_SINCE = re.compile(r"^(?:since\s+(.+)|from\s+(.+)|(.+?)\s*(?:起|以来))$")
#: a day, month or year and every day before or after it: how :func:`date_words` writes an
#: open end (``2020年或以前``, ``2021 or later``), read back as the same range
_OR_EARLIER = re.compile(r"^(.+?)\s*(?:(?:或|及)(?:以前|之前)|or earlier)$")
_OR_LATER = re.compile(r"^(.+?)\s*(?:(?:或|及)(?:以后|之后)|or later)$")
_ISO = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
#: the JSON Schema pattern of the canonical forms of a range (other forms are read too)
DATE_PATTERN = f"^(?:{_ISO}|(?:{_ISO})?\\.\\.(?:{_ISO})?)$"
FORMS = ("2023-06-01", "2023", "2023-06", "2023-01..2024-06", "before 2021", "after 2021-03",
         "since 2021", "unknown")


def _point(text: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of one written day, month or year (None: not one)."""
    match = _POINT.fullmatch(text) or _ZH_POINT.fullmatch(text)
    if match is None:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if not 1 <= year <= 9999:
        return None
    try:
        if month is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if day is None:
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        return dt.date(year, month, day), dt.date(year, month, day)
    except ValueError:
        assert month is not None  # a year alone is always a date
        raise DateFormError(_off_calendar(text, year, month, day)) from None


def not_a_day(text: str) -> str:
    """Why ``text``, written ``YYYY-MM-DD``, is no day of the calendar: ``'2023-02-30' is not a
    date: February 2023 has 28 days`` (a month past 12 or a day 0 named likewise)."""
    match = re.fullmatch(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*", text)
    if match is None:
        return f"'{text}' is not a date (YYYY-MM-DD)" + _guess(text.strip())
    year, month, day = (int(g) for g in match.groups())
    return _off_calendar(text, year, month, day)


def _off_calendar(text: str, year: int, month: int, day: int | None) -> str:
    """What is wrong with a written year, month and day (``day`` None: a month alone)."""
    head = f"'{text}' is not a date"
    if not 1 <= year <= 9999:
        return f"{head}: years run from 0001 to 9999"
    if not 1 <= month <= 12:
        return f"{head}: a year has 12 months (the month comes after the year)"
    days = calendar.monthrange(year, month)[1]
    if day is not None and not 1 <= day <= days:
        return f"{head}: {_MONTHS[month - 1]} {year} has {days} days"
    return f"{head} of the calendar"


def _guess(text: str) -> str:
    """`` (did you mean 2023-06-01?)`` for a day written another way: ``20230601``, a date and
    time (``2023-06-01T10:00``), or day and month before the year (``25/12/2023``; where both
    orders are days of the calendar, both are offered)."""
    whole = (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
             or re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})[t ]\d{1,2}:\d{2}.*", text, re.I))
    if whole is not None:
        year, month, day = (int(g) for g in whole.groups())
        orders, note = [(month, day)], ""
    else:
        found = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
        if found is None:
            return ""
        first, second, year = (int(g) for g in found.groups())
        orders, note = [(second, first), (first, second)], " the year comes first"
    days: list[str] = []
    for month, day in orders:
        try:
            days.append(dt.date(year, month, day).isoformat())
        except ValueError:
            continue
    days = list(dict.fromkeys(days))
    if not days:
        return ""
    return f" (did you mean {' or '.join(days)}?{note})"


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()  # full-width digits, ～
    return re.sub(r"\s+", " ", text)


def _expected(words: tuple[str, ...]) -> str:
    return ("expected a date such as " + ", ".join(FORMS + words)
            + " (zh: 2023年6月, 2021年以前)")


def parse_date(value: Any, *, now_words: tuple[str, ...] = ()) -> DateValue | None:
    """A date fact's value as written in a case file, an API body or a terminal answer.

    ``value``: a :class:`datetime.date` (YAML's ``2023-06-01``), an int year (YAML's ``2023``)
    or text in any form of the module's table; ``now_words``: the words meaning "until today"
    for this fact (e.g. ``("still_online", "仍在网上")``). Returns a ``date`` for an exact day
    (the contract's form: the same value as before partial dates existed), a
    :class:`DateRange` otherwise, None for ``unknown``. Raises :class:`DateFormError` (a
    ``ValueError``) naming the accepted forms."""
    if isinstance(value, dt.datetime):
        raise DateFormError("expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date | DateRange):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DateFormError(_expected(now_words[:1]))
    if isinstance(value, int):
        if not 1000 <= value <= 9999:
            raise DateFormError(f"{value} is not a year; " + _expected(now_words[:1])
                                + _guess(str(value)))
        return DateRange(dt.date(value, 1, 1), dt.date(value, 12, 31))
    text = _normalise(value)
    if text == UNKNOWN:
        return None
    if text in {_normalise(w) for w in now_words} or text.replace(" ", "_") in now_words:
        return DateRange(now=now_words[0])
    found = _read(text)
    if found is None:
        raise DateFormError(_expected(now_words[:1]) + _guess(text))
    lo, hi = found
    if lo is not None and hi is not None:
        if lo > hi:
            raise DateFormError(f"the range '{value}' ends before it starts")
        if lo == hi:
            return lo
    return DateRange(lo, hi)


def _read(text: str) -> tuple[dt.date | None, dt.date | None] | None:
    between = re.fullmatch(r"between (.+) and (.+)|(.+?)\s*之间", text)  # date_words' ranges
    if between is not None:
        first, second, zh = between.groups()
        text = zh if zh is not None else f"{first} to {second}"
    point = _point(text)
    if point is not None:
        return point
    for pattern, side in ((_OR_EARLIER, "until"), (_OR_LATER, "since"), (_BEFORE, "before"),
                          (_AFTER, "after"), (_SINCE, "since")):
        match = pattern.match(text)
        if match is None:
            continue
        inner = next(g for g in match.groups() if g is not None).strip()
        bound = _point(inner)
        if bound is None:
            continue
        if side == "before":
            return None, bound[0] - dt.timedelta(days=1)
        if side == "until":
            return None, bound[1]
        if side == "after":
            return bound[1] + dt.timedelta(days=1), None
        return bound[0], None
    if text == "..":
        return None, None
    if text.startswith(".."):
        end = _point(text[2:].strip())
        return (None, end[1]) if end else None
    if text.endswith(".."):
        start = _point(text[:-2].strip())
        return (start[0], None) if start else None
    for sep in _RANGE_SEPS.finditer(text):
        first, second = _point(text[:sep.start()]), _point(text[sep.end():])
        if first is not None and second is not None:
            return first[0], second[1]
    return None


def _grain(day: dt.date, end: bool) -> int:
    """How coarsely a range's first (or last, ``end``) day can be written: 0 year, 1 month, 2 day."""
    if end:
        month_end = day.day == calendar.monthrange(day.year, day.month)[1]
        return 0 if (day.month, day.day) == (12, 31) else (1 if month_end else 2)
    return 0 if (day.month, day.day) == (1, 1) else (1 if day.day == 1 else 2)


def _write(day: dt.date, grain: int) -> str:
    return day.isoformat()[: (4, 7, 10)[grain]]


def canonical(value: DateValue | None) -> str:
    """The one written form of a date value (see the module's table); ``unknown`` for None."""
    if value is None:
        return UNKNOWN
    if isinstance(value, dt.date):
        return value.isoformat()
    if value.now:
        return value.now
    lo, hi = value.lo, value.hi
    if lo is not None and hi is not None:
        if lo == hi:
            return lo.isoformat()
        if lo.day == 1 and lo.month == 1 and hi == dt.date(lo.year, 12, 31):
            return f"{lo.year:04d}"
        if (lo.day == 1 and (lo.year, lo.month) == (hi.year, hi.month)
                and hi.day == calendar.monthrange(hi.year, hi.month)[1]):
            return f"{lo.year:04d}-{lo.month:02d}"
    grain = max([_grain(day, end) for day, end in ((lo, False), (hi, True)) if day is not None],
                default=0)
    return f"{_write(lo, grain) if lo else ''}..{_write(hi, grain) if hi else ''}"


def today() -> dt.date:
    """Today's date for open ends: ``FACERIGHT_TODAY`` when set (``YYYY-MM-DD``), else the
    system's local date. Raises :class:`DateFormError` for a malformed ``FACERIGHT_TODAY``."""
    fixed = os.environ.get(TODAY_ENV)
    if fixed:
        try:
            return dt.date.fromisoformat(fixed.strip())
        except ValueError:
            raise DateFormError(f"{TODAY_ENV}={fixed[:20]!r}: expected a date YYYY-MM-DD") from None
    return dt.date.today()


def segments(lo: dt.date, hi: dt.date, cuts: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """``lo``..``hi`` split before every cut inside it (a cut is the first day on which some
    test changes value): within one segment every test on the date has one value."""
    out: list[tuple[dt.date, dt.date]] = []
    start = lo
    for cut in sorted(set(cuts)):
        if start < cut <= hi:
            out.append((start, cut - dt.timedelta(days=1)))
            start = cut
    out.append((start, hi))
    return out


#: a part of the possible dates: its index and (first, last) day per ranged date fact
Part = tuple[dict[str, int], dict[str, tuple[dt.date, dt.date]]]


@dataclass(frozen=True)
class Span:
    """How one case's dates are evaluated when some are ranges.

    ``days``: the first and last possible day of each date fact given as a range (open ends
    fixed); ``written``: each one's canonical form; ``today``: the day that fixed an open end
    (None when none did); ``exact``: the incident date when it is one day; ``anchor``: the
    fact no other date precedes (the incident date: content goes online, notices arrive,
    after the conduct began) with ``fixed``, the other date facts known to the day."""

    days: dict[str, tuple[dt.date, dt.date]]
    written: dict[str, str]
    today: dt.date | None
    exact: dt.date | None
    anchor: str
    fixed: dict[str, dt.date]

    def segments(self, cuts: dict[str, list[dt.date]]) -> list[Part]:
        """Every combination of the ranged facts' segments (split at ``cuts``: per fact, the
        days a test of it changes value) in which no date precedes the anchor's first day —
        or every combination, if none is possible (contradictory dates are assessed as given)."""
        names = sorted(self.days)
        split = [segments(*self.days[n], cuts.get(n, [])) for n in names]
        parts: list[Part] = [({}, {})]
        for name, pieces in zip(names, split):
            parts = [({**place, name: i}, {**days, name: piece})
                     for place, days in parts for i, piece in enumerate(pieces)]
        possible = [part for part in parts if self._possible(part[1])]
        return possible or parts

    def _possible(self, days: dict[str, tuple[dt.date, dt.date]]) -> bool:
        start = days[self.anchor][0] if self.anchor in days else self.exact
        if start is None:
            return True
        ends = [last for name, (_, last) in days.items() if name != self.anchor]
        ends += list(self.fixed.values())
        return all(end >= start for end in ends)


def span_of(incident: DateValue | None, facts: dict[str, Any], date_facts: list[str],
            earliest: dt.date, today_: dt.date | None, anchor: str) -> Span | None:
    """How to evaluate a case whose incident date is ``incident`` (None: unknown, the widest
    range) and whose known facts are ``facts``; None when every date is one exact day.

    ``date_facts``: the names of the vocabulary's date facts; ``earliest``: the first day any
    provision is in force; ``today_``: the day fixing open ends (None: :func:`today`, read only
    when some end is open); ``anchor``: the incident date's name. Raises :class:`DateFormError` for an empty range."""
    ranged = {name: facts[name] for name in date_facts if isinstance(facts.get(name), DateRange)}
    if isinstance(incident, dt.date) and not ranged:
        return None
    if not isinstance(incident, dt.date):
        ranged = {anchor: incident or WIDEST, **ranged}
    now = None
    if any(r.uses_today for r in ranged.values()):
        now = today_ or today()
    days = {name: r.resolve(earliest, now or earliest) for name, r in ranged.items()}
    written = {name: canonical(r) for name, r in ranged.items()}
    if incident is None:
        written[anchor] = UNKNOWN
    fixed = {name: facts[name] for name in date_facts if isinstance(facts.get(name), dt.date)}
    return Span(days, written, now, incident if isinstance(incident, dt.date) else None,
                anchor, fixed)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def _day_words(day: dt.date, grain: int, lang: str) -> str:
    """One day, month or year (``grain`` 2, 1, 0) in words: ``2023年6月`` / ``June 2023``."""
    if lang == "zh":
        return (f"{day.year}年", f"{day.year}年{day.month}月", f"{day.year}年{day.month}月{day.day}日")[grain]
    return (f"{day.year}", f"{_MONTHS[day.month - 1]} {day.year}",
            f"{day.day} {_MONTHS[day.month - 1]} {day.year}")[grain]


def date_words(value: DateValue, lang: str, *, at: bool = False) -> str:
    """A date value in words, as a person tells it: ``2023年9月1日`` / ``1 September 2023``,
    ``2023年6月`` / ``June 2023``, ``2021年或以后`` / ``2021 or later``, ``2020年或以前`` /
    ``2020 or earlier``, ``2021年3月1日至2022年5月5日之间`` / ``between 1 March 2021 and 5 May
    2022``. ``at``: in English with the preposition a sentence needs ("on 1 September 2023",
    "in 2021", "in 2021 or later"); Chinese needs none. A value with a "now" word (still online)
    is told by the caller (its own sentence); here it reads ``至今`` / ``today``."""
    zh = lang == "zh"
    if isinstance(value, dt.date):
        value = DateRange(value, value)
    if value.now:
        return "至今" if zh else "today"
    lo, hi = value.lo, value.hi
    if lo is not None and hi is not None:
        grain = max(_grain(lo, False), _grain(hi, True))
        if _write(lo, grain) == _write(hi, grain):  # one day, month or year
            words = _day_words(lo, grain, lang)
            return words if zh or not at else f"{'on' if grain == 2 else 'in'} {words}"
        first, last = _day_words(lo, grain, lang), _day_words(hi, grain, lang)
        return f"{first}至{last}之间" if zh else f"between {first} and {last}"
    if lo is not None or hi is not None:  # open at one end: from its first day, or to its last
        later = lo is not None
        end = lo if lo is not None else hi
        assert end is not None
        grain = _grain(end, not later)
        words = _day_words(end, grain, lang)
        if zh:
            # 或以后, as "or later": from its first day (parse_date reads 以后 alone as "after")
            return f"{words}或以后" if later else f"{words}或以前"
        side = "later" if later else "earlier"
        if not at:
            return f"{words} or {side}"
        return f"on or {'after' if later else 'before'} {words}" if grain == 2 else f"in {words} or {side}"
    return "时间不明" if zh else ("at an unknown time" if at else "an unknown time")
