"""The run: inputs read, chunks kept in flight on a backend, records written in order."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from types import FrameType
from typing import IO, Any

from ..errors import FacerightError
from ..evaluate import Engine, load_engine
from .cluster import DaskCluster
from .ids import SHOWN, IdIndex, report_duplicates
from .inputs import Reader, expand_inputs, input_size
from .journal import FileSink, Resumed, Sink, StdoutSink, make_manifest
from .model import BatchError, Chunk, Column, Interrupted, Options, Outcome
from .pool import Backend, InProcess, Processes
from .progress import Progress
from .records import WorkerState, csv_columns, csv_header, message_of
from .summary import Report, Tally


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
            resumed = sink_file.resume(manifest, header)
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
            report.duplicates += report_duplicates(ids.add(sink_file.written()), console, 0)
        backend = _backend(opts, engine, columns)
        reader = Reader(paths, engine.book, opts.chunk_size, stdin)
        total = sum(input_size(p) for p in paths if p != "-") if "-" not in paths else 0
        with Progress(opts.progress, total, report.tally.cases) as progress:
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
           progress: Progress) -> None:
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
                    console(f"error: {message_of(outcome)}")
                shown[0] += outcome.error
            sink.write(index, [o.line for o in outcomes], tally)
            report.tally.merge(tally)
            if ids is not None:
                pairs = [(o.case, o.source) for o in outcomes if o.case]
                report.duplicates += report_duplicates(ids.add(pairs), console, report.duplicates)
            progress.update(chunk.pos, report.tally.cases)
            if opts.fail_fast and tally.errors:
                report.stopped_early = True  # run() closes the backend, cancelling the rest
                return


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
