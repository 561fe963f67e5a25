"""Web server latency under load: does the event loop stay free while the engine works?

Starts `faceright serve` on a free port (or uses --url), then for --seconds runs --clients
threads POSTing realistic /api/next-question bodies (the answers of shipped cases at some step
of the questionnaire) while one more thread GETs /api/health every 0.1 s. Prints the p50/p99 of
next-question and the p50/max of /api/health while busy (the target: health p50 well under
100 ms, however busy the engine is).

Usage: python bench/web.py [--clients 8] [--seconds 10] [--workers 1] [--url http://...]
"""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from faceright.casefile import read_cases  # noqa: E402
from faceright.evaluate import load_engine  # noqa: E402
from webload import Server, bodies, hammer, quantile, serve  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1, help="faceright serve --workers (ignored with --url)")
    parser.add_argument("--bodies", type=int, default=24, help="distinct next-question bodies")
    parser.add_argument("--url", default=None, help="an already running server")
    args = parser.parse_args()
    engine = load_engine(ROOT / "rules")
    cases = [loaded.case for path in sorted((ROOT / "cases").rglob("*.yaml"))
             for loaded in read_cases(engine.reader, str(path))]
    questions, _ = bodies(engine, cases, args.bodies)
    running: Any = (nullcontext(Server(None, args.url)) if args.url  # type: ignore[arg-type]
                    else serve(ROOT, *(["--workers", str(args.workers)] if args.workers != 1 else [])))
    with running as server:
        load = hammer(server.url, {"/api/next-question": questions}, args.clients, args.seconds)
    ms = 1000.0
    nq, health = load.latencies["/api/next-question"], load.health
    if not nq or not health:
        print(f"no measurements (errors: {load.errors[:3]})")
        return 1
    bad = sum(status != 200 for answers in load.responses.values() for status, _ in answers)
    print(f"clients={args.clients} workers={args.workers if not args.url else '?'} seconds={args.seconds:g}")
    print(f"/api/next-question  n={len(nq):5}  p50={quantile(nq, .5) * ms:7.1f} ms  "
          f"p99={quantile(nq, .99) * ms:7.1f} ms  non-200={bad}")
    print(f"/api/health (busy)  n={len(health):5}  p50={quantile(health, .5) * ms:7.1f} ms  "
          f"max={max(health) * ms:7.1f} ms")
    if load.errors:
        print(f"errors: {len(load.errors)} (first: {load.errors[0]})")
    return 0 if not load.errors and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
