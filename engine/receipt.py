"""Decision receipts: enough to reproduce and audit an assessment later.

A receipt records the hashes of every rule file and the catalogue, the canonical input, the
rules fired and the result's hash; ``verify`` re-runs the recorded input against the current
rulebook, compares every recorded field and says whether it still holds, and if not, which
field moved. A receipt is not signed: it proves that its parts are consistent with each other
and with what the current rules give (reproducibility), not who made it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from . import __version__
from .assessment import Assessment
from .errors import FacerightError, did_you_mean
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
    """The receipt of one assessment. Dates are hashed in their canonical form (``2023``,
    ``..2020``, ``still_online``); ``today`` is recorded when it fixed an open end (as in the
    assessment), so that ``verify`` assesses again on the same day."""
    today = dt.date.fromisoformat(assessment.today) if assessment.today else None
    derivations, _ = engine.derive(case, as_of, today)
    fired = sorted({f.variant.rule.id for t in derivations.firings.values() for f in t["d"]})
    data = case_input(case)
    result = assessment.to_json_dict()
    return {"format": RECEIPT_FORMAT, "faceright": __version__,
            "rules_version": engine.version, "files": rule_file_hashes(engine),
            "as_of": as_of.isoformat() if as_of else None,
            **({"today": assessment.today} if assessment.today else {}), "input": data,
            "input_sha256": _sha(canonical(data)), "rules_fired": fired,
            "result_sha256": _sha(canonical(result))}


class ReceiptError(FacerightError):
    """A file that is not a readable receipt: ``path: field: message``."""

    def __init__(self, path: str, field: str | None, message: str) -> None:
        self.path, self.field, self.message = path, field, message
        super().__init__(f"{path}: not a readable receipt: " + (f"{field}: {message}" if field else message))


#: the fields of a receipt and the JSON type each must have
FIELDS: dict[str, tuple[type, ...]] = {
    "format": (str,), "faceright": (str,), "rules_version": (str,), "files": (dict,),
    "as_of": (str, type(None)), "input": (dict,), "input_sha256": (str,), "rules_fired": (list,),
    "result_sha256": (str,)}
#: fields a receipt has only sometimes (``today``: when it fixed an open end of a date)
OPTIONAL_FIELDS: dict[str, tuple[type, ...]] = {"today": (str,)}
_JSON_NAMES = {str: "a string", dict: "an object", list: "a list", type(None): "null"}


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def load(path: str) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """Read a receipt file: the whole ``assess --format json --receipt`` output (an object with
    a ``receipt`` member), a bare receipt, or the JSON lines ``assess`` prints for a file of
    several cases. Returns, for each, where it is (``path``, or ``path:line`` for a line), the
    receipt and the recorded result (the output without ``receipt``; ``None`` for a bare one).

    Raises :class:`ReceiptError` (naming the line or field) for an unreadable file, text that is
    not JSON, a duplicate key, a missing field, a field of the wrong type, or another format."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeError) as exc:
        raise ReceiptError(path, None, f"cannot read: {getattr(exc, 'strerror', None) or type(exc).__name__}") from None
    try:
        return [(path, *_checked(path, _parse(path, text, 1)))]
    except ReceiptError as exc:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        if "Extra data" not in exc.message or len(lines) < 2:
            raise
    out = []
    for number, line in lines:
        where = f"{path}:{number}"
        out.append((where, *_checked(where, _parse(path, line, number))))
    return out


def _parse(path: str, text: str, first_line: int) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise ReceiptError(f"{path}:{exc.lineno + first_line - 1}", None, f"not JSON ({exc.msg})") from None
    except (ValueError, RecursionError) as exc:
        where = path if first_line == 1 else f"{path}:{first_line}"
        raise ReceiptError(where, None, str(exc) if isinstance(exc, ValueError) else "nested too deeply") from None


