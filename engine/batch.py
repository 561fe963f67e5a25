"""Batch evaluation at scale: many case files in, one record per case out, nothing lost.

The parent process reads inputs lazily (YAML and JSON per file; JSONL and CSV line by line, so
files of any size stream), cuts the case documents into chunks and keeps a bounded window of
chunks in flight on a backend: in-process (``--jobs 1``), worker processes (one durable_rules
Host each, made in the worker), or a Dask cluster (the rulebook travels as data). Workers
validate and assess; the parent reorders and writes. A file output goes to ``OUT.partial``
with a manifest (inputs' sizes and hashes, rules_version, options) and a journal of finished
chunks; ``--resume`` truncates to the last journalled chunk and skips the chunks done, and the
file is renamed into place only when complete.
"""

from __future__ import annotations

import codecs
import csv
import glob
import hashlib
import io
import json
import os
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import IO, Any, NamedTuple, Protocol

from .assessment import FORMAT
from .casefile import _no_constant, csv_documents, documents, is_csv, jsonl_line, yaml_documents
from .conditions import SAME, refs
from .errors import CaseFileError, FacerightError
from .evaluate import Engine, load_engine
from .render import json_line
from .runtime import runtime
from .rulebook import Rulebook
from .source import MAX_BYTES, Document

SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".ndjson", ".csv")
MANIFEST_FORMAT = "faceright-batch/1"
CHUNK_SIZE = 32
WINDOW_PER_WORKER = 4
SHOWN = 20  # error and duplicate lines echoed on stderr before only counting
CONNECT_TIMEOUT = 20.0  # seconds to reach a Dask scheduler
Column = tuple[str, str | None]


class BatchError(FacerightError):
    """A problem that prevents the batch from running or going on (exit code 2)."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: the partial output is kept for ``--resume`` (exit code 130)."""


@dataclass(frozen=True)
class Options:
    """What a batch run does; ``format``, ``unordered`` and ``chunk_size`` shape the output
    and so are part of the manifest that ``--resume`` checks."""

    inputs: tuple[str, ...]
    out: str | None = None
    format: str = "jsonl"
    jobs: int = 1
    unordered: bool = False
    resume: bool = False
    fail_fast: bool = False
    check_ids: bool = False
    summary: str | None = None
    cluster: str | None = None
    rules: str | None = None
    chunk_size: int = CHUNK_SIZE
    progress: bool = False


class Item(NamedTuple):
    """One case document to assess, with where it came from, or the read error in its place."""

    path: str
    line: int
    default_id: str
    doc: Document | None
    error: str | None


class Outcome(NamedTuple):
    """One output record, rendered by the worker, plus what the parent counts."""

    line: str
    case: str | None
    source: str
    error: bool
    holds: tuple[str, ...]
    open: tuple[str, ...]
    runs: int = 0  # case facts matched by durable_rules
    asserts: int = 0


@dataclass
class Chunk:
    """Consecutive items, numbered in input order; ``pos`` is the input bytes read so far."""

    index: int
    items: list[Item]
    pos: int


# --- inputs -------------------------------------------------------------------------------


