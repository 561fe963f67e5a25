"""Engine benchmark: the cost of one case on durable_rules against a plain-Python evaluation.

Prints, measured in this one process (except start-up, which is a fresh process each time):

- ``Engine.assess`` cases/s over the N seeded generated cases (every rule targeted in turn)
  that have an exact incident date; those without one (the widest range: one engine run per
  segment of the law) are timed on their own line;
- the same cases through :class:`bench.plain.Plain`, a plain-Python three-valued evaluation
  of the same rules, after checking that it agrees with the engine on every case (what holds,
  what is open and what each open item needs, public conclusions only);
- ``ratio`` = engine cases/s ÷ plain cases/s (target ≥ 0.065, aim 0.2);
- start-up: median wall seconds of ``faceright assess cases/zhang-v-template-app.yaml`` in a
  fresh process (target ≤ 0.5 s);
- ``next_question`` per-step latency (median and 95th percentile, ms) over interviews of the
  shipped cases;
- RSS after 1,000 cases and after ``--memory-cases`` (default 100,000) cases, and their ratio
  (target ≤ 1.2);
- the engine counters (every case is a case fact matched by durable_rules) and the load.

Usage: python -m bench.engine [--cases 2000] [--memory-cases 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from bench.plain import TRUE, UNKNOWN, Plain  # noqa: E402
from faceright.casefile import read_cases  # noqa: E402
from faceright.evaluate import Engine, load_engine  # noqa: E402
from faceright.interview import DONT_KNOW, Answers, Final, Interviewer  # noqa: E402
from faceright.runtime import runtime  # noqa: E402
from generate import Generator  # noqa: E402

EXAMPLE = ROOT / "cases" / "zhang-v-template-app.yaml"


def generated(engine: Engine, n: int, seed: int) -> list[Any]:
    """N validated cases, four in five aimed at a rule (round robin)."""
    gen = Generator(engine.book)
    rules = sorted(engine.book.rules, key=lambda r: r.id)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        data = gen.case(rng, rules[i % len(rules)] if i % 5 else None)
        data["case"] = f"bench-{i}"
        out.append(engine.case(data))
    return out


def rss_mb() -> float:
    """Current resident set size of this process, MB (from /proc; peak where unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def agree(engine: Engine, plain: Plain, cases: list[Any]) -> int:
    """Cases on which the plain evaluation and the engine disagree (0 expected)."""
    public = set(engine.book.public_conclusions())
    bad = 0
    for case in cases:
        result = engine.assess(case)
        mine = {(c.id, c.party or "-"): "holds" for c in result.conclusions}
        mine |= {(o.id, o.party or "-"): ("open", tuple(o.needs)) for o in result.open}
        theirs: dict[tuple[str, str], Any] = {}
        for key, (value, needs) in plain.evaluate(engine.facts_of(case), case.incident_date).items():
            if key[0] in public:
                theirs[key] = "holds" if value == TRUE else ("open", tuple(sorted(needs)))
                assert value in (TRUE, UNKNOWN)
        if mine != theirs:
            bad += 1
            if bad <= 3:
                print(f"  disagreement on {case.case}: engine-only {sorted(set(mine.items()) - set(theirs.items()))}"
                      f" plain-only {sorted(set(theirs.items()) - set(mine.items()))}")
    return bad


def rate(fn: Any, cases: list[Any], rounds: int = 3) -> float:
    """Best cases/s of ``rounds`` passes over the cases."""
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        for case in cases:
            fn(case)
        best = max(best, len(cases) / (time.perf_counter() - t0))
    return best


def startup(runs: int = 7) -> float:
    """Median wall seconds of the README's first command in a fresh process."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from faceright.cli import run; run()", "assess",
                        str(EXAMPLE)], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def step_latencies(engine: Engine, limit: int) -> list[float]:
    """Seconds per ``next_question`` step, interviewing with the shipped cases' facts."""
    interviewer = Interviewer(engine)
    out: list[float] = []
    paths = sorted((ROOT / "cases").rglob("*.yaml"))[:limit]
    for path in paths:
        for loaded in read_cases(engine.reader, str(path)):
            if loaded.case is None:
                continue
            facts = engine.facts_of(loaded.case)
            if loaded.case.incident_date:
                facts["incident_date"] = loaded.case.incident_date
            answers = Answers()
            while True:
                t0 = time.perf_counter()
                step = interviewer.next_question(answers, "en")
                out.append(time.perf_counter() - t0)
                if isinstance(step, Final):
                    break
                answers.set(step.fact, facts.get(step.fact, DONT_KNOW))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--memory-cases", type=int, default=100_000)
    parser.add_argument("--interviews", type=int, default=20, help="shipped case files interviewed")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    engine = load_engine(ROOT / "rules")
    plain = Plain(engine.book)
    generated_cases = generated(engine, args.cases, args.seed)
    cases = [c for c in generated_cases if isinstance(c.incident_date, dt.date)]
    ranged = [c for c in generated_cases if not isinstance(c.incident_date, dt.date)]
    engine.assess(cases[0])  # the ruleset is created and its session opened once per process
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    wrong = agree(engine, plain, cases)
    print(f"plain evaluation agrees with the engine on {len(cases) - wrong:,} of {len(cases):,} cases")
    before = dict(runtime().counters)
    engine_rate = rate(engine.assess, cases)
    counted = runtime().counters["cases"] - before["cases"]
    plain_rate = rate(lambda c: plain.evaluate(engine.facts_of(c), c.incident_date), cases)
    ratio = engine_rate / plain_rate
    print(f"Engine.assess: {engine_rate:,.0f} cases/s; plain evaluation: {plain_rate:,.0f} cases/s")
    print(f"engine counters over the timed passes: {counted:,} cases run on durable_rules "
          f"({'= cases timed' if counted == 3 * len(cases) else 'MISMATCH'})")
    if ranged:
        ranged_rate = rate(engine.assess, ranged, rounds=1)
        print(f"cases without an exact date: {len(ranged):,}, Engine.assess {ranged_rate:,.1f} cases/s "
              "(one engine run per segment of the law)")

    up = startup()
    print(f"start-up of faceright assess (one case): {up:.3f} s median")

    steps = sorted(step_latencies(engine, args.interviews))
    p50 = statistics.median(steps) * 1000
    p95 = steps[int(0.95 * (len(steps) - 1))] * 1000
    print(f"next_question: {len(steps):,} steps, median {p50:.1f} ms, p95 {p95:.1f} ms")

    done = 0
    rss_1k = 0.0
    while done < args.memory_cases:
        for case in cases:
            engine.assess(case)
            done += 1
            if done == 1000:
                rss_1k = rss_mb()
            if done >= args.memory_cases:
                break
    rss_end = rss_mb()
    rss_ratio = rss_end / rss_1k if rss_1k else float("nan")
    print(f"RSS after 1,000 cases {rss_1k:.1f} MB, after {done:,} cases {rss_end:.1f} MB")

    ok = wrong == 0 and ratio >= 0.065 and up <= 0.5 and rss_ratio <= 1.2
    print(f"ratio={ratio:.3f} (target >= 0.065, aim 0.2) startup_s={up:.3f} (target <= 0.5) "
          f"next_question_ms_p50={p50:.1f} rss_ratio={rss_ratio:.3f} (target <= 1.2) "
          f"agree={'yes' if wrong == 0 else 'NO'} -> {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
