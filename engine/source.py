"""Safe reading of YAML and JSON documents that remembers where every key and value stood.

Documents are read as a stream of parser events (libyaml through PyYAML's C parser, or PyYAML's
pure-Python parser where the C one is missing: same results, slower) and built into plain data
here, so no YAML tag can construct an object; anchors and aliases are refused outright (no alias
bombs); size, depth and node counts are bounded. The result is plain Python data plus a map from
key paths to line numbers, which error messages use to point at the offending line.

Values have their **YAML 1.2** (core schema) meaning whatever the parser's own version:
``yes``/``no``/``on``/``off`` are text, ``true``/``False``/``TRUE`` are booleans, ``0o17`` and
``1_000`` are integers, ``~``/``null``/an empty value are null, ``2023-06-01`` is a date.
Plain scalars are resolved by :func:`resolve` (the rules ruamel.yaml applies to YAML 1.2), never
by PyYAML's YAML 1.1 resolver. A ``%YAML`` directive other than ``%YAML 1.2`` is refused (a
``%YAML 1.1`` document would mean ``yes`` is true), and so are the characters U+0085, U+2028
and U+2029, on which YAML 1.1 and 1.2 disagree (line breaks or not) and so on line numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (AliasEvent, DocumentEndEvent, DocumentStartEvent, Event,
                         MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
                         SequenceStartEvent, StreamEndEvent)

from .dates import not_a_day

#: PyYAML's libyaml parser when built with it (the wheels are), else its pure-Python one
_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 2_000_000
Path_ = tuple[str | int, ...]

_STD = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP, _MERGE = _STD + "str", _STD + "seq", _STD + "map", _STD + "merge"

# The YAML 1.2 implicit resolvers, in ruamel.yaml's order, by the scalar's first character
# (ruamel.yaml/resolver.py, entries for version (1, 2)); ``$`` as in ``re.match``.
_IMPLICIT_12: list[tuple[str, str, str]] = [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("float", r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""", "-+0123456789."),
    ("int", r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""", "-+0123456789"),
    ("merge", r"^(?:<<)$", "<"),
    ("null", r"""^(?: ~
        |null|Null|NULL
        | )$""", "~nN"),
    ("timestamp", r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", "0123456789"),
    ("value", r"^(?:=)$", "="),
]
_BY_FIRST: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _kind, _pattern, _first in _IMPLICIT_12:
    for _char in _first:
        _BY_FIRST.setdefault(_char, []).append((_STD + _kind, re.compile(_pattern, re.X)))
_YAML_12_ONLY = ("faceright reads YAML 1.2 only (where yes/no/on/off are text, not booleans); "
                 "remove it")
#: characters YAML 1.1 reads as line breaks and YAML 1.2 does not
_AMBIGUOUS_BREAKS = re.compile("[\x85\u2028\u2029]")


def resolve(value: str) -> str:
    """The YAML 1.2 core-schema tag of a plain scalar: ``'yes'`` -> ``tag:yaml.org,2002:str``,
    ``'TRUE'`` -> ``...:bool``, ``'0o17'`` -> ``...:int``, ``''`` -> ``...:null``."""
    if value == "":
        return _STD + "null"
    for tag, regexp in _BY_FIRST.get(value[0], ()):
        if regexp.match(value):
            return tag
    return _STR


@dataclass
class Document:
    """One YAML/JSON document: its data and the line (1-based) of every key path in it."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    start_line: int = 1
    #: unreadable scalars and duplicate keys (path, line, message), kept so one bad item of a
    #: list of cases becomes one error record (listing all its problems) while its siblings
    #: are still read.
    problems: list[tuple[Path_, int, str]] = field(default_factory=list)

    def problem(self) -> SourceError | None:
        """The first unreadable scalar of this document, as an error naming its key."""
        if not self.problems:
            return None
        path, line, message = self.problems[0]
        return SourceError(line, message, dotted(path))

    def line_of(self, path: Path_) -> int:
        """The line of the deepest part of ``path`` that exists in the document."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return self.start_line

    def item(self, index: int) -> Document:
        """The sub-document of list item ``index`` (for files holding a list of cases)."""
        prefix: Path_ = (index,)
        lines = {p[1:]: ln for p, ln in self.lines.items() if p[:1] == prefix}
        problems = [(p[1:], ln, m) for p, ln, m in self.problems if p[:1] == prefix]
        return Document(self.data[index], lines, self.lines.get(prefix, self.start_line), problems)


class SourceError(Exception):
    """The text is not well-formed or breaks a safety bound (line is 1-based)."""

    def __init__(self, line: int | None, message: str, key: str | None = None) -> None:
        self.line = line
        self.message = message
        self.key = key
        super().__init__(message)


def dotted(path: Path_) -> str | None:
    """A document path as a key name: ``facts.likeness[1]``; ``None`` for the root."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return text or None


class _Builder:
    """Builds one document from parser events, depth first, as ruamel's node walk did."""

    def __init__(self, next_event: Callable[[], Event]) -> None:
        self.next_event = next_event
        self.lines: dict[Path_, int] = {}
        self.count = 0
        self.problems: list[tuple[Path_, int, str]] = []

    def build(self, event: Event, path: Path_, depth: int) -> Any:
        self.count += 1
        line = _line(event)
        if self.count > MAX_NODES:
            raise SourceError(line, f"document has more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise SourceError(line, f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise SourceError(line, "YAML anchors and aliases are not allowed")
        self.lines.setdefault(path, line)
        if isinstance(event, MappingStartEvent):
            return self._mapping(event, path, depth)
        if isinstance(event, SequenceStartEvent):
            tag = _SEQ if event.tag in (None, "!") else str(event.tag)
            if tag != _SEQ:
                raise SourceError(line, f"YAML tag '{tag}' is not allowed")
            out: list[Any] = []
            item = self.next_event()
            while not isinstance(item, SequenceEndEvent):
                out.append(self.build(item, (*path, len(out)), depth + 1))
                item = self.next_event()
            return out
        assert isinstance(event, ScalarEvent)
        try:
            return _scalar(str(event.value), _tag(event), line)
        except SourceError as exc:
            self.problems.append((path, line, exc.message))
            return None

    def _mapping(self, event: MappingStartEvent, path: Path_, depth: int) -> dict[str, Any]:
        line = _line(event)
        tag = _MAP if event.tag in (None, "!") else str(event.tag)
        if tag != _MAP:
            raise SourceError(line, f"YAML tag '{tag}' is not allowed")
        out: dict[str, Any] = {}
        knode = self.next_event()
        while not isinstance(knode, MappingEndEvent):
            kline = _line(knode)
            if not isinstance(knode, ScalarEvent) or _tag(knode) == _MERGE:
                raise SourceError(kline, "keys must be plain scalars (no merge keys)")
            if knode.anchor is not None:
                raise SourceError(kline, "YAML anchors and aliases are not allowed")
            key = str(knode.value)
            if key in out:  # a problem of this document only: the value written first stands
                self.problems.append(((*path, key), kline, duplicate_key(key, self.lines[(*path, key)])))
                self.build(self.next_event(), (*path, key), depth + 1)
                knode = self.next_event()
                continue
            self.lines[(*path, key)] = kline
            out[key] = self.build(self.next_event(), (*path, key), depth + 1)
            self.lines[(*path, key)] = kline
            knode = self.next_event()
        return out


def duplicate_key(key: str, first: int) -> str:
    """The message for a key written twice in one mapping (``first``: the line of the first)."""
    return f"duplicate key '{key[:80]}' (first on line {first}); keep one"


def _line(event: Event) -> int:
    """The 1-based line an event starts on (parsed events always carry their mark)."""
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 1


def _tag(event: ScalarEvent) -> str:
    """A scalar's tag: explicit, or resolved by YAML 1.2 rules (``!`` alone is non-specific)."""
    if event.tag is None or event.tag == "!":
        return resolve(event.value) if event.implicit[0] else _STR
    return str(event.tag)


def _scalar(text: str, tag: str, line: int) -> Any:
    kind = tag[len(_STD):] if tag.startswith(_STD) else None
    if kind == "str":
        return text
    if kind == "null":
        return None
    if kind == "bool":
        return text.lower() == "true"
    if kind == "int":
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            raise SourceError(line, f"integer '{text[:40]}' cannot be read") from None
    if kind == "float":
        value = float(text.replace("_", "")) if "inf" not in text.lower() else math.inf
        if not math.isfinite(value) or "nan" in text.lower():
            raise SourceError(line, "numbers must be finite")
        return value
    if kind == "timestamp":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise SourceError(line, not_a_day(text[:40])) from None
    raise SourceError(line, f"YAML tag '{tag}' is not allowed")


def read_documents(text: str, tolerant: bool = False) -> Iterator[Document]:
    """Parse YAML (or JSON, a subset of YAML 1.2) text into documents, lazily.

    Raises :class:`SourceError` (with the 1-based line where known) for malformed YAML, a
    ``%YAML`` directive other than 1.2, an anchor or alias, a tag other than the standard
    ones, a non-scalar key, too deep or too large a document. Within a document a syntax
    error is reported before any of these, as when documents were composed whole. An
    unreadable scalar (an infinite number, a bad date) or a duplicate key raises once its
    document is read, unless ``tolerant``: then each is left in :attr:`Document.problems` (the
    scalar read as null, the first of the duplicates kept) for the caller to report with the
    document's other problems."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise SourceError(None, f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    odd = _AMBIGUOUS_BREAKS.search(text)
    if odd is not None:
        line = len(re.findall("\r\n|\r|\n", text[:odd.start()])) + 1
        raise SourceError(line, f"character U+{ord(odd.group()):04X} is not allowed (YAML 1.1 "
                          "reads it as a line break, YAML 1.2 does not); in a double-quoted "
                          "string write it as \\N, \\L or \\P")
    loader = _Loader(text)
    try:
        event = loader.get_event()  # the stream start
        while True:
            event = loader.get_event()
            if isinstance(event, StreamEndEvent) or event is None:
                return
            assert isinstance(event, DocumentStartEvent)
            if event.version is not None and tuple(event.version) != (1, 2):
                version = ".".join(map(str, event.version))
                raise SourceError(_line(event), f"%YAML {version} directive: {_YAML_12_ONLY}")
            doc = _document(loader)
            problem = None if tolerant else doc.problem()
            if problem is not None:
                raise problem
            yield doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark is not None else None
        if "incompatible YAML document" in str(exc.problem):  # %YAML 2.0, 1.0, 1.3 (libyaml)
            raise SourceError(where, f"%YAML directive: {_YAML_12_ONLY}") from None
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own bound (1000 levels)
            raise SourceError(where, f"nesting deeper than {MAX_DEPTH} levels") from None
        complaint = str(exc.problem or exc.context)
        raise SourceError(where, f"malformed YAML: {complaint}{_hint(complaint, text, where)}") from None
    except (yaml.YAMLError, RecursionError, UnicodeError, ValueError) as exc:
        raise SourceError(None, f"malformed YAML: {str(exc).splitlines()[0][:200]}") from None
    finally:
        loader.dispose()


_UNCLOSED = " (a [ { or quote opened before here is not closed)"
#: what a parser's complaint usually means, in a new user's words (by the complaint's start)
_HINTS = (
    ("found a tab character", " (YAML is indented with spaces only: replace the tab with spaces)"),
    ("mapping values are not allowed", " (check this line's indentation: a key lines up with "
     "the keys it belongs with; the line above may lack its ':'; a value containing ': ' must "
     "be put in quotes)"),
    ("did not find expected key", " (check this line's indentation: the keys of one mapping "
     "start in the same column)"),
    ("block sequence entries are not allowed", " (check this line's indentation: a '- ' list "
     "item goes under its key, on lines of its own)"),
    ("did not find expected node content", _UNCLOSED),
    ("did not find expected ','", _UNCLOSED),
    ("found unexpected end of stream", _UNCLOSED),
    ("could not find expected ':'", " (a key needs ':' and a space after it)"),
    ("found character that cannot start any token", " (a value starting with @, ` or % must "
     "be put in quotes)"),
)


def _hint(problem: str, text: str, line: int | None) -> str:
    """A plain explanation to follow the parser's complaint about ``line`` of ``text``."""
    lines = text.splitlines()
    here = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
    if "\t" in here[: len(here) - len(here.lstrip())] and "cannot start any token" in problem:
        return " (a tab indents this line: YAML is indented with spaces only)"
    return next((hint for start, hint in _HINTS if problem.startswith(start)), "")


def _document(loader: Any) -> Document:
    """Build the document whose start event was just read. A problem found while building is
    raised only once the rest of the document has parsed, so a syntax error anywhere in the
    document wins (as when documents were composed whole before being built)."""
    builder = _Builder(loader.get_event)
    root = loader.get_event()
    error: SourceError | None = None
    data: Any = None
    try:
        data = builder.build(root, (), 0)
    except SourceError as exc:
        error = exc
    while not isinstance(loader.get_event(), DocumentEndEvent):
        pass
    if error is not None:
        raise error
    return Document(data, builder.lines, _line(root), builder.problems)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


#: the tokens of JSON text that matter to its depth: strings (skipped whole), brackets, newlines
_JSON_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}\n]')


