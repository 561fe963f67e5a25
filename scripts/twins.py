"""Search for near-miss twin cases that kill surviving rule mutants.

``python scripts/twins.py [--write DIR] [--limit N]`` runs the mutants of ``faceright rules
mutate`` against the shipped cases, and for each survivor looks for a shipped case and one
change of one fact the mutated rule tests (a threshold value or one unit beside it, another
enum value, the other boolean, a list value added or removed, or the fact made unknown) on
which the mutant and the rulebook disagree about what holds or is open. Each change found is
printed; with ``--write DIR`` it is written as a scenario case ``<base>--<fact>-<value>.yaml``
whose ``basis`` names the base case, the change and the rule and provisions it decides
(then ``python scripts/pin_cases.py DIR`` pins it). Greedy: a twin written is added to the
corpus before the next survivor is looked at, so one twin may kill several mutants.

A one-off tool for the rule author (minutes), not run in CI. Every twin it writes is a
proposal: read it, and delete or fix any that is not a realistic incident.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faceright.casefile import read_cases  # noqa: E402
from faceright.conditions import tests  # noqa: E402
from faceright.evaluate import load_engine  # noqa: E402
from faceright.kleene import TRUE, UNKNOWN  # noqa: E402
from faceright.mutate import Case, failures, load_cases, mutants, mutation_test  # noqa: E402
from faceright.relevance import Evaluator  # noqa: E402
from faceright.source import read_documents  # noqa: E402

DELETE = object()


def _signature(evaluator: Evaluator, public: set[str], facts: dict[str, Any], day: Any) -> frozenset[Any]:
    run = evaluator.run(facts, day)
    return frozenset((k, v) for k, (v, _) in run.status.items() if k[0] in public and v in (TRUE, UNKNOWN))


def _changes(engine: Any, rule: Any, facts: dict[str, Any]) -> list[tuple[str, Any]]:
    conds = [rule.cond, *(e.cond for e in rule.exceptions)]
    out: list[tuple[str, Any]] = []
    vocab = engine.book.vocabulary
    for fact in sorted({t.fact for c in conds for t in tests(c)}):
        if fact not in vocab.names():
            continue
        spec = vocab.spec(fact)
        have = facts.get(fact)
        values: list[Any] = []
        if spec.type == "bool":
            values = [True, False]
        elif spec.type == "enum":
            values = list(spec.values)
        elif spec.type == "list":
            base = list(have or [])
            values = [sorted({*base, v}) for v in spec.values if v not in base]
            values += [[x for x in base if x != v] for v in base]
        elif spec.type in ("int", "number", "date"):
            marks = {t.value for c in conds for t in tests(c) if t.fact == fact and t.op != "unknown"}
            one: Any = dt.timedelta(days=1) if spec.type == "date" else 1
            for m in sorted(marks):
                values += [m - one, m, m + one]
        values = [v for v in values if v != have]
        out += [(fact, v) for v in values] + ([(fact, DELETE)] if have is not None else [])
    return out


def _write(directory: Path, base: Path, data: dict[str, Any], fact: str, value: Any,
           mutant: Any, rule: Any) -> Path:
    shown = "unknown" if value is DELETE else (
        "-".join(value) if isinstance(value, list) else str(value).lower())
    name = f"{base.stem}--{fact.replace('_', '-')}-{shown or 'none'}"[:90]
    path = directory / f"{name}.yaml"
    n = 2
    while path.exists():
        path = directory / f"{name}-{n}.yaml"
        n += 1
    name = path.stem
    facts = dict(data["facts"])
    old = facts.get(fact, "unknown")
    if value is DELETE:
        facts.pop(fact, None)
    else:
        facts[fact] = value

    def fmt(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(map(str, v)) + "]"
        if isinstance(v, dt.date):
            return v.isoformat()
        return str(v)

    lines = [
        "format: faceright/1",
        f"case: {name}",
        f"title: {data.get('title', data['case'])} — twin with {fact} {fmt(value) if value is not DELETE else 'unknown'}",
    ]
    if data.get("incident_date"):
        lines.append(f"incident_date: {fmt(data['incident_date'])}")
    provisions = ", ".join(rule.spec.provisions)
    lines += [
        "basis: >-",
        f"  Twin of {base.stem}; the single fact that differs is {fact} ({fmt(old)} -> "
        f"{fmt(value) if value is not DELETE else 'unknown'}). Legal point: {rule.spec.title_en} "
        f"({rule.id}; {provisions}) — the part of its condition at {mutant.id.rsplit('.', 1)[0]} "
        f"({mutant.description.removeprefix('drop ').removeprefix('negate ')}) decides the outcome here, "
        "so a rule that left it out, negated it or moved its threshold would change this result.",
        "facts:",
    ]
    lines += [f"  {k}: {fmt(v)}" for k, v in facts.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=10_000)
    args = parser.parse_args()
    engine = load_engine(ROOT / "rules")
    files = sorted(str(f) for f in (ROOT / "cases").rglob("*.yaml"))
    cases = load_cases(engine, files)
    report = mutation_test(engine.book, cases)
    print(report.to_text().splitlines()[0])
    raw = {}
    for f in files:
        doc = next(read_documents(Path(f).read_text(encoding="utf-8")))
        raw[doc.data["case"]] = (Path(f), doc.data)
    evaluator = Evaluator(engine.book)
    public = set(engine.book.public_conclusions())
    index = {r.id: i for i, r in enumerate(engine.book.rules)}
    extra: list[Case] = []
    written = 0
    for m in report.survived:
        rules = list(engine.book.rules)
        rules[index[m.rule]] = m.mutated
        book = dataclasses.replace(engine.book, rules=tuple(rules))
        if next(failures(book, extra), None) is not None:
            continue  # a twin written earlier kills it
        mutated = Evaluator(book)
        rule = engine.book.rules[index[m.rule]]
        found = None
        for case in cases:
            if case.case_id not in raw:
                continue
            for fact, value in _changes(engine, rule, case.facts):
                facts = {k: v for k, v in case.facts.items() if k != fact}
                if value is not DELETE:
                    facts[fact] = value
                try:
                    engine.case({**raw[case.case_id][1], "facts": {**raw[case.case_id][1]["facts"], fact: (
                        "unknown" if value is DELETE else value)}, "expect": None})
                except Exception:  # an invalid combination (the reader refuses it)
                    continue
                if _signature(evaluator, public, facts, case.law_day) != _signature(mutated, public, facts, case.law_day):
                    found = (case, fact, value, facts)
                    break
            if found:
                break
        if found is None:
            print(f"no twin: {m.where()}")
            continue
        case, fact, value, facts = found
        print(f"twin: {case.case_id} {fact}={value if value is not DELETE else 'unknown'} kills {m.rule} {m.id}")
        if args.write is not None and written < args.limit:
            path = _write(args.write, raw[case.case_id][0], raw[case.case_id][1], fact, value, m, rule)
            loaded = next(read_cases(engine.reader, str(path)))
            if loaded.case is None:
                print(f"  invalid: {loaded.error}")
                path.unlink()
                continue
            assessment = engine.assess(loaded.case)
            from faceright.casefile import Expect
            expect = Expect(conclusions=[f"{c.id}@{c.party}" if c.party else c.id for c in assessment.conclusions],
                            open=[f"{o.id}@{o.party}" if o.party else o.id for o in assessment.open],
                            exact=True, exact_open=True)
            extra.append(Case(str(path), loaded.case.case, facts, case.law_day, expect))
            written += 1
    print(f"{written} twin(s) written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
