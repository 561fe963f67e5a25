"""Bad case files end in a clean error naming file, line and key — never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from faceright.casefile import read_cases
from faceright.cli import main
from faceright.errors import CaseFileError
from faceright.evaluate import Engine

GOOD = """\
case: t1
incident_date: 2023-06-01
facts:
  depicted_person: living
  identifiable: true
  likeness: [face]
  consent: none
"""


def write(tmp_path: Path, text: str | bytes, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_misspelt_fact_key_names_file_line_key_and_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("  consent: none", "  consnet: none"))
    code, out, err = run("assess", str(path))
    assert code == 2
    assert out == ""
    assert err.strip() == (f"error: {path}:7: facts.consnet: unknown key 'consnet' "
                           "(did you mean 'consent'?)")


def test_misspelt_value_is_suggested_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("consent: none", "consent: nnoe"))
    code, _, err = run("assess", str(path))
    assert code == 2
    assert f"{path}:7: facts.consent: not an allowed value" in err
    assert "(did you mean 'none'?)" in err
    assert "Traceback" not in err


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "  published: [true\n")
    code, _, err = run("assess", str(path))
    assert code == 2
    assert err.startswith(f"error: {path}:")
    assert "malformed YAML" in err


def test_wrong_type_does_not_echo_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "  economic_loss_yuan: secret-amount-123\n")
    code, _, err = run("assess", str(path))
    assert code == 2
    assert "facts.economic_loss_yuan" in err and ":8:" in err
    assert "secret-amount-123" not in err


@pytest.mark.parametrize("text,fragment", [
    ("a: &x [1]\nb: *x\n", "anchors and aliases are not allowed"),
    ("case: x\nfacts: !!python/object:os.system {}\n", "YAML tag"),
    ("case: x\ncase: y\n", "duplicate key 'case'"),
    ('{"case": "x", "source": {"seen": 0}}', "source"),  # not read as the date 1970-01-01
    ("format: faceright/9\ncase: x\n", "unsupported format"),
    ("- 1\n- 2\n", "a case must be a mapping"),
    ("", "no case found"),
    ("case: x\nfacts:\n  views: 1e999\n", "finite"),
    ("case: x\nfacts:\n  views: " + "9" * 5000 + "\n", "cannot be read"),
    ("case: x\nexpect:\n  conclusions: [portrait_rigth_infringed]\n", "did you mean 'portrait_right_infringed'"),
])
def test_unsafe_or_invalid_documents_are_refused(tmp_path: Path, engine: Engine, text: str,
                                                 fragment: str) -> None:
    path = write(tmp_path, text)
    records = list(read_cases(engine.reader, str(path)))
    assert any(r.error is not None and fragment in str(r.error) for r in records), records


def test_deep_nesting_is_refused(tmp_path: Path, engine: Engine) -> None:
    path = write(tmp_path, "case: x\nnotes: " + "[" * 100 + "]" * 100 + "\n")
    [record] = read_cases(engine.reader, str(path))
    assert record.error is not None and "nesting deeper" in str(record.error)


def test_junk_bytes_are_not_utf8(tmp_path: Path, engine: Engine) -> None:
    path = write(tmp_path, b"case: x\n\xff\xfe\x00junk")
    [record] = read_cases(engine.reader, str(path))
    assert str(record.error) == f"{path}:2: not UTF-8 text"


def test_one_bad_case_in_a_list_leaves_the_others(tmp_path: Path) -> None:
    text = "- " + GOOD.replace("\n", "\n  ").rstrip() + "\n- case: t2\n  facts: {consent: maybe}\n"
    path = write(tmp_path, text)
    code, out, err = run("assess", str(path), "--format", "json")
    assert code == 2
    assert json.loads(out.splitlines()[0])["case"] == "t1"
    assert f"{path}:9: facts.consent: not an allowed value" in err


def test_jsonl_errors_name_their_line(tmp_path: Path) -> None:
    lines = [json.dumps({"case": "a", "facts": {"consent": "none"}}), "{not json",
             json.dumps({"case": "c", "facts": {"consnt": "none"}})]
    path = write(tmp_path, "\n".join(lines) + "\n", "cases.jsonl")
    code, out, err = run("assess", str(path), "--format", "json")
    assert code == 2
    assert [json.loads(line)["case"] for line in out.splitlines()] == ["a"]
    assert f"{path}:2: malformed JSON" in err
    assert f"{path}:3: facts.consnt: unknown key 'consnt' (did you mean 'consent'?)" in err


junk_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=1200)
@given(st.dictionaries(st.sampled_from(["case", "facts", "incident_date", "expect", "format",
                                        "title", "source", "bogus"]),
                       junk_values | st.dictionaries(
                           st.sampled_from(["consent", "views", "likeness", "identifiable",
                                            "economic_loss_yuan", "online_until", "consnt"]),
                           junk_values, max_size=5), max_size=6))
def test_malformed_documents_end_in_clean_errors(engine: Engine, data: dict[str, object]) -> None:
    try:
        case = engine.case(data)
    except CaseFileError as exc:
        assert str(exc)
        return
    engine.assess(case)


@settings(max_examples=800)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_junk_files_end_in_clean_errors(engine: Engine, tmp_path_factory: pytest.TempPathFactory,
                                        raw: bytes) -> None:
    path = tmp_path_factory.mktemp("junk") / "junk.yaml"
    path.write_bytes(raw)
    for record in read_cases(engine.reader, str(path)):
        if record.case is not None:
            engine.assess(record.case)
        else:
            assert isinstance(record.error, CaseFileError)


@pytest.mark.parametrize("value,message", [
    ("-1.5", "must not be negative"),
    ("1e16", "is implausibly large"),
    (".inf", "numbers must be finite"),
    ("true", "expected a number"),
    ("'12'", "expected a number (did you mean 12?)"),
])
def test_a_bad_amount_gets_one_plain_message(tmp_path: Path, value: str, message: str) -> None:
    path = write(tmp_path, GOOD + f"  economic_loss_yuan: {value}\n")
    code, _, err = run("assess", str(path))
    assert code == 2
    assert err.strip() == f"error: {path}:8: facts.economic_loss_yuan: {message}"


@settings(max_examples=300)
@given(st.sampled_from(["economic_loss_yuan", "infringer_profit_yuan", "platform_response_hours"]),
       st.floats(0, 10**15))
def test_any_finite_amount_is_assessed_at_four_decimals(engine: Engine, fact: str, value: float) -> None:
    """durable_rules cannot read ``1e-07``: amounts are kept to four decimal places, and the
    value shown in the reasons is the one the rules compared."""
    case = engine.case({"case": "x", "incident_date": "2024-01-01",
                        "facts": {"platform_hosted": True, "platform_notified": True, fact: value}})
    kept = getattr(case.facts, fact)
    assert kept == round(value, 4)
    engine.assess(case)


def test_whole_amounts_stay_whole(engine: Engine) -> None:
    case = engine.case({"case": "x", "facts": {"economic_loss_yuan": 5000, "platform_response_hours": 2.5}})
    assert (repr(case.facts.economic_loss_yuan), repr(case.facts.platform_response_hours)) == ("5000", "2.5")


# --- one meaning per input -------------------------------------------------------------------

@pytest.mark.parametrize("value", ["unknown", "null", "~", ""])
def test_an_unknown_fact_key_is_an_error_whatever_its_value_in_yaml(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, GOOD + f"  consnet: {value}\n")
    code, out, err = run("assess", str(path))
    assert (code, out) == (2, "")
    assert err.strip() == (f"error: {path}:8: facts.consnet: unknown key 'consnet' "
                           "(did you mean 'consent'?)")


@pytest.mark.parametrize("value", ["unknown", None])
def test_an_unknown_fact_key_is_an_error_whatever_its_value_in_json_and_jsonl(
        tmp_path: Path, value: object) -> None:
    case = {"case": "a", "facts": {"consent": "none", "consnet": value}}
    single = write(tmp_path, json.dumps(case, indent=1), "case.json")
    code, _, err = run("assess", str(single))
    assert code == 2 and f"{single}:5: facts.consnet: unknown key 'consnet' (did you mean 'consent'?)" in err
    lines = write(tmp_path, json.dumps({"case": "ok"}) + "\n" + json.dumps(case) + "\n", "cases.jsonl")
    code, out, err = run("assess", str(lines), "--format", "json")
    assert code == 2 and [json.loads(x)["case"] for x in out.splitlines()] == ["ok"]
    assert f"{lines}:2: facts.consnet: unknown key 'consnet' (did you mean 'consent'?)" in err


@pytest.mark.parametrize("cell", ["unknown", ""])
def test_an_unknown_csv_column_is_an_error_whatever_its_cells(tmp_path: Path, cell: str) -> None:
    path = write(tmp_path, f"case,consent,consnet\na,none,{cell}\n", "cases.csv")
    code, out, err = run("assess", str(path), "--format", "json")
    assert (code, out) == (2, "")
    assert f"{path}:1: consnet: unknown column 'consnet' (did you mean 'consent'?)" in err


def test_an_unknown_top_level_key_or_unknown_incident_date_spelling(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "titel: null\n")
    code, _, err = run("assess", str(path))
    assert code == 2 and f"{path}:8: titel: unknown key 'titel' (did you mean 'title'?)" in err
    # a known key may be left unknown
    ok = write(tmp_path, GOOD.replace("incident_date: 2023-06-01", "incident_date: unknown")
               + "  minor: unknown\n  views: null\n", "ok.yaml")
    assert run("assess", str(ok))[0] == 0


def test_duplicate_json_keys_are_errors_with_their_line(tmp_path: Path) -> None:
    lines = [json.dumps({"case": "a"}), '{"case": "b", "facts": {"consent": "none", "consent": "explicit"}}']
    path = write(tmp_path, "\n".join(lines) + "\n", "cases.jsonl")
    code, out, err = run("assess", str(path), "--format", "json")
    assert code == 2 and [json.loads(x)["case"] for x in out.splitlines()] == ["a"]
    assert f"{path}:2: consent: duplicate key 'consent'" in err
    single = write(tmp_path, '{"case": "b",\n "facts": {"consent": "none",\n  "consent": "explicit"}}',
                   "case.json")
    code, _, err = run("assess", str(single))
    assert code == 2 and f"{single}:3: facts.consent: duplicate key 'consent' (first on line 2)" in err


def test_the_order_of_a_list_fact_never_changes_the_output_or_the_receipt(tmp_path: Path) -> None:
    base = GOOD.replace("likeness: [face]", "likeness: {}") + "  platform_hosted: true\n"
    outputs = []
    for order in ("[face, voice, body]", "[body, voice, face]", "[voice, face, body]"):
        path = write(tmp_path, base.replace("{}", order), f"case{len(outputs)}.yaml")
        code, out, _ = run("assess", str(path), "--format", "json", "--receipt")
        assert code == 0
        outputs.append(json.loads(out))
    receipt = outputs[0]["receipt"]
    assert receipt["input"]["facts"]["likeness"] == ["face", "voice", "body"]
    because = [b for c in outputs[0]["conclusions"] for b in c["because"]]
    assert "likeness = [face, voice, body]" in because
    for other in outputs[1:]:  # byte for byte the same: conclusions, because lists, hashes
        assert json.dumps(other, sort_keys=True) == json.dumps(outputs[0], sort_keys=True)


def test_a_list_fact_lists_each_value_once(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("likeness: [face]", "likeness: [face, voice, face]"))
    code, _, err = run("assess", str(path))
    assert code == 2
    assert err.strip() == f"error: {path}:6: facts.likeness: lists 'face' more than once"


@pytest.mark.parametrize("size", [2_000, 16_000])
@pytest.mark.parametrize("name,wrap", [
    ("case.yaml", lambda deep: f"case: x\nnotes: {deep}\n"),
    ("case.json", lambda deep: '{"case": "x",\n"notes": ' + deep + "}"),
    ("cases.jsonl", lambda deep: '{"case": "ok"}\n{"case": "x", "notes": ' + deep + "}\n"),
])
def test_deep_nesting_is_refused_fast_with_its_line(tmp_path: Path, engine: Engine, size: int,
                                                    name: str, wrap: Any) -> None:
    import time
    half = size // 2
    path = write(tmp_path, wrap("[" * half + "]" * half), name)
    started = time.perf_counter()
    records = list(read_cases(engine.reader, str(path)))
    assert time.perf_counter() - started < 0.5
    errors = [str(r.error) for r in records if r.error is not None]
    assert errors == [f"{path}:2: nesting deeper than 32 levels"], errors
