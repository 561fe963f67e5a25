"""Case files: the contract's format, read from YAML, JSON, JSONL or CSV into validated ``Case`` objects.

Every problem becomes a :class:`CaseFileError` naming file, line and key, with a did-you-mean;
fact values are never echoed beyond what locates the error.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from .errors import MAX_PROBLEMS, CaseFileError, Problem, did_you_mean
from .numbers import parse_number
from .source import MAX_BYTES, Document, SourceError, loads_json, read_documents
from .vocabulary import (FactSpec, IsoDate, Vocabulary, build_facts_model, date_value, loosely,
                         may_be_unknown)

FORMAT = "faceright/1"
UNKNOWN = "unknown"


class Accepted(BaseModel):
    """A conclusion an exact expectation tolerates (it may hold, be open or be absent), and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    conclusion: str = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=2000)


class Expect(BaseModel):
    """Regression expectations of a case (see the contract's ``expect`` table)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    conclusions: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)
    open: list[str] = Field(default_factory=list)
    exact: bool = Field(default=False, strict=True)
    #: nothing is open but the ``open`` entries (and ``accepted`` ones)
    exact_open: bool = Field(default=False, strict=True)
    #: extra conclusions ``exact``/``exact_open`` tolerate, each with the reason
    accepted: list[Accepted] = Field(default_factory=list)
    #: open entries marked ``likely`` (with ``exact_open``: no other open item is marked)
    likely: list[str] = Field(default_factory=list)


class CaseBase(BaseModel):
    """Top-level keys of a case; ``facts`` is added from the vocabulary."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["faceright/1"] | None = None
    case: str = Field(min_length=1, max_length=200, pattern=r"^[^\s].*$")
    title: str | None = Field(default=None, max_length=2000)
    #: the title in Chinese, for Chinese reports when ``title`` is in another language
    title_zh: str | None = Field(default=None, max_length=2000,
                                 description="the case's title in Chinese (Chinese reports show it; "
                                             "an addition to faceright/1)")
    incident_date: date_value() | None = Field(  # type: ignore[valid-type]
        default=None, json_schema_extra=may_be_unknown)
    expect: Expect | None = None
    basis: str | None = Field(default=None, max_length=20000)
    source: str | dict[str, str | IsoDate] | None = None
    notes: str | None = Field(default=None, max_length=20000)


