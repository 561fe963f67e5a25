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


def invoke(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
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


def started_batch(engine: Any, tmp_path: Path, cases: int, stderr: int
                  ) -> tuple[Path, list[str], subprocess.Popen[bytes]]:
    """A batch of ``cases`` quick cases started in its own process (2 workers, chunks of 4)
    and run until its journal holds 4 chunks: its output, its arguments and the process."""
    src = write_jsonl(tmp_path / "in.jsonl", [quick(engine, f"t{i}", views=i) for i in range(cases)])
    out = tmp_path / "out.jsonl"
    args = ["batch", str(src), "-o", str(out), "--jobs", "2", "--chunk-size", "4"]
    proc = subprocess.Popen([*FACERIGHT, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + 60
    journal = tmp_path / "out.jsonl.partial.journal"
    while time.monotonic() < deadline and proc.poll() is None and journal_entries(journal) < 4:
        time.sleep(0.01)
    return out, args, proc


def resumes_to_the_uninterrupted_bytes(args: list[str], out: Path, tmp_path: Path) -> str:
    """``--resume`` completes the batch with the bytes of a run never interrupted; its stderr."""
    code, _, err = invoke(*args, "--resume")
    assert code == 0, err
    full = tmp_path / "full.jsonl"
    assert invoke("batch", args[1], "-o", str(full), "--jobs", "1", "--chunk-size", "4")[0] == 0
    assert out.read_bytes() == full.read_bytes()
    return err


def test_killed_batch_resumes_to_identical_output(engine: Any, tmp_path: Path) -> None:
    out, args, proc = started_batch(engine, tmp_path, 240, subprocess.DEVNULL)
    try:
        assert proc.poll() is None, "the batch finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert not out.exists()
    with open(tmp_path / "out.jsonl.partial", "ab") as handle:
        handle.write(b'{"format":"faceri')
    resumes_to_the_uninterrupted_bytes(args, out, tmp_path)
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


# --- a batch that never loses or hangs ---------------------------------------------------------


def children(pid: int) -> list[int]:
    """The direct children of a process, from /proc (the batch's worker processes: with one
    thread in the parent they are forked from it)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def journal_entries(journal: Path) -> int:
    return journal.read_bytes().count(b"\n") if journal.exists() else 0


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
@pytest.mark.parametrize(("then", "big"), [("finish", False), ("finish", True),
                                         ("kill-parent", False)])
def test_a_dead_worker_is_replaced_and_its_chunk_run_again(engine: Any, tmp_path: Path,
                                                           sig: signal.Signals, then: str,
                                                           big: bool) -> None:
    """A worker killed mid-run (kill -9, or a SIGTERM: workers do not inherit the parent's
    handler) neither hangs the run nor loses its chunk: the chunk runs again in a fresh worker,
    the output is the uninterrupted run's bytes, and a run killed afterwards still resumes.
    ``big``: cases with every fact unknown but the date (long records; undated, each would be
    one run per period of the law, 4 times slower), 8 a chunk, so that each chunk's result is
    over 64 KiB (more than a pipe holds)."""
    n, chunk = (96, 8) if big else (400, 4)
    cases = [{"case": f"w{i}", "incident_date": "2023-06-01", "facts": {}} if big
             else quick(engine, f"w{i}", views=i) for i in range(n)]
    src = write_jsonl(tmp_path / "in.jsonl", cases)
    out = tmp_path / "out.jsonl"
    journal = tmp_path / "out.jsonl.partial.journal"
    args = ["batch", str(src), "-o", str(out), "--jobs", "2", "--chunk-size", str(chunk)]
    proc = subprocess.Popen([*FACERIGHT, *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and journal_entries(journal) < 3:
            time.sleep(0.01)
        workers = children(proc.pid)
        assert proc.poll() is None and len(workers) == 2, "the batch ended before a worker died"
        os.kill(workers[0], sig)
        if then == "kill-parent":
            # the parent reaps the dead worker and starts a fresh one, then goes on writing
            while time.monotonic() < deadline and proc.poll() is None and \
                    (workers[0] in children(proc.pid) or len(children(proc.pid)) < 2):
                time.sleep(0.01)
            seen = journal_entries(journal)
            while time.monotonic() < deadline and proc.poll() is None and \
                    journal_entries(journal) < seen + 2:
                time.sleep(0.01)
            assert proc.poll() is None, "the batch ended before it could be killed"
            assert workers[0] not in children(proc.pid)  # the dead one was replaced
            proc.kill()
        code = proc.wait(timeout=90)  # a hang fails here
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if then == "kill-parent":
        assert not out.exists()
        code, _, err = invoke(*args, "--resume")
        assert "resuming:" in err
    assert code == 0, err
    full = tmp_path / "full.jsonl"
    assert invoke("batch", str(src), "-o", str(full), "--jobs", "1", "--chunk-size", str(chunk))[0] == 0
    assert out.read_bytes() == full.read_bytes()
    assert len(records(out)) == n and b"Interrupted" not in out.read_bytes()
    assert not big or len(out.read_bytes()) / (n / chunk) > 65536


def test_a_chunk_whose_worker_dies_twice_becomes_error_records(engine: Any, tmp_path: Path) -> None:
    """The pool itself, with real worker processes: the worker running a chunk is killed, and
    so is the fresh worker running it again; every case of the chunk gets an error record
    naming it and saying why, and the pool goes on with a third worker."""
    from faceright.batch import Item, csv_columns
    from faceright.batch.pool import Processes
    from faceright.source import Document

    def item(i: int) -> Item:
        return Item("in.jsonl", i + 1, f"in#{i}", Document(quick(engine, f"d{i}"), {(): i + 1},
                                                           i + 1), None)

    pool = Processes(1, str(ROOT / "rules"), engine.version, "jsonl", csv_columns(engine.book))
    try:
        task = pool.submit([item(i) for i in range(300)])  # a few seconds of work
        for attempt in (1, 2):
            deadline = time.monotonic() + 30
            while not (task.attempts == attempt and pool.workers[0].task is task):
                assert time.monotonic() < deadline and task.outcomes is None
                pool._step(0.05)
            os.kill(pool.workers[0].process.pid, signal.SIGKILL)
        assert pool.wait([task]) == {task}
        outcomes = pool.result(task)
        assert len(outcomes) == 300 and all(o.error for o in outcomes)
        first = json.loads(outcomes[0].line)
        assert first == {"format": "faceright/1", "case": "d0", "source": "in.jsonl:1",
                         "rules_version": engine.version,
                         "error": "in.jsonl:1: not assessed: the worker process died twice on "
                                  "this chunk (killed by signal SIGKILL; out of memory, killed, "
                                  "or the engine aborted)"}
        # the pool still works: a third worker assesses the next chunk
        again = pool.submit([item(0)])
        assert pool.wait([again]) == {again} and not pool.result(again)[0].error
    finally:
        pool.close(True)
    assert not any(p.process.is_alive() for p in pool.workers)


def test_lines_that_are_not_utf8_are_one_error_record_each(engine: Any, tmp_path: Path) -> None:
    """Reading goes on after an undecodable line: one record per input line or row, the
    summary counting them all (JSONL, CSV with a bad line inside a quoted cell, and stdin)."""
    good = [json.dumps(quick(engine, f"u{i}")).encode() for i in range(3)]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_bytes(b"\n".join([good[0], b'{"case": "caf\xe9"}', good[1], good[2]]) + b"\n")
    table = tmp_path / "in.csv"
    table.write_bytes(b"case,views\nr1,1\nr\xff2,2\nr3,3\n\"r4\n\xfe\",4\nr5,5\n")
    summary = tmp_path / "s.json"
    code, out, err = invoke("batch", str(jsonl), str(table), "--jobs", "1",
                            "--summary", str(summary))
    assert code == 1 and "Traceback" not in err
    got = [json.loads(line) for line in out.splitlines()]
    assert [(r["source"].replace(f"{tmp_path}/", ""), r.get("case"), "error" in r) for r in got] == [
        ("in.jsonl:1", "u0", False), ("in.jsonl:2", None, True), ("in.jsonl:3", "u1", False),
        ("in.jsonl:4", "u2", False), ("in.csv:2", "r1", False), ("in.csv:3", None, True),
        ("in.csv:4", "r3", False), ("in.csv:6", None, True), ("in.csv:7", "r5", False)]
    assert [r["error"] for r in got if "error" in r] == [
        f"{jsonl}:2: not UTF-8 text", f"{table}:3: not UTF-8 text", f"{table}:6: not UTF-8 text"]
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["cases"] == len(got) == 9 and data["errors"] == 3
    code, out, _ = invoke("batch", "-", "--jobs", "1", input=jsonl.read_bytes())
    assert [json.loads(line).get("case") for line in out.splitlines()] == ["u0", None, "u1", "u2"]
    # a header that is not UTF-8: the file's one error, and the next file is read
    (tmp_path / "bad-header.csv").write_bytes(b"ca\xffse,views\nx,1\n")
    code, out, _ = invoke("batch", str(tmp_path / "bad-header.csv"), str(jsonl), "--jobs", "1")
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["error"] == f"{tmp_path}/bad-header.csv:1: not UTF-8 text (the header line)"
    assert len(lines) == 5


@pytest.mark.parametrize("damage", ["missing", "garbage", "empty"])
def test_resume_refuses_rather_than_delete_when_the_journal_is_unreadable(
        engine: Any, tmp_path: Path, damage: str) -> None:
    cases = [quick(engine, f"j{i}") for i in range(8)]
    cases[3]["facts"]["bogus"] = True
    src = write_jsonl(tmp_path / "in.jsonl", cases)
    out = tmp_path / "out.jsonl"
    part = tmp_path / "out.jsonl.partial"
    journal = tmp_path / "out.jsonl.partial.journal"
    assert invoke("batch", str(src), "-o", str(out), "--jobs", "1", "--chunk-size", "2",
                  "--fail-fast")[0] == 1
    before = part.read_bytes()
    assert before
    if damage == "missing":
        journal.unlink()
    else:
        journal.write_bytes(b"\x00\xffnot a journal\n" if damage == "garbage" else b"")
    code, _, err = invoke("batch", str(src), "-o", str(out), "--jobs", "1", "--chunk-size", "2",
                          "--resume")
    assert code == 2 and "Traceback" not in err
    assert f"error: {part}: cannot resume: its journal {journal} is missing or unreadable" in err
    assert part.read_bytes() == before and not out.exists()
    # a partial output holding nothing (killed at its start) is simply started afresh
    part.write_bytes(b"")
    code, _, err = invoke("batch", str(src), "-o", str(out), "--jobs", "1", "--resume")
    assert code == 1 and len(records(out)) == 8, err


def test_csv_output_neutralises_formula_cells(engine: Any, tmp_path: Path) -> None:
    """OWASP CSV injection: a cell a spreadsheet would run as a formula gets a leading ``'``;
    the JSONL output keeps the id as it is."""
    ids = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2", "@SUM(A1)", "\tx",
           "plain", "a=b"]
    cases = [quick(engine, cid) for cid in ids]
    cases.append({"case": "=1+2", "facts": {"consnet": "none"}})  # an error record too
    src = write_jsonl(tmp_path / "in.jsonl", cases)
    out = tmp_path / "out.csv"
    assert invoke("batch", str(src), "-o", str(out), "--jobs", "1")[0] == 1
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [r["case"] for r in rows] == ["'" + ids[0], "'+1+1", "'-2", "'@SUM(A1)", "'\tx",
                                         "plain", "a=b", "'=1+2"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in rows for cell in row.values())
    assert rows[-1]["error"].endswith("unknown key 'consnet' (did you mean 'consent'?)")
    code, stdout, _ = invoke("batch", str(src), "--jobs", "1")
    assert [json.loads(line)["case"] for line in stdout.splitlines()] == [*ids, "=1+2"]


def test_web_batch_records_are_faceright_batch_records(engine: Any) -> None:
    """``POST /api/batch`` and ``faceright batch -`` read a body the same way and write the
    same records, error records included (format, case, source, rules_version, error)."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from faceright.web import create_app
    body = b"\n".join([json.dumps(quick(engine, "ok")).encode(), b"{bad",
                       json.dumps({"case": "typo", "facts": {"consnet": "none"}}).encode(),
                       b'{"case": "caf\xe9"}', b"", json.dumps(quick(engine, "ok2")).encode()])
    code, stdout, _ = invoke("batch", "-", "--jobs", "1", input=body)
    assert code == 1
    with TestClient(create_app(str(ROOT / "rules"))) as client:
        response = client.post("/api/batch", content=body,
                               headers={"content-type": "application/x-ndjson"})
    assert response.status_code == 200
    web = [json.loads(line) for line in response.text.splitlines()]
    cli = [json.loads(line) for line in stdout.splitlines()]
    assert web == cli and len(web) == 5
    assert response.text == stdout  # the same bytes, key order included
    errors = [r for r in web if "error" in r]
    assert [list(r) for r in errors] == [["format", "case", "source", "rules_version", "error"]] * 3
    assert [r["case"] for r in errors] == [None, "typo", None]
    assert all(r["rules_version"] == engine.version for r in web)


def test_sigterm_to_the_batch_stops_its_workers_and_resumes(engine: Any, tmp_path: Path) -> None:
    """SIGTERM to the batch: exit 130 within a bound, no worker left behind, no record of the
    interruption in the partial output, and --resume gives the uninterrupted bytes."""
    out, args, proc = started_batch(engine, tmp_path, 300, subprocess.PIPE)
    try:
        workers = children(proc.pid)
        assert proc.poll() is None and workers, "the batch ended before it could be stopped"
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert code == 130 and "--resume" in err and "Traceback" not in err, err
    time.sleep(0.1)
    assert not [w for w in workers if os.path.exists(f"/proc/{w}")
                and open(f"/proc/{w}/stat", encoding="ascii").read().split()[2] != "Z"]
    assert b"Interrupted" not in (tmp_path / "out.jsonl.partial").read_bytes()
    assert "resuming:" in resumes_to_the_uninterrupted_bytes(args, out, tmp_path)
