"""The contract's ``expect`` semantics: what a regression case says must hold, be open or be absent."""

from __future__ import annotations

from .assessment import Assessment
from .casefile import Expect


def _split(entry: str) -> tuple[str, str | None]:
    cid, _, party = entry.partition("@")
    return cid, party or None


def _state(assessment: Assessment, cid: str, party: str | None) -> str:
    if assessment.holds(cid, party):
        return "holds"
    return "open" if assessment.is_open(cid, party) else "absent"


def check(assessment: Assessment, expect: Expect) -> list[str]:
    """Every way the assessment misses the expectations (empty when it meets them)."""
    failures: list[str] = []
    for entry in expect.conclusions:
        state = _state(assessment, *_split(entry))
        if state != "holds":
            failures.append(f"expected {entry} to hold, but it is {state}")
    for entry in expect.absent:
        state = _state(assessment, *_split(entry))
        if state != "absent":
            failures.append(f"expected {entry} to be absent, but it {state if state == 'holds' else 'is open'}")
    for entry in expect.open:
        state = _state(assessment, *_split(entry))
        if state != "open":
            failures.append(f"expected {entry} to be open, but it is {state}")
    if expect.exact:
        wanted = [_split(e) for e in expect.conclusions]
        for c in assessment.conclusions:
            if not any(c.id == cid and (party is None or party == c.party) for cid, party in wanted):
                who = f"@{c.party}" if c.party else ""
                failures.append(f"{c.id}{who} holds but is not expected (exact: true)")
    return failures
