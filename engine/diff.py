"""Semantic diff between two rulebook versions over a corpus: which cases gained or lost which
conclusions (grouped by conclusion, rule and provision), and which kept a conclusion for
different reasons. A version is a rules directory or ``git:REV`` of this repository."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from itertools import zip_longest
from typing import Any

from .casefile import LoadedCase
from .errors import CaseFileError, FacerightError
from .evaluate import Engine, load_engine

Key = tuple[str, str | None]


class VersionError(FacerightError):
    """A version cannot be found or read by this faceright."""


def resolve(ref: str, repo: Path) -> Path:
    """The rules directory of a version: a directory, or ``git:REV`` exported to a temp folder."""
    if not ref.startswith("git:"):
        path = Path(ref)
        if not path.is_dir():
            raise VersionError(f"{ref}: not a rules directory (or use git:REV)")
        return path
    rev = ref[4:]
    try:
        top = subprocess.run(["git", "-C", str(repo), "rev-parse", "--show-toplevel"], check=True,
                             capture_output=True, text=True).stdout.strip()
        tar = subprocess.run(["git", "-C", top, "archive", "--format=tar", rev, "rules"], check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        text = detail.decode(errors="replace").strip() if isinstance(detail, bytes) else str(detail)
        raise VersionError(f"{ref}: cannot export rules/ at that revision ({text or exc})") from None
    target = Path(tempfile.mkdtemp(prefix="faceright-rules-"))
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(target, filter="data")
    return target / "rules"


def engine_for(ref: str, repo: Path) -> Engine:
    """Load a version with the current loader and engine (a clear error if it cannot be read)."""
    directory = resolve(ref, repo)
    try:
        return load_engine(directory)
    except FacerightError as exc:
        raise VersionError(f"{ref}: its rule format is not readable by this version: {exc}") from None


@dataclass
class CaseChange:
    """How one case's assessment changed."""

    case: str
    source: str
    gained: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    reasons: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, list[str]] = field(default_factory=dict)
    provisions: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None

    def changed(self) -> bool:
        return bool(self.gained or self.lost or self.opened or self.closed or self.reasons or self.error)


def _label(cid: str, party: str | None) -> str:
    return cid if party is None else f"{cid}@{party}"


def _rules_behind(derivations: Any, cid: str, party: str | None) -> list[str]:
    key = (cid, party or "-")
    twins = derivations.firings.get(key, {"d": [], "p": []})
    return sorted({f.variant.rule.id for f in twins["d"] or twins["p"]})


def compare_case(old: Engine, new: Engine, a_case: Any, b_case: Any, source: str) -> CaseChange:
    """Assess one case, validated by each version's reader, under both versions and describe
    the difference."""
    (a, da), (b, db) = old.evaluate(a_case), new.evaluate(b_case)
    change = CaseChange(b_case.case, source)
    held_a = {(c.id, c.party): c for c in a.conclusions}
    held_b = {(c.id, c.party): c for c in b.conclusions}
    open_a = {(o.id, o.party) for o in a.open}
    open_b = {(o.id, o.party) for o in b.open}
    for key in sorted(held_b.keys() - held_a.keys(), key=str):
        change.gained.append(_label(*key))
        change.rules[_label(*key)] = _rules_behind(db, *key)
        change.provisions[_label(*key)] = held_b[key].provisions
    for key in sorted(held_a.keys() - held_b.keys(), key=str):
        change.lost.append(_label(*key))
        change.rules[_label(*key)] = _rules_behind(da, *key)
        change.provisions[_label(*key)] = held_a[key].provisions
    change.opened = [_label(*k) for k in sorted(open_b - open_a, key=str)]
    change.closed = [_label(*k) for k in sorted(open_a - open_b, key=str)]
    for key in sorted(held_a.keys() & held_b.keys(), key=str):
        x, y = held_a[key], held_b[key]
        rules_x, rules_y = _rules_behind(da, *key), _rules_behind(db, *key)
        if (x.provisions, x.because, rules_x) != (y.provisions, y.because, rules_y):
            change.reasons[_label(*key)] = {
                "rules": [rules_x, rules_y], "provisions": [x.provisions, y.provisions],
                "because": [x.because, y.because]}
    return change


