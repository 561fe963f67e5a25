"""The contract's ``expect`` semantics: what a regression case says must hold, be open or be absent.

An expectation (:class:`faceright.casefile.Expect`) lists entries ``id`` (any party) or
``id@party``:

- ``conclusions``: each holds; ``absent``: each neither holds nor is open; ``open``: each is open;
- ``exact: true``: nothing holds but what ``conclusions`` names;
- ``exact_open: true``: nothing is open but what ``open`` names, and no open item is marked
  ``likely`` but what ``likely`` names;
- ``likely``: each is open and marked ``likely`` (a judgement its observable facts indicate);
- ``accepted``: conclusions ``exact`` and ``exact_open`` tolerate (each with its reason), so an
  extra conclusion is always acknowledged in the case file, never silently allowed.

:func:`check` returns one readable line per miss, in that order; it never raises.
"""

from __future__ import annotations

from collections.abc import Iterable

from .assessment import Assessment
from .casefile import Expect


def _split(entry: str) -> tuple[str, str | None]:
    cid, _, party = entry.partition("@")
    return cid, party or None


def _state(assessment: Assessment, cid: str, party: str | None) -> str:
    if assessment.holds(cid, party):
        return "holds"
    return "open" if assessment.is_open(cid, party) else "absent"


def _matches(cid: str, party: str | None, entries: Iterable[str]) -> bool:
    """Whether the conclusion ``cid`` of ``party`` is named by one of ``entries``."""
    for entry in entries:
        want, who = _split(entry)
        if want == cid and (who is None or who == party):
            return True
    return False


def _label(cid: str, party: str | None) -> str:
    return f"{cid}@{party}" if party else cid


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
    for entry in expect.likely:
        cid, party = _split(entry)
        if not any(o.id == cid and (party is None or o.party == party) and o.likely
                   for o in assessment.open):
            failures.append(f"expected {entry} to be open and likely, but it is "
                            + ("open, not marked likely" if assessment.is_open(cid, party)
                               else _state(assessment, cid, party)))
    accepted = [a.conclusion for a in expect.accepted]
    if expect.exact:
        for c in assessment.conclusions:
            if not _matches(c.id, c.party, [*expect.conclusions, *accepted]):
                failures.append(f"{_label(c.id, c.party)} holds but is not expected (exact: true)")
    if expect.exact_open:
        for o in assessment.open:
            if not _matches(o.id, o.party, [*expect.open, *accepted]):
                failures.append(f"{_label(o.id, o.party)} is open but is not expected (exact_open: true)")
            elif o.likely and not _matches(o.id, o.party, expect.likely):
                failures.append(f"{_label(o.id, o.party)} is marked likely but is not expected "
                                "(exact_open: true; list it under likely)")
    return failures
