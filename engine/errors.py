"""The error hierarchy: every failure a user can cause is one of these, with a location.

Messages follow ``file:line: key: message (did you mean 'x'?)`` so editors can jump to them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


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
        return self.located(self.path, self.line, self.key, self.message)

    @staticmethod
    def located(path: str, line: int | None, key: str | None, message: str) -> str:
        """``path:line: key: message`` (the line and the key left out when unknown)."""
        where = path if line is None else f"{path}:{line}"
        return f"{where}: {key}: {message}" if key else f"{where}: {message}"


#: the most problems of one case an error lists (the rest are counted)
MAX_PROBLEMS = 20

#: one problem of a case: its line (None: unknown), its dotted key (None: the whole case) and
#: what is wrong
Problem = tuple[int | None, str | None, str]


class CaseFileError(InputError):
    """A case file (or one case in it) cannot be read or validated.

    ``more`` are the case's further problems (each located like the first; at most
    :data:`MAX_PROBLEMS` in all), ``omitted`` how many more were found but not listed. The
    message has one ``file:line: key: message`` line per problem."""

    def __init__(self, path: str, line: int | None, key: str | None, message: str,
                 more: Sequence[Problem] = (), omitted: int = 0) -> None:
        self.more = list(more)
        self.omitted = omitted
        super().__init__(path, line, key, message)

    def problems(self) -> list[Problem]:
        """Every problem listed, the first one first."""
        return [(self.line, self.key, self.message), *self.more]

    def render(self) -> str:
        lines = [InputError.located(self.path, line, key, message) for line, key, message in self.problems()]
        if self.omitted:
            lines.append(f"{self.path}: and {self.omitted} more problem(s) in this case")
        return "\n".join(lines)


class RuleFileError(InputError):
    """A rule, vocabulary, policy or catalogue file is invalid."""

    def __init__(self, path: str, line: int | None, rule: str | None, field: str | None,
                 message: str) -> None:
        self.rule = rule
        key = f"rule '{rule}': {field}" if rule and field else (f"rule '{rule}'" if rule else field)
        super().__init__(path, line, key, message)


class EngineError(FacerightError):
    """The inference engine failed on valid input: a bug, reported with the rule involved."""
