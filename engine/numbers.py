"""Numbers as people type them: ``20,000``, ``20 000``, ``2万``, ``两万``, ``1.5万元``,
``二十万``, ``一千五百``, ``15k``, ``about 300``, ``约120万``, ``about 1.2 million`` — read into
an int or float; ``没有``, ``无``, ``none``, ``nothing`` and ``zero`` are 0.

Units a question names (元, yuan, 次, 个, 小时, hours …) and "about" words are ignored; 万 is
10,000, 亿 100,000,000, 千, k and thousand a thousand, m and million a million, bn and billion
a thousand million. :func:`parse_number` raises ``ValueError`` for anything else, negative
numbers included ("more than" is not "about": ``20多万`` is refused, not rounded).
"""

from __future__ import annotations

import re
from decimal import Decimal

#: Chinese digits and the multipliers that may follow a number
DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
SUFFIXES = {"k": 1000, "千": 1000, "thousand": 1000, "m": 1_000_000, "mn": 1_000_000,
            "million": 1_000_000, "百万": 1_000_000, "千万": 10_000_000, "bn": 1_000_000_000,
            "billion": 1_000_000_000, **BIG_UNITS}
#: answers that mean "none at all" (a person asked "how much?" who lost nothing)
ZERO = {"0", "没有", "没", "无", "零", "一分没有", "一分钱没有", "一分也没有", "没有损失", "没损失",
        "没赚钱", "没有赚钱", "none", "nothing", "zero", "nil", "no", "no money", "nothing at all",
        "none at all"}
#: words around a number that carry no value (units, "about", "more than" is NOT among them)
NOISE = re.compile(r"(元|人民币|¥|￥|rmb|yuan|cny|块钱|块|次|个|份|部|条|张|人|小时|hours?|hrs?|(?<![a-z])h\b|"
                   r"大约|大概|约|左右|差不多|about|around|approx\.?|roughly|~|≈)", re.I)


def parse_number(text: str) -> int | float:
    """The number in ``text`` (see the module docstring); whole numbers as ``int``."""
    if text.strip().lower().rstrip("。.!！") in ZERO:
        return 0
    raw = NOISE.sub("", text.strip()).strip()
    raw = re.sub(r"(?<=\d)[,，  '_](?=\d{3}\b)", "", raw)  # thousands separators
    raw = raw.replace(" ", "").lower()
    if not raw:
        raise ValueError("not a number")
    value = _arabic(raw)
    if value is None:
        value = _chinese(raw)
    if value is None or value < 0 or value != value:
        raise ValueError("not a number")
    return int(value) if float(value).is_integer() else value


def _arabic(raw: str) -> float | None:
    """Digits with at most one multiplier: ``20000``, ``1.5万``, ``15k``."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(k|thousand|mn|m|million|bn|billion|百万|千万|[千万亿])?", raw)
    if not m:
        return None
    number = Decimal(m.group(1)) * SUFFIXES.get(m.group(2), 1)  # exact: 1.2 million is 1200000
    return int(number) if number == number.to_integral_value() else float(number)


def _chinese(raw: str) -> float | None:
    """Chinese numerals: ``两万``, ``二十万``, ``一千五百``, ``三亿``, ``1万5千`` (mixed)."""
    total = 0.0
    section = 0.0   # below 万
    digit: float | None = None
    i = 0
    while i < len(raw):
        ch = raw[i]
        m = re.match(r"\d+(?:\.\d+)?", raw[i:])
        if m:
            if digit is not None:
                return None
            digit = float(m.group(0))
            i += len(m.group(0))
            continue
        if ch in DIGITS:
            if digit is not None:
                return None
            digit = DIGITS[ch]
        elif ch in SMALL_UNITS:
            section += (1 if digit is None else digit) * SMALL_UNITS[ch]
            digit = None
        elif ch in BIG_UNITS:
            section += digit or 0
            if section == 0:
                return None
            total += section * BIG_UNITS[ch]
            section, digit = 0, None
        else:
            return None
        i += 1
    if digit is not None:
        section += digit
    result = total + section
    return result if raw else None
