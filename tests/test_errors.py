"""The CLI's and the web server's error boundaries, and the tracebacks of issue 12 as clean,
located messages: ``diff`` on CSV and non-mapping documents, ``verify`` on damaged or edited
receipts, rules directories without or with a malformed ``guidance.yaml``; exit codes as the
README's table says. Commands run through the real entry point (:func:`faceright.cli.guarded`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from faceright import cli
from faceright.cli import guarded

EXAMPLE = Path("cases") / "zhang-v-template-app.yaml"


def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``faceright ARGS`` through the entry point's boundary."""
    with CliRunner().isolation(input=stdin) as streams:
        code = guarded(list(args))
    return code, streams[0].getvalue().decode(), streams[1].getvalue().decode()


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text


@pytest.fixture(scope="module")
def receipt_doc(root: Path) -> dict[str, Any]:
    code, out, err = run("assess", str(root / EXAMPLE), "--format", "json", "--receipt")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --- diff -------------------------------------------------------------------------------------

def test_diff_reads_a_csv_corpus(root: Path, tmp_path: Path) -> None:
    csv = tmp_path / "cases.csv"
    csv.write_text("case,incident_date,depicted_person,identifiable,likeness,consent,purpose\n"
                   "row1,2023-06-01,living,true,face,none,paid_service\n"
                   "row2,2023-06-01,living,true,face;voice,given,personal_private\n", encoding="utf-8")
    code, out, err = run("diff", "--old", str(root / "rules"), "--new", str(root / "rules"), str(csv))
    no_traceback(out, err)
    assert (code, err) == (0, "")
    assert out.startswith(f"diff {root / 'rules'} -> {root / 'rules'}: 0 of 2 case(s) changed")


@pytest.mark.parametrize("text, kind, line", [
    ("- 1\n- 2\n", "a number", 1), ("just text\n", "text", 1), ("case: a\n---\n- [x]\n", "a list", 3)])
def test_diff_on_non_mapping_documents_names_the_line(root: Path, tmp_path: Path, text: str,
                                                      kind: str, line: int) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run("diff", "--old", str(root / "rules"), "--new", str(root / "rules"),
                         "--format", "json", str(path))
    no_traceback(out, err)
    assert code == 2
    report = json.loads(out)
    assert report["input_errors"] >= 1
    errors = [c["error"] for c in report["changed"] if c["error"]]
    assert f"{path}:{line}: a case must be a mapping, not {kind}" in errors


def test_diff_exits_1_when_a_result_changed(root: Path, tmp_path: Path) -> None:
    new = tmp_path / "rules"
    shutil.copytree(root / "rules", new)
    policies = new / "policies.yaml"
    policies.write_text(policies.read_text(encoding="utf-8").replace("value: 24", "value: 120"),
                        encoding="utf-8")
    case = str(root / EXAMPLE)
    code, out, _ = run("diff", "--old", str(root / "rules"), "--new", str(new), case)
    assert code == 1 and "1 of 1 case(s) changed" in out
    assert "  - platform_jointly_liable@platform" in out
    code, out, _ = run("diff", "--old", str(new), "--new", str(new), case)
    assert code == 0 and "0 of 1 case(s) changed" in out


# --- verify -----------------------------------------------------------------------------------

def test_an_untouched_receipt_holds_whole_or_bare(tmp_path: Path, receipt_doc: dict[str, Any]) -> None:
    for name, data in (("whole.json", receipt_doc), ("bare.json", receipt_doc["receipt"])):
        path = write(tmp_path / name, data)
        code, out, err = run("verify", str(path))
        assert (code, err) == (0, ""), out
        assert out == f"{path}: receipt holds (rules {receipt_doc['rules_version']})\n"


