"""Where chunks run on this machine: in this process (``--jobs 1``) or in worker processes.

:class:`Processes` is a small pool of its own rather than ``ProcessPoolExecutor``: when a worker
of that executor dies, the parent can wait for ever on another worker blocked writing a result
into a pipe nobody reads. Here each worker has its own pipe, and the parent waits on every pipe
and every worker's death at once (``multiprocessing.connection.wait``), so it reads each result
as it arrives and sees each death at once. A chunk whose worker died (killed, out of memory,
the engine aborting) is run again once in a fresh worker; if that one dies too, the chunk's
cases become error records saying so, and the run goes on to its end.

Workers reset SIGTERM to its default (a SIGTERM kills the worker, it never turns into records)
and ignore SIGINT (Ctrl-C is the parent's); they exit when the parent dies.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Collection
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_ready
from typing import Any, Protocol

from ..errors import FacerightError
from ..evaluate import load_engine
from .model import WINDOW_PER_WORKER, BatchError, Column, Item, Outcome
from .records import WorkerState, evaluate, failed

ATTEMPTS = 2  # a chunk runs at most twice: once, and once more in a fresh worker
START_TIMEOUT = 120.0  # seconds for a worker to build its engine
STOP_GRACE = 2.0  # seconds between SIGTERM and SIGKILL when the pool closes


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


# --- in a worker process ----------------------------------------------------------------------


def _worker_main(conn: Connection, rules: str | None, version: str, fmt: str,
                 columns: list[Column]) -> None:
    """A worker: build the engine, say ``("ready", None)`` or ``("error", message)``, then answer
    each ``(task, items)`` with ``(task, outcomes)`` until the pipe closes."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    try:
        engine = load_engine(rules)
        if engine.version != version:
            raise BatchError(f"the rules changed while the batch started (rules_version "
                             f"{engine.version}, expected {version})")
    except FacerightError as exc:
        conn.send(("error", str(exc)))
        return
    state = WorkerState(engine, fmt, columns)
    conn.send(("ready", None))
    while True:
        try:
            task, items = conn.recv()
        except (EOFError, OSError):
            return
        conn.send((task, evaluate(state, items)))


def _watch_parent() -> None:
    """Exit when the parent dies (a killed batch must not leave busy orphans behind)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="faceright-parent-watch", daemon=True).start()


# --- in the parent ----------------------------------------------------------------------------


@dataclass(eq=False)
class Task:
    """A chunk handed to the pool: its items, how often it was started, and its records."""

    number: int
    items: list[Item]
    attempts: int = 0
    outcomes: list[Outcome] | None = None


@dataclass(eq=False)
class _Worker:
    process: Any  # multiprocessing.process.BaseProcess
    conn: Connection
    ready: bool = False
    task: Task | None = None
    deaths: list[str] = field(default_factory=list)


class Processes:
    """``--jobs N``: N worker processes, each with its own engine and Host.

    ``wait`` never blocks on one worker: it waits on all pipes and all deaths together; a dead
    worker is replaced, and its chunk retried once (then turned into error records)."""

    def __init__(self, jobs: int, rules: str | None, version: str, fmt: str,
                 columns: list[Column]) -> None:
        self.jobs = jobs
        self.window = jobs * WINDOW_PER_WORKER
        self.args = (rules, version, fmt, columns)
        self.format, self.version, self.columns = fmt, version, len(columns)
        self.workers: list[_Worker] = []
        self.queue: deque[Task] = deque()
        self.numbered = 0
        try:
            self.workers = [self._start() for _ in range(jobs)]
            deadline = time.monotonic() + START_TIMEOUT
            while not all(w.ready for w in self.workers):
                if time.monotonic() > deadline:
                    raise BatchError("worker processes could not start: no answer in "
                                     f"{START_TIMEOUT:.0f} s")
                self._step(deadline - time.monotonic(), starting=True)
        except BaseException:
            self.close(True)
            raise

    def _start(self) -> _Worker:
        # fork is fast (the engine is inherited) and safe while this process has one thread;
        # otherwise a fresh interpreter per worker (forkserver) avoids inheriting held locks.
        method = "fork" if threading.active_count() == 1 else "forkserver"
        if method not in multiprocessing.get_all_start_methods():
            method = "spawn"
        context: Any = multiprocessing.get_context(method)
        mine, theirs = context.Pipe(duplex=True)
        process = context.Process(target=_worker_main, args=(theirs, *self.args),
                                       name="faceright-batch-worker", daemon=True)
        process.start()
        theirs.close()
        return _Worker(process, mine)

    def submit(self, items: list[Item]) -> Task:
        task = Task(self.numbered, items)
        self.numbered += 1
        self.queue.append(task)
        self._dispatch()
        return task

    def wait(self, pending: Collection[Any]) -> set[Any]:
        while True:
            done = {t for t in pending if t.outcomes is not None}
            if done:
                return done
            self._step(None)

    def result(self, handle: Any) -> list[Outcome]:
        out: list[Outcome] | None = handle.outcomes
        assert out is not None
        return out

    def _dispatch(self) -> None:
        for worker in self.workers:
            if not self.queue:
                return
            if worker.ready and worker.task is None:
                task = self.queue.popleft()
                task.attempts += 1
                worker.task = task
                try:
                    worker.conn.send((task.number, task.items))
                except (BrokenPipeError, ConnectionError, EOFError, OSError):
                    pass  # it died: its sentinel says so, and _step handles it

    def _step(self, timeout: float | None, starting: bool = False) -> None:
        """Wait for one event (a result, a worker ready, a worker dead) and handle it."""
        events: dict[Any, tuple[_Worker, bool]] = {}
        for w in self.workers:
            events[w.conn] = (w, False)
            events[w.process.sentinel] = (w, True)
        for ready in wait_ready(list(events), timeout):
            worker, death = events[ready]
            if death:
                if worker in self.workers and not worker.conn.poll():
                    self._died(worker, starting)
                continue
            if worker not in self.workers:
                continue
            try:
                kind, payload = worker.conn.recv()
            except (EOFError, OSError):
                self._died(worker, starting)
                continue
            if kind == "error":
                raise BatchError(f"worker processes could not start: {payload}")
            if kind == "ready":
                worker.ready = True
            elif worker.task is not None and kind == worker.task.number:
                worker.task.outcomes = payload
                worker.task = None
        self._dispatch()

    def _died(self, worker: _Worker, starting: bool) -> None:
        """Replace a dead worker; retry its chunk once, then give its cases error records."""
        worker.process.join(STOP_GRACE)
        code = worker.process.exitcode
        how = (f"killed by signal {signal.Signals(-code).name}" if code is not None and code < 0
               else f"exit code {code}")
        worker.conn.close()
        self.workers.remove(worker)
        if starting or not worker.ready:
            raise BatchError(f"a worker process died while starting ({how})")
        task = worker.task
        if task is not None:
            if task.attempts < ATTEMPTS:
                self.queue.appendleft(task)
            else:
                task.outcomes = failed(
                    self.format, self.version, self.columns, task.items,
                    f"not assessed: the worker process died twice on this chunk ({how}; "
                    "out of memory, killed, or the engine aborted)")
        fresh = self._start()
        self.workers.append(fresh)

    def close(self, cancel: bool) -> None:
        """Stop every worker (their results are all read, or not wanted): SIGTERM, then SIGKILL
        after a grace; never hangs."""
        deadline = time.monotonic() + STOP_GRACE
        for worker in self.workers:
            worker.conn.close()
            worker.process.terminate()
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(STOP_GRACE)
        self.workers = []
