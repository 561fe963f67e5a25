"""Broken case files as a new user writes them by hand: every one ends in a clear error (exit
2) naming file, line and key with a did-you-mean — never a traceback — and every problem of a
case is listed at once, whichever kind it is (a date off the calendar no longer hides the rest).
The same messages reach ``assess``, ``batch``, ``documents`` and the web's ``/api/assess``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from faceright.web import create_app
from test_case_errors import run, write

HEAD = "case: t1\nincident_date: 2023-06-01\nfacts:\n  depicted_person: living\n"


@pytest.fixture(scope="module")
def client(root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(str(root / "rules")), raise_server_exceptions=False) as client:
        yield client


# --- one case with many problems: all of them, in the order of their lines ----------------------

MANY = """\
case: many
incident_date: 2023-02-30
facts:
  depicted_person: Living
  identifiable: ture
  published: flase
  public_figure: yes
  minor: "no"
  consent: no consent
  purpose: fruad
  views: 1e5
  reposts: "20,000"
  economic_loss_yuan: 2万
  consnet: none
  online_until: 2023-13-01
  identifiable: false
expect:
  conclusions: [portrait_right_infringd]
"""

MANY_PROBLEMS = [
    "2: incident_date: '2023-02-30' is not a date: February 2023 has 28 days",
    "4: facts.depicted_person: not an allowed value; expected one of 'living', 'deceased' or "
    "'fictional' (did you mean 'living'?)",
    "5: facts.identifiable: expected true or false (did you mean true?)",
    "6: facts.published: expected true or false (did you mean false?)",
    "7: facts.public_figure: expected true or false (did you mean true?)",
    "8: facts.minor: expected true or false (did you mean false?)",
    "9: facts.consent: not an allowed value; expected one of 'given', 'none', 'exceeded' or "
    "'withdrawn' (did you mean 'none'?)",
    "(did you mean 'fraud'?)",
    "11: facts.views: expected a whole number (did you mean 100000?)",
    "12: facts.reposts: expected a whole number (did you mean 20000?)",
    "13: facts.economic_loss_yuan: expected a number (did you mean 20000?)",
    "14: facts.consnet: unknown key 'consnet' (did you mean 'consent'?)",
    "15: facts.online_until: '2023-13-01' is not a date: a year has 12 months (the month comes "
    "after the year)",
    "16: facts.identifiable: duplicate key 'identifiable' (first on line 5); keep one",
    "18: expect.conclusions: unknown conclusion 'portrait_right_infringd' (did you mean "
    "'portrait_right_infringed'?)",
]


def test_every_problem_of_a_case_is_listed_with_a_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, MANY)
    code, out, err = run("assess", str(path))
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == len(MANY_PROBLEMS), err
    for line, problem in zip(lines, MANY_PROBLEMS):
        assert line.startswith(f"error: {path}:") and problem in line, (line, problem)
    assert "Traceback" not in err


def test_documents_and_batch_give_the_same_problems(tmp_path: Path) -> None:
    path = write(tmp_path, MANY)
    code, _, err = run("documents", str(path), "-o", str(tmp_path / "docs"))
    assert code == 2 and all(problem in err for problem in MANY_PROBLEMS), err
    out = tmp_path / "out.jsonl"
    code, _, _ = run("batch", str(path), "-o", str(out))
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert code == 1 and all(problem in record["error"] for problem in MANY_PROBLEMS), record


def test_the_web_api_lists_every_problem_with_its_did_you_mean(client: TestClient) -> None:
    response = client.post("/api/assess", content=MANY.encode(),
                           headers={"content-type": "application/yaml"})
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert [p["line"] for p in problems] == [2, *range(4, 17), 18]
    assert all(problem in f"{p['line']}: {p['key']}: {p['message']}"
               for p, problem in zip(problems, MANY_PROBLEMS)), problems
    body = {"case": "j", "incident_date": "2023-02-29",
            "facts": {"identifiable": "ture", "published": "true", "consent": "None", "views": 2.0}}
    response = client.post("/api/assess", json=body)
    assert response.status_code == 422, response.text
    messages = {p["key"]: p["message"] for p in response.json()["problems"]}
    assert messages == {
        "incident_date": "'2023-02-29' is not a date: February 2023 has 28 days",
        "facts.identifiable": "expected true or false (did you mean true?)",
        "facts.published": "expected true or false (did you mean true?)",
        "facts.consent": "not an allowed value; expected one of 'given', 'none', 'exceeded' or "
                         "'withdrawn' (did you mean 'none'?)",
        "facts.views": "expected a whole number (did you mean 2?)"}


# --- hand-made broken files: a clear error each ----------------------------------------------

@pytest.mark.parametrize(("text", "line", "says"), [
    pytest.param(HEAD + "  identifiable: true\n    published: true\n", 6,
                 "malformed YAML: mapping values are not allowed in this context (check this "
                 "line's indentation", id="indented too far"),
    pytest.param("case: t1\nfacts:\n    identifiable: true\n  published: true\n", 4,
                 "(check this line's indentation: the keys of one mapping start in the same column)",
                 id="indented too little"),
    pytest.param(HEAD + "\tidentifiable: true\n", 5, "YAML is indented with spaces only", id="tab"),
    pytest.param("case: t1\nfacts:\n\tidentifiable: true\n", 3,
                 "(a tab indents this line: YAML is indented with spaces only)", id="tab alone"),
    pytest.param(HEAD + "  identifiable: true\n  \tminor: true\n", 6,
                 "(YAML is indented with spaces only: replace the tab with spaces)",
                 id="tab after spaces"),
    pytest.param(HEAD + "  likeness: [face, voice\n  minor: true\n", 6,
                 "(a [ { or quote opened before here is not closed)", id="unclosed bracket"),
    pytest.param(HEAD + "  identifiable: true\n  identifiable: false\n", 6,
                 "facts.identifiable: duplicate key 'identifiable' (first on line 5); keep one",
                 id="duplicate key"),
    pytest.param(HEAD + "  identifiable: [true, false]\n", 5,
                 "facts.identifiable: expected true or false, not a list", id="list for a bool"),
    pytest.param(HEAD + "  consent: [none]\n", 5,
                 "facts.consent: expected one value, not a list; one of 'given', 'none'",
                 id="list for an enum"),
    pytest.param(HEAD + "  views: [300]\n", 5, "facts.views: expected a whole number, not a list",
                 id="list for a number"),
    pytest.param(HEAD + "  identifable: true\n", 5,
                 "facts.identifable: unknown key 'identifable' (did you mean 'identifiable'?)",
                 id="near name"),
    pytest.param(HEAD + "  views: 1e5\n", 5, "facts.views: expected a whole number (did you mean 100000?)",
                 id="exponent"),
    pytest.param(HEAD.replace("2023-06-01", "2023-02-30"), 2,
                 "incident_date: '2023-02-30' is not a date: February 2023 has 28 days",
                 id="date off the calendar"),
    pytest.param("case: t1\nfacts:\n  identifiable:true\n", 2,
                 "facts: expected a mapping of keys to values (write a space after each ':'",
                 id="no space after the colon"),
    pytest.param(HEAD + "  purpose: 骗钱的\n", 5, "(did you mean 'fraud'?)", id="words for a value"),
    pytest.param("case: t1\nfacts:\n  depicted_person: 在世\n", 3, "(did you mean 'living'?)",
                 id="a choice's label"),
    pytest.param(HEAD.replace("2023-06-01", "01/06/2023"), 2,
                 "(did you mean 2023-06-01 or 2023-01-06? the year comes first)", id="day first"),
    pytest.param(HEAD.replace("2023-06-01", "25/12/2023"), 2,
                 "(did you mean 2023-12-25? the year comes first)", id="day first, one reading"),
    pytest.param(HEAD.replace("2023-06-01", "20230601"), 2, "(did you mean 2023-06-01?)",
                 id="no dashes"),
    pytest.param(HEAD.replace("2023-06-01", "2023-06-01T10:00:00"), 2,
                 "'2023-06-01T10:00:00' is not a date (YYYY-MM-DD) (did you mean 2023-06-01?)",
                 id="date and time"),
    pytest.param(HEAD + "  economic_loss_yuan: ¥5000\n", 5,
                 "facts.economic_loss_yuan: expected a number (did you mean 5000?)", id="yuan sign"),
    pytest.param(HEAD + "  likeness: face, voice\n", 5,
                 "facts.likeness: expected a list, e.g. [face, voice] (did you mean [face, voice]?)",
                 id="a list without brackets"),
    pytest.param("case:\nfacts: {}\n", 1,
                 "case: is empty: write the case's id, or leave the key out to use the file's name",
                 id="empty id"),
    pytest.param("case: t1\nincident_date: [2023-06-01]\n", 2,
                 "incident_date: expected one date, not a list", id="a list for a date"),
    pytest.param("", 1, "no case found in this file", id="empty"),
    pytest.param(b"\x7fELF\x02\x01\x01\x00\xff\xfe\x00\x00", 1, "not UTF-8 text", id="binary"),
])
def test_a_broken_file_gets_one_clear_error(tmp_path: Path, text: str | bytes, line: int,
                                            says: str) -> None:
    path = write(tmp_path, text)
    code, out, err = run("assess", str(path))
    assert code == 2 and out == "", err
    assert err.startswith(f"error: {path}:{line}: ") and says in err.splitlines()[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize(("value", "hint"), [
    ("ture", "true"), ("flase", "false"), ("Ture", "true"), ("yes", "true"), ("no", "false"),
    ("on", "true"), ("off", "false"), ("1", "true"), ("0", "false"), ("是", "true"),
    ("否", "false"), ('"true"', "true"), ("'false'", "false")])
def test_a_boolean_written_another_way_gets_a_did_you_mean(tmp_path: Path, value: str,
                                                            hint: str) -> None:
    path = write(tmp_path, HEAD + f"  identifiable: {value}\n")
    code, _, err = run("assess", str(path))
    assert code == 2
    assert err.strip() == (f"error: {path}:5: facts.identifiable: expected true or false "
                           f"(did you mean {hint}?)")


@pytest.mark.parametrize("value", ["maybe", "2023-06-01", "[]"])
def test_nothing_close_to_a_boolean_gets_no_guess(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, HEAD + f"  identifiable: {value}\n")
    code, _, err = run("assess", str(path))
    assert code == 2 and "did you mean" not in err and "facts.identifiable" in err, err


def test_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = run("assess", str(tmp_path))
    assert code == 2 and err.strip() == (f"error: {tmp_path}: is a directory, not a case file "
                                         "(faceright batch assesses every case file in a directory)")


def test_one_bad_case_in_a_batch_is_an_error_record_and_the_rest_go_on(tmp_path: Path) -> None:
    """A duplicate key or a date off the calendar is a problem of its own case only."""
    path = write(tmp_path, "- case: a\n  facts: {identifiable: true, identifiable: false}\n"
                           "- case: b\n  facts: {identifiable: true}\n"
                           "- case: c\n  incident_date: 2023-02-29\n"
                           "- case: d\n  facts: {minor: ture}\n")
    out = tmp_path / "out.jsonl"
    code, _, _ = run("batch", str(path), "-o", str(out))
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert code == 1 and [r["case"] for r in records] == ["a", "b", "c", "d"]
    assert "duplicate key 'identifiable'" in records[0]["error"]
    assert "error" not in records[1] and "conclusions" in records[1]
    assert "February 2023 has 28 days" in records[2]["error"]
    assert "(did you mean true?)" in records[3]["error"]


def test_a_csv_cell_gets_the_same_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, "case,identifiable,consent\nc1,yes,Given\n", "cases.csv")
    code, _, err = run("assess", str(path))
    assert code == 2
    assert f"{path}:2: facts.consent: not an allowed value" in err and "(did you mean 'given'?)" in err
    assert f"{path}:2: facts.identifiable: expected true or false (did you mean true?)" in err


def test_expectations_are_checked_when_other_expect_keys_are_wrong(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "expect:\n  conclusions: [portrait_right_infringed@creater]\n"
                                  "  exact: yes\n")
    code, _, err = run("assess", str(path))
    assert code == 2 and err.strip().splitlines() == [
        f"error: {path}:6: expect.conclusions: unknown party 'creater' (did you mean 'creator'?)",
        f"error: {path}:7: expect.exact: expected true or false (did you mean true?)"]


def test_a_list_hint_names_allowed_values_only(tmp_path: Path) -> None:
    """A hint is made of the vocabulary's values: text that names none is not echoed back."""
    path = write(tmp_path, HEAD + "  likeness: face, my neighbour's son\n")
    code, _, err = run("assess", str(path))
    assert code == 2 and err.strip() == f"error: {path}:5: facts.likeness: expected a list, e.g. [face, voice]"
