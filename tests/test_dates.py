"""Dates as people know them: the parser, the canonical form, errors with their location, the
clock, and how ranges reach the output (JSON, text, receipts, CSV/JSONL, the interview)."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from faceright.dates import (TODAY_ENV, DateFormError, DateRange, canonical, parse_date, segments,
                             today)
from faceright.errors import CaseFileError
from faceright.evaluate import Engine
from faceright.casefile import read_cases
from faceright.cli import main

D = dt.date
NOW = ("still_online", "仍在网上")


@pytest.mark.parametrize(("written", "lo", "hi"), [
    ("2023", D(2023, 1, 1), D(2023, 12, 31)),
    (2023, D(2023, 1, 1), D(2023, 12, 31)),                  # YAML reads 2023 as an int
    ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),              # leap year
    ("2023-01..2024-06", D(2023, 1, 1), D(2024, 6, 30)),
    ("2023–2024", D(2023, 1, 1), D(2024, 12, 31)),           # en dash
    ("2023—2024", D(2023, 1, 1), D(2024, 12, 31)),           # em dash
    ("2023 to 2024", D(2023, 1, 1), D(2024, 12, 31)),
    ("2023-2024", D(2023, 1, 1), D(2024, 12, 31)),
    ("2023 - 2024-03", D(2023, 1, 1), D(2024, 3, 31)),
    ("2023-01-15/2023-02-10", D(2023, 1, 15), D(2023, 2, 10)),
    ("before 2021", None, D(2020, 12, 31)),
    ("Before 2021-03", None, D(2021, 2, 28)),
    ("after 2021-03", D(2021, 4, 1), None),
    ("after 2020-12-31", D(2021, 1, 1), None),
    ("since 2021", D(2021, 1, 1), None),
    ("..2020", None, D(2020, 12, 31)),
    ("2021-04..", D(2021, 4, 1), None),
    ("..", None, None),
    # Chinese
    ("2023年", D(2023, 1, 1), D(2023, 12, 31)),
    ("2023年6月", D(2023, 6, 1), D(2023, 6, 30)),
    ("２０２３年６月", D(2023, 6, 1), D(2023, 6, 30)),        # full-width digits
    ("2021年以前", None, D(2020, 12, 31)),
    ("2021年之前", None, D(2020, 12, 31)),
    ("2021年3月以后", D(2021, 4, 1), None),
    ("2021年起", D(2021, 1, 1), None),
    ("2023年至2024年6月", D(2023, 1, 1), D(2024, 6, 30)),
    ("2023年到2024年", D(2023, 1, 1), D(2024, 12, 31)),
])
def test_partial_forms(written: Any, lo: dt.date | None, hi: dt.date | None) -> None:
    value = parse_date(written)
    assert value == DateRange(lo, hi)
    assert parse_date(canonical(value)) == value  # the canonical form reads back the same


@pytest.mark.parametrize(("written", "day"), [
    ("2023-06-01", D(2023, 6, 1)), (D(2023, 6, 1), D(2023, 6, 1)), ("2023-6-1", D(2023, 6, 1)),
    ("2023年6月1日", D(2023, 6, 1)), ("2023-06-01..2023-06-01", D(2023, 6, 1))])
def test_an_exact_day_stays_a_date(written: Any, day: dt.date) -> None:
    value = parse_date(written)
    assert type(value) is dt.date and value == day  # the contract's form, unchanged
    assert canonical(value) == day.isoformat()


@pytest.mark.parametrize(("written", "form"), [
    ("2023-01-01..2023-12-31", "2023"), ("2023-06-01..2023-06-30", "2023-06"),
    ("2023-01..2024-06", "2023-01..2024-06"), ("2023-01-01..2024-12-31", "2023..2024"),
    ("2020-12-31..2021-01-01", "2020-12-31..2021-01-01"), ("before 2021", "..2020"),
    ("after 2021-03", "2021-04.."), ("2021年3月以后", "2021-04.."), ("before 2021-03-05", "..2021-03-04")])
def test_canonical_form(written: str, form: str) -> None:
    assert canonical(parse_date(written)) == form


def test_now_words_and_unknown() -> None:
    assert parse_date("still_online", now_words=NOW) == DateRange(now="still_online")
    assert parse_date("仍在网上", now_words=NOW) == DateRange(now="still_online")
    assert parse_date("Still online", now_words=NOW) == DateRange(now="still_online")
    assert canonical(parse_date("仍在网上", now_words=NOW)) == "still_online"
    assert parse_date("unknown") is None and canonical(None) == "unknown"
    with pytest.raises(DateFormError):  # only a fact that declares the word accepts it
        parse_date("still_online")


@pytest.mark.parametrize(("written", "says"), [
    ("2023-13", "not a date: a year has 12 months"), ("2023-02-30", "February 2023 has 28 days"),
    ("2024年2月30日", "February 2024 has 29 days"),
    ("2024..2023", "ends before it starts"), ("spring", "expected a date such as"),
    ("before", "expected a date such as"), (99, "99 is not a year"), (True, "expected a date"),
    (1.5, "expected a date"), (dt.datetime(2023, 1, 1, 5), "not a date and time")])
def test_bad_forms_say_what_is_accepted(written: Any, says: str) -> None:
    with pytest.raises(DateFormError, match=says):
        parse_date(written)


def test_resolve_and_segments() -> None:
    earliest, now = D(1987, 1, 1), D(2026, 12, 3)
    assert DateRange().resolve(earliest, now) == (earliest, now)
    assert DateRange(now="still_online").resolve(earliest, now) == (now, now)
    assert DateRange(None, D(2020, 12, 31)).resolve(earliest, now) == (earliest, D(2020, 12, 31))
    assert DateRange(D(2021, 4, 1)).resolve(earliest, now) == (D(2021, 4, 1), now)
    assert segments(D(2020, 1, 1), D(2021, 12, 31), [D(2021, 1, 1), D(2030, 1, 1), D(2020, 1, 1)]) == [
        (D(2020, 1, 1), D(2020, 12, 31)), (D(2021, 1, 1), D(2021, 12, 31))]
    assert segments(D(2022, 1, 1), D(2022, 12, 31), [D(2021, 1, 1)]) == [(D(2022, 1, 1), D(2022, 12, 31))]


def test_the_clock_is_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2030-02-03")
    assert today() == D(2030, 2, 3)
    monkeypatch.setenv(TODAY_ENV, "tomorrow")
    with pytest.raises(DateFormError, match=TODAY_ENV):
        today()
    monkeypatch.delenv(TODAY_ENV)
    assert today() == dt.date.today()


# --- in case files: located errors, YAML's int and date, CSV, JSONL -------------------------

def _read(engine: Engine, tmp_path: Path, name: str, text: str) -> list[Any]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return list(read_cases(engine.reader, str(path)))


def test_case_files_accept_the_forms(engine: Engine, tmp_path: Path) -> None:
    [a] = _read(engine, tmp_path, "a.yaml", "case: a\nincident_date: 2023\nfacts:\n  online_until: 仍在网上\n")
    assert a.case.incident_date == DateRange(D(2023, 1, 1), D(2023, 12, 31))
    assert a.case.facts.online_until == DateRange(now="still_online")
    [b] = _read(engine, tmp_path, "b.yaml", "case: b\nincident_date: 2023-06-01\n")
    assert b.case.incident_date == D(2023, 6, 1)
    rows = _read(engine, tmp_path, "c.csv", "case,incident_date,online_until\nc1,2021年以前,still_online\n"
                 "c2,2023-06,2024\n")
    assert [r.case.incident_date for r in rows] == [DateRange(None, D(2020, 12, 31)),
                                                    DateRange(D(2023, 6, 1), D(2023, 6, 30))]
    lines = _read(engine, tmp_path, "d.jsonl", '{"case": "d1", "incident_date": 2023}\n'
                  '{"case": "d2", "incident_date": "before 2021"}\n')
    assert [canonical(r.case.incident_date) for r in lines] == ["2023", "..2020"]


@pytest.mark.parametrize(("name", "text", "line", "key"), [
    ("e.yaml", "case: e\ntitle: x\nincident_date: spring 2023\n", 3, "incident_date"),
    ("f.yaml", "case: f\nfacts:\n  consent: none\n  online_until: forever\n", 4, "facts.online_until"),
    ("g.yaml", "case: g\nincident_date: 2024..2023\n", 2, "incident_date"),
    ("h.csv", "case,incident_date\nh1,2023\nh2,2023-13\n", 3, "incident_date"),
    ("i.jsonl", '{"case": "i1"}\n{"case": "i2", "incident_date": 12}\n', 2, "incident_date")])
def test_bad_dates_are_located(engine: Engine, tmp_path: Path, name: str, text: str, line: int,
                               key: str) -> None:
    errors = [r.error for r in _read(engine, tmp_path, name, text) if r.error is not None]
    assert len(errors) == 1
    err = errors[0]
    assert isinstance(err, CaseFileError)
    assert (err.path.endswith(name), err.line, err.key) == (True, line, key)
    assert ("expected a date such as" in err.message or "12 months" in err.message
            or "ends before" in err.message)


def test_the_cli_reports_a_bad_date_with_file_line_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("case: bad\nincident_date: last spring\n", encoding="utf-8")
    run = CliRunner().invoke(main, ["assess", str(path)])
    assert run.exit_code == 2
    assert f"{path}:2: incident_date: expected a date such as" in run.output
    assert "Traceback" not in run.output
    bad_today = CliRunner().invoke(main, ["--today", "2026-13-01", "assess", str(path)])
    assert bad_today.exit_code == 2 and "'2026-13-01' is not a date" in bad_today.output


def test_today_on_the_command_line_is_echoed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nodate.yaml"
    path.write_text("case: nodate\nfacts:\n  online_until: still_online\n", encoding="utf-8")
    monkeypatch.setenv(TODAY_ENV, "2026-12-03")  # --today replaces it for the command
    run = CliRunner().invoke(main, ["--today", "2025-03-04", "assess", str(path), "--format", "json"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert data["today"] == "2025-03-04"
    assert data["incident_period"] == {"from": "1987-01-01", "to": "2025-03-04"}


# --- the assessment's output ----------------------------------------------------------------

def _assess(engine: Engine, data: dict[str, Any], today_: dt.date | None = None) -> dict[str, Any]:
    return engine.assess(engine.case(data), None, today_).to_json_dict()


AD = {"case": "ad", "facts": {"depicted_person": "living", "identifiable": True, "likeness": ["face"],
                              "consent": "none", "purpose": "commercial_advertising", "for_profit": True,
                              "published": True}}


def test_json_echoes_the_period_and_today(engine: Engine) -> None:
    exact = _assess(engine, {**AD, "incident_date": "2023-06-01"})
    assert exact["law_as_of"] == "2023-06-01" and "incident_period" not in exact and "today" not in exact
    year = _assess(engine, {**AD, "incident_date": 2022})
    assert year["law_as_of"] is None and "today" not in year
    assert year["incident_period"] == {"from": "2022-01-01", "to": "2022-12-31"}
    missing = _assess(engine, AD, D(2026, 1, 2))
    assert missing["today"] == "2026-01-02"
    assert missing["incident_period"] == {"from": "1987-01-01", "to": "2026-01-02"}
    still = _assess(engine, {**AD, "incident_date": "2020-06-01",
                             "facts": {**AD["facts"], "online_until": "still_online"}}, D(2026, 1, 2))
    assert still["law_as_of"] == "2020-06-01" and still["today"] == "2026-01-02"
    assert "incident_period" not in still


def test_a_range_in_one_period_gives_an_exact_days_conclusions(engine: Engine) -> None:
    year = _assess(engine, {**AD, "incident_date": "2022"})
    day = _assess(engine, {**AD, "incident_date": "2022-06-01"})
    for key in ("conclusions", "open"):
        assert [json.dumps({**c, "because": None}) for c in year[key]] == \
               [json.dumps({**c, "because": None}) for c in day[key]]


def test_a_straddling_range_cites_both_laws_per_period(engine: Engine) -> None:
    result = _assess(engine, {**AD, "incident_date": "2020-07..2021-06"})
    [portrait] = [c for c in result["conclusions"] if c["id"] == "portrait_right_infringed"]
    assert {"gpcl-100", "civil-code-1019"} <= set(portrait["provisions"])
    assert [(p["from"], p["to"]) for p in portrait["periods"]] == [
        ("2020-07-01", "2020-12-31"), ("2021-01-01", "2021-06-30")]
    assert "gpcl-100" in portrait["periods"][0]["provisions"]
    assert "civil-code-1019" in portrait["periods"][1]["provisions"]
    assert "incident_date = 2020-07..2021-06" in portrait["because"]


def test_the_text_says_in_one_sentence_what_the_range_spans(engine: Engine) -> None:
    from faceright.render import to_text
    case = engine.case({**AD, "incident_date": "2020–2021"})
    en = to_text(engine, case, "en")
    zh = to_text(engine, case, "zh")
    assert ("The incident date is not exact: between 2020-01-01 and 2021-12-31; in that time the law "
            "changed (Civil Code of the People's Republic of China") in en
    assert "事件日期不确切，可能在 2020-01-01 至 2021-12-31 之间；其间法律有变化（中华人民共和国民法典" in zh
    one = to_text(engine, engine.case({**AD, "incident_date": "2022"}), "en")
    assert "the same law applies throughout" in one
    exact = to_text(engine, engine.case({**AD, "incident_date": "2022-03-01"}), "en")
    assert "not exact" not in exact


def test_a_contradictory_online_until_is_assessed_as_given(engine: Engine) -> None:
    """Segments where the content would go offline before the conduct began are left out; if
    every segment is such, the dates are assessed as given (an exact day: as always)."""
    data = {**AD, "incident_date": "2020", "facts": {**AD["facts"], "online_until": "2019-06-01"}}
    assert _assess(engine, data)["incident_period"] == {"from": "2020-01-01", "to": "2020-12-31"}
    bounded = _assess(engine, {**AD, "facts": {**AD["facts"], "online_until": "2020-06-01"}})
    full = _assess(engine, AD)
    # the incident cannot be after the content went offline: the Civil Code's own rules
    # (from 2021) do not make the portrait open as they do when nothing bounds the date
    assert bounded["conclusions"] != full["conclusions"] or bounded["open"] != full["open"]


# --- receipts, the interview ------------------------------------------------------------------

def test_receipts_hash_the_canonical_form_and_record_today(engine: Engine) -> None:
    from faceright.receipt import make, verify
    one = engine.case({**AD, "incident_date": "2023年"})
    two = engine.case({**AD, "incident_date": 2023})
    r1 = make(engine, one, engine.assess(one), None)
    r2 = make(engine, two, engine.assess(two), None)
    assert r1["input"]["incident_date"] == "2023" and r1["input_sha256"] == r2["input_sha256"]
    assert "today" not in r1
    missing = engine.case(AD)
    receipt = make(engine, missing, engine.assess(missing, None, D(2026, 1, 2)), None)
    assert receipt["today"] == "2026-01-02"
    assert verify(engine, receipt) == []  # verified on the recorded day, whatever today is
    edited = {**receipt, "today": "2024-01-01"}
    assert any("result_sha256" in p for p in verify(engine, edited))


def test_the_interview_keeps_a_date_answer_and_writes_it_canonically(engine: Engine) -> None:
    from faceright.ask import parse_answer
    from faceright.interview import Answers, Interviewer
    spec = engine.book.vocabulary.spec("online_until")
    assert parse_answer(spec, "仍在网上", "zh") == DateRange(now="still_online")
    assert parse_answer(engine.book.vocabulary.spec("incident_date"), "2021年以前", "zh") == \
        DateRange(None, D(2020, 12, 31))
    with pytest.raises(ValueError, match="2023-06"):
        parse_answer(spec, "someday", "en")
    answers = Answers()
    answers.set("incident_date", DateRange(D(2023, 1, 1), D(2023, 12, 31)))
    answers.set("online_until", DateRange(now="still_online"))
    data = answers.case_data("x")
    assert data["incident_date"] == "2023" and data["facts"]["online_until"] == "still_online"
    assert yaml.safe_load(yaml.safe_dump(data)) == data
    step = Interviewer(engine).next_question(answers, "en")
    assert step is not None


_DAYS = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))


@settings(max_examples=300)
@given(_DAYS, _DAYS, st.sampled_from(["both", "from", "until"]), st.sampled_from([0, 1, 2]))
def test_a_date_in_chinese_words_reads_back_as_itself(a: dt.date, b: dt.date, ends: str,
                                                     grain: int) -> None:
    """``date_words`` (the one place dates are put into words) writes what ``parse_date`` reads
    back: an open end is inclusive (或以后 / 或以前, not 以后, which reads as "after")."""
    from faceright.dates import date_words
    lo, hi = sorted([a, b])
    if grain < 2:  # a month or a year: from its first day to its last
        lo = lo.replace(day=1, month=1 if grain == 0 else lo.month)
        hi = (hi.replace(month=12, day=31) if grain == 0 else
              hi.replace(day=calendar.monthrange(hi.year, hi.month)[1]))
    value = DateRange(lo if ends != "until" else None, hi if ends != "from" else None)
    expected: Any = value.lo if value.lo is not None and value.lo == value.hi else value
    assert parse_date(date_words(value, "zh")) == expected
    if grain == 0:  # English words read back for years (month names are not read)
        assert parse_date(date_words(value, "en")) == expected
