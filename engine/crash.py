"""Reports of unexpected errors (bugs), shared by the front ends' error boundaries.

A report holds **code locations only**: for the exception and each exception it was raised
from (``__cause__``/``__context__``), its type and the traceback frames (file, line, function,
the source line of the code). Exception messages are never written: they may quote input (a
fact value, a line of a case file, an answer), and a bug report must not carry anyone's
answers. Each report has an error id, shown to the user so a report and its log entry meet.

The CLI appends its reports to :func:`log_path` (``$FACERIGHT_LOG``, else
``$XDG_STATE_HOME/faceright/errors.log``, else ``~/.local/state/faceright/errors.log``); the web
server hands them to the ``logging`` module (the server's log).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
import traceback
from pathlib import Path

from . import __version__

LOG_ENV = "FACERIGHT_LOG"


def error_id() -> str:
    """A fresh random id for one report (12 hex digits)."""
    return secrets.token_hex(6)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen) and len(seen) < 16:
        seen.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return seen


def report(exc: BaseException, ident: str, where: str) -> str:
    """The text of a report on ``exc`` (types and code locations, no messages), with ``ident``
    and ``where`` (the command or request route, not its arguments)."""
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    lines = [f"=== {stamp} error {ident} in {where} (faceright {__version__}, "
             f"Python {sys.version.split()[0]})"]
    for i, item in enumerate(reversed(_chain(exc))):
        kind = type(item)
        if i:
            lines.append("  -- which led to --")
        lines.append(f"  {kind.__module__}.{kind.__qualname__} (message withheld: it may quote input)")
        for frame in traceback.extract_tb(item.__traceback__):
            lines.append(f"    {frame.filename}:{frame.lineno} in {frame.name}")
            if frame.line:
                lines.append(f"      {frame.line.strip()}")
    return "\n".join(lines) + "\n"


def log_path() -> Path | None:
    """Where the CLI appends its reports (``None`` when no place can be found)."""
    explicit = os.environ.get(LOG_ENV)
    if explicit:
        return Path(explicit)
    state = os.environ.get("XDG_STATE_HOME")
    if state and Path(state).is_absolute():
        return Path(state) / "faceright" / "errors.log"
    try:
        return Path.home() / ".local" / "state" / "faceright" / "errors.log"
    except (KeyError, RuntimeError):
        return None


def write_report(exc: BaseException, where: str) -> tuple[str, Path | None]:
    """Append a report on ``exc`` to :func:`log_path`; return its id and the log's path
    (``None`` when it could not be written)."""
    ident = error_id()
    path = log_path()
    if path is None:
        return ident, None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as out:
            out.write(report(exc, ident, where))
    except OSError:
        return ident, None
    return ident, path
