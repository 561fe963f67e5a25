"""Questionnaire benchmark: how many questions an interview takes, before and after issue 13.

Prints the median and the maximum number of questions over the shipped cases (answered from
their facts, "don't know" where a case is silent; as a lawyer would, ``respondent:
representative``, unless the case says who answers) and over the personas
(``cases/personas``), for:

- before: the code, rules and cases at main's commit 3f25a64 (the questionnaire as it was),
  extracted with ``git archive`` and run in a subprocess;
- after: this checkout, answered by the scripted respondent of ``tests/persona.py``;

and whether every interview reached the conclusions ``assess`` gives for the same facts.

Usage: python bench/questionnaire.py [--before-only | --after-only] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "3f25a64"

#: run in a subprocess with the old engine imported as ``faceright`` from the extracted tree
OLD = r"""
import importlib.util, json, sys
from pathlib import Path
tree = Path(sys.argv[1])
spec = importlib.util.spec_from_file_location("faceright", tree / "engine" / "__init__.py",
                                              submodule_search_locations=[str(tree / "engine")])
module = importlib.util.module_from_spec(spec)
sys.modules["faceright"] = module
spec.loader.exec_module(module)
from faceright.casefile import read_cases
from faceright.evaluate import load_engine
from faceright.interview import DONT_KNOW, Answers, Final, Interviewer
engine = load_engine(tree / "rules")
interviewer = Interviewer(engine)
out = {}
limit = int(sys.argv[2])
for path in sorted((tree / "cases").rglob("*.yaml"))[:limit]:
    for loaded in read_cases(engine.reader, str(path)):
        case = loaded.case
        facts = {k: v for k, v in engine.facts_of(case).items() if v is not None}
        if case.incident_date:
            facts["incident_date"] = case.incident_date
        answers, asked = Answers(), 0
        while not isinstance(step := interviewer.next_question(answers, "en"), Final):
            asked += 1
            answers.set(step.fact, facts.get(step.fact, DONT_KNOW))
        same = ({(c.id, c.party) for c in step.assessment.conclusions}
                == {(c.id, c.party) for c in engine.assess(case).conclusions})
        kind = "personas" if "personas" in path.parts else "shipped"
        out.setdefault(kind, []).append([path.name, asked, same])
print(json.dumps(out))
"""


def before(limit: int) -> dict[str, list[Any]]:
    """Question counts of the questionnaire at commit :data:`BEFORE` (its own rules and cases)."""
    archive = subprocess.run(["git", "archive", BEFORE], cwd=ROOT, capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory(prefix="faceright-before-") as tmp:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        env = {**os.environ, "FACERIGHT_CACHE_DIR": str(Path(tmp) / ".cache")}
        run = subprocess.run([sys.executable, "-c", OLD, tmp, str(limit)], capture_output=True,
                             text=True, env=env, check=True)
    result: dict[str, list[Any]] = json.loads(run.stdout)
    return result


def after(limit: int) -> dict[str, list[Any]]:
    """Question counts of this checkout's interview (the scripted respondent of the tests)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from faceright.casefile import read_cases
    from faceright.evaluate import load_engine
    from faceright.interview import Answers, Final, Interviewer
    from persona import Respondent
    engine = load_engine(ROOT / "rules")
    interviewer = Interviewer(engine)
    out: dict[str, list[Any]] = {}
    for path in sorted((ROOT / "cases").rglob("*.yaml"))[:limit]:
        for loaded in read_cases(engine.reader, str(path)):
            case = loaded.case
            facts = {k: v for k, v in engine.facts_of(case).items() if v is not None}
            if case.incident_date is not None:
                facts["incident_date"] = case.incident_date
            respondent = Respondent(engine, {"respondent": "representative", **facts})
            answers, asked = Answers(), 0
            while not isinstance(step := interviewer.next_question(answers, "en"), Final):
                asked += 1
                answers.set(step.fact, respondent.answer(step.fact, answers))
            same = held(step.assessment) == held(engine.assess(case))
            kind = "personas" if "personas" in path.parts else "shipped"
            out.setdefault(kind, []).append([path.name, asked, same])
    return out


def held(assessment: Any) -> set[tuple[str, str | None]]:
    return {(c.id, c.party) for c in assessment.conclusions}


def report(name: str, counts: dict[str, list[Any]]) -> None:
    for kind in ("shipped", "personas"):
        rows = counts.get(kind, [])
        if not rows:
            continue
        numbers = [asked for _, asked, _ in rows]
        agree = sum(1 for *_, same in rows if same)
        print(f"{name:6} {kind:8} cases={len(rows):4}  median={median(numbers):5.1f}  max={max(numbers):3}"
              f"  reached assess's conclusions: {agree}/{len(rows)}")
        if kind == "personas":
            print("       " + ", ".join(f"{n.removesuffix('.yaml')}={a}" for n, a, _ in rows))
        missed = [n.removesuffix(".yaml") for n, _, same in rows if not same]
        if missed:
            print("       missed: " + ", ".join(missed))


def main() -> int:
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--before-only", action="store_true")
    group.add_argument("--after-only", action="store_true")
    parser.add_argument("--limit", type=int, default=10**6, help="at most this many case files")
    args = parser.parse_args()
    if not args.after_only:
        t0 = time.perf_counter()
        report("before", before(args.limit))
        print(f"       ({time.perf_counter() - t0:.0f} s, code, rules and cases at {BEFORE})")
    if not args.before_only:
        t0 = time.perf_counter()
        result = after(args.limit)
        report("after", result)
        print(f"       ({time.perf_counter() - t0:.0f} s, this checkout)")
        personas = result.get("personas", [])
        if any(asked > 15 or not same for _, asked, same in personas):
            print("FAIL: a persona needs more than 15 questions or misses assess's conclusions")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
