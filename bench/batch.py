"""Batch benchmark: throughput and peak memory of ``faceright batch`` against a plain loop.

Writes N seeded synthetic cases (distinct ids, every rule targeted in turn, across the law
periods) to one JSONL file, then runs each mode in its own subprocess on that file:

- simple:    the single-case path ``faceright assess`` runs (validate, assess, one JSON line),
             in a loop, in one process;
- jobs1:     ``faceright batch --jobs 1``;
- jobsN:     ``faceright batch --jobs N`` (N = the cores available, or --jobs);
- reference: the plain-Python reference evaluator (the test oracle, ``tests/reference.py``),
             in one process.

simple, jobs1 and jobsN must write byte-identical files; the reference's conclusions (status
and needs, public conclusions only) must match jobsN's. Throughput excludes each mode's start-up
(rule loading), measured on a one-case file. Peak RSS sums the process and all its children,
sampled from /proc. The last line holds key=value figures.

Usage: python -m bench.batch --cases 2000 [--jobs N] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from faceright.source import Document

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
FACERIGHT = [sys.executable, "-c", "from faceright.cli import run; run()"]


def generate(path: Path, n: int, seed: int) -> None:
    """N distinct cases, four in five aimed at a rule (round robin), streamed to JSONL."""
    from faceright.evaluate import load_engine
    from generate import Generator
    engine = load_engine(ROOT / "rules")
    gen = Generator(engine.book)
    rules = sorted(engine.book.rules, key=lambda r: r.id)
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            case = gen.case(rng, rules[i % len(rules)] if i % 5 else None)
            case["case"] = f"bench-{i}"
            out.write(json.dumps(case, default=_iso, sort_keys=True) + "\n")


def _iso(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def mode_simple(src: str, dst: str) -> None:
    """What ``faceright assess`` does for each case, one after the other (streamed reading
    and the record writer shared with ``faceright batch``)."""
    from faceright.batch.inputs import jsonl_stream
    from faceright.batch.records import result_record
    from faceright.evaluate import load_engine
    from faceright.render import json_line
    engine = load_engine(ROOT / "rules")
    with open(src, "rb") as lines, open(dst, "wb") as out:
        for doc in jsonl_stream(src, lines):
            if not isinstance(doc, Document):
                raise SystemExit(f"bench input: {doc}")
            case = engine.reader.validate(doc, src, "case")
            data = engine.assess(case).to_json_dict()
            out.write(json_line(result_record(data, f"{src}:{doc.start_line}")).encode("utf-8")
                      + b"\n")


def mode_reference(src: str, dst: str) -> None:
    """The reference evaluator on the same validated facts, one normalised line per case."""
    from faceright.batch.inputs import jsonl_stream
    from faceright.evaluate import load_engine
    from reference import Reference  # the oracle, tests/reference.py
    engine = load_engine(ROOT / "rules")
    reference = Reference(engine.book)
    public = set(engine.book.public_conclusions())
    with open(src, "rb") as lines, open(dst, "w", encoding="utf-8") as out:
        for doc in jsonl_stream(src, lines):
            if not isinstance(doc, Document):
                raise SystemExit(f"bench input: {doc}")
            case = engine.reader.validate(doc, src, "case")
            status = reference.evaluate(engine.facts_of(case), case.incident_date)
            items = sorted([k[0], k[1], v, sorted(needs)] for k, (v, needs) in status.items()
                           if k[0] in public)
            out.write(json.dumps([case.case, items]) + "\n")


def normalise(batch_output: Path) -> str:
    """A batch output in the reference mode's normalised form, for comparing digests."""
    lines = []
    with open(batch_output, encoding="utf-8") as records:
        for line in records:
            r = json.loads(line)
            items = [[c["id"], c["party"] or "-", 2, []] for c in r["conclusions"]]
            items += [[o["id"], o["party"] or "-", 1, sorted(o["needs"])] for o in r["open"]]
            lines.append(json.dumps([r["case"], sorted(items)]) + "\n")
    return "".join(lines)


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as children:
                    stack += [int(c) for c in children.read().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, process tree) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0,):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-500:]}")
    return seconds, peak / 1024


