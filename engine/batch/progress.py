"""A progress bar on stderr when it is a terminal (cases, rate, ETA by input bytes read)."""

from __future__ import annotations

import time
from typing import Any


class Progress:
    """A rich progress bar on a terminal (cases done, rate, ETA by input bytes); else nothing."""

    def __init__(self, enabled: bool, total_bytes: int, cases: int) -> None:
        self.enabled = enabled
        self.total = total_bytes or None
        self.start_cases = cases
        self.started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console as RichConsole
            from rich.progress import Progress as RichProgress
            from rich.progress import (BarColumn, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)
            self._progress = RichProgress(
                TextColumn("batch"), BarColumn(), TextColumn("{task.fields[cases]} cases"),
                TextColumn("{task.fields[rate]}/s"), TimeElapsedColumn(), TimeRemainingColumn(),
                console=RichConsole(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("batch", total=self.total, cases="0", rate="–")
        return self

    def update(self, pos: int, cases: int) -> None:
        if self._progress is None:
            return
        elapsed = time.monotonic() - self.started
        rate = (cases - self.start_cases) / elapsed if elapsed > 0 else 0.0
        self._progress.update(self._task, completed=pos if self.total else None,
                              cases=f"{cases:,}", rate=f"{rate:,.1f}")

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()

