"""Property tests of dates given as ranges, on generated cases and random ranges.

- The engine (one durable_rules run per segment of the law, combined) agrees with the
  reference evaluator's own evaluation of ranges.
- What holds for a range holds on every day in it; a conclusion holds for the range iff it
  holds on every day sampled (each stretch of unchanged law, its first and last day, and
  random days), and is open iff it holds or is open on some day but not on all.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from faceright.dates import DateRange, canonical
from faceright.evaluate import Engine
from generate import Generator
from reference import Reference
from test_agreement import engine_view

TODAY = dt.date(2026, 12, 3)


def _day(rng: random.Random, edges: list[dt.date]) -> dt.date:
    if rng.random() < 0.6:
        return rng.choice(edges) + dt.timedelta(days=rng.choice([-1, 0, 0, 1]))
    return dt.date(1986, 1, 1) + dt.timedelta(days=rng.randint(0, (TODAY - dt.date(1986, 1, 1)).days))


def _range(rng: random.Random, edges: list[dt.date]) -> Any:
    """A random incident date as people write it: missing, a year, a month, a range, open."""
    kind = rng.choice(["missing", "year", "month", "range", "range", "before", "after", "exact"])
    a, b = sorted([_day(rng, edges), _day(rng, edges)])
    if kind == "missing":
        return None
    if kind == "year":
        return a.year
    if kind == "month":
        return f"{a.year:04d}-{a.month:02d}"
    if kind == "range":
        return f"{a.isoformat()}..{b.isoformat()}"
    if kind == "before":
        return f"before {a.isoformat()}"
    if kind == "after":
        return f"after {min(a, TODAY - dt.timedelta(days=2)).isoformat()}"
    return a


def _case(engine: Engine, rng: random.Random, unknown: float, ranges: bool) -> dict[str, Any]:
    gen = Generator(engine.book)
    data = gen.case(rng, rng.choice(sorted(engine.book.rules, key=lambda r: r.id)), unknown=unknown)
    edges = sorted({d for r in engine.book.rules for d in (r.start, r.until) if d})
    date = _range(rng, edges)
    data.pop("incident_date", None)
    if date is not None:
        data["incident_date"] = date
    if ranges and rng.random() < 0.3:
        data["facts"]["online_until"] = rng.choice(["still_online", str(_day(rng, edges).year)])
    return data


@settings(max_examples=60)
@given(st.randoms(use_true_random=False), st.floats(0, 0.8))
def test_engine_agrees_with_reference_on_ranges(engine: Engine, rng: random.Random, unknown: float) -> None:
    data = _case(engine, rng, unknown, ranges=True)
    case = engine.case(data)
    mine = engine_view(engine, case, engine.derive(case, None, TODAY)[0])
    theirs = Reference(engine.book).evaluate(engine.facts_of(case), case.incident_date, TODAY)
    assert mine == theirs, data


def _status(assessment: Any) -> dict[tuple[str, str | None], str]:
    out = {(c.id, c.party): "holds" for c in assessment.conclusions}
    out.update({(o.id, o.party): "open" for o in assessment.open})
    return out


@settings(max_examples=40)
@given(st.randoms(use_true_random=False), st.floats(0, 0.8))
def test_a_range_is_what_every_day_in_it_gives(engine: Engine, rng: random.Random, unknown: float) -> None:
    data = _case(engine, rng, unknown, ranges=False)
    case = engine.case(data)
    reference = Reference(engine.book)
    value = case.incident_date
    if isinstance(value, dt.date):
        first = last = value
    else:
        resolved = DateRange() if value is None else value
        first = resolved.lo or min(reference._earliest, resolved.hi or reference._earliest)
        last = resolved.hi or max(TODAY, first)
    stretches = reference._stretches("incident_date", first, last)
    # the engine leaves out stretches that begin after a known later date (online_until,
    # notice_date): the incident cannot come after them
    later = [v for k, v in engine.facts_of(case).items()
             if engine.book.vocabulary.spec(k).type == "date" and isinstance(v, dt.date)]
    possible = [s for s in stretches if all(s[0] <= d for d in later)] or stretches
    days = sorted({d for a, b in possible for d in (a, b, a + (b - a) * rng.randint(0, 4) // 4)})
    whole = _status(engine.assess(case, None, TODAY))
    each = []
    for day in days:
        exact = engine.case({**data, "incident_date": day.isoformat()})
        each.append(_status(engine.assess(exact)))
    keys = set(whole).union(*each)
    for key in keys:
        on = [s.get(key, "absent") for s in each]
        if all(v == "holds" for v in on):
            assert whole.get(key) == "holds", (key, canonical(value), data)
        elif any(v != "absent" for v in on):
            assert whole.get(key) == "open", (key, canonical(value), on, data)
        else:
            assert key not in whole, (key, canonical(value), data)
