"""``faceright batch`` end to end: real files, real durable_rules, the CLI through click's runner
(and a real subprocess for the kill test). Corpora are small and their cases quick to assess,
so the whole file stays well under a minute."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from faceright.batch import column_name, csv_columns
from faceright.cli import main

ROOT = Path(__file__).resolve().parent.parent
FACERIGHT = [sys.executable, "-c", "from faceright.cli import run; run()"]


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def quick(engine: Any, cid: str, **extra: Any) -> dict[str, Any]:
    """A case that every fact decides (so it is quick to assess): a fictional person."""
    facts: dict[str, Any] = {}
    for name, spec in engine.book.vocabulary.facts.items():
        if spec.type == "bool":
            facts[name] = False
        elif spec.type in ("int", "number"):
            facts[name] = 0
    facts["depicted_person"] = "fictional"
    facts.update(extra)
    return {"case": cid, "incident_date": "2023-06-01", "facts": facts}


def write_jsonl(path: Path, cases: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    return path


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every input format, with bad cases and bad files among good ones."""
    d = tmp_path_factory.mktemp("mixed")
    for sub in "abcd":
        (d / sub).mkdir()
    (d / "a" / "list.yaml").write_text(
        "- case: list-1\n  incident_date: 2023-06-01\n  facts: {depicted_person: fictional}\n"
        "- case: list-2\n  facts:\n    depicted_person: living\n    identifiable: true\n",
        encoding="utf-8")
    (d / "a" / "multi.yaml").write_text(
        "case: multi-1\nfacts: {depicted_person: fictional, identifiable: false}\n---\n"
        "case: multi-2\nfacts:\n  consnet: none\n", encoding="utf-8")
    (d / "b" / "one.json").write_text(json.dumps(
        {"case": "json-1", "incident_date": "2019-06-01",
         "facts": {"depicted_person": "living", "consent": "none", "likeness": ["voice"]}},
        indent=2), encoding="utf-8")
    (d / "b" / "many.jsonl").write_text(
        '{"case": "jl-1", "facts": {"depicted_person": "fictional"}}\n'
        "{not json}\n"
        '{"case": "jl-3", "incident_date": "2024-01-01", "facts": {"published": true}}\n',
        encoding="utf-8")
    (d / "c" / "rows.csv").write_text(
        "case,incident_date,depicted_person,identifiable,likeness,consent,purpose,views\n"
        "csv-1,2023-06-01,living,true,face;voice,none,paid_service,100\n"
        "csv-2,2023-06-01,living,perhaps,face,none,,\n"
        "csv-3,,fictional,,,,entertainment,5\n", encoding="utf-8")
    (d / "c" / "broken.yaml").write_text("case: [unclosed\nfacts: {}\n", encoding="utf-8")
    (d / "d" / "empty.yaml").write_text("", encoding="utf-8")
    shutil.copy(ROOT / "cases" / "zhang-v-template-app.yaml", d / "zhang.yaml")
    return d


