"""Malformed input of every kind each command reads, generated: no command shows a traceback
or exits outside {0, 1, 2} (70 is a bug: the CLI's boundary caught something unexpected).

Kinds: case files (YAML, JSON, JSONL, CSV) for ``assess``, ``explain``, ``test``, ``diff`` and
``batch``; receipts for ``verify``; answer files and typed answers for ``ask --answers``; rule
directories with one file damaged (any rule, vocabulary, catalogue, policy or guidance file)
for ``rules lint`` and ``assess --rules``. Bounded: the whole module runs in well under a
minute on one core."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faceright.cli import guarded

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "cases" / "zhang-v-template-app.yaml"
WORK = Path(tempfile.mkdtemp(prefix="faceright-fuzz-"))
atexit.register(shutil.rmtree, WORK, True)
SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACERIGHT_LOG", str(tmp_path / "errors.log"))


def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
    with CliRunner().isolation(input=stdin) as streams:
        code = guarded(list(args))
    out, err = streams[0].getvalue().decode(errors="replace"), streams[1].getvalue().decode(errors="replace")
    return code, out, err


def check(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2), (code, out[-800:], err[-800:])
    for text in (out, err):
        assert "Traceback" not in text and "internal error" not in text, text[-800:]


# --- generated documents ----------------------------------------------------------------------

KEYS = ["case", "incident_date", "facts", "expect", "title", "format", "consent", "identifiable",
        "likeness", "purpose", "harm", "depicted_person", "conclusions", "absent", "exact", "open",
        "platform_response_hours", "consnet", "", "0", "-", "nan"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
    st.sampled_from(["none", "given", "unknown", "yes", "2023-06-01", "2023-02-30", "face", "", "?",
                     "=HYPERLINK(\"x\")", "\u2028", "\x00", "💥", "1e400", "0o17", "1_000"]),
    st.text(max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)), max_leaves=12)


def _valid_case() -> dict[str, Any]:
    return {"case": "fuzz", "incident_date": "2023-06-01",
            "facts": {"depicted_person": "living", "identifiable": True, "likeness": ["face"],
                      "consent": "none", "purpose": "paid_service", "platform_hosted": True},
            "expect": {"conclusions": ["portrait_right_infringed"]}}


@st.composite
def case_data(draw: Any) -> Any:
    """A case mapping with some parts replaced by anything, or anything at all."""
    if draw(st.integers(0, 3)) == 0:
        return draw(VALUES)
    data = _valid_case()
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["top", "facts", "expect"]))
        key, value = draw(st.sampled_from(KEYS)), draw(VALUES)
        target = data if where == "top" else data[where] if isinstance(data.get(where), dict) else data
        if draw(st.booleans()) and target:
            target.pop(draw(st.sampled_from(sorted(target))), None)
        else:
            target[key] = value
    return data


RAW_SNIPPETS = ["%YAML 1.1\n---\n", "%YAML 1.2\n---\n", "&a x\n", "*a\n", "!!python/object:os.system x\n",
                "[" * 300, "{" * 50, "key: [unclosed\n", "\t- x\n", "? complex\n: key\n", "\ufeff",
                "case: a\ncase: b\n", "...\n", "---\n---\n", "\x85", "- - - -\n", "'", "\"\\u00\"",
                '{"case": "x", "case": "y"}\n', "\xff\xfe"]


@st.composite
def file_bytes(draw: Any, kind: str) -> bytes:
    """The bytes of a case file of ``kind`` (yaml, json, jsonl, csv): malformed in some way."""
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return draw(st.binary(max_size=300))
    if choice == 1:
        good = EXAMPLE.read_bytes()
        cut = draw(st.integers(0, len(good)))
        return good[:cut] + draw(st.sampled_from(RAW_SNIPPETS)).encode("utf-8", "surrogatepass") + good[cut:cut + draw(st.integers(0, 200))]
    docs = draw(st.lists(case_data(), min_size=1, max_size=3))
    if kind == "csv":
        keys = sorted({k for d in docs if isinstance(d, dict) for k in d.get("facts", {}) if isinstance(d.get("facts"), dict)}
                      | {"case", "incident_date"})
        rows = [",".join(keys)]
        for d in docs:
            facts = d.get("facts") if isinstance(d, dict) and isinstance(d.get("facts"), dict) else {}
            row = {**facts, **({k: v for k, v in d.items() if k in ("case", "incident_date")} if isinstance(d, dict) else {})}
            rows.append(",".join(json.dumps(row.get(k, ""), ensure_ascii=False) if not isinstance(row.get(k), str)
                                 else str(row.get(k)) for k in keys))
        if draw(st.booleans()):
            rows.insert(draw(st.integers(1, len(rows))), draw(st.text(max_size=40)))
        text = "\n".join(rows) + "\n"
    elif kind == "jsonl":
        lines = [json.dumps(d, ensure_ascii=False) for d in docs]
        if draw(st.booleans()):
            lines.insert(draw(st.integers(0, len(lines))), draw(st.text(max_size=40)))
        text = "\n".join(lines) + "\n"
    elif kind == "json":
        text = json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, indent=draw(st.sampled_from([None, 2])))
    else:  # YAML: JSON is YAML; several documents separated by ---
        text = "\n---\n".join(json.dumps(d, ensure_ascii=False, indent=2) for d in docs) + "\n"
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 3)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


_counter = [0]


def place(data: bytes, suffix: str) -> str:
    _counter[0] += 1
    path = WORK / f"f{_counter[0]}{suffix}"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("command", ["assess", "assess-json", "explain", "test", "diff", "batch"])
@settings(SETTINGS, max_examples=30)
@given(kind=st.sampled_from(["yaml", "json", "jsonl", "csv"]), data=st.data())
def test_case_file_commands_never_crash(command: str, kind: str, data: Any) -> None:
    path = place(data.draw(file_bytes(kind)), "." + kind)
    args = {"assess": ["assess", path], "assess-json": ["assess", path, "--format", "json", "--receipt"],
            "explain": ["explain", path, "--why", "portrait_right_infringed"],
            "test": ["test", path], "diff": ["diff", "--old", str(ROOT / "rules"), "--new", str(ROOT / "rules"), path],
            "batch": ["batch", path, "--jobs", "1"]}[command]
    check(*run(*args))


# --- receipts -----------------------------------------------------------------------------------

_RECEIPT: dict[str, Any] = {}


def receipt() -> dict[str, Any]:
    if not _RECEIPT:
        code, out, err = run("assess", str(EXAMPLE), "--format", "json", "--receipt")
        assert code == 0, err
        _RECEIPT.update(json.loads(out))
    return json.loads(json.dumps(_RECEIPT))


@st.composite
def receipt_bytes(draw: Any) -> bytes:
    doc = receipt()
    choice = draw(st.integers(0, 3))
    if choice == 0:
        text = json.dumps(doc, ensure_ascii=False)
        return text[: draw(st.integers(0, len(text)))].encode()
    if choice == 1:
        return draw(st.binary(max_size=200))
    for _ in range(draw(st.integers(1, 3))):
        target = doc["receipt"] if draw(st.booleans()) else doc
        if isinstance(target.get("input"), dict) and draw(st.booleans()):
            target = target["input"]["facts"] if draw(st.booleans()) else target["input"]
        key = draw(st.one_of(st.sampled_from(sorted(target) or ["x"]), st.sampled_from(KEYS)))
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = draw(VALUES)
    if draw(st.integers(0, 4)) == 0:
        doc = doc["receipt"]
    return json.dumps(doc, ensure_ascii=False).encode()


@SETTINGS
@given(data=receipt_bytes())
def test_verify_never_crashes(data: bytes) -> None:
    check(*run("verify", place(data, ".json")))


# --- answer files and typed answers ----------------------------------------------------------------

@settings(SETTINGS, max_examples=25)
@given(data=st.one_of(file_bytes("yaml"), file_bytes("json")),
       typed=st.lists(st.one_of(st.sampled_from(["?", "why", "back", "", "yes", "1", "none", "-5", "1e999"]),
                                st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                                        max_size=10)), max_size=4))
def test_ask_with_answer_files_never_crashes(data: bytes, typed: list[str]) -> None:
    path = place(data, ".yaml")
    stdin = "".join(f"{line}\n" for line in typed) + "quit\n"
    check(*run("ask", "--lang", "en", "--answers", path, "--notice", str(WORK / "notice.txt"), stdin=stdin))


# --- rule directories ---------------------------------------------------------------------------

RULE_FILES = sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))


@st.composite
def damaged_rules(draw: Any) -> str:
    """A copy of the shipped rules with one file damaged (cut, a line dropped or replaced, or
    bytes spliced in), or removed."""
    _counter[0] += 1
    target = WORK / f"rules{_counter[0]}"
    shutil.copytree(ROOT / "rules", target)
    name = draw(st.sampled_from(RULE_FILES))
    path = target / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    how = draw(st.integers(0, 4))
    if how == 0:
        path.unlink()
    elif how == 1:
        data = path.read_bytes()
        path.write_bytes(data[: draw(st.integers(0, len(data)))])
    else:
        i = draw(st.integers(0, len(lines) - 1))
        if how == 2:
            del lines[i]
        elif how == 3:
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            key = lines[i].strip().split(":")[0] if ":" in lines[i] else "x"
            value = draw(VALUES)
            lines[i] = f"{indent}{key}: {json.dumps(value, ensure_ascii=False)}\n"
        else:
            lines.insert(i, draw(st.sampled_from(RAW_SNIPPETS + ["  - {fact: consnet, is: true}\n", "{x}\n"])))
        path.write_text("".join(lines), encoding="utf-8", errors="surrogatepass")
    return str(target)


@settings(SETTINGS, max_examples=20)
@given(rules=damaged_rules(), command=st.sampled_from(["lint", "assess", "ask"]))
def test_damaged_rule_directories_never_crash(rules: str, command: str) -> None:
    args = {"lint": ["rules", "lint", rules], "assess": ["assess", str(EXAMPLE), "--rules", rules],
            "ask": ["ask", "--lang", "en", "--rules", rules, "--answers", str(EXAMPLE),
                    "--notice", str(WORK / "notice.txt")]}[command]
    check(*run(*args, stdin="?\n?\nquit\n"))
