"""The YAML reader faceright used before libyaml (ruamel.yaml's pure-Python composer), kept
only as the oracle of ``tests/test_source.py``: the new reader must give the same data, line
map and errors. Changes from the shipped original: ruamel's round-trip scanner marks the
fold points of a folded (``>``) scalar with BEL characters, which the original left in the
text; they are removed here, as any YAML reader does. A duplicate key is a problem of its
document (the first value stands), as an unreadable scalar is, so one case of a file with
several is an error while the others are read; messages share faceright's wording.

Documents are composed (never constructed), so no YAML tag can build an object; anchors and
aliases are refused outright (no alias bombs); size, depth and node counts are bounded.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# the messages' wording (what is read, and where, is this module's own)
from faceright.dates import not_a_day
from faceright.source import duplicate_key

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 2_000_000
Path_ = tuple[str | int, ...]

_STD = "tag:yaml.org,2002:"


@dataclass
class Document:
    """One YAML/JSON document: its data and the line (1-based) of every key path in it."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    start_line: int = 1
    #: unreadable scalars (path, line, message), kept so one bad item of a list of cases
    #: becomes one error record while its siblings are still read.
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
    def __init__(self) -> None:
        self.lines: dict[Path_, int] = {}
        self.seen: set[int] = set()
        self.count = 0
        self.problems: list[tuple[Path_, int, str]] = []

    def build(self, node: Node, path: Path_, depth: int) -> Any:
        self.count += 1
        line = node.start_mark.line + 1
        if self.count > MAX_NODES:
            raise SourceError(line, f"document has more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise SourceError(line, f"nesting deeper than {MAX_DEPTH} levels")
        if id(node) in self.seen or getattr(node, "anchor", None):
            raise SourceError(line, "YAML anchors and aliases are not allowed")
        self.seen.add(id(node))
        self.lines.setdefault(path, line)
        tag = str(node.tag)
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth, tag)
        if isinstance(node, SequenceNode):
            if tag != _STD + "seq":
                raise SourceError(line, f"YAML tag '{tag}' is not allowed")
            return [self.build(v, (*path, i), depth + 1) for i, v in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        try:
            return _scalar(node, tag, line)
        except SourceError as exc:
            self.problems.append((path, line, exc.message))
            return None

    def _mapping(self, node: MappingNode, path: Path_, depth: int, tag: str) -> dict[str, Any]:
        line = node.start_mark.line + 1
        if tag != _STD + "map":
            raise SourceError(line, f"YAML tag '{tag}' is not allowed")
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            kline = knode.start_mark.line + 1
            if not isinstance(knode, ScalarNode) or str(knode.tag) == _STD + "merge":
                raise SourceError(kline, "keys must be plain scalars (no merge keys)")
            key = str(knode.value)
            if key in out:  # a problem of this document only: the value written first stands
                self.problems.append(((*path, key), kline, duplicate_key(key, self.lines[(*path, key)])))
                self.build(vnode, (*path, key), depth + 1)
                continue
            self.lines[(*path, key)] = kline
            out[key] = self.build(vnode, (*path, key), depth + 1)
            self.lines[(*path, key)] = kline
        return out


def _scalar(node: ScalarNode, tag: str, line: int) -> Any:
    text = str(node.value)
    if node.style == ">":  # the round-trip scanner marks the folds of a folded scalar with BEL
        text = text.replace("\a", "")
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

    An unreadable scalar (an infinite number, a bad date) raises at once, unless ``tolerant``:
    then it is left in :attr:`Document.problems` for the caller to report per item."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise SourceError(None, f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    yaml = YAML(typ="rt")
    try:
        for node in yaml.compose_all(io.StringIO(text)):
            if node is None:
                continue
            builder = _Builder()
            data = builder.build(node, (), 0)
            doc = Document(data, builder.lines, node.start_mark.line + 1, builder.problems)
            problem = None if tolerant else doc.problem()
            if problem is not None:
                raise problem
            yield doc
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise SourceError(line, f"malformed YAML: {exc.problem or exc.context}") from None
    except (YAMLError, RecursionError, UnicodeError, ValueError) as exc:
        raise SourceError(None, f"malformed YAML: {str(exc).splitlines()[0][:200]}") from None