def expand_inputs(inputs: Sequence[str], exclude: Collection[str] = ()) -> list[str]:
    """Files, directories (recursively), globs and ``-`` as a sorted-per-argument, de-duplicated
    list of files; the batch's own output files (``exclude``) are never read as input."""
    skip = {os.path.realpath(p) for p in exclude}
    out: list[str] = []
    seen: set[str] = set()

    def add(path: str, explicit: bool) -> None:
        real = os.path.realpath(path)
        if real in skip:
            if explicit:
                raise BatchError(f"{path}: is the batch's own output, not an input")
            return
        if real not in seen:
            seen.add(real)
            out.append(path)

    for arg in inputs:
        if arg == "-":
            if "-" not in seen:
                seen.add("-")
                out.append("-")
        elif os.path.isdir(arg):
            for path in _walk(arg):
                add(path, False)
        elif os.path.isfile(arg):
            add(arg, True)
        elif glob.has_magic(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                raise BatchError(f"no file matches '{arg}'")
            for match in matches:
                for path in (_walk(match) if os.path.isdir(match) else [match]):
                    add(path, False)
        else:
            raise BatchError(f"{arg}: no such file or directory")
    if not out:
        raise BatchError("no case files found in the inputs")
    return out


def _walk(directory: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in sorted(files)
                  if not f.startswith(".") and f.lower().endswith(SUFFIXES)]
    return sorted(found, key=lambda p: Path(p).parts)


def _jsonl_stream(path: str, handle: Iterable[bytes]) -> Iterator[Document | CaseFileError]:
    """JSONL one line at a time (the same records and messages as ``assess``, any file size)."""
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield CaseFileError(path, number, None, "not UTF-8 text")
            return
        doc = jsonl_line(path, number, line)
        if doc is not None:
            yield doc


def _decoded(handle: IO[bytes]) -> Iterator[str]:
    first = True
    for raw in handle:
        yield raw.decode("utf-8-sig" if first else "utf-8")
        first = False


def _stdin_documents(stream: IO[bytes]) -> Iterator[Document | CaseFileError]:
    """Stdin streams as JSONL when its first line is a JSON object, else reads as YAML/JSON."""
    first = stream.readline()
    if first.lstrip(codecs.BOM_UTF8 + b" \t").startswith(b"{"):
        try:
            json.loads(first.decode("utf-8-sig"), parse_constant=_no_constant)
        except (ValueError, RecursionError):
            pass
        else:
            yield from _jsonl_stream("-", _Prepend(first, stream))
            return
    raw = first + stream.read(MAX_BYTES + 1 - len(first))
    if len(raw) > MAX_BYTES:
        yield CaseFileError("-", None, None, f"file is larger than {MAX_BYTES // 2**20} MiB")
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield CaseFileError("-", raw[: exc.start].count(b"\n") + 1, None, "not UTF-8 text")
        return
    yield from yaml_documents("-", text)


class _Prepend:
    """A byte stream with one line pushed back (what stdin sniffing read)."""

    def __init__(self, first: bytes, rest: IO[bytes]) -> None:
        self._first = first
        self._rest = rest

    def __iter__(self) -> Iterator[bytes]:
        yield self._first
        yield from self._rest


class Reader:
    """Turns input paths into chunks of items, lazily, tracking bytes read for progress."""

    def __init__(self, paths: list[str], book: Rulebook, chunk_size: int,
                 stdin: IO[bytes] | None = None) -> None:
        self.paths = paths
        self.book = book
        self.chunk_size = chunk_size
        self.stdin = stdin
        self.pos = 0

    def items(self) -> Iterator[Item]:
        """Every case document of every input, in order, with ``read_cases``' default ids."""
        base = 0
        for path in self.paths:
            size = 0 if path == "-" else _size(path)
            stem = "stdin" if path == "-" else Path(path).stem
            index = 0
            with _Opened(path, self.stdin) as handle:
                for doc in self._documents(path, handle):
                    if handle.binary is not None and path != "-":
                        self.pos = base + handle.binary.tell()
                    index += 1
                    if isinstance(doc, CaseFileError):
                        yield Item(path, doc.line or 1, "", None, str(doc))
                        continue
                    default_id = stem if index == 1 else f"{stem}#{index}"
                    yield Item(path, doc.start_line, default_id, doc, None)
            if index == 0:
                yield Item(path, 1, "", None,
                           str(CaseFileError(path, 1, None, "no case found in this file")))
            base += size
            self.pos = base

    def _documents(self, path: str, handle: _Opened) -> Iterator[Document | CaseFileError]:
        if handle.error is not None:
            yield handle.error
        elif path == "-":
            assert handle.binary is not None
            yield from _stdin_documents(handle.binary)
        elif handle.binary is not None and is_csv(path):
            yield from csv_documents(path, _decoded(handle.binary), self.book.vocabulary)
        elif handle.binary is not None:
            yield from _jsonl_stream(path, handle.binary)
        else:
            yield from documents(path)

    def chunks(self) -> Iterator[Chunk]:
        """Items cut into numbered chunks (the same cut on every run: resume relies on it)."""
        items: list[Item] = []
        index = 0
        for item in self.items():
            items.append(item)
            if len(items) >= self.chunk_size:
                yield Chunk(index, items, self.pos)
                index += 1
                items = []
        if items:
            yield Chunk(index, items, self.pos)


class _Opened:
    """Opens streaming inputs (JSONL, CSV, stdin) as binary; YAML/JSON go through ``documents``."""

    def __init__(self, path: str, stdin: IO[bytes] | None) -> None:
        self.path = path
        self.stdin = stdin
        self.binary: IO[bytes] | None = None
        self.error: CaseFileError | None = None
        self._owned = False

    def __enter__(self) -> _Opened:
        low = self.path.lower()
        if self.path == "-":
            self.binary = self.stdin if self.stdin is not None else sys.stdin.buffer
        elif low.endswith((".jsonl", ".ndjson", ".csv")):
            try:
                self.binary = open(self.path, "rb")  # noqa: SIM115 - closed in __exit__
                self._owned = True
            except OSError as exc:
                self.error = CaseFileError(self.path, None, None, f"cannot read file: {exc.strerror}")
        return self

    def __exit__(self, *_: object) -> None:
        if self._owned and self.binary is not None:
            self.binary.close()


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def file_digest(path: str) -> dict[str, Any]:
    """An input's identity for the manifest: path, size and sha256 (stdin has none)."""
    if path == "-":
        return {"path": "-", "size": None, "sha256": None}
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
                size += len(block)
    except OSError as exc:
        return {"path": path, "size": None, "sha256": None, "error": exc.strerror}
    return {"path": path, "size": size, "sha256": digest.hexdigest()}


# --- evaluation (runs in workers, in-process, or on Dask workers) --------------------------


def csv_columns(book: Rulebook) -> list[Column]:
    """Every (public conclusion, party) an assessment can report, in the contract's order.

    A ``party: same`` rule takes the party of the conclusion it builds on, so parties flow
    along references until nothing changes."""
    parties: dict[str, set[str | None]] = {}
    changed = True
    while changed:
        changed = False
        for rule in book.rules:
            party = rule.spec.conclude.party
            found: set[str | None] = set()
            if party == SAME:
                for ref in refs(rule.cond):
                    if ref.party == SAME:
                        found |= parties.get(ref.concl, set())
            else:
                found = {party}
            have = parties.setdefault(rule.concl, set())
            if not found <= have:
                have |= found
                changed = True
    public = set(book.public_conclusions())
    keys = {(c, p) for c, ps in parties.items() if c in public for p in ps}
    return sorted(keys, key=lambda k: (k[0], k[1] or ""))


def column_name(column: Column) -> str:
    """``id@party``, or ``id`` for a conclusion without a party (the ``expect`` syntax)."""
    return column[0] if column[1] is None else f"{column[0]}@{column[1]}"


def csv_header(columns: list[Column]) -> str:
    """The CSV output's header line."""
    return _csv_line(["case", "source", "rules_version", "law_as_of", "error",
                      *(column_name(c) for c in columns)])


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    clean = [c.replace("\r", " ").replace("\n", " ") for c in cells]  # one record, one line
    csv.writer(buffer, lineterminator="\n").writerow(clean)
    return buffer.getvalue()[:-1]


@dataclass
class WorkerState:
    """What a worker needs to turn items into records; the engine is built once per worker."""

    engine: Engine
    format: str
    columns: list[Column]
    lock: threading.Lock = field(default_factory=threading.Lock)


def evaluate(state: WorkerState, items: Iterable[Item]) -> list[Outcome]:
    """Validate and assess each item; every problem becomes an error record, never an exception.

    A Host must not be used from two threads, so a worker with several threads serialises."""
    with state.lock:
        return [_evaluate(state, item) for item in items]


def _evaluate(state: WorkerState, item: Item) -> Outcome:
    source = f"{item.path}:{item.line}"
    if item.error is not None or item.doc is None:
        return _failure(state, None, source, item.error or f"{source}: no case")
    try:
        case = state.engine.reader.validate(item.doc, item.path, item.default_id)
    except CaseFileError as err:
        return _failure(state, _raw_id(item), source, str(err))
    before = dict(runtime().counters)
    try:
        result = state.engine.assess(case)
    except Exception as exc:  # noqa: BLE001 - a failing case must not stop the batch
        return _failure(state, str(case.case), source,
                        f"{source}: engine error: {type(exc).__name__}: {str(exc)[:500]}")
    data = result.to_json_dict()
    record: dict[str, Any] = {}
    for key, value in data.items():
        record[key] = value
        if key == "case":
            record["source"] = source
    held = {(c["id"], c["party"]) for c in data["conclusions"]}
    opened = {(o["id"], o["party"]) for o in data["open"]}
    if state.format == "csv":
        cells = ["holds" if col in held else "open" if col in opened else ""
                 for col in state.columns]
        line = _csv_line([str(result.case), source, result.rules_version,
                          result.law_as_of or "", "", *cells])
    else:
        line = json_line(record)
    after = runtime().counters
    return Outcome(line, str(result.case), source, False,
                   tuple(sorted({k[0] for k in held})), tuple(sorted({k[0] for k in opened})),
                   after["cases"] - before["cases"], after["asserts"] - before["asserts"])


def _raw_id(item: Item) -> str | None:
    """The id of a case that failed validation, when it has a usable one (it locates)."""
    data = item.doc.data if item.doc is not None else None
    if not isinstance(data, dict):
        return None
    cid = data.get("case", item.default_id)
    return cid if isinstance(cid, str) and 0 < len(cid) <= 200 else None


def _failure(state: WorkerState, case: str | None, source: str, message: str) -> Outcome:
    if state.format == "csv":
        line = _csv_line([case or "", source, state.engine.version, "", message,
                          *([""] * len(state.columns))])
    else:
        line = json_line({"format": FORMAT, "case": case, "source": source,
                          "rules_version": state.engine.version, "error": message})
    return Outcome(line, case, source, True, (), ())


# Local worker processes: state made by the initializer, in the worker (never before a fork).
_STATE: WorkerState | None = None
_INIT_ERROR: str | None = None


def _init_worker(rules: str | None, version: str, fmt: str, columns: list[Column]) -> None:
    """Build this worker's engine once; Ctrl-C is the parent's to handle."""
    global _STATE, _INIT_ERROR
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    try:
        engine = load_engine(rules)
        if engine.version != version:
            raise BatchError(f"the rules changed while the batch started (rules_version "
                             f"{engine.version}, expected {version})")
        _STATE = WorkerState(engine, fmt, columns)
    except FacerightError as exc:
        _INIT_ERROR = str(exc)


def _watch_parent() -> None:
    """Exit when the parent dies (a killed batch must not leave busy orphans behind)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="faceright-parent-watch", daemon=True).start()


def _worker_ready() -> str:
    if _INIT_ERROR is not None or _STATE is None:
        raise BatchError(_INIT_ERROR or "worker not initialised")
    return _STATE.engine.version


def _run_chunk(items: list[Item]) -> list[Outcome]:
    _worker_ready()
    assert _STATE is not None
    return evaluate(_STATE, items)


# Dask workers: the rulebook arrives as data and is built once per worker process.
_REMOTE: dict[str, WorkerState] = {}
_REMOTE_LOCK = threading.Lock()


def rules_payload(directory: Path) -> dict[str, str]:
    """The rules directory's files as text, so remote workers need no shared disk."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.iterdir())
            if p.is_file() and p.suffix in (".yaml", ".yml", ".md")}