@dataclass
class DiffReport:
    """All changed cases, and the changes grouped by conclusion, rule and provision."""

    old: str
    new: str
    cases: int
    changes: list[CaseChange]
    input_errors: int = 0

    def grouped(self, by: str) -> dict[str, list[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for ch in self.changes:
            for label in [*ch.gained, *ch.lost]:
                sign = "+" if label in ch.gained else "-"
                keys = {"conclusion": [label.partition("@")[0]], "rule": ch.rules.get(label, []),
                        "provision": ch.provisions.get(label, [])}[by]
                for k in keys:
                    out[k].add(f"{sign}{ch.case}")
        return {k: sorted(v) for k, v in sorted(out.items())}

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict
        return {"old": self.old, "new": self.new, "cases": self.cases, "input_errors": self.input_errors,
                "changed": [asdict(c) for c in self.changes],
                "by_conclusion": self.grouped("conclusion"), "by_rule": self.grouped("rule"),
                "by_provision": self.grouped("provision")}

    def to_text(self) -> str:
        lines = [f"diff {self.old} -> {self.new}: {len(self.changes)} of {self.cases} case(s) changed"]
        for ch in self.changes:
            lines.append(f"{ch.source}: case '{ch.case}'")
            if ch.error:
                lines.append(f"  error: {ch.error}")
            for label in ch.gained:
                lines.append(f"  + {label}  (rules {', '.join(ch.rules[label])}; {', '.join(ch.provisions[label])})")
            for label in ch.lost:
                lines.append(f"  - {label}  (rules {', '.join(ch.rules[label])}; {', '.join(ch.provisions[label])})")
            lines += [f"  ? now open: {x}" for x in ch.opened] + [f"  ? no longer open: {x}" for x in ch.closed]
            for label, r in ch.reasons.items():
                lines.append(f"  ~ {label}: same conclusion, different reasons")
                lines.append(f"      rules {', '.join(r['rules'][0])} -> {', '.join(r['rules'][1])}")
                if r["provisions"][0] != r["provisions"][1]:
                    lines.append(f"      provisions {', '.join(r['provisions'][0])} -> {', '.join(r['provisions'][1])}")
        for by in ("conclusion", "rule", "provision"):
            groups = self.grouped(by)
            if groups:
                lines.append(f"by {by}:")
                lines += [f"  {k}: {' '.join(v)}" for k, v in groups.items()]
        return "\n".join(lines) + "\n"


def _pairs(old: Engine, new: Engine, path: str) -> Iterator[tuple[LoadedCase, LoadedCase]]:
    """Each case of a case file (YAML, JSON, JSONL or CSV) as read by the old and the new
    version's reader (their vocabularies may differ), in file order."""
    from .casefile import read_cases
    for a, b in zip_longest(read_cases(old.reader, path), read_cases(new.reader, path)):
        if a is None or b is None:  # the vocabularies split a file differently: pair with an error
            real = b if a is None else a
            assert real is not None
            miss = LoadedCase(real.where, None, CaseFileError(path, real.where.line, None,
                                                              "read differently by the other version"))
            yield (miss, real) if a is None else (real, miss)
            continue
        yield a, b


def diff(old_ref: str, new_ref: str, corpus: list[str], repo: Path) -> DiffReport:
    """Evaluate every case of the corpus under both versions. A case neither version can read
    is an input error (``DiffReport.input_errors``); one only one version reads is a change."""
    old, new = engine_for(old_ref, repo), engine_for(new_ref, repo)
    changes: list[CaseChange] = []
    count = bad = 0
    for path in corpus:
        for a, b in _pairs(old, new, path):
            count += 1
            source = str(b.where)
            if a.error is not None and b.error is not None:
                bad += 1
                changes.append(CaseChange("?", source, error=str(b.error)))
            elif a.error is not None or b.error is not None:
                which, err = ("old", a.error) if a.error is not None else ("new", b.error)
                readable = b.case if b.case is not None else a.case
                name = str(getattr(readable, "case", "?"))
                changes.append(CaseChange(name, source, error=f"only the {which} version cannot read it: {err}"))
            else:
                change = compare_case(old, new, a.case, b.case, source)
                if change.changed():
                    changes.append(change)
    return DiffReport(old_ref, new_ref, count, changes, bad)