def test_a_deleted_conclusion_is_detected_and_named(tmp_path: Path, receipt_doc: dict[str, Any]) -> None:
    data = json.loads(json.dumps(receipt_doc))
    gone = data["conclusions"].pop(0)
    path = write(tmp_path / "edited.json", data)
    code, out, err = run("verify", str(path))
    assert code == 1 and err == ""
    label = f"{gone['id']}@{gone['party']}" if gone["party"] else gone["id"]
    assert "  - the recorded result does not match receipt.result_sha256 (the result was edited)" in out
    assert f"(missing from the receipt: {label})" in out
    assert out.splitlines()[0] == f"{path}: receipt no longer holds:"


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["receipt"]["rules_fired"].pop(), "receipt.rules_fired: differ"),
    (lambda d: d["receipt"].update(faceright="0.0.1"), "receipt.faceright: recorded '0.0.1'"),
    (lambda d: d["receipt"].update(rules_version="0" * 16), "receipt.rules_version: recorded"),
    (lambda d: d["receipt"]["files"].update({"facts.yaml": "0" * 64}),
     "receipt.files.facts.yaml: rule file changed since the receipt"),
    (lambda d: d["receipt"]["files"].pop("portrait.yaml"),
     "receipt.files.portrait.yaml: rule file added since the receipt"),
    (lambda d: d["receipt"].update(result_sha256="0" * 64), "receipt.result_sha256: the assessment differs"),
    (lambda d: d["receipt"].update(as_of="2019-06-01"), "receipt.result_sha256: the assessment differs"),
    (lambda d: d["receipt"]["input"]["facts"].update(consent="given"),
     "receipt.input: does not match receipt.input_sha256"),
    (lambda d: d["receipt"]["input"]["facts"].update(consnet="given"),
     "receipt.input: not a valid case for the current rules"),
    (lambda d: d.update(law_as_of="2020-01-01"), "law_as_of: differs from the assessment"),
    (lambda d: d["conclusions"][0]["because"].append("x"), "conclusions[0].because"),
])
def test_every_recorded_field_is_checked(tmp_path: Path, receipt_doc: dict[str, Any], edit: Any,
                                         field: str) -> None:
    data = json.loads(json.dumps(receipt_doc))
    edit(data)
    code, out, err = run("verify", str(write(tmp_path / "r.json", data)))
    no_traceback(out, err)
    assert code == 1, (out, err)
    assert any(line.startswith(f"  - {field}") for line in out.splitlines()), out


def test_an_input_edited_with_its_hash_still_fails_on_the_result(tmp_path: Path,
                                                                  receipt_doc: dict[str, Any]) -> None:
    from faceright.receipt import _sha, canonical
    data = json.loads(json.dumps(receipt_doc))
    data["receipt"]["input"]["facts"]["consent"] = "given"
    data["receipt"]["input_sha256"] = _sha(canonical(data["receipt"]["input"]))
    code, out, _ = run("verify", str(write(tmp_path / "r.json", data)))
    assert code == 1
    assert "  - receipt.result_sha256: the assessment differs from the recorded one" in out
    assert "receipt.input:" not in out


@pytest.mark.parametrize("damage, message", [
    (lambda d: d["receipt"].update(input=[1]), "receipt.input: expected an object"),
    (lambda d: d["receipt"].update(input="case"), "receipt.input: expected an object"),
    (lambda d: d["receipt"].update(files=5), "receipt.files: expected an object"),
    (lambda d: d["receipt"].update(files={"a.yaml": 1}), "receipt.files: expected an object of file name"),
    (lambda d: d["receipt"].update(rules_fired="x"), "receipt.rules_fired: expected a list"),
    (lambda d: d["receipt"].update(rules_fired=[1]), "receipt.rules_fired: expected a list of rule ids"),
    (lambda d: d["receipt"].update(as_of=7), "receipt.as_of: expected a string or null"),
    (lambda d: d["receipt"].update(as_of="soon"), "receipt.as_of: expected a date"),
    (lambda d: d["receipt"].pop("input_sha256"), "receipt.input_sha256: missing"),
    (lambda d: d["receipt"].update(signed="me"), "receipt.signed: not a field of a faceright-receipt/1 receipt"),
    (lambda d: d["receipt"].update(format="other/1"), "receipt.format: expected 'faceright-receipt/1'"),
    (lambda d: d.update(receipt=[]), "receipt: expected an object"),
])
def test_damaged_receipts_are_located_errors(tmp_path: Path, receipt_doc: dict[str, Any], damage: Any,
                                             message: str) -> None:
    data = json.loads(json.dumps(receipt_doc))
    damage(data)
    path = write(tmp_path / "r.json", data)
    code, out, err = run("verify", str(path))
    no_traceback(out, err)
    assert (code, out) == (2, "")
    assert err == f"error: {path}: not a readable receipt: {message}" + err[len(f"error: {path}: not a readable receipt: {message}"):]
    assert err.endswith("\n") and err.count("\n") == 1