def remote_chunk(payload: dict[str, str], version: str, fmt: str, columns: list[Column],
                 items: list[Item]) -> list[Outcome]:
    """A Dask task: assess a chunk with this worker's engine (built on first use)."""
    with _REMOTE_LOCK:
        state = _REMOTE.get(version)
        if state is None:
            directory = Path(tempfile.mkdtemp(prefix="faceright-rules-"))
            for name, text in payload.items():
                (directory / Path(name).name).write_text(text, encoding="utf-8")
            engine = load_engine(directory)
            if engine.version != version:
                raise BatchError(f"the worker built rules_version {engine.version}, "
                                 f"expected {version}")
            state = _REMOTE[version] = WorkerState(engine, fmt, columns)
    if state.format != fmt or state.columns != columns:
        state = WorkerState(state.engine, fmt, columns, state.lock)
    return evaluate(state, items)


# --- backends ------------------------------------------------------------------------------


class Backend(Protocol):
    """Runs chunks somewhere; the parent keeps at most ``window`` of them in flight."""

    window: int

    def submit(self, items: list[Item]) -> Any: ...

    def wait(self, pending: Collection[Any]) -> set[Any]: ...

    def result(self, handle: Any) -> list[Outcome]: ...

    def close(self, cancel: bool) -> None: ...


