"""What the batch modules share: its errors, options, and the item, outcome and chunk shapes.

An :class:`Item` is one case document read from an input (or the read error in its place); a
:class:`Chunk` is consecutive items; an :class:`Outcome` is one output record, rendered, with
what the parent counts for the summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..errors import FacerightError
from ..source import Document

CHUNK_SIZE = 32
WINDOW_PER_WORKER = 4  # chunks in flight per worker (the parent's window)
Column = tuple[str, str | None]


class BatchError(FacerightError):
    """A problem that prevents the batch from running or going on (exit code 2)."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: the partial output is kept for ``--resume`` (exit code 130)."""


@dataclass(frozen=True)
class Options:
    """What a batch run does; ``format``, ``unordered`` and ``chunk_size`` shape the output
    and so are part of the manifest that ``--resume`` checks."""

    inputs: tuple[str, ...]
    out: str | None = None
    format: str = "jsonl"
    jobs: int = 1
    unordered: bool = False
    resume: bool = False
    fail_fast: bool = False
    check_ids: bool = False
    summary: str | None = None
    cluster: str | None = None
    rules: str | None = None
    chunk_size: int = CHUNK_SIZE
    progress: bool = False


class Item(NamedTuple):
    """One case document to assess, with where it came from, or the read error in its place."""

    path: str
    line: int
    default_id: str
    doc: Document | None
    error: str | None


class Outcome(NamedTuple):
    """One output record, rendered by the worker, plus what the parent counts."""

    line: str
    case: str | None
    source: str
    error: bool
    holds: tuple[str, ...]
    open: tuple[str, ...]
    runs: int = 0  # case facts matched by durable_rules
    asserts: int = 0


@dataclass
class Chunk:
    """Consecutive items, numbered in input order; ``pos`` is the input bytes read so far."""

    index: int
    items: list[Item]
    pos: int