@pytest.mark.parametrize("text, message", [
    ("", ":1: not a readable receipt: not JSON (Expecting value)"),
    ("[1, 2]", ": not a readable receipt: expected a JSON object"),
    ('{"format": "faceright-receipt/1",\n "format": 2}', ": not a readable receipt: duplicate key 'format'"),
    ("case: x\n", ":1: not a readable receipt: not JSON (Expecting value)"),
])
def test_non_json_receipts_are_located_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    code, out, err = run("verify", str(path))
    assert (code, out, err) == (2, "", f"error: {path}{message}\n")


def test_a_truncated_receipt_names_its_line(tmp_path: Path, receipt_doc: dict[str, Any]) -> None:
    text = json.dumps(receipt_doc, ensure_ascii=False, indent=2)
    path = tmp_path / "r.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    code, out, err = run("verify", str(path))
    last = len(text[: len(text) // 2].splitlines())
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}:{last}: not a readable receipt: not JSON (")


# --- rules directories and guidance.yaml -------------------------------------------------------

@pytest.fixture
def rules_copy(root: Path, tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(root / "rules", target)
    return target


def test_a_rules_directory_without_guidance_is_a_clean_error(root: Path, rules_copy: Path) -> None:
    (rules_copy / "guidance.yaml").unlink()
    for args in (("assess", str(root / EXAMPLE)), ("rules", "lint"), ("test", str(root / EXAMPLE))):
        code, out, err = run(*args, "--rules" if args[0] != "rules" else str(rules_copy),
                             *([str(rules_copy)] if args[0] != "rules" else []))
        no_traceback(out, err)
        assert code == 2 and out == ""
        assert f"{rules_copy / 'guidance.yaml'}: missing: a rules directory holds facts.yaml" in err


@pytest.mark.parametrize("edit, where", [
    (lambda t: t.replace("可以确定{count}项结论", "可以确定{n}项结论"),
     "guidance.yaml:{line}: words.zh.settles: unknown placeholder {n} (allowed here: {count})"),
    (lambda t: t.replace("第一步：{step}", "第一步：{step.__class__}"),
     "guidance.yaml:{line}: summary.zh.first: unknown placeholder {step.__class__}"),
    (lambda t: t.replace("第一步：{step}", "第一步：{step"),
     "guidance.yaml:{line}: summary.zh.first: not a valid template ("),
    (lambda t: t.replace("    answer: The answer first", "    answr: The answer first"),
     "guidance.yaml:{line}: words.en.answr: unknown key 'answr' (did you mean 'answer'?)"),
    (lambda t: t.replace("\n  en:\n    rights:", "\n  fr:\n    rights:"),
     "guidance.yaml:{line}: summary.fr: unknown language"),
    (lambda t: t.replace("        - {concl: offence.fraud}", "        - {concl: offence.frawd}"),
     "guidance.yaml:{line}: steps.5.when.any.0.concl: unknown conclusion 'offence.frawd' (did you mean 'offence.fraud'?)"),
    (lambda t: t.replace("basis: [civil-code-188, civil-code-995]", "basis: [civil-code-188, civil-code-9950]"),
     "guidance.yaml:{line}: steps.10.basis.1: unknown provision 'civil-code-9950' (did you mean 'civil-code-995'?)"),
    (lambda t: t.replace("      - concl: offence.fraud\n", "      - concl: offence.frawd\n"),
     "guidance.yaml:{line}: steps.5.cite.0.concl: unknown conclusion 'offence.frawd' (did you mean 'offence.fraud'?)"),
    (lambda t: t.replace("{concl: offence.obscene_for_profit, basis: [criminal-law-363]}", "{concl: offence.obscene_for_profit, basis: [criminal-law-3633]}"),
     "guidance.yaml:{line}: steps.5.cite.1.basis.0: unknown provision 'criminal-law-3633'"),
    (lambda t: t.replace("            - {fact: defrauded_yuan, unknown: true}\n        basis: [criminal-law-266]", "            - {fact: defrauded_yaun, unknown: true}\n        basis: [criminal-law-266]"),
     "guidance.yaml:{line}: steps.5.cite.0.when.all.1.fact: unknown fact 'defrauded_yaun' (did you mean 'defrauded_yuan'?)"),
    (lambda t: t.replace("    own: [offence.fraud, fraud_amount.especially_huge,", "    own: [offence.fraud, fraud_amount.especialy_huge,"),
     "guidance.yaml:{line}: perspectives.0.own.1: unknown conclusion 'fraud_amount.especialy_huge' (did you mean 'fraud_amount.especially_huge'?)"),
    (lambda t: t.replace("{defrauded_yuan}元属于“数额巨大”", "{defrauded_yen}元属于“数额巨大”"),
     "guidance.yaml:{line}: perspectives.0.lead.1.zh: unknown placeholder {defrauded_yen}"),
    (lambda t: t.replace("        notify_platform:\n          title: 向平台举报", "        notify_platfrom:\n          title: 向平台举报"),
     "guidance.yaml:{line}: perspectives.0.zh.steps.notify_platfrom: unknown step 'notify_platfrom' (did you mean 'notify_platform'?)"),
    (lambda t: t.replace("        rights: 被冒用形象的人（视频中的那个人）本人的权利", "        rigths: 被冒用形象的人（视频中的那个人）本人的权利"),
     "guidance.yaml:{line}: perspectives.0.zh.words.rigths: unknown word 'rigths' (did you mean 'rights'?)"),
    (lambda t: t.replace("    answer: The answer first", "    answer: [The, answer]"),
     "guidance.yaml:{line}: words.en.answer: Input should be a valid string"),
])
def test_a_malformed_guidance_fails_at_load_with_its_line(root: Path, rules_copy: Path, edit: Any,
                                                           where: str) -> None:
    path = rules_copy / "guidance.yaml"
    text = path.read_text(encoding="utf-8")
    changed = edit(text)
    assert changed != text
    # the line of the edit: the message must name it (computed, so the file can grow)
    line = next(i for i, (a, b) in enumerate(zip(text.splitlines(), changed.splitlines()), 1) if a != b)
    where = where.replace("{line}", str(line))
    path.write_text(changed, encoding="utf-8")
    code, out, err = run("rules", "lint", str(rules_copy))
    no_traceback(out, err)
    assert code == 2 and where in err, err
    # the questionnaire refuses to start: no question is asked before the error
    code, out, err = run("ask", "--lang", "en", "--rules", str(rules_copy), "--documents",
                         str(rules_copy / "docs"), stdin="?\n" * 200)
    assert code == 2 and out == "" and where in err


# --- exit codes -------------------------------------------------------------------------------

def test_test_without_any_expect_says_so_and_exits_2(root: Path, tmp_path: Path) -> None:
    text = (root / EXAMPLE).read_text(encoding="utf-8")
    plain = tmp_path / "plain.yaml"
    plain.write_text(text[: text.index("expect:")], encoding="utf-8")
    code, out, err = run("test", str(plain))
    assert code == 2
    assert out == "0 passed, 0 failed\n"
    assert err == f"error: no case with an `expect` block in {plain} (nothing was tested)\n"
    code, out, _ = run("test", str(plain), str(root / EXAMPLE))
    assert code == 0 and out == "1 passed, 0 failed\n"


def test_usage_errors_and_unreadable_files_exit_2(tmp_path: Path) -> None:
    assert run("no-such-command")[0] == 2
    code, out, err = run("assess", str(tmp_path / "missing.yaml"))
    assert (code, out) == (2, "") and f"{tmp_path / 'missing.yaml'}" in err
    code, _, err = run("ask", "--answers", str(tmp_path / "missing.yaml"), stdin="")
    assert code == 2 and "missing.yaml" in err
    no_traceback(err)


def test_version_and_help_exit_0() -> None:
    assert run("--version")[0] == 0
    code, out, _ = run("verify", "--help")
    assert code == 0 and "Usage:" in out


# --- the boundary for bugs ----------------------------------------------------------------------

SECRET = "consent: withheld-by-Zhang-Wei"


def test_a_bug_is_exit_70_with_a_report_in_the_log_and_no_input(root: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> str:
        raise RuntimeError(SECRET)  # a message that quotes input, as a real bug's might

    log = tmp_path / "state" / "errors.log"
    monkeypatch.setenv("FACERIGHT_LOG", str(log))
    monkeypatch.setattr(cli, "to_text", broken)  # the only way to make the CLI meet a bug
    code, out, err = run("assess", str(root / EXAMPLE))
    assert code == 70 and out == ""
    assert err == f"error: internal error — please report (log: {log})\n"
    report = log.read_text(encoding="utf-8")
    assert " in faceright assess (faceright " in report
    assert "builtins.RuntimeError (message withheld: it may quote input)" in report
    assert "in broken" in report and "cli.py:" in report
    assert "withheld-by" not in report and "Zhang" not in report and str(root / EXAMPLE) not in report
    # a second bug appends to the log
    run("assess", str(root / EXAMPLE))
    assert log.read_text(encoding="utf-8").count("=== ") == 2


def test_the_log_defaults_to_the_state_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from faceright.crash import log_path
    monkeypatch.delenv("FACERIGHT_LOG", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert log_path() == tmp_path / "faceright" / "errors.log"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/not/allowed")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert log_path() == tmp_path / "home" / ".local" / "state" / "faceright" / "errors.log"


def test_an_unwritable_log_still_gives_the_message(root: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("FACERIGHT_LOG", str(blocker / "errors.log"))  # a file is no directory
    monkeypatch.setattr(cli, "to_text", lambda *_, **__: 1 / 0)
    code, out, err = run("assess", str(root / EXAMPLE))
    assert code == 70
    assert err == "error: internal error — please report (no log could be written; set FACERIGHT_LOG)\n"


# --- the web server -----------------------------------------------------------------------------

def test_a_web_bug_is_a_500_with_an_error_id_in_the_server_log(root: Path, monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from faceright import web
    from faceright.evaluate import Engine

    def broken(self: Engine, *_: Any, **__: Any) -> Any:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(Engine, "assess", broken)
    body = json.dumps({"case": "Zhang-Wei", "incident_date": "2023-06-01",
                       "facts": {"consent": "none", "identifiable": True}})
    with TestClient(web.create_app(str(root / "rules")), raise_server_exceptions=False) as client:
        with caplog.at_level("ERROR", logger="faceright.web"):
            response = client.post("/api/assess", content=body.encode(),
                                   headers={"content-type": "application/json"})
    assert response.status_code == 500
    data = response.json()
    ident = data["error_id"]
    assert data == {"error": f"internal error — please report, error id {ident}", "error_id": ident}
    assert len(ident) == 12 and int(ident, 16) >= 0
    [record] = [r for r in caplog.records if r.name == "faceright.web"]
    text = record.getMessage()
    assert f"error {ident} in POST /api/assess" in text and "builtins.RuntimeError" in text
    assert "in broken" in text
    assert "Zhang" not in text and "withheld" not in text.replace("message withheld", "")
    assert record.exc_info is None  # no formatted traceback with the message


def test_ctrl_c_anywhere_is_exit_130_without_a_traceback(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: Any, **__: Any) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "to_text", interrupted)  # Ctrl-C while the report is written
    code, out, err = run("assess", str(root / EXAMPLE))
    assert code == 130 and out == ""
    no_traceback(err)
    assert "Aborted" not in err


def test_the_installed_entry_point_gives_clean_errors(root: Path, tmp_path: Path,
                                                      receipt_doc: dict[str, Any]) -> None:
    import subprocess
    import sys
    data = json.loads(json.dumps(receipt_doc))
    data["receipt"]["input"] = "not an object"
    receipt = write(tmp_path / "r.json", data)
    odd = tmp_path / "odd.yaml"
    odd.write_text("- 1\n", encoding="utf-8")
    env = {**__import__("os").environ, "FACERIGHT_LOG": str(tmp_path / "errors.log")}
    for args, code, message in (
            (["verify", str(receipt)], 2, f"error: {receipt}: not a readable receipt: receipt.input: expected an object\n"),
            (["diff", "--old", "rules", "--new", "rules", str(odd)], 2, ""),
            (["assess", str(tmp_path / "none.yaml")], 2, f"error: {tmp_path / 'none.yaml'}: cannot read file")):
        proc = subprocess.run([sys.executable, "cli.py", *args], cwd=root, capture_output=True, text=True,
                              env=env, timeout=120)
        assert proc.returncode == code, proc.stderr
        no_traceback(proc.stdout, proc.stderr)
        assert proc.stderr.startswith(message)
    assert not (tmp_path / "errors.log").exists()


def test_a_web_bug_on_a_page_is_a_500_page_with_an_error_id(root: Path, monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from faceright import web

    def broken(*_: Any, **__: Any) -> Any:
        raise ValueError(SECRET)

    monkeypatch.setattr(web.WebApp, "interview", broken)
    with TestClient(web.create_app(str(root / "rules")), raise_server_exceptions=False) as client:
        with caplog.at_level("ERROR", logger="faceright.web"):
            response = client.post("/interview", content=b"answers=%7B%7D&lang=en&consent=Zhang",
                                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 500 and response.headers["content-type"].startswith("text/html")
    [record] = [r for r in caplog.records if r.name == "faceright.web"]
    ident = record.getMessage().split("error ", 1)[1].split()[0]
    assert f"internal error — please report, error id {ident}" in response.text
    assert "Zhang" not in record.getMessage() and "Zhang" not in response.text
    for key, value in web.HEADERS.items():
        assert response.headers[key] == value


def test_verify_takes_the_json_lines_of_several_cases(root: Path, tmp_path: Path) -> None:
    text = (root / EXAMPLE).read_text(encoding="utf-8")
    two = tmp_path / "two.yaml"
    two.write_text(text + "---\n" + text.replace("case: zhang-v-template-app", "case: other"), encoding="utf-8")
    code, out, _ = run("assess", str(two), "--format", "json", "--receipt")
    assert code == 0 and len(out.splitlines()) == 2
    lines = tmp_path / "r.jsonl"
    lines.write_text(out, encoding="utf-8")
    code, got, _ = run("verify", str(lines))
    assert code == 0 and [x.split(": ")[0] for x in got.splitlines()] == [f"{lines}:1", f"{lines}:2"]
    second = json.loads(out.splitlines()[1])
    second["open"] = []
    lines.write_text(out.splitlines()[0] + "\n" + json.dumps(second) + "\n", encoding="utf-8")
    code, got, _ = run("verify", str(lines))
    assert code == 1
    assert got.splitlines()[0] == f"{lines}:1: receipt holds (rules {json.loads(out.splitlines()[0])['rules_version']})"
    assert got.splitlines()[1] == f"{lines}:2: receipt no longer holds:"
    assert any(x.startswith("  - open: 0 recorded") for x in got.splitlines())
    lines.write_text(out.splitlines()[0] + "\n{oops\n", encoding="utf-8")
    code, got, err = run("verify", str(lines))
    assert (code, got) == (2, "") and err.startswith(f"error: {lines}:2: not a readable receipt: not JSON (")