class InProcess:
    """``--jobs 1``: assess in this process, one chunk at a time."""

    window = 1

    def __init__(self, state: WorkerState) -> None:
        self.state = state

    def submit(self, items: list[Item]) -> Future[list[Outcome]]:
        future: Future[list[Outcome]] = Future()
        future.set_result(evaluate(self.state, items))
        return future

    def wait(self, pending: Collection[Any]) -> set[Any]:
        return set(pending)

    def result(self, handle: Any) -> list[Outcome]:
        out: list[Outcome] = handle.result()
        return out

    def close(self, cancel: bool) -> None:
        pass


class Processes:
    """``--jobs N``: N worker processes, each with its own engine and Host."""

    def __init__(self, jobs: int, rules: str | None, version: str, fmt: str,
                 columns: list[Column]) -> None:
        import multiprocessing
        # fork is fast (the engine is inherited) and safe while this process has one thread;
        # otherwise a fresh interpreter per worker (forkserver) avoids inheriting held locks.
        method = "fork" if threading.active_count() == 1 else "forkserver"
        if method not in multiprocessing.get_all_start_methods():
            method = "spawn"
        self.window = jobs * WINDOW_PER_WORKER
        self.executor = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context(method),
            initializer=_init_worker, initargs=(rules, version, fmt, columns))
        try:
            for ready in [self.executor.submit(_worker_ready) for _ in range(jobs)]:
                ready.result()
        except BrokenProcessPool as exc:
            self.close(True)
            raise BatchError(f"worker processes could not start: {exc}") from None
        except BaseException:
            self.close(True)
            raise

    def submit(self, items: list[Item]) -> Future[list[Outcome]]:
        return self.executor.submit(_run_chunk, items)

    def wait(self, pending: Collection[Any]) -> set[Any]:
        done, _ = wait_futures(pending, return_when=FIRST_COMPLETED)
        return set(done)

    def result(self, handle: Any) -> list[Outcome]:
        try:
            out: list[Outcome] = handle.result()
        except BrokenProcessPool:
            raise BatchError("a worker process died (out of memory or killed?); "
                             "the partial output is kept: run again with --resume") from None
        return out

    def close(self, cancel: bool) -> None:
        self.executor.shutdown(wait=True, cancel_futures=cancel)