def commands(mode: str, src: Path, dst: Path, jobs: int) -> list[str]:
    if mode in ("simple", "reference"):
        return [sys.executable, str(Path(__file__).resolve()), "--mode", mode, str(src), str(dst)]
    n = 1 if mode == "jobs1" else jobs
    return [*FACERIGHT, "batch", str(src), "-o", str(dst), "--jobs", str(n),
            "--summary", f"{dst}.summary.json"]


def engine_counters(output: Path, cases: int) -> tuple[bool, str]:
    """Whether the run really used durable_rules for every case: one case fact matched per
    case, and at least the case fact plus each phase fact asserted for each (nothing reused)."""
    from faceright.evaluate import load_engine
    counters = json.loads(Path(f"{output}.summary.json").read_text(encoding="utf-8"))["engine"]
    per_case = 1 + len(load_engine(ROOT / "rules").compiled.phases)
    ok = counters["cases"] == cases and counters["asserts"] >= cases * per_case
    return ok, (f"engine counters: {counters['cases']:,} cases run, {counters['asserts']:,} asserts "
                f"(expected {cases:,} cases and >= {cases * per_case:,} asserts)")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="DIR", help="keep the corpus and outputs in DIR")
    parser.add_argument("--mode", choices=["simple", "reference"], help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "simple":
        mode_simple(*args.files)
        return 0
    if args.mode == "reference":
        mode_reference(*args.files)
        return 0

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="faceright-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        corpus = work / "cases.jsonl"
        generate(corpus, args.cases, args.seed)
        small = work / "small.jsonl"
        with open(corpus, encoding="utf-8") as src, open(small, "w", encoding="utf-8") as out:
            out.writelines(line for _, line in zip(range(max(1, args.cases // 100)), src))
        one = work / "one.jsonl"
        one.write_text(corpus.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
        modes = ["simple", "jobs1", "jobsN", "reference"]
        label = {"simple": "simple (assess loop)", "jobs1": "batch --jobs 1",
                 "jobsN": f"batch --jobs {args.jobs}", "reference": "reference evaluator"}
        rate: dict[str, float] = {}
        rss: dict[str, float] = {}
        print(f"cases: {args.cases:,}; cores available: {len(os.sched_getaffinity(0))}; "
              f"jobs: {args.jobs}")
        print(f"{'mode':24} {'cases/s':>10} {'peak RSS MB':>12} {'start-up s':>11}  digest")
        outputs: dict[str, Path] = {}
        for mode in modes:
            startup, _ = measure(commands(mode, one, work / f"{mode}-one.out", args.jobs))
            outputs[mode] = work / f"{mode}.out"
            seconds, rss[mode] = measure(commands(mode, corpus, outputs[mode], args.jobs))
            rate[mode] = args.cases / max(seconds - startup, 1e-9)
            print(f"{label[mode]:24} {rate[mode]:>10,.1f} {rss[mode]:>12,.1f} {startup:>11.2f}  "
                  f"{digest(outputs[mode])}", flush=True)
        _, small_rss = measure(commands("jobsN", small, work / "small.out", args.jobs))
        same = digest(outputs["simple"]) == digest(outputs["jobs1"]) == digest(outputs["jobsN"])
        agree = normalise(outputs["jobsN"]) == outputs["reference"].read_text(encoding="utf-8")
        print(f"simple, --jobs 1 and --jobs {args.jobs} outputs identical: {'yes' if same else 'NO'}")
        print(f"engine agrees with the reference evaluator: {'yes' if agree else 'NO'}")
        counted, counters = engine_counters(outputs["jobsN"], args.cases)
        print(f"{counters}: {'yes' if counted else 'NO'}")
        print(f"speedup_vs_simple={rate['jobsN'] / rate['simple']:.2f} "
              f"jobs1_vs_simple={rate['jobs1'] / rate['simple']:.2f} "
              f"ratio_vs_reference={rate['jobsN'] / rate['reference']:.2f} "
              f"rss_ratio={rss['jobsN'] / small_rss:.2f} "
              f"rss_jobsN_vs_jobs1={rss['jobsN'] / rss['jobs1']:.2f} "
              f"rss_jobs1_vs_reference={rss['jobs1'] / rss['reference']:.2f} "
              f"cases={args.cases} jobs={args.jobs} cores={len(os.sched_getaffinity(0))} "
              f"identical={'yes' if same else 'no'} agree={'yes' if agree else 'no'} "
              f"counters={'yes' if counted else 'no'}")
        return 0 if same and agree and counted else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
