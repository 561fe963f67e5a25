"""The batch's one input layer: input paths expanded, files read lazily into case documents.

YAML and JSON files go through :func:`faceright.casefile.documents`; JSONL and CSV are read as
bytes, line by line (any size), and a line that is not UTF-8 becomes one error record while
reading goes on. ``faceright batch``, ``POST /api/batch`` and the benchmark read through here.
"""

from __future__ import annotations

import codecs
import glob
import hashlib
import json
import os
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..casefile import _no_constant, csv_documents, documents, is_csv, jsonl_line, yaml_documents
from ..errors import CaseFileError
from ..rulebook import Rulebook
from ..source import MAX_BYTES, Document
from .model import BatchError, Chunk, Item

SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".ndjson", ".csv")


def expand_inputs(inputs: Sequence[str], exclude: Collection[str] = ()) -> list[str]:
    """Files, directories (recursively), globs and ``-`` as a sorted-per-argument, de-duplicated
    list of files; the batch's own output files (``exclude``) are never read as input."""
    skip = {os.path.realpath(p) for p in exclude}
    out: list[str] = []
    seen: set[str] = set()

    def add(path: str, explicit: bool) -> None:
        real = os.path.realpath(path)
        if real in skip:
            if explicit:
                raise BatchError(f"{path}: is the batch's own output, not an input")
            return
        if real not in seen:
            seen.add(real)
            out.append(path)

    for arg in inputs:
        if arg == "-":
            if "-" not in seen:
                seen.add("-")
                out.append("-")
        elif os.path.isdir(arg):
            for path in _walk(arg):
                add(path, False)
        elif os.path.isfile(arg):
            add(arg, True)
        elif glob.has_magic(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                raise BatchError(f"no file matches '{arg}'")
            for match in matches:
                for path in (_walk(match) if os.path.isdir(match) else [match]):
                    add(path, False)
        else:
            raise BatchError(f"{arg}: no such file or directory")
    if not out:
        raise BatchError("no case files found in the inputs")
    return out


def _walk(directory: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in sorted(files)
                  if not f.startswith(".") and f.lower().endswith(SUFFIXES)]
    return sorted(found, key=lambda p: Path(p).parts)


def jsonl_document(path: str, number: int, raw: bytes) -> Document | CaseFileError | None:
    """Line ``number`` of a JSONL input, as bytes → its case document, the error in its place
    (not UTF-8 text, malformed JSON), or None for a blank line. A leading BOM on line 1 is
    skipped. The one JSONL line reader of ``faceright batch`` and ``POST /api/batch``."""
    if number == 1 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return CaseFileError(path, number, None, "not UTF-8 text")
    return jsonl_line(path, number, line)


def jsonl_stream(path: str, handle: Iterable[bytes]) -> Iterator[Document | CaseFileError]:
    """JSONL one line at a time (the same records and messages as ``assess``, any file size);
    a line that is not UTF-8 is one error and reading goes on."""
    for number, raw in enumerate(handle, start=1):
        doc = jsonl_document(path, number, raw)
        if doc is not None:
            yield doc


class _Lines:
    """The decoded lines of a byte stream; an undecodable line is noted in ``bad`` (its line
    number) and decoded with U+FFFD in place of the bad bytes, so the CSV's structure (quotes,
    separators, line numbers) stays as written and reading goes on."""

    def __init__(self, handle: Iterable[bytes]) -> None:
        self.handle = handle
        self.bad: list[int] = []

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self.handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.bad.append(number)
                yield raw.decode("utf-8", errors="replace")


def csv_stream(path: str, handle: Iterable[bytes], book: Rulebook
               ) -> Iterator[Document | CaseFileError]:
    """CSV rows as case documents, streamed. A row with a line that is not UTF-8 is one error
    (``file:line: not UTF-8 text``, the first such line) in its place, and reading goes on; a
    header line that is not UTF-8 is the file's one error (without it no row has a meaning)."""
    lines = _Lines(handle)
    text = iter(lines)
    first = next(text, None)
    if first is None:
        return
    if lines.bad:
        yield CaseFileError(path, 1, None, "not UTF-8 text (the header line)")
        return

    def rest() -> Iterator[str]:
        yield first
        yield from text

    def checked(doc: Document | CaseFileError, end: int | None) -> Document | CaseFileError:
        """``doc`` (its row ends before line ``end``), or the error of its first bad line."""
        start = (doc.line or 0) if isinstance(doc, CaseFileError) else doc.start_line
        bad = [n for n in lines.bad if n >= start and (end is None or n < end)]
        lines.bad = [n for n in lines.bad if n not in bad and (end is None or n >= end)]
        return CaseFileError(path, bad[0], None, "not UTF-8 text") if bad else doc

    held: Document | CaseFileError | None = None  # a row is yielded once the next one starts
    for doc in csv_documents(path, rest(), book.vocabulary):
        if held is not None:
            yield checked(held, (doc.line or 0) if isinstance(doc, CaseFileError)
                          else doc.start_line)
        held = doc
    if held is not None:
        yield checked(held, None)


def _stdin_documents(stream: IO[bytes]) -> Iterator[Document | CaseFileError]:
    """Stdin streams as JSONL when its first line is a JSON object, else reads as YAML/JSON."""
    first = stream.readline()
    if first.lstrip(codecs.BOM_UTF8 + b" \t").startswith(b"{"):
        try:
            json.loads(first.decode("utf-8-sig"), parse_constant=_no_constant)
        except (ValueError, RecursionError):
            pass
        else:
            yield from jsonl_stream("-", _Prepend(first, stream))
            return
    raw = first + stream.read(MAX_BYTES + 1 - len(first))
    if len(raw) > MAX_BYTES:
        yield CaseFileError("-", None, None, f"file is larger than {MAX_BYTES // 2**20} MiB")
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield CaseFileError("-", raw[: exc.start].count(b"\n") + 1, None, "not UTF-8 text")
        return
    yield from yaml_documents("-", text)


class _Prepend:
    """A byte stream with one line pushed back (what stdin sniffing read)."""

    def __init__(self, first: bytes, rest: IO[bytes]) -> None:
        self._first = first
        self._rest = rest

    def __iter__(self) -> Iterator[bytes]:
        yield self._first
        yield from self._rest


class Reader:
    """Turns input paths into chunks of items, lazily, tracking bytes read for progress."""

    def __init__(self, paths: list[str], book: Rulebook, chunk_size: int,
                 stdin: IO[bytes] | None = None) -> None:
        self.paths = paths
        self.book = book
        self.chunk_size = chunk_size
        self.stdin = stdin
        self.pos = 0

    def items(self) -> Iterator[Item]:
        """Every case document of every input, in order, with ``read_cases``' default ids."""
        base = 0
        for path in self.paths:
            size = 0 if path == "-" else input_size(path)
            stem = "stdin" if path == "-" else Path(path).stem
            index = 0
            with _Opened(path, self.stdin) as handle:
                for doc in self._documents(path, handle):
                    if handle.binary is not None and path != "-":
                        self.pos = base + handle.binary.tell()
                    index += 1
                    if isinstance(doc, CaseFileError):
                        yield Item(path, doc.line or 1, "", None, str(doc))
                        continue
                    default_id = stem if index == 1 else f"{stem}#{index}"
                    yield Item(path, doc.start_line, default_id, doc, None)
            if index == 0:
                yield Item(path, 1, "", None,
                           str(CaseFileError(path, 1, None, "no case found in this file")))
            base += size
            self.pos = base

    def _documents(self, path: str, handle: _Opened) -> Iterator[Document | CaseFileError]:
        if handle.error is not None:
            yield handle.error
        elif path == "-":
            assert handle.binary is not None
            yield from _stdin_documents(handle.binary)
        elif handle.binary is not None and is_csv(path):
            yield from csv_stream(path, handle.binary, self.book)
        elif handle.binary is not None:
            yield from jsonl_stream(path, handle.binary)
        else:
            yield from documents(path)

    def chunks(self) -> Iterator[Chunk]:
        """Items cut into numbered chunks (the same cut on every run: resume relies on it)."""
        items: list[Item] = []
        index = 0
        for item in self.items():
            items.append(item)
            if len(items) >= self.chunk_size:
                yield Chunk(index, items, self.pos)
                index += 1
                items = []
        if items:
            yield Chunk(index, items, self.pos)


class _Opened:
    """Opens streaming inputs (JSONL, CSV, stdin) as binary; YAML/JSON go through ``documents``."""

    def __init__(self, path: str, stdin: IO[bytes] | None) -> None:
        self.path = path
        self.stdin = stdin
        self.binary: IO[bytes] | None = None
        self.error: CaseFileError | None = None
        self._owned = False

    def __enter__(self) -> _Opened:
        low = self.path.lower()
        if self.path == "-":
            self.binary = self.stdin if self.stdin is not None else sys.stdin.buffer
        elif low.endswith((".jsonl", ".ndjson", ".csv")):
            try:
                self.binary = open(self.path, "rb")  # noqa: SIM115 - closed in __exit__
                self._owned = True
            except OSError as exc:
                self.error = CaseFileError(self.path, None, None, f"cannot read file: {exc.strerror}")
        return self

    def __exit__(self, *_: object) -> None:
        if self._owned and self.binary is not None:
            self.binary.close()


def input_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def file_digest(path: str) -> dict[str, Any]:
    """An input's identity for the manifest: path, size and sha256 (stdin has none)."""
    if path == "-":
        return {"path": "-", "size": None, "sha256": None}
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
                size += len(block)
    except OSError as exc:
        return {"path": path, "size": None, "sha256": None, "error": exc.strerror}
    return {"path": path, "size": size, "sha256": digest.hexdigest()}