class DaskCluster:
    """``--cluster ADDRESS``: chunks as tasks on an existing Dask distributed cluster."""

    def __init__(self, address: str, rules_dir: Path, version: str, fmt: str,
                 columns: list[Column]) -> None:
        try:
            import distributed
        except ImportError:
            raise BatchError("--cluster needs Dask: pip install 'faceright[dask]'") from None
        import logging
        logging.getLogger("distributed").setLevel(logging.ERROR)
        self.dask: Any = distributed
        try:
            self.client: Any = self.dask.Client(address, timeout=CONNECT_TIMEOUT,
                                                set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BatchError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
        threads = sum(self.client.nthreads().values()) or 1
        self.window = max(2, threads * WINDOW_PER_WORKER)
        [self.payload] = self.client.scatter([rules_payload(rules_dir)], broadcast=True)
        self.args = (version, fmt, columns)

    def submit(self, items: list[Item]) -> Any:
        return self.client.submit(remote_chunk, self.payload, *self.args, items, pure=False)

    def wait(self, pending: Collection[Any]) -> set[Any]:
        with self.client.as_current():
            done = self.dask.wait(list(pending), return_when="FIRST_COMPLETED").done
        return set(done)

    def result(self, handle: Any) -> list[Outcome]:
        try:
            out: list[Outcome] = handle.result()
        except FacerightError:
            raise
        except Exception as exc:  # noqa: BLE001 - a cluster failure is reported, not traced
            raise BatchError(f"a Dask task failed: {type(exc).__name__}: {str(exc)[:300]}; "
                             "the partial output is kept: run again with --resume") from None
        return out

    def close(self, cancel: bool) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing a broken connection has nothing to report
            pass


# --- output --------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts for the summary: kept per chunk in the journal so a resumed run adds them up."""

    cases: int = 0
    errors: int = 0
    holds: Counter[str] = field(default_factory=Counter)
    open: Counter[str] = field(default_factory=Counter)
    runs: int = 0  # case facts matched by durable_rules
    asserts: int = 0

    def add(self, outcome: Outcome) -> None:
        self.cases += 1
        self.errors += outcome.error
        self.holds.update(outcome.holds)
        self.open.update(outcome.open)
        self.runs += outcome.runs
        self.asserts += outcome.asserts

    def merge(self, other: Tally) -> None:
        self.cases += other.cases
        self.errors += other.errors
        self.holds.update(other.holds)
        self.open.update(other.open)
        self.runs += other.runs
        self.asserts += other.asserts

    def to_journal(self) -> dict[str, Any]:
        return {"n": self.cases, "e": self.errors, "h": dict(sorted(self.holds.items())),
                "o": dict(sorted(self.open.items())), "s": self.runs, "a": self.asserts}

    @classmethod
    def from_journal(cls, data: dict[str, Any]) -> Tally:
        return cls(int(data["n"]), int(data["e"]), Counter(data["h"]), Counter(data["o"]),
                   int(data.get("s", 0)), int(data.get("a", 0)))


class Sink(Protocol):
    """Where records go."""

    def write(self, index: int, lines: list[str], tally: Tally) -> None: ...

    def finish(self) -> None: ...

    def abort(self) -> None: ...


class StdoutSink:
    """Records on standard output: streamed, but neither atomic nor resumable."""

    def __init__(self, stream: IO[bytes], header: str | None) -> None:
        self.stream = stream
        if header is not None:
            stream.write(header.encode("utf-8") + b"\n")

    def write(self, index: int, lines: list[str], tally: Tally) -> None:
        self.stream.write(b"".join(line.encode("utf-8") + b"\n" for line in lines))
        self.stream.flush()

    def finish(self) -> None:
        self.stream.flush()

    def abort(self) -> None:
        self.stream.flush()


@dataclass
class Resumed:
    """What an interrupted run had finished."""

    done: set[int]
    tally: Tally


class FileSink:
    """``OUT.partial`` + manifest + journal of finished chunks, renamed to OUT when complete.

    Each chunk's lines are written and flushed before its journal entry, so after a kill the
    journal never claims more than the file holds; resume truncates the file to the last
    journalled offset (dropping a partial line or an unjournalled chunk)."""

    def __init__(self, out: str, fmt: str) -> None:
        self.out = out
        self.format = fmt
        self.part = out + ".partial"
        self.manifest = self.part + ".manifest.json"
        self.journal_path = self.part + ".journal"
        self._file: IO[bytes] | None = None
        self._journal: IO[bytes] | None = None
        self.offset = 0

    def files(self) -> list[str]:
        return [self.out, self.part, self.manifest, self.journal_path]

    def start(self, manifest: dict[str, Any], header: str | None) -> None:
        """A fresh run: write the manifest, an empty partial file (plus header) and journal."""
        for stale in (self.part, self.journal_path):
            if os.path.exists(stale):
                os.remove(stale)
        _write_atomic(self.manifest, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        self._file = open(self.part, "wb")  # noqa: SIM115 - closed in finish/abort
        self._journal = open(self.journal_path, "wb")  # noqa: SIM115
        if header is not None:
            self._file.write(header.encode("utf-8") + b"\n")
            self._file.flush()
        self.offset = self._file.tell()
        self._note({"c": -1, "end": self.offset})

    def recorded_chunk_size(self) -> int | None:
        """The chunking of the interrupted run (an internal setting a resume adopts)."""
        try:
            with open(self.manifest, encoding="utf-8") as handle:
                size = json.load(handle)["options"]["chunk_size"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return size if isinstance(size, int) and size > 0 else None

    def resume(self, manifest: dict[str, Any]) -> Resumed | None:
        """Continue an interrupted run, or None when there is none (then start afresh).

        Refuses (BatchError) when the inputs, rules or output options differ from the run that
        wrote the partial output: mixing them would give a file no single run produces."""
        if not os.path.exists(self.part):
            return None
        try:
            with open(self.manifest, encoding="utf-8") as handle:
                old = json.load(handle)
        except (OSError, ValueError):
            raise BatchError(f"{self.part}: cannot resume: its manifest {self.manifest} is "
                             "missing or unreadable (run without --resume to start again)") from None
        difference = manifest_difference(old, manifest)
        if difference:
            raise BatchError(f"{self.part}: cannot resume: {difference} since the interrupted "
                             "run (run without --resume to start again)")
        journal = _read_journal(self.journal_path)
        if journal is None:
            return None
        resumed, end, good = journal
        if os.path.getsize(self.part) < end:
            raise BatchError(f"{self.part}: cannot resume: the file is shorter than its journal "
                             "says (run without --resume to start again)")
        with open(self.part, "r+b") as handle:
            handle.truncate(end)
        with open(self.journal_path, "r+b") as handle:
            handle.truncate(good)
        self._file = open(self.part, "ab")  # noqa: SIM115 - closed in finish/abort
        self._journal = open(self.journal_path, "ab")  # noqa: SIM115
        self.offset = end
        return resumed

    def write(self, index: int, lines: list[str], tally: Tally) -> None:
        assert self._file is not None
        data = b"".join(line.encode("utf-8") + b"\n" for line in lines)
        self._file.write(data)
        self._file.flush()
        self.offset += len(data)
        self._note({"c": index, "end": self.offset, **tally.to_journal()})

    def _note(self, entry: dict[str, Any]) -> None:
        assert self._journal is not None
        self._journal.write(json.dumps(entry, separators=(",", ":")).encode() + b"\n")
        self._journal.flush()

    def finish(self) -> None:
        """Make the output durable, rename it into place, and drop the bookkeeping."""
        assert self._file is not None and self._journal is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._journal.close()
        os.replace(self.part, self.out)
        for path in (self.journal_path, self.manifest):
            try:
                os.remove(path)
            except OSError:
                pass

    def abort(self) -> None:
        for handle in (self._file, self._journal):
            if handle is not None:
                handle.close()

    def written(self) -> Iterator[tuple[str, str]]:
        """(case id, source) of every record already in the partial file (for --check-ids)."""
        with open(self.part, encoding="utf-8", newline="") as handle:
            if self.format == "csv":
                rows = csv.reader(handle)
                next(rows, None)
                for row in rows:
                    if row and row[0]:
                        yield row[0], row[1]
            else:
                for line in handle:
                    record = json.loads(line)
                    if record.get("case"):
                        yield str(record["case"]), str(record["source"])


def _read_journal(path: str) -> tuple[Resumed, int, int] | None:
    """Add up a journal's complete entries (streamed: it has one line per chunk): the chunks
    done with their counts, the output offset they end at, and the journal bytes they fill."""
    resumed = Resumed(set(), Tally())
    end = good = 0
    seen = False
    try:
        with open(path, "rb") as handle:
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break
                try:
                    entry = json.loads(raw)
                    if entry["c"] >= 0:
                        tally = Tally.from_journal(entry)
                        resumed.done.add(int(entry["c"]))
                        resumed.tally.merge(tally)
                    end = int(entry["end"])
                except (ValueError, KeyError, TypeError):
                    break
                seen = True
                good += len(raw)
    except OSError:
        return None
    return (resumed, end, good) if seen else None


def _write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def make_manifest(paths: list[str], version: str, opts: Options) -> dict[str, Any]:
    """What the output depends on: every input's size and hash, the rules, the output options."""
    from . import __version__
    return {"format": MANIFEST_FORMAT, "faceright": __version__, "rules_version": version,
            "options": {"format": opts.format, "unordered": opts.unordered,
                        "chunk_size": opts.chunk_size},
            "inputs": [file_digest(p) for p in paths]}


def manifest_difference(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """The first way two manifests differ, in words, or None."""
    if old.get("format") != new["format"]:
        return "the manifest format changed"
    if old.get("rules_version") != new["rules_version"]:
        return (f"rules_version changed ({old.get('rules_version')} -> {new['rules_version']})")
    for key, value in new["options"].items():
        if old.get("options", {}).get(key) != value:
            return f"option {key} changed ({old.get('options', {}).get(key)} -> {value})"
    before = old.get("inputs", [])
    if [i.get("path") for i in before] != [i["path"] for i in new["inputs"]]:
        return "the list of input files changed"
    for a, b in zip(before, new["inputs"]):
        if a.get("size") != b["size"] or a.get("sha256") != b["sha256"]:
            return f"input {b['path']} changed"
    return None


class IdIndex:
    """Case ids seen so far, on disk (sqlite in a temp dir), so memory stays flat."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="faceright-ids-")
        self._db = sqlite3.connect(os.path.join(self._dir.name, "ids.sqlite"))
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE ids (id TEXT PRIMARY KEY, source TEXT) WITHOUT ROWID")

    def add(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
        """Record ids; return (id, source, first source) for each one seen before."""
        duplicates: list[tuple[str, str, str]] = []
        with self._db:
            for cid, source in pairs:
                cursor = self._db.execute("INSERT OR IGNORE INTO ids VALUES (?, ?)", (cid, source))
                if cursor.rowcount == 0:
                    first = self._db.execute("SELECT source FROM ids WHERE id = ?", (cid,)).fetchone()
                    duplicates.append((cid, source, str(first[0])))
        return duplicates

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


# --- the run -------------------------------------------------------------------------------


@dataclass
class Report:
    """How the run ended, for the summary and the exit code."""

    tally: Tally
    duplicates: int = 0
    complete: bool = True
    stopped_early: bool = False
    seconds: float = 0.0
    output: str | None = None
    rules_version: str = ""
    resumed: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.tally.errors or self.duplicates or not self.complete else 0

    def to_json(self) -> dict[str, Any]:
        names = sorted(set(self.tally.holds) | set(self.tally.open))
        return {"cases": self.tally.cases, "errors": self.tally.errors,
                "duplicate_ids": self.duplicates, "complete": self.complete,
                "output": self.output, "rules_version": self.rules_version,
                "engine": {"cases": self.tally.runs, "asserts": self.tally.asserts},
                "conclusions": {n: {"holds": self.tally.holds[n], "open": self.tally.open[n]}
                                for n in names}}

    def text(self) -> str:
        t = self.tally
        ran = t.cases - self.resumed
        rate = f"; {ran / self.seconds:,.1f} cases/s" if self.seconds > 0 and ran else ""
        lines = [f"batch: {t.cases:,} case{'s' * (t.cases != 1)}, "
                 f"{t.errors:,} error{'s' * (t.errors != 1)}"
                 + (f", {self.duplicates:,} duplicate ids" if self.duplicates else "")
                 + rate + (f"; output: {self.output}" if self.output else "")]
        names = sorted(set(t.holds) | set(t.open))
        if names:
            width = max(len(n) for n in names)
            lines.append(f"  {'conclusion':{width}}  {'holds':>8}  {'open':>8}")
            lines += [f"  {n:{width}}  {t.holds[n]:>8,}  {t.open[n]:>8,}" for n in names]
        return "\n".join(lines)


def run(opts: Options, stdout: IO[bytes], console: Callable[[str], None],
        stdin: IO[bytes] | None = None) -> Report:
    """Run a batch; BatchError for anything that prevents it, Interrupted on Ctrl-C/SIGTERM."""
    if opts.jobs < 1:
        raise BatchError("--jobs must be at least 1")
    if opts.chunk_size < 1:
        raise BatchError("--chunk-size must be at least 1")
    if opts.resume and opts.out is None:
        raise BatchError("--resume needs -o OUT (standard output cannot be resumed)")
    try:
        engine = load_engine(opts.rules)
    except FacerightError as exc:
        raise BatchError(str(exc)) from None
    sink_file = FileSink(opts.out, opts.format) if opts.out is not None else None
    if sink_file is not None:
        parent = os.path.dirname(os.path.abspath(sink_file.out))
        if os.path.isdir(sink_file.out) or not os.path.isdir(parent):
            raise BatchError(f"{opts.out}: cannot write the output there")
    paths = expand_inputs(opts.inputs, sink_file.files() if sink_file is not None else ())
    if opts.resume and "-" in paths:
        raise BatchError("--resume cannot check standard input against the manifest; "
                         "save it to a file first")
    columns = csv_columns(engine.book)
    header = csv_header(columns) if opts.format == "csv" else None
    resumed: Resumed | None = None
    sink: Sink
    if sink_file is not None:
        if opts.resume:
            opts = replace(opts, chunk_size=sink_file.recorded_chunk_size() or opts.chunk_size)
        manifest = make_manifest(paths, engine.version, opts)
        unreadable = [i for i in manifest["inputs"] if i.get("error")]
        if unreadable and opts.resume:
            raise BatchError(f"{unreadable[0]['path']}: cannot read file: {unreadable[0]['error']}")
        if opts.resume:
            resumed = sink_file.resume(manifest)
        if resumed is None:
            sink_file.start(manifest, header)
        sink = sink_file
    else:
        sink = StdoutSink(stdout, header)
    report = Report(Tally(), output=opts.out, rules_version=engine.version)
    if resumed is not None:
        report.tally.merge(resumed.tally)
        report.resumed = resumed.tally.cases
        console(f"resuming: {resumed.tally.cases:,} cases already written")
    ids = IdIndex() if opts.check_ids else None
    backend: Backend | None = None
    started = time.monotonic()
    try:
        if ids is not None and resumed is not None and sink_file is not None:
            report.duplicates += _report_duplicates(ids.add(sink_file.written()), console, 0)
        backend = _backend(opts, engine, columns)
        reader = Reader(paths, engine.book, opts.chunk_size, stdin)
        total = sum(_size(p) for p in paths if p != "-") if "-" not in paths else 0
        with _Progress(opts.progress, total, report.tally.cases) as progress:
            _drive(backend, reader, sink, report, ids, opts, resumed, console, progress)
        report.seconds = time.monotonic() - started
        if report.stopped_early:
            report.complete = False
            sink.abort()
        else:
            sink.finish()
    except BaseException:
        report.complete = False
        sink.abort()
        if backend is not None:
            backend.close(True)
            backend = None
        raise
    finally:
        if backend is not None:
            backend.close(report.stopped_early)
        if ids is not None:
            ids.close()
    return report


def _backend(opts: Options, engine: Engine, columns: list[Column]) -> Backend:
    if opts.cluster is not None:
        return DaskCluster(opts.cluster, engine.book.directory, engine.version, opts.format, columns)
    if opts.jobs == 1:
        return InProcess(WorkerState(engine, opts.format, columns))
    return Processes(opts.jobs, opts.rules, engine.version, opts.format, columns)


def _drive(backend: Backend, reader: Reader, sink: Sink, report: Report, ids: IdIndex | None,
           opts: Options, resumed: Resumed | None, console: Callable[[str], None],
           progress: _Progress) -> None:
    """Keep the window full, write finished chunks (in order unless ``--unordered``)."""
    done = resumed.done if resumed is not None else set()
    chunks = reader.chunks()
    pending: dict[Any, Chunk] = {}
    finished: dict[int, tuple[Chunk, list[Outcome]]] = {}
    next_index = 0  # the next chunk to write, in ordered mode
    exhausted = False
    shown = [report.tally.errors]
    while True:
        while not exhausted and len(pending) + len(finished) < backend.window:
            chunk = next(chunks, None)
            if chunk is None:
                exhausted = True
            elif chunk.index not in done:
                pending[backend.submit(chunk.items)] = chunk
        if not pending and not finished:
            return
        if pending:
            for handle in backend.wait(pending):
                chunk = pending.pop(handle)
                finished[chunk.index] = (chunk, backend.result(handle))
        ready: list[int] = []
        if opts.unordered:
            ready = sorted(finished)
        else:
            while next_index in done:
                next_index += 1
            while next_index in finished:
                ready.append(next_index)
                next_index += 1
                while next_index in done:
                    next_index += 1
        for index in ready:
            chunk, outcomes = finished.pop(index)
            tally = Tally()
            for outcome in outcomes:
                tally.add(outcome)
                if outcome.error and shown[0] < SHOWN:
                    console(f"error: {_message(outcome)}")
                shown[0] += outcome.error
            sink.write(index, [o.line for o in outcomes], tally)
            report.tally.merge(tally)
            if ids is not None:
                pairs = [(o.case, o.source) for o in outcomes if o.case]
                report.duplicates += _report_duplicates(ids.add(pairs), console, report.duplicates)
            progress.update(chunk.pos, report.tally.cases)
            if opts.fail_fast and tally.errors:
                report.stopped_early = True
                for handle in pending:
                    handle.cancel()
                return


def _message(outcome: Outcome) -> str:
    try:
        if outcome.line.startswith("{"):
            return str(json.loads(outcome.line)["error"])
        return next(csv.reader([outcome.line]))[4]
    except (ValueError, KeyError, IndexError, StopIteration):
        return outcome.source


def _report_duplicates(found: list[tuple[str, str, str]], console: Callable[[str], None],
                       before: int) -> int:
    for n, (cid, source, first) in enumerate(found, start=before):
        if n < SHOWN:
            console(f"duplicate: {source}: case: duplicate case id '{cid}' (first at {first})")
    return len(found)


class _Progress:
    """A rich progress bar on a terminal (cases done, rate, ETA by input bytes); else nothing."""

    def __init__(self, enabled: bool, total_bytes: int, cases: int) -> None:
        self.enabled = enabled
        self.total = total_bytes or None
        self.start_cases = cases
        self.started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console as RichConsole
            from rich.progress import (BarColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)
            self._progress = Progress(
                TextColumn("batch"), BarColumn(), TextColumn("{task.fields[cases]} cases"),
                TextColumn("{task.fields[rate]}/s"), TimeElapsedColumn(), TimeRemainingColumn(),
                console=RichConsole(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("batch", total=self.total, cases="0", rate="–")
        return self

    def update(self, pos: int, cases: int) -> None:
        if self._progress is None:
            return
        elapsed = time.monotonic() - self.started
        rate = (cases - self.start_cases) / elapsed if elapsed > 0 else 0.0
        self._progress.update(self._task, completed=pos if self.total else None,
                              cases=f"{cases:,}", rate=f"{rate:,.1f}")

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()


class interruptible:
    """Turn SIGTERM into :class:`Interrupted` and Ctrl-C into it too, while a batch runs."""

    def __enter__(self) -> interruptible:
        self._old: Any = None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._raise)
        return self

    @staticmethod
    def _raise(signum: int, frame: FrameType | None) -> None:
        raise Interrupted()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: Any) -> None:
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)
        if kind is KeyboardInterrupt:
            raise Interrupted() from None
