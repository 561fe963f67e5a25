"""The error hierarchy: every failure a user can cause is one of these, with a location.

Messages follow ``file:line: key: message (did you mean 'x'?)`` so editors can jump to them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if not close:  # a name's last part alone ('fraud' for 'offence.fraud'), when only one has it
        parts = [c for c in options if "." in c and c.rsplit(".", 1)[1] == str(word)]
        close = parts if len(parts) == 1 else []
    return f" (did you mean '{close[0]}'?)" if close else ""


class FacerightError(Exception):
    """Base of all errors faceright reports to users (exit code 2 unless said otherwise)."""


class InputError(FacerightError):
    """Bad input in a file: carries the file, line and key it is about."""

    def __init__(self, path: str, line: int | None, key: str | None, message: str) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.message = message
        super().__init__(self.render())

    def render(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class CaseFileError(InputError):
    """A case file (or one case in it) cannot be read or validated."""


class RuleFileError(InputError):
    """A rule, vocabulary, policy or catalogue file is invalid."""

    def __init__(self, path: str, line: int | None, rule: str | None, field: str | None,
                 message: str) -> None:
        self.rule = rule
        key = f"rule '{rule}': {field}" if rule and field else (f"rule '{rule}'" if rule else field)
        super().__init__(path, line, key, message)


class EngineError(FacerightError):
    """The inference engine failed on valid input: a bug, reported with the rule involved."""
