"""Decision receipts: enough to reproduce and audit an assessment later.

A receipt records the hashes of every rule file and the catalogue, the canonical input, the
rules fired and the result; ``verify`` re-runs it against the current rulebook and says
whether it still holds, and if not, what moved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from . import __version__
from .assessment import Assessment
from .evaluate import Engine

RECEIPT_FORMAT = "faceright-receipt/1"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(data: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no spaces) of a JSON-able value."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def rule_file_hashes(engine: Engine) -> dict[str, str]:
    """sha256 of every file of the rulebook directory (rules, vocabulary, catalogue, policies)."""
    directory = engine.book.directory
    return {p.name: _sha(p.read_bytes()) for p in sorted(directory.glob("*.yaml"))}


def case_input(case: Any) -> dict[str, Any]:
    """The validated case as canonical JSON data (what the assessment was computed from)."""
    data: dict[str, Any] = case.model_dump(mode="json", exclude_none=True, exclude={"expect"})
    return data


def make(engine: Engine, case: Any, assessment: Assessment, as_of: dt.date | None) -> dict[str, Any]:
    """The receipt of one assessment."""
    derivations, _ = engine.derive(case, as_of)
    fired = sorted({f.variant.rule.id for t in derivations.firings.values() for f in t["d"]})
    data = case_input(case)
    result = assessment.to_json_dict()
    return {"format": RECEIPT_FORMAT, "faceright": __version__,
            "rules_version": engine.version, "files": rule_file_hashes(engine),
            "as_of": as_of.isoformat() if as_of else None, "input": data,
            "input_sha256": _sha(canonical(data)), "rules_fired": fired,
            "result_sha256": _sha(canonical(result))}


def verify(engine: Engine, receipt: dict[str, Any]) -> list[str]:
    """What no longer matches (empty when the receipt still holds)."""
    problems: list[str] = []
    if receipt.get("format") != RECEIPT_FORMAT:
        raise ValueError(f"format {receipt.get('format')!r}, expected {RECEIPT_FORMAT!r}")
    data = receipt["input"]
    if _sha(canonical(data)) != receipt["input_sha256"]:
        problems.append("the recorded input does not match its hash (the receipt was altered)")
    current = rule_file_hashes(engine)
    for name in sorted(set(current) | set(receipt["files"])):
        if current.get(name) != receipt["files"].get(name):
            state = "added" if name not in receipt["files"] else ("removed" if name not in current else "changed")
            problems.append(f"rule file {name} {state}")
    as_of = dt.date.fromisoformat(receipt["as_of"]) if receipt.get("as_of") else None
    case = engine.case(data)
    again = make(engine, case, engine.assess(case, as_of), as_of)
    if again["rules_fired"] != receipt["rules_fired"]:
        gone = sorted(set(receipt["rules_fired"]) - set(again["rules_fired"]))
        new = sorted(set(again["rules_fired"]) - set(receipt["rules_fired"]))
        problems.append(f"rules fired differ (no longer: {', '.join(gone) or '-'}; now also: {', '.join(new) or '-'})")
    if again["result_sha256"] != receipt["result_sha256"]:
        problems.append("the assessment differs from the recorded one")
    return problems
