"""The one record writer: an item in, one JSONL or CSV line out (a result or an error record).

Used by the local workers, the Dask workers, ``POST /api/batch`` and the benchmark. A JSONL
record is the contract's assessment JSON with ``source`` (``file:line``) after ``case``; an error
record is ``{"format", "case", "source", "rules_version", "error"}``. A CSV record has the
columns of :func:`csv_header`; every cell that a spreadsheet would read as a formula (leading
``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed with ``'`` (OWASP, CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..assessment import FORMAT
from ..conditions import SAME, refs
from ..errors import CaseFileError
from ..evaluate import Engine
from ..render import json_line
from ..rulebook import Rulebook
from ..runtime import runtime
from .model import Column, Item, Outcome


def csv_columns(book: Rulebook) -> list[Column]:
    """Every (public conclusion, party) an assessment can report, in the contract's order.

    A ``party: same`` rule takes the party of the conclusion it builds on, so parties flow
    along references until nothing changes."""
    parties: dict[str, set[str | None]] = {}
    changed = True
    while changed:
        changed = False
        for rule in book.rules:
            party = rule.spec.conclude.party
            found: set[str | None] = set()
            if party == SAME:
                for ref in refs(rule.cond):
                    if ref.party == SAME:
                        found |= parties.get(ref.concl, set())
            else:
                found = {party}
            have = parties.setdefault(rule.concl, set())
            if not found <= have:
                have |= found
                changed = True
    public = set(book.public_conclusions())
    keys = {(c, p) for c, ps in parties.items() if c in public for p in ps}
    return sorted(keys, key=lambda k: (k[0], k[1] or ""))


def column_name(column: Column) -> str:
    """``id@party``, or ``id`` for a conclusion without a party (the ``expect`` syntax)."""
    return column[0] if column[1] is None else f"{column[0]}@{column[1]}"


def csv_header(columns: list[Column]) -> str:
    """The CSV output's header line."""
    return _csv_line(["case", "source", "rules_version", "law_as_of", "error",
                      *(column_name(c) for c in columns)])


#: a cell starting with one of these is a formula to a spreadsheet (OWASP: CSV injection)
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """``cell``, prefixed with ``'`` when a spreadsheet would run it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_LEADS) else cell


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    # formulas neutralised first (a leading CR is one), then one record on one line
    clean = [neutralise(c).replace("\r", " ").replace("\n", " ") for c in cells]
    csv.writer(buffer, lineterminator="\n").writerow(clean)
    return buffer.getvalue()[:-1]


def error_line(fmt: str, rules_version: str, columns: int, case: str | None, source: str,
               message: str) -> str:
    """An error record in ``fmt`` (``jsonl`` or ``csv`` with ``columns`` conclusion columns):
    ``{"format", "case", "source", "rules_version", "error"}`` or the CSV row with ``error``."""
    if fmt == "csv":
        return _csv_line([case or "", source, rules_version, "", message, *([""] * columns)])
    return json_line({"format": FORMAT, "case": case, "source": source,
                      "rules_version": rules_version, "error": message})


def result_record(data: dict[str, Any], source: str) -> dict[str, Any]:
    """An assessment's contract JSON with ``source`` inserted after ``case``."""
    record: dict[str, Any] = {}
    for key, value in data.items():
        record[key] = value
        if key == "case":
            record["source"] = source
    return record


@dataclass
class WorkerState:
    """What a worker needs to turn items into records; the engine is built once per worker."""

    engine: Engine
    format: str
    columns: list[Column]
    lock: threading.Lock = field(default_factory=threading.Lock)


def evaluate(state: WorkerState, items: Iterable[Item]) -> list[Outcome]:
    """Validate and assess each item; every problem becomes an error record, never an exception.

    A Host must not be used from two threads, so a worker with several threads serialises."""
    with state.lock:
        return [_evaluate(state, item) for item in items]


def _evaluate(state: WorkerState, item: Item) -> Outcome:
    source = f"{item.path}:{item.line}"
    if item.error is not None or item.doc is None:
        return _failure(state, None, source, item.error or f"{source}: no case")
    try:
        case = state.engine.reader.validate(item.doc, item.path, item.default_id)
    except CaseFileError as err:
        return _failure(state, _raw_id(item), source, str(err))
    before = dict(runtime().counters)
    try:
        result = state.engine.assess(case)
    except Exception as exc:  # noqa: BLE001 - a failing case must not stop the batch
        return _failure(state, str(case.case), source,
                        f"{source}: engine error: {type(exc).__name__}: {str(exc)[:500]}")
    data = result.to_json_dict()
    held = {(c["id"], c["party"]) for c in data["conclusions"]}
    opened = {(o["id"], o["party"]) for o in data["open"]}
    if state.format == "csv":
        cells = ["holds" if col in held else "open" if col in opened else ""
                 for col in state.columns]
        line = _csv_line([str(result.case), source, result.rules_version,
                          result.law_as_of or "", "", *cells])
    else:
        line = json_line(result_record(data, source))
    after = runtime().counters
    return Outcome(line, str(result.case), source, False,
                   tuple(sorted({k[0] for k in held})), tuple(sorted({k[0] for k in opened})),
                   after["cases"] - before["cases"], after["asserts"] - before["asserts"])


def _raw_id(item: Item) -> str | None:
    """The id of a case that failed validation, when it has a usable one (it locates)."""
    data = item.doc.data if item.doc is not None else None
    if not isinstance(data, dict):
        return None
    cid = data.get("case", item.default_id)
    return cid if isinstance(cid, str) and 0 < len(cid) <= 200 else None


def _failure(state: WorkerState, case: str | None, source: str, message: str) -> Outcome:
    line = error_line(state.format, state.engine.version, len(state.columns), case, source, message)
    return Outcome(line, case, source, True, (), ())


def failed(fmt: str, rules_version: str, columns: int, items: Iterable[Item],
           reason: str) -> list[Outcome]:
    """Error records for items that could not be assessed at all (``reason`` says why), each
    naming its case (when its document has a usable id) and source."""
    out = []
    for item in items:
        source = f"{item.path}:{item.line}"
        case = _raw_id(item)
        line = error_line(fmt, rules_version, columns, case, source, f"{source}: {reason}")
        out.append(Outcome(line, case, source, True, (), ()))
    return out


def message_of(outcome: Outcome) -> str:
    """The error message of an error record (for the console), or its source."""
    try:
        if outcome.line.startswith("{"):
            return str(json.loads(outcome.line)["error"])
        return next(csv.reader([outcome.line]))[4]
    except (ValueError, KeyError, IndexError, StopIteration):
        return outcome.source