@pytest.fixture(scope="module")
def mixed_out(mixed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mixed corpus assessed in this process (``--jobs 1``): the reference output."""
    out = tmp_path_factory.mktemp("out") / "ref.jsonl"
    code, _, err = invoke("batch", str(mixed), "-o", str(out), "--jobs", "1")
    assert code == 1, err
    return out


def test_one_record_per_case_in_input_order_with_error_records(mixed: Path, mixed_out: Path,
                                                               tmp_path: Path) -> None:
    got = records(mixed_out)
    sources = [r["source"] for r in got]
    rel = [(s.rsplit(":", 1)[0].replace(str(mixed) + "/", ""), int(s.rsplit(":", 1)[1]))
           for s in sources]
    assert [r[0] for r in rel] == (["a/list.yaml"] * 2 + ["a/multi.yaml"] * 2 + ["b/many.jsonl"] * 3
                                   + ["b/one.json", "c/broken.yaml"] + ["c/rows.csv"] * 3
                                   + ["d/empty.yaml", "zhang.yaml"])
    assert rel == sorted(rel, key=lambda r: (r[0], r[1]))
    errors = {r["source"].replace(str(mixed) + "/", ""): r["error"] for r in got if "error" in r}
    assert set(errors) == {"a/multi.yaml:4", "b/many.jsonl:2", "c/rows.csv:3", "c/broken.yaml:2",
                           "d/empty.yaml:1"}
    # the same location and message that `assess` prints, file by file
    for name in ("a/multi.yaml", "b/many.jsonl", "c/rows.csv", "c/broken.yaml", "d/empty.yaml"):
        code, _, err = invoke("assess", str(mixed / name), "--format", "json")
        assert code == 2
        printed = [line.removeprefix("error: ") for line in err.splitlines() if line.startswith("error: ")]
        assert printed == [m for s, m in errors.items() if s.startswith(name)]
    assert "unknown key 'consnet' (did you mean 'consent'?)" in errors["a/multi.yaml:4"]
    assert errors["c/rows.csv:3"].endswith("c/rows.csv:3: facts.identifiable: expected true or false")
    # a good record is exactly the assessment JSON, plus its source
    code, out, _ = invoke("assess", str(mixed / "zhang.yaml"), "--format", "json")
    zhang = dict(got[-1])
    assert list(zhang)[:3] == ["format", "case", "source"]
    del zhang["source"]
    assert zhang == json.loads(out)
    assert all(r["rules_version"] == got[0]["rules_version"] for r in got)
    # the same bytes with two worker processes and small chunks, ordered
    out2 = tmp_path / "jobs2.jsonl"
    code, _, err = invoke("batch", str(mixed), "-o", str(out2), "--jobs", "2", "--chunk-size", "2")
    assert code == 1 and "Traceback" not in err
    assert out2.read_bytes() == mixed_out.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["jobs2.jsonl"]  # no partial, manifest or journal left
    # --unordered: the same records, in whatever order
    code, stdout, _ = invoke("batch", str(mixed), "--jobs", "2", "--chunk-size", "1", "--unordered")
    assert sorted(stdout.splitlines()) == sorted(mixed_out.read_text(encoding="utf-8").splitlines())


def test_csv_output_has_a_column_per_conclusion_and_party(engine: Any, mixed: Path,
                                                          mixed_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    code, _, _ = invoke("batch", str(mixed), "-o", str(out), "--jobs", "1")
    assert code == 1
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    header, body = rows[0], rows[1:]
    columns = [column_name(c) for c in csv_columns(engine.book)]
    assert header == ["case", "source", "rules_version", "law_as_of", "error", *columns]
    assert "portrait_right_infringed@creator" in header and "reasonable_use" in header
    got = records(mixed_out)
    assert len(body) == len(got)
    for row, record in zip(body, got):
        cells = dict(zip(header, row))
        assert cells["source"] == record["source"]
        if "error" in record:
            assert cells["error"] == record["error"] and not any(row[5:])
            continue
        want = {column_name((c["id"], c["party"])): "holds" for c in record["conclusions"]}
        want |= {column_name((o["id"], o["party"])): "open" for o in record["open"]}
        assert set(want) <= set(columns)  # every reported conclusion has its column
        assert {k: v for k, v in cells.items() if k in columns and v} == want
        assert cells["law_as_of"] == (record["law_as_of"] or "")


def test_stdin_streams_jsonl(engine: Any) -> None:
    text = json.dumps(quick(engine, "s1")) + "\n" + json.dumps({"case": "s2", "facts": {"x": 1}}) + "\n"
    code, out, err = invoke("batch", "-", "--jobs", "1", input=text)
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(r["case"], r["source"]) for r in lines] == [("s1", "-:1"), ("s2", "-:2")]
    assert lines[1]["error"] == "-:2: facts.x: unknown key 'x'"
    assert "batch: 2 cases, 1 error" in err


def test_fail_fast_then_resume_gives_the_uninterrupted_output(engine: Any, tmp_path: Path) -> None:
    cases = [quick(engine, f"c{i}", views=i) for i in range(40)]
    cases[13]["facts"]["consnet"] = "none"
    src = write_jsonl(tmp_path / "in.jsonl", cases)
    full = tmp_path / "full.jsonl"
    assert invoke("batch", str(src), "-o", str(full), "--jobs", "1", "--chunk-size", "4")[0] == 1
    out = tmp_path / "out.jsonl"
    code, _, err = invoke("batch", str(src), "-o", str(out), "--jobs", "2", "--chunk-size", "4",
                          "--fail-fast")
    assert code == 1 and "--fail-fast" in err
    assert not out.exists() and (tmp_path / "out.jsonl.partial").exists()
    partial = (tmp_path / "out.jsonl.partial").read_bytes()
    assert partial and full.read_bytes().startswith(partial) and len(partial) < len(full.read_bytes())
    # an option that changes the output is refused, and the partial file is left alone
    code, _, err = invoke("batch", str(src), "-o", str(out), "--format", "csv", "--resume")
    assert code == 2 and "option format changed" in err and "Traceback" not in err
    assert (tmp_path / "out.jsonl.partial").read_bytes() == partial
    # a torn last line (a write cut short) is dropped on resume
    with open(tmp_path / "out.jsonl.partial", "ab") as handle:
        handle.write(b'{"format":"faceright/1","case":"c2')
    code, _, err = invoke("batch", str(src), "-o", str(out), "--jobs", "2", "--chunk-size", "4",
                          "--resume", "--summary", str(tmp_path / "summary.json"))
    assert code == 1 and "resuming:" in err
    assert out.read_bytes() == full.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["full.jsonl", "in.jsonl", "out.jsonl", "summary.json"]
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["cases"] == 40 and summary["errors"] == 1 and summary["complete"]


def test_resume_is_refused_when_an_input_changed(engine: Any, tmp_path: Path) -> None:
    cases = [quick(engine, f"c{i}") for i in range(6)]
    cases[1]["facts"]["bogus"] = True
    src = write_jsonl(tmp_path / "in.jsonl", cases)
    out = tmp_path / "out.jsonl"
    assert invoke("batch", str(src), "-o", str(out), "--jobs", "1", "--chunk-size", "2",
                  "--fail-fast")[0] == 1
    write_jsonl(src, cases[:5])
    code, _, err = invoke("batch", str(src), "-o", str(out), "--resume")
    assert code == 2
    assert f"input {src} changed" in err and "run without --resume" in err
    assert (tmp_path / "out.jsonl.partial").exists() and not out.exists()


def test_killed_batch_resumes_to_identical_output(engine: Any, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [quick(engine, f"k{i}", views=i) for i in range(240)])
    out = tmp_path / "out.jsonl"
    journal = tmp_path / "out.jsonl.partial.journal"
    args = ["batch", str(src), "-o", str(out), "--jobs", "2", "--chunk-size", "4"]
    proc = subprocess.Popen([*FACERIGHT, *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and journal.read_bytes().count(b"\n") >= 4:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the batch finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert not out.exists()
    with open(tmp_path / "out.jsonl.partial", "ab") as handle:
        handle.write(b'{"format":"faceri')
    code, _, err = invoke(*args, "--resume")
    assert code == 0, err
    full = tmp_path / "full.jsonl"
    assert invoke("batch", str(src), "-o", str(full), "--jobs", "1", "--chunk-size", "4")[0] == 0
    assert out.read_bytes() == full.read_bytes()
    assert len(records(out)) == 240


def test_check_ids_reports_duplicates(engine: Any, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "one.jsonl", [quick(engine, "same"), quick(engine, "other")])
    write_jsonl(tmp_path / "two.jsonl", [quick(engine, "third"), quick(engine, "same")])
    summary = tmp_path / "s.json"
    code, _, err = invoke("batch", str(tmp_path / "*.jsonl"), "-o", str(tmp_path / "out.jsonl"),
                          "--jobs", "1", "--check-ids", "--summary", str(summary))
    assert code == 1
    assert (f"{tmp_path}/two.jsonl:2: case: duplicate case id 'same' "
            f"(first at {tmp_path}/one.jsonl:1)") in err
    assert json.loads(summary.read_text(encoding="utf-8"))["duplicate_ids"] == 1
    code, _, _ = invoke("batch", str(tmp_path / "one.jsonl"), "--jobs", "1", "--check-ids")
    assert code == 0


def test_usage_errors_exit_2_without_traceback(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for args in (["batch", str(tmp_path / "missing.yaml")],
                 ["batch", str(tmp_path / "*.nothing")],
                 ["batch", str(ROOT / "cases" / "zhang-v-template-app.yaml"), "--resume"],
                 ["batch", str(ROOT / "cases"), "-o", str(tmp_path / "no" / "such" / "dir.jsonl")]):
        code, out, err = invoke(*args)
        assert code == 2 and err.startswith("error: ") and "Traceback" not in err, (args, err)
    monkeypatch.setattr("faceright.batch.cluster.CONNECT_TIMEOUT", 1.0)
    code, _, err = invoke("batch", str(ROOT / "cases" / "zhang-v-template-app.yaml"),
                          "--cluster", "tcp://127.0.0.1:9", "--jobs", "1")
    assert code == 2 and "cannot connect to the Dask scheduler" in err


def test_more_cases_than_durable_rules_sessions(engine: Any, tmp_path: Path) -> None:
    """One process, 1,100 cases: durable_rules would raise MemoryError at the 1,025th live
    session if each case kept a session (they share one, and retract their facts)."""
    src = write_jsonl(tmp_path / "many.jsonl",
                      [quick(engine, f"m{i}", views=i % 7) for i in range(1100)])
    summary = tmp_path / "s.json"
    code, _, err = invoke("batch", str(src), "-o", str(tmp_path / "out.jsonl"), "--jobs", "1",
                          "--chunk-size", "100", "--summary", str(summary))
    assert code == 0, err
    assert len(records(tmp_path / "out.jsonl")) == 1100
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["cases"] == 1100
    # every case really ran on durable_rules: its case fact matched, and its phase facts
    assert data["engine"]["cases"] == 1100
    assert data["engine"]["asserts"] >= 1100 * (1 + len(engine.compiled.phases))


def test_dask_local_cluster_gives_identical_output(mixed: Path, mixed_out: Path,
                                                   tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        out = tmp_path / "dask.jsonl"
        code, _, err = invoke("batch", str(mixed), "-o", str(out), "--cluster",
                              cluster.scheduler_address, "--chunk-size", "2")
    assert code == 1, err
    assert out.read_bytes() == mixed_out.read_bytes()


def test_csv_input_unknown_column_is_named_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "typo.csv"
    path.write_text("case,consnet,views\nx,none,3\ny,given,4\n", encoding="utf-8")
    code, out, err = invoke("batch", str(path), "--jobs", "1")
    assert code == 1
    [record] = [json.loads(line) for line in out.splitlines()]
    assert record["error"] == f"{path}:1: consnet: unknown column 'consnet' (did you mean 'consent'?)"
    code, _, err = invoke("assess", str(path))
    assert code == 2 and err.strip() == f"error: {record['error']}"
