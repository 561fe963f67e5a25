"""Load on a live `faceright serve`: start one, build realistic request bodies, hammer it from
client threads while timing `/api/health`. Shared by tests/test_web_latency.py and bench/web.py."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from faceright.dates import DateRange, canonical
from faceright.evaluate import Engine
from faceright.interview import DONT_KNOW

#: a case on which no rule fires (durable_rules once aborted a fresh process on it)
NO_FIRE = {"case": "nofire", "incident_date": "2022-10-18",
           "facts": {"consent": "given", "identifiable": True, "purpose": "personal_private", "published": False,
                     "obscene": False, "pi_traded": False, "tool_provider": False,
                     # stated, not unknown: else rules/judgements.yaml's "possible" variants fire
                     "severe_mental_distress": False, "reputational_harm": False,
                     "serious_circumstances": False}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """A `faceright serve` subprocess; ``log`` is its stderr once stopped."""

    proc: subprocess.Popen[bytes]
    url: str
    log: str = ""

    def alive(self) -> bool:
        return self.proc.poll() is None


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"faceright serve exited with {server.proc.returncode} before answering")
        try:
            if httpx.get(f"{server.url}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"faceright serve did not answer /api/health within {timeout} s")


@contextmanager
def serve(root: Path, *args: str, wait: bool = True, timeout: float = 20.0) -> Iterator[Server]:
    """Run `faceright serve --port <free> *args` from ``root``; the process is always stopped
    (terminated, killed after 10 s) on leaving, and its output (stdout and stderr, kept in a
    temporary file so that it can never block the server) is then in ``Server.log``. With
    ``wait``, yields once /api/health answers (RuntimeError if the server exits first or takes
    longer than ``timeout`` seconds)."""
    port = free_port()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-c", "from faceright.cli import run; run()", "serve",
                                 "--port", str(port), *args], cwd=root, stdout=out, stderr=subprocess.STDOUT)
        server = Server(proc, f"http://127.0.0.1:{port}")
        try:
            if wait:
                _wait_healthy(server, timeout)
            yield server
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            out.seek(0)
            server.log = out.read().decode("utf-8", "replace")


def _json_value(value: Any) -> Any:
    """A fact value as a request body holds it: a date (exact or a range) in its canonical form."""
    return canonical(value) if isinstance(value, dt.date | DateRange) else value


def bodies(engine: Engine, cases: list[Any], limit: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Realistic request bodies from ``limit`` shipped cases (spread over them): bodies of
    /api/next-question — the answers given so far, a quarter to all of the case's facts in the
    vocabulary's order with "unknown" for one of them, in en or zh — and of /api/assess (the
    whole cases)."""
    step = max(1, len(cases) // limit)
    picked = cases[::step][:limit]
    order = list(engine.book.vocabulary.facts)
    questions: list[dict[str, Any]] = []
    for number, case in enumerate(picked):
        facts = sorted(engine.facts_of(case).items(), key=lambda kv: order.index(kv[0]))
        given = facts[:max(1, len(facts) * (1 + number % 4) // 4)]
        answers = {k: _json_value(v) for k, v in given}
        if case.incident_date is not None:
            answers["incident_date"] = _json_value(case.incident_date)
        if len(given) > 1:
            answers[given[number % len(given)][0]] = DONT_KNOW
        questions.append({"answers": answers, "lang": ("en", "zh")[number % 2]})
    assess = [case.model_dump(mode="json", exclude_none=True, exclude={"expect"}) for case in picked]
    return questions, assess


@dataclass
class Load:
    """What the clients saw: per-path latencies (seconds), responses per path and body index
    (as (status, json)), and errors (transport failures)."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    responses: dict[tuple[str, int], list[tuple[int, Any]]] = field(default_factory=dict)
    health: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


#: the health prober: argv url, seconds, interval; prints the latencies (seconds) as JSON
PROBE = """
import json, sys, time
import httpx
url, seconds, every = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
stop = time.monotonic() + seconds
took = []
with httpx.Client(base_url=url, timeout=30) as http:
    http.get("/api/health").raise_for_status()
    time.sleep(min(0.5, seconds / 4))  # let the clients get going
    while time.monotonic() < stop:
        t0 = time.perf_counter()
        http.get("/api/health").raise_for_status()
        took.append(time.perf_counter() - t0)
        time.sleep(every)
print(json.dumps(took))
"""


def hammer(url: str, work: dict[str, list[dict[str, Any]]], clients: int, seconds: float,
           probe_every: float = 0.1) -> Load:
    """``clients`` threads POST the bodies of ``work`` (path → bodies, taken round-robin, each
    client starting at its own offset) for ``seconds``; meanwhile one more thread GETs
    /api/health every ``probe_every`` seconds and times it (from a process of its own)."""
    load = Load(latencies={path: [] for path in work})
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    jobs = [(path, i, body) for path, items in work.items() for i, body in enumerate(items)]

    def client(offset: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            n = offset
            while time.monotonic() < stop:
                path, i, body = jobs[n % len(jobs)]
                n += 1
                t0 = time.perf_counter()
                try:
                    response = http.post(path, json=body)
                except httpx.HTTPError as exc:
                    with lock:
                        load.errors.append(f"{path}: {exc!r}")
                    return
                took = time.perf_counter() - t0
                with lock:
                    load.latencies[path].append(took)
                    load.responses.setdefault((path, i), []).append((response.status_code, response.json()))

    def prober() -> None:
        # in its own process: timing it among the client threads would count their GIL turns
        try:
            out = subprocess.run([sys.executable, "-c", PROBE, url, str(seconds), str(probe_every)],
                                 capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
        except (subprocess.SubprocessError, OSError) as exc:
            with lock:
                load.errors.append(f"/api/health: {exc!r}")
            return
        load.health.extend(json.loads(out))

    threads = [threading.Thread(target=client, args=(k * len(jobs) // clients,)) for k in range(clients)]
    threads.append(threading.Thread(target=prober))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    return load


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of non-empty ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]
