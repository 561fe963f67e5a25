"""Where records go: standard output, or ``OUT.partial`` with its manifest and journal.

The manifest holds what the output depends on (inputs' sizes and sha256, rules_version, output
options); the journal one line per finished chunk (its index, the output offset it ends at, its
counts). ``--resume`` checks the manifest, truncates to the last journalled chunk and goes on;
it refuses (:class:`BatchError`, exit 2) rather than destroy a partial output it cannot trust.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

from .inputs import file_digest
from .model import BatchError, Options
from .summary import Tally

MANIFEST_FORMAT = "faceright-batch/1"


class Sink(Protocol):
    """Where records go."""

    def write(self, index: int, lines: list[str], tally: Tally) -> None: ...

    def finish(self) -> None: ...

    def abort(self) -> None: ...


class StdoutSink:
    """Records on standard output: streamed, but neither atomic nor resumable."""

    def __init__(self, stream: IO[bytes], header: str | None) -> None:
        self.stream = stream
        if header is not None:
            stream.write(header.encode("utf-8") + b"\n")

    def write(self, index: int, lines: list[str], tally: Tally) -> None:
        self.stream.write(b"".join(line.encode("utf-8") + b"\n" for line in lines))
        self.stream.flush()

    def finish(self) -> None:
        self.stream.flush()

    def abort(self) -> None:
        self.stream.flush()


@dataclass
class Resumed:
    """What an interrupted run had finished."""

    done: set[int]
    tally: Tally


class FileSink:
    """``OUT.partial`` + manifest + journal of finished chunks, renamed to OUT when complete.

    Each chunk's lines are written and flushed before its journal entry, so after a kill the
    journal never claims more than the file holds; resume truncates the file to the last
    journalled offset (dropping a partial line or an unjournalled chunk)."""

    def __init__(self, out: str, fmt: str) -> None:
        self.out = out
        self.format = fmt
        self.part = out + ".partial"
        self.manifest = self.part + ".manifest.json"
        self.journal_path = self.part + ".journal"
        self._file: IO[bytes] | None = None
        self._journal: IO[bytes] | None = None
        self.offset = 0

    def files(self) -> list[str]:
        return [self.out, self.part, self.manifest, self.journal_path]

    def start(self, manifest: dict[str, Any], header: str | None) -> None:
        """A fresh run: write the manifest, an empty partial file (plus header) and journal."""
        for stale in (self.part, self.journal_path):
            if os.path.exists(stale):
                os.remove(stale)
        _write_atomic(self.manifest, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        self._file = open(self.part, "wb")  # noqa: SIM115 - closed in finish/abort
        self._journal = open(self.journal_path, "wb")  # noqa: SIM115
        if header is not None:
            self._file.write(header.encode("utf-8") + b"\n")
            self._file.flush()
        self.offset = self._file.tell()
        self._note({"c": -1, "end": self.offset})

    def recorded_chunk_size(self) -> int | None:
        """The chunking of the interrupted run (an internal setting a resume adopts)."""
        try:
            with open(self.manifest, encoding="utf-8") as handle:
                size = json.load(handle)["options"]["chunk_size"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return size if isinstance(size, int) and size > 0 else None

    def resume(self, manifest: dict[str, Any], header: str | None) -> Resumed | None:
        """Continue an interrupted run, or None when there is none (then start afresh): no
        partial output, or one that holds nothing but its ``header``.

        Refuses (BatchError, the partial output left as it is) when the inputs, rules or output
        options differ from the run that wrote the partial output (mixing them would give a
        file no single run produces), and when its manifest or journal is missing or
        unreadable (what it holds could not be trusted, and starting afresh would delete it)."""
        if not os.path.exists(self.part):
            return None
        try:
            with open(self.manifest, encoding="utf-8") as handle:
                old = json.load(handle)
            if not isinstance(old, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError):
            raise BatchError(f"{self.part}: cannot resume: its manifest {self.manifest} is "
                             "missing or unreadable (run without --resume to start again)") from None
        difference = manifest_difference(old, manifest)
        if difference:
            raise BatchError(f"{self.part}: cannot resume: {difference} since the interrupted "
                             "run (run without --resume to start again)")
        journal = _read_journal(self.journal_path)
        if journal is None:
            if self._holds_nothing(header):
                return None
            raise BatchError(f"{self.part}: cannot resume: its journal {self.journal_path} is "
                             "missing or unreadable, so what the partial output holds cannot be "
                             "trusted; it is left as it is (move it away, or run without --resume "
                             "to start again)")
        resumed, end, good = journal
        if os.path.getsize(self.part) < end:
            raise BatchError(f"{self.part}: cannot resume: the file is shorter than its journal "
                             "says (run without --resume to start again)")
        with open(self.part, "r+b") as handle:
            handle.truncate(end)
        with open(self.journal_path, "r+b") as handle:
            handle.truncate(good)
        self._file = open(self.part, "ab")  # noqa: SIM115 - closed in finish/abort
        self._journal = open(self.journal_path, "ab")  # noqa: SIM115
        self.offset = end
        return resumed

    def _holds_nothing(self, header: str | None) -> bool:
        """Whether the partial output is empty or only its header (a run killed at its start)."""
        want = b"" if header is None else header.encode("utf-8") + b"\n"
        try:
            if os.path.getsize(self.part) > len(want):
                return False
            with open(self.part, "rb") as handle:
                return want.startswith(handle.read())
        except OSError:
            return False

    def write(self, index: int, lines: list[str], tally: Tally) -> None:
        assert self._file is not None
        data = b"".join(line.encode("utf-8") + b"\n" for line in lines)
        self._file.write(data)
        self._file.flush()
        self.offset += len(data)
        self._note({"c": index, "end": self.offset, **tally.to_journal()})

    def _note(self, entry: dict[str, Any]) -> None:
        assert self._journal is not None
        self._journal.write(json.dumps(entry, separators=(",", ":")).encode() + b"\n")
        self._journal.flush()

    def finish(self) -> None:
        """Make the output durable, rename it into place, and drop the bookkeeping."""
        assert self._file is not None and self._journal is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._journal.close()
        os.replace(self.part, self.out)
        for path in (self.journal_path, self.manifest):
            try:
                os.remove(path)
            except OSError:
                pass

    def abort(self) -> None:
        for handle in (self._file, self._journal):
            if handle is not None:
                handle.close()

    def written(self) -> Iterator[tuple[str, str]]:
        """(case id, source) of every record already in the partial file (for --check-ids)."""
        with open(self.part, encoding="utf-8", newline="") as handle:
            if self.format == "csv":
                rows = csv.reader(handle)
                next(rows, None)
                for row in rows:
                    if row and row[0]:
                        yield row[0], row[1]
            else:
                for line in handle:
                    record = json.loads(line)
                    if record.get("case"):
                        yield str(record["case"]), str(record["source"])


def _read_journal(path: str) -> tuple[Resumed, int, int] | None:
    """Add up a journal's complete entries (streamed: it has one line per chunk): the chunks
    done with their counts, the output offset they end at, and the journal bytes they fill."""
    resumed = Resumed(set(), Tally())
    end = good = 0
    seen = False
    try:
        with open(path, "rb") as handle:
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break
                try:
                    entry = json.loads(raw)
                    if entry["c"] >= 0:
                        tally = Tally.from_journal(entry)
                        resumed.done.add(int(entry["c"]))
                        resumed.tally.merge(tally)
                    end = int(entry["end"])
                except (ValueError, KeyError, TypeError):
                    break
                seen = True
                good += len(raw)
    except OSError:
        return None
    return (resumed, end, good) if seen else None


def _write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def make_manifest(paths: list[str], version: str, opts: Options) -> dict[str, Any]:
    """What the output depends on: every input's size and hash, the rules, the output options."""
    from .. import __version__
    return {"format": MANIFEST_FORMAT, "faceright": __version__, "rules_version": version,
            "options": {"format": opts.format, "unordered": opts.unordered,
                        "chunk_size": opts.chunk_size},
            "inputs": [file_digest(p) for p in paths]}


def manifest_difference(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """The first way two manifests differ, in words, or None."""
    if old.get("format") != new["format"]:
        return "the manifest format changed"
    if old.get("rules_version") != new["rules_version"]:
        return (f"rules_version changed ({old.get('rules_version')} -> {new['rules_version']})")
    for key, value in new["options"].items():
        if old.get("options", {}).get(key) != value:
            return f"option {key} changed ({old.get('options', {}).get(key)} -> {value})"
    before = old.get("inputs", [])
    if [i.get("path") for i in before] != [i["path"] for i in new["inputs"]]:
        return "the list of input files changed"
    for a, b in zip(before, new["inputs"]):
        if a.get("size") != b["size"] or a.get("sha256") != b["sha256"]:
            return f"input {b['path']} changed"
    return None