def _checked(path: str, data: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The receipt and recorded result of one parsed document, every field checked."""
    if not isinstance(data, dict):
        raise ReceiptError(path, None, "expected a JSON object")
    if "receipt" in data:
        receipt, result = data["receipt"], {k: v for k, v in data.items() if k != "receipt"}
        prefix = "receipt."
    else:
        receipt, result, prefix = data, None, ""
    if not isinstance(receipt, dict):
        raise ReceiptError(path, "receipt", "expected an object")
    if receipt.get("format") != RECEIPT_FORMAT:
        raise ReceiptError(path, f"{prefix}format", f"expected {RECEIPT_FORMAT!r}")
    for name, kinds in FIELDS.items():
        if name not in receipt:
            raise ReceiptError(path, prefix + name, "missing")
        if not isinstance(receipt[name], kinds):
            raise ReceiptError(path, prefix + name, "expected " + " or ".join(_JSON_NAMES[k] for k in kinds))
    for name in sorted(set(receipt) - set(FIELDS)):
        if name in OPTIONAL_FIELDS:
            if not isinstance(receipt[name], OPTIONAL_FIELDS[name]):
                raise ReceiptError(path, prefix + name, "expected " + " or ".join(
                    _JSON_NAMES[k] for k in OPTIONAL_FIELDS[name]))
            continue
        raise ReceiptError(path, prefix + name, f"not a field of a {RECEIPT_FORMAT} receipt"
                           + did_you_mean(name, [*FIELDS, *OPTIONAL_FIELDS]))
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in receipt["files"].items()):
        raise ReceiptError(path, prefix + "files", "expected an object of file name → sha256")
    if not all(isinstance(r, str) for r in receipt["rules_fired"]):
        raise ReceiptError(path, prefix + "rules_fired", "expected a list of rule ids")
    for name in ("as_of", "today"):
        if receipt.get(name) is not None:
            try:
                dt.date.fromisoformat(receipt[name])
            except ValueError:
                raise ReceiptError(path, prefix + name, "expected a date YYYY-MM-DD"
                                   + (" or null" if name == "as_of" else "")) from None
    return receipt, result


def _differences(recorded: Any, now: Any, where: str, out: list[str], limit: int = 8) -> None:
    """The paths at which two JSON values differ (at most ``limit``), e.g. ``conclusions[2]``."""
    if len(out) >= limit or recorded == now:
        return
    if isinstance(recorded, dict) and isinstance(now, dict):
        for key in sorted(set(recorded) | set(now)):
            path = f"{where}.{key}" if where else key
            if key not in now:
                out.append(f"{path}: recorded but not in the assessment")
            elif key not in recorded:
                out.append(f"{path}: in the assessment but missing from the receipt")
            else:
                _differences(recorded[key], now[key], path, out, limit)
            if len(out) >= limit:
                return
        return
    if isinstance(recorded, list) and isinstance(now, list) and len(recorded) == len(now):
        for i, (x, y) in enumerate(zip(recorded, now)):
            _differences(x, y, f"{where}[{i}]", out, limit)
        return
    if isinstance(recorded, list) and isinstance(now, list):
        def label(item: Any) -> str:
            if isinstance(item, dict) and "id" in item:
                return f"{item['id']}@{item['party']}" if item.get("party") else str(item["id"])
            return ""  # not named: it may be a fact value
        a, b = [label(x) for x in recorded], [label(x) for x in now]
        lost = [x for x in b if x and x not in a]
        extra = [x for x in a if x and x not in b]
        detail = "; ".join(part for part in (
            f"missing from the receipt: {', '.join(lost)}" if lost else "",
            f"not in the assessment: {', '.join(extra)}" if extra else "") if part)
        out.append(f"{where}: {len(recorded)} recorded, {len(now)} in the assessment"
                   + (f" ({detail})" if detail else ""))
        return
    out.append(f"{where or 'the result'}: differs from the assessment")


def verify(engine: Engine, receipt: dict[str, Any], result: dict[str, Any] | None = None) -> list[str]:
    """What no longer matches, each naming the field (empty when the receipt holds).

    ``receipt`` is a receipt as :func:`load` returns it (fields checked); ``result`` the
    recorded assessment that came with it, if any. The recorded input is validated and
    assessed again with the current rules, and every recorded field is compared with what
    that run gives: ``format``, ``faceright``, ``rules_version``, each of ``files``, ``as_of``,
    ``input`` against ``input_sha256``, ``rules_fired``, ``result_sha256``, and every field of
    the recorded result (an input that is no longer a valid case is a problem too)."""
    problems: list[str] = []
    prefix = "receipt." if result is not None else ""
    data = receipt["input"]
    if _sha(canonical(data)) != receipt["input_sha256"]:
        problems.append(f"{prefix}input: does not match {prefix}input_sha256 (the input or its hash was edited)")
    as_of = dt.date.fromisoformat(receipt["as_of"]) if receipt["as_of"] else None
    today = dt.date.fromisoformat(receipt["today"]) if receipt.get("today") else None
    try:
        case = engine.case(data)
    except FacerightError as exc:
        return [*problems, f"{prefix}input: not a valid case for the current rules ({exc})"]
    assessment = engine.assess(case, as_of, today)
    again = make(engine, case, assessment, as_of)
    if (again.get("today") is None) != (today is None):
        problems.append(f"{prefix}today: recorded {receipt.get('today')!r}, now {again.get('today')!r}")
    for name in ("faceright", "rules_version"):
        if again[name] != receipt[name]:
            problems.append(f"{prefix}{name}: recorded {receipt[name]!r}, now {again[name]!r}")
    files = receipt["files"]
    for name in sorted(set(again["files"]) | set(files)):
        if again["files"].get(name) != files.get(name):
            state = ("added since" if name not in files else
                     "removed since" if name not in again["files"] else "changed since")
            problems.append(f"{prefix}files.{name}: rule file {state} the receipt")
    if again["input"] != data:
        problems.append(f"{prefix}input: not in canonical form (the receipt was edited)")
    if again["rules_fired"] != receipt["rules_fired"]:
        gone = sorted(set(receipt["rules_fired"]) - set(again["rules_fired"]))
        new = sorted(set(again["rules_fired"]) - set(receipt["rules_fired"]))
        problems.append(f"{prefix}rules_fired: differ (no longer: {', '.join(gone) or '-'}; "
                        f"now also: {', '.join(new) or '-'})")
    if again["result_sha256"] != receipt["result_sha256"]:
        problems.append(f"{prefix}result_sha256: the assessment differs from the recorded one")
    if result is not None:
        now = json.loads(json.dumps(assessment.to_json_dict(), ensure_ascii=False))
        if _sha(canonical(result)) != receipt["result_sha256"]:
            problems.append("the recorded result does not match receipt.result_sha256 (the result was edited)")
        found: list[str] = []
        _differences(result, now, "", found)
        problems += found
    return problems
