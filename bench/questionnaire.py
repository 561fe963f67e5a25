"""Questionnaire benchmark: how many questions, and how fast the next one is chosen.

Prints, over the shipped cases and a generated set:
- the mean ratio of questions asked to the facts in the dependency cones of the conclusions
  finally reached or ruled out (target <= 1.0);
- the ratio of the time to choose the next question to the time of one ``assess`` of the same
  partial case, measured in this process (target <= 3).

Usage: python bench/questionnaire.py [--generated N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from statistics import mean
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from faceright.casefile import read_cases  # noqa: E402
from faceright.evaluate import Engine, load_engine  # noqa: E402
from faceright.explain import _relevant_facts  # noqa: E402
from faceright.interview import DONT_KNOW, Answers, Final, Interviewer  # noqa: E402
from generate import Generator  # noqa: E402


def interview(engine: Engine, interviewer: Interviewer, facts: dict[str, Any]) -> tuple[float, list[float]]:
    answers = Answers()
    start = engine.assess(engine.case(answers.case_data("b")))
    candidates = {o.id for o in start.open}
    ratios: list[float] = []
    asked = 0
    while True:
        partial = engine.case(answers.case_data("b"))
        t0 = time.perf_counter()
        engine.assess(partial)
        t_assess = time.perf_counter() - t0
        t0 = time.perf_counter()
        step = interviewer.next_question(answers, "en")
        ratios.append((time.perf_counter() - t0) / t_assess)
        if isinstance(step, Final):
            break
        asked += 1
        answers.set(step.fact, facts.get(step.fact, DONT_KNOW))
    final = step.assessment
    decided = {c.id for c in final.conclusions} | {c for c in candidates if not final.is_open(c)}
    cone = set().union(*(_relevant_facts(engine, c) for c in decided)) if decided else set()
    return (asked / len(cone) if cone else 0.0), ratios


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generated", type=int, default=20)
    args = parser.parse_args()
    engine = load_engine(ROOT / "rules")
    interviewer = Interviewer(engine)
    sets: dict[str, list[dict[str, Any]]] = {"shipped": [], "generated": []}
    for path in sorted((ROOT / "cases").rglob("*.yaml")):
        for loaded in read_cases(engine.reader, str(path)):
            case = loaded.case
            facts = engine.facts_of(case)
            if case.incident_date:
                facts["incident_date"] = case.incident_date
            sets["shipped"].append(facts)
    rng = random.Random(5)
    gen = Generator(engine.book)
    rules = sorted(engine.book.rules, key=lambda r: r.id)
    for i in range(args.generated):
        data = gen.case(rng, rules[(i * 11) % len(rules)], unknown=0.0)
        sets["generated"].append({**data["facts"], "incident_date": data["incident_date"]})
    ok = True
    for name, cases in sets.items():
        cone_ratios, time_ratios = [], []
        for facts in cases:
            cone, times = interview(engine, interviewer, facts)
            cone_ratios.append(cone)
            time_ratios.extend(times)
        q, t = mean(cone_ratios), mean(time_ratios)
        ok &= q <= 1.0 and t <= 3.0
        print(f"{name:9} cases={len(cases):4}  questions/cone={q:.2f} (target <= 1.0)  "
              f"choose/assess={t:.2f} (target <= 3)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
