"""``--check-ids``: the case ids seen so far, on disk, so memory stays flat."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable

SHOWN = 20  # duplicate lines echoed on stderr before only counting


class IdIndex:
    """Case ids seen so far, on disk (sqlite in a temp dir), so memory stays flat."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="faceright-ids-")
        self._db = sqlite3.connect(os.path.join(self._dir.name, "ids.sqlite"))
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE ids (id TEXT PRIMARY KEY, source TEXT) WITHOUT ROWID")

    def add(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
        """Record ids; return (id, source, first source) for each one seen before."""
        duplicates: list[tuple[str, str, str]] = []
        with self._db:
            for cid, source in pairs:
                cursor = self._db.execute("INSERT OR IGNORE INTO ids VALUES (?, ?)", (cid, source))
                if cursor.rowcount == 0:
                    first = self._db.execute("SELECT source FROM ids WHERE id = ?", (cid,)).fetchone()
                    duplicates.append((cid, source, str(first[0])))
        return duplicates

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()



def report_duplicates(found: list[tuple[str, str, str]], console: Callable[[str], None],
                       before: int) -> int:
    for n, (cid, source, first) in enumerate(found, start=before):
        if n < SHOWN:
            console(f"duplicate: {source}: case: duplicate case id '{cid}' (first at {first})")
    return len(found)