def _json_depth_line(text: str) -> int | None:
    """The line on which JSON ``text``'s brackets first nest deeper than :data:`MAX_DEPTH`
    (strings skipped), or ``None``: one linear pass, before anything is built."""
    depth, line = 0, 1
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        elif token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif token in "]}":
            depth -= 1
    return None


def loads_json(text: str | bytes) -> Any:
    """JSON text as plain data with the same bounds and meaning as :func:`read_documents`.

    Raises :class:`SourceError` (line 1-based within ``text`` where known) for malformed JSON,
    ``NaN``/``Infinity``, a **duplicate key** in any object (``{"a": 1, "a": 2}`` is an error,
    not "last wins"; ``key`` names it), nesting deeper than :data:`MAX_DEPTH` (found by a scan
    of the brackets before parsing, so ``[[[…]]]`` costs microseconds) or more than
    :data:`MAX_BYTES`."""
    if isinstance(text, bytes):
        raw = text
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(raw[:exc.start].count(b"\n") + 1, "not UTF-8 text") from None
    if len(text) > MAX_BYTES:
        raise SourceError(None, f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if text.count("[") + text.count("{") > MAX_DEPTH:
        deep = _json_depth_line(text)
        if deep is not None:
            raise SourceError(deep, f"nesting deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_pairs)
    except _DuplicateKey as exc:
        raise SourceError(_key_line(text, exc.key), f"duplicate key '{exc.key[:80]}'",
                          exc.key[:80]) from None
    except json.JSONDecodeError as exc:
        raise SourceError(exc.lineno, f"malformed JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise SourceError(None, f"malformed JSON: {str(exc)[:120]}") from None


def _key_line(text: str, key: str) -> int | None:
    """The line of the second occurrence of ``"key":`` in ``text`` (the duplicate), if found."""
    pattern = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:")
    found = list(pattern.finditer(text))
    if len(found) < 2:
        return None
    return text.count("\n", 0, found[1].start()) + 1
