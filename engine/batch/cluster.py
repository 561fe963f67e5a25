"""Dask: chunks as tasks on an existing distributed cluster; the rulebook travels as data."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any

from ..errors import FacerightError
from ..evaluate import load_engine
from .model import WINDOW_PER_WORKER, BatchError, Column, Item, Outcome
from .records import WorkerState, evaluate

CONNECT_TIMEOUT = 20.0  # seconds to reach a Dask scheduler


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