@dataclass(frozen=True)
class Located:
    """Where a case came from: file and the line its document (or JSONL line) starts on."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class LoadedCase:
    """A validated case with its location, or the error that replaced it."""

    where: Located
    case: Any | None
    error: CaseFileError | None


class CaseReader:
    """Builds the case model from a vocabulary and turns documents into cases."""

    def __init__(self, vocabulary: Vocabulary, conclusion_ids: frozenset[str],
                 parties: frozenset[str]) -> None:
        self.vocabulary = vocabulary
        self.facts_model = build_facts_model(vocabulary)
        self.model: type[BaseModel] = create_model(
            "Case", __base__=CaseBase,
            facts=(self.facts_model, Field(default_factory=self.facts_model)))
        self.conclusion_ids = conclusion_ids
        self.parties = parties

    def json_schema(self, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
        """The JSON Schema of one case document (``case`` is optional: its id defaults to the
        file's name, or ``case`` in an API body; ``facts`` may be null; every fact and
        ``incident_date`` may be ``unknown``), with ``$ref`` written by ``ref_template``."""
        schema: dict[str, Any] = self.model.model_json_schema(ref_template=ref_template)
        facts = schema["properties"]["facts"]
        schema["properties"]["facts"] = {"anyOf": [facts, {"type": "null"}],
                                         "description": "the facts; empty or null: none known"}
        schema["required"] = [k for k in schema.get("required", []) if k != "case"]
        if not schema["required"]:
            del schema["required"]
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = "faceright case file (faceright/1)"
        return schema

    def validate(self, doc: Document, path: str, default_id: str) -> Any:
        """Validate one document as a case, raising :class:`CaseFileError` with its location.

        The error lists every problem of the case (at most :data:`MAX_PROBLEMS`, the rest
        counted), in the order of their lines: the values the reader could not read (a date
        not of the calendar, a duplicate key), the values of the wrong type or not allowed,
        unknown keys and unknown conclusions in ``expect``, each with a did-you-mean."""
        data = doc.data
        unread: list[tuple[tuple[str | int, ...], Problem]] = [
            (p, (line, ".".join(str(k) for k in p) or None, message))
            for p, line, message in doc.problems]
        if not isinstance(data, dict):
            if unread:
                raise self._problems([problem for _, problem in unread], path)
            raise CaseFileError(path, doc.start_line, None,
                                f"a case must be a mapping, not {_kind(data)}")
        fmt = data.get("format")
        if fmt is not None and fmt != FORMAT:
            raise CaseFileError(path, doc.line_of(("format",)), "format",
                                f"unsupported format {str(fmt)[:40]!r}; this version reads '{FORMAT}'")
        data = dict(data)
        data.setdefault("case", default_id)
        if data.get("incident_date") == UNKNOWN:
            del data["incident_date"]
        facts = data.get("facts")
        if isinstance(facts, dict):
            # only a known fact may be left unknown: an unknown key is an error whatever its
            # value (``consnet: unknown`` and ``consnet: null`` too), reported with did-you-mean
            known = self.facts_model.model_fields
            data["facts"] = {k: v for k, v in facts.items()
                             if k not in known or (v != UNKNOWN and v is not None)}
        elif facts is None and "facts" in data:
            data["facts"] = {}
        problems = [problem for _, problem in unread]
        case: Any = None
        try:
            case = self.model.model_validate(data)
        except ValidationError as exc:
            # a value the reader could not read is null here: its own problem says why
            problems += [p for loc, null, p in self._located(exc, doc)
                         if not (null and any(loc[:len(u)] == u for u, _ in unread))]
        expect = case.expect if case is not None else _expect_alone(data.get("expect"))
        if expect is not None:
            problems += self._expect_problems(expect, doc)
        if problems:
            raise self._problems(problems, path)
        return case

    def _expect_problems(self, expect: Expect, doc: Document) -> list[Problem]:
        """Each ``expect`` entry naming an unknown conclusion or party, located."""
        entries: list[tuple[str, tuple[str | int, ...], str]] = [
            (key, (key, i), entry) for key in ("conclusions", "absent", "open", "likely")
                   for i, entry in enumerate(getattr(expect, key))]
        entries += [("accepted", ("accepted", i, "conclusion"), a.conclusion)
                    for i, a in enumerate(expect.accepted)]
        problems: list[Problem] = []
        for key, loc, entry in entries:
            cid, _, party = entry.partition("@")
            where = doc.line_of(("expect", *loc))
            if cid not in self.conclusion_ids:
                problems.append((where, f"expect.{key}", f"unknown conclusion '{cid}'"
                                 + did_you_mean(cid, self.conclusion_ids)))
            if party and party not in self.parties:
                problems.append((where, f"expect.{key}", f"unknown party '{party}'"
                                 + did_you_mean(party, self.parties)))
        return problems

    @staticmethod
    def _problems(problems: list[Problem], path: str) -> CaseFileError:
        """One error listing ``problems`` in the order of their lines (at most
        :data:`MAX_PROBLEMS`, the rest counted)."""
        problems = sorted(problems, key=lambda p: p[0] if p[0] is not None else 0)  # stable
        (line, key, message), *more = problems[:MAX_PROBLEMS]
        return CaseFileError(path, line, key, message, more, len(problems) - 1 - len(more))

    def _located(self, exc: ValidationError, doc: Document
                 ) -> list[tuple[tuple[str | int, ...], bool, Problem]]:
        """Each problem pydantic found: the path it found it at, whether the value there was
        null, and the problem located."""
        out: list[tuple[tuple[str | int, ...], bool, Problem]] = []
        for err in exc.errors(include_url=False):
            found = loc = tuple(err["loc"])
            alone = self._alone(doc, loc)
            if alone and isinstance(loc[-1], int):  # one value written alone: no index to name
                loc = loc[:-1]
            message = self._message(err, loc)
            if alone and err["type"] == "list_type":
                message = "expected a value or a list of values, e.g. fraud or [fraud, harassment]"
            out.append((found, err.get("input") is None,
                        (doc.line_of(loc), ".".join(str(p) for p in loc) or "(case)", message)))
        return out

    def _alone(self, doc: Document, loc: tuple[Any, ...]) -> bool:
        """Whether ``loc`` is in a ``one_alone`` fact written as one value, not as a list."""
        if len(loc) < 2 or loc[0] != "facts" or not isinstance(loc[1], str):
            return False
        spec = self.vocabulary.facts.get(loc[1])
        facts = doc.data.get("facts") if isinstance(doc.data, dict) else None
        return (spec is not None and spec.one_alone and isinstance(facts, dict)
                and not isinstance(facts.get(loc[1]), list))

    def _message(self, err: Any, loc: tuple[Any, ...]) -> str:
        kind = err["type"]
        name = str(loc[-1]) if loc else ""
        value = err.get("input")
        spec = self.vocabulary.facts.get(str(loc[1])) if loc[:1] == ("facts",) and len(loc) > 1 else None
        if kind == "extra_forbidden":
            known = self.facts_model.model_fields if loc[:1] == ("facts",) else (
                Expect.model_fields if loc[:1] == ("expect",) else self.model.model_fields)
            return f"unknown key '{name}'" + did_you_mean(name, known)
        if kind in ("literal_error", "enum"):
            expected = err.get("ctx", {}).get("expected", "")
            allowed = [a.strip().strip("'") for a in expected.replace(" or ", ",").split(",")]
            if isinstance(value, list | dict):
                return f"expected one value, not {_kind(value)}; one of {expected}"
            return f"not an allowed value; expected one of {expected}" + _choice_hint(value, allowed, spec)
        wanted = {"bool_type": "true or false", "int_type": "a whole number",
                  "int_from_float": "a whole number", "float_type": "a number"}.get(kind)
        if kind == "amount" and err["msg"] == "expected a number":
            wanted = "a number"
        if kind == "date_form" and isinstance(value, list | dict):
            wanted = "one date"
        if wanted and isinstance(value, list | dict):
            return f"expected {wanted}, not {_kind(value)}"
        if kind == "bool_type":
            return "expected true or false" + _bool_hint(value)
        if wanted:
            return f"expected {wanted}" + _number_hint(value, whole=wanted == "a whole number")
        if kind == "list_type" and isinstance(value, str) and spec is not None:
            named = [spec.value_named(part) for part in value.split(",")]
            if all(named):  # a hint made of allowed values only: the text itself is not echoed
                return f"expected a list, e.g. [face, voice] (did you mean [{', '.join(map(str, named))}]?)"
        if loc == ("case",) and value is None:
            return "is empty: write the case's id, or leave the key out to use the file's name"
        if kind in _MAPPING_TYPES and isinstance(value, str) and re.search(r":\S", value):
            return "expected a mapping of keys to values (write a space after each ':', as in key: value)"
        return _PLAIN.get(kind, str(err["msg"]))


def _expect_alone(raw: Any) -> Expect | None:
    """``expect`` validated on its own, so its conclusions are checked even when other keys of
    the case are wrong; when it is itself invalid (its problems are listed with the case's),
    its lists of conclusions that are lists of text. None when there is none."""
    try:
        return Expect.model_validate(raw) if raw is not None else None
    except ValidationError:  # its lists of conclusions are still checked
        lists = {k: v for k, v in raw.items() if k in ("conclusions", "absent", "open", "likely")
                 and isinstance(v, list) and all(isinstance(x, str) for x in v)
                 } if isinstance(raw, dict) else {}
        return Expect.model_validate(lists)


#: what people write for a boolean that is not one (YAML 1.2 reads yes/no/on/off as text)
_TRUE_WORDS = {"yes", "y", "on", "1", "t", "是", "是的", "对", "有", "真", "√"}
_FALSE_WORDS = {"no", "n", "off", "0", "f", "否", "不", "不是", "没有", "无", "假", "×"}


def _bool_hint(value: Any) -> str:
    """`` (did you mean true?)`` for a boolean misspelt (``ture``), quoted (``"true"``), or
    written another way (``yes``, ``1``, ``否``); empty when nothing is close."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        word: str | None = "true" if value == 1 else "false"
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lower()
        close = difflib.get_close_matches(text, ["true", "false"], n=1, cutoff=0.6)
        word = ("true" if text in _TRUE_WORDS else "false" if text in _FALSE_WORDS
                else close[0] if close else None)
    else:
        word = None
    return f" (did you mean {word}?)" if word else ""


def _choice_hint(value: Any, allowed: list[str], spec: FactSpec | None) -> str:
    """`` (did you mean 'none'?)`` for a value not allowed: the allowed value it names
    (:meth:`FactSpec.value_named`, or differing only in case), else the closest by spelling."""
    if not isinstance(value, str):
        return ""
    named = spec.value_named(value) if spec is not None else next(
        (a for a in allowed if loosely(a) == loosely(value)), None)
    return f" (did you mean '{named}'?)" if named else did_you_mean(loosely(value), allowed)


def _number_hint(value: Any, *, whole: bool) -> str:
    """`` (did you mean 100000?)`` for a number written as text (``"20,000"``, ``2万``) or, where
    a whole number is wanted, with an exponent or a point (``1e5``, ``300.0``)."""
    number: int | float | None = None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = parse_number(value)
        except ValueError:
            number = None
    if number is None or (whole and not float(number).is_integer()):
        return ""
    return f" (did you mean {int(number) if float(number).is_integer() else number}?)"


_MAPPING_TYPES = ("dict_type", "model_type", "model_attributes_type")
_PLAIN = {
    "bool_type": "expected true or false",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "greater_than_equal": "must not be negative",
    "less_than_equal": "is implausibly large",
    "finite_number": "must be a finite number",
    "string_type": "expected text",
    "list_type": "expected a list, e.g. [face, voice]",
    "too_short": "must not be empty",
    "too_long": "has too many entries or characters",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
    "string_pattern_mismatch": "must not start with white space",
    "date_from_datetime_inexact": "expected a date written YYYY-MM-DD",
    "value_error": "expected a date written YYYY-MM-DD",
    "missing": "required key is missing",
}


def _kind(value: Any) -> str:
    return {list: "a list", dict: "a mapping", str: "text", int: "a number", float: "a number",
            bool: "a boolean", type(None): "empty"}.get(type(value), type(value).__name__)


def _read_text(path: str) -> str:
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise CaseFileError(path, None, None, "is a directory, not a case file (faceright batch "
                            "assesses every case file in a directory)") from None
    except OSError as exc:
        raise CaseFileError(path, None, None, f"cannot read file: {exc.strerror}") from None
    return _decode(path, raw)


def _decode(path: str, raw: bytes) -> str:
    """The text of a file's bytes (a UTF-8 byte-order mark dropped); :class:`CaseFileError`
    when larger than :data:`MAX_BYTES` or not UTF-8 (with the line of the first bad byte)."""
    if len(raw) > MAX_BYTES:
        raise CaseFileError(path, None, None, f"file is larger than {MAX_BYTES // 2**20} MiB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CaseFileError(path, line, None, "not UTF-8 text") from None


def _is_jsonl(path: str, text: str) -> bool:
    if path.endswith(".jsonl") or path.endswith(".ndjson"):
        return True
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return path == "-" and len(lines) > 1 and all(ln.lstrip().startswith("{") for ln in lines)


def jsonl_line(path: str, number: int, line: str) -> Document | CaseFileError | None:
    """One JSONL line as a case document (None for a blank line), or the error locating why it
    cannot be read (malformed JSON, NaN, a duplicate key, nesting too deep)."""
    if not line.strip():
        return None
    try:
        data = loads_json(line)
    except SourceError as exc:  # malformed, a duplicate key, too deep: located at its line
        return CaseFileError(path, number, exc.key, exc.message)
    return Document(data, {(): number}, number)


def _jsonl_documents(path: str, text: str) -> Iterator[Document | CaseFileError]:
    for number, line in enumerate(text.splitlines(), start=1):
        doc = jsonl_line(path, number, line)
        if doc is not None:
            yield doc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def documents(path: str, content: bytes | None = None) -> Iterator[Document | CaseFileError]:
    """The case documents of a file, lazily; a list document yields its items. ``content`` is
    the file's bytes when they did not come from disk (a web upload named ``path``)."""
    try:
        text = _read_text(path) if content is None else _decode(path, content)
    except CaseFileError as err:
        yield err
        return
    if _is_jsonl(path, text):
        yield from _jsonl_documents(path, text)
        return
    yield from yaml_documents(path, text)


def yaml_documents(path: str, text: str) -> Iterator[Document | CaseFileError]:
    """The case documents of YAML (or JSON) text; a list document yields its items."""
    try:
        for doc in read_documents(text, tolerant=True):
            items = [doc.item(i) for i in range(len(doc.data))] if isinstance(doc.data, list) else [doc]
            yield from items  # a case's unreadable values are reported with its other problems
    except SourceError as exc:
        yield CaseFileError(path, exc.line, exc.key, exc.message)


def read_cases(reader: CaseReader, path: str) -> Iterator[LoadedCase]:
    """Each case of a file, validated, or an error record in its place (the rest go on)."""
    stem = "stdin" if path == "-" else Path(path).stem
    index = 0
    docs = csv_file_documents(path, reader.vocabulary) if is_csv(path) else documents(path)
    for doc in docs:
        index += 1
        if isinstance(doc, CaseFileError):
            yield LoadedCase(Located(path, doc.line or 1), None, doc)
            continue
        default_id = stem if index == 1 else f"{stem}#{index}"
        where = Located(path, doc.start_line)
        try:
            yield LoadedCase(where, reader.validate(doc, path, default_id), None)
        except CaseFileError as err:
            yield LoadedCase(where, None, err)
    if index == 0:
        yield LoadedCase(Located(path, 1), None,
                         CaseFileError(path, 1, None, "no case found in this file"))


# --- CSV: one case per row (the contract's "Values in CSV") ---------------------------------

#: top-level keys a CSV column may name; every other column must be a fact.
CSV_TOP_LEVEL = ("format", "case", "title", "title_zh", "incident_date", "basis", "source", "notes")
_INT = re.compile(r"[+-]?[0-9]+")


def is_csv(path: str) -> bool:
    """Whether a path is read as CSV (by its extension; stdin never is)."""
    return path.lower().endswith(".csv")


def csv_file_documents(path: str, vocabulary: Vocabulary) -> Iterator[Document | CaseFileError]:
    """The rows of a CSV file as case documents (read whole and bounded, like other formats)."""
    try:
        text = _read_text(path)
    except CaseFileError as err:
        yield err
        return
    yield from csv_documents(path, io.StringIO(text, newline=""), vocabulary)


def csv_documents(path: str, lines: Iterable[str], vocabulary: Vocabulary
                  ) -> Iterator[Document | CaseFileError]:
    """Rows of CSV text as case documents, lazily, each located at the line its row starts on.

    ``lines`` may be an open file (``newline=""``), so a batch streams files of any size. The
    header names fact keys and top-level keys; an unknown column stops the file with one error
    naming it (every row would repeat it). Cells are typed from the vocabulary: an empty cell
    or ``unknown`` is unknown, lists are ``;``-separated, booleans ``true``/``false``; a cell
    that does not convert is passed on as text, so validation reports it like in YAML.
    """
    rows = csv.reader(lines, strict=True)
    try:
        header = next(rows, None)
        if header is None:
            return
        columns = [name.strip() for name in header]
        problem = _csv_header_problem(columns, vocabulary)
        if problem is not None:
            yield CaseFileError(path, 1, problem[0], problem[1])
            return
        start = rows.line_num + 1
        for row in rows:
            line, start = start, rows.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(columns):
                yield CaseFileError(path, line, None, f"row has {len(row)} cells; the header has "
                                    f"{len(columns)}")
                continue
            yield _csv_row(columns, row, line, vocabulary)
    except csv.Error as exc:
        yield CaseFileError(path, rows.line_num or 1, None, f"malformed CSV: {exc}")
    except UnicodeDecodeError:
        yield CaseFileError(path, rows.line_num + 1, None, "not UTF-8 text")


def _csv_header_problem(columns: list[str], vocabulary: Vocabulary) -> tuple[str | None, str] | None:
    known = [*CSV_TOP_LEVEL, *vocabulary.facts]
    seen: set[str] = set()
    for name in columns:
        if not name:
            return None, "a column has no name"
        if name in seen:
            return name, f"duplicate column '{name}'"
        seen.add(name)
        if name not in known:
            return name, f"unknown column '{name}'" + did_you_mean(name, known)
    return None


def _csv_row(columns: list[str], row: list[str], line: int, vocabulary: Vocabulary) -> Document:
    data: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    lines: dict[tuple[str | int, ...], int] = {(): line, ("facts",): line}
    for name, raw in zip(columns, row):
        cell = raw.strip()
        if not cell or cell == UNKNOWN:
            continue
        spec = vocabulary.facts.get(name)
        if spec is None:
            data[name] = cell
            lines[(name,)] = line
        else:
            facts[name] = _csv_value(spec.type, cell)
            lines[("facts", name)] = line
    if facts:
        data["facts"] = facts
    return Document(data, lines, line)


def _csv_value(kind: str, cell: str) -> Any:
    if kind == "bool":
        return {"true": True, "false": False}.get(cell.lower(), cell)
    if kind == "list":
        return [part.strip() for part in cell.split(";") if part.strip()]
    if kind in ("int", "number"):
        if _INT.fullmatch(cell):
            return int(cell)
        try:
            number = float(cell)
        except ValueError:
            return cell
        return number if math.isfinite(number) else cell
    return cell
