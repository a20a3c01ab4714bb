"""A progress line on stderr for long runs: records done, records/s, ETA.

Shown only when the stream is a terminal, redrawn at most a few times a
second, and cleared when the run ends; pipes and log files see nothing.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path
from typing import TextIO

REDRAW_SECONDS = 0.25


def estimate_records(inputs: list[Path]) -> int | None:
    """Count the input records cheaply, for the ETA (``None`` when unknown).

    JSONL: non-blank lines; CSV: data rows; a note directory: ``*.txt``
    files two levels down. Never raises: a count is only a hint.
    """
    total = 0
    try:
        for path in inputs:
            path = Path(path)
            if path.is_dir():
                total += sum(1 for _ in path.glob("*/*.txt"))
            elif path.suffix.lower() == ".jsonl":
                with path.open("rb") as fh:
                    total += sum(1 for line in fh if line.strip())
            elif path.suffix.lower() == ".csv":
                with path.open(encoding="utf-8", errors="replace", newline="") as fh:
                    total += max(sum(1 for row in csv.reader(fh) if any(cell.strip() for cell in row)) - 1, 0)
            else:
                return None
    except (OSError, csv.Error):
        return None
    return total


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


class ProgressBar:
    """Callable progress reporter: ``bar(done)`` after each batch, ``bar.close()`` at the end.

    Parameters
    ----------
    total:
        Expected number of records, or ``None`` (no bar, no ETA).
    stream:
        Where to draw (default ``sys.stderr``).
    enabled:
        Force on or off; by default on only when ``stream`` is a terminal.
    """

    def __init__(self, total: int | None, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = self.stream.isatty() and os.environ.get("TERM") != "dumb"
        self.enabled = enabled
        self.started = time.monotonic()
        self._first: tuple[float, int] | None = None
        self._last_draw = 0.0
        self._width = 0
        self.done = 0

    def __call__(self, done: int) -> None:
        self.done = done
        if not self.enabled:
            return
        now = time.monotonic()
        if self._first is None:
            # Records found done in a resumed journal arrive at once; rates start after them.
            self._first = (now, done)
        if now - self._last_draw < REDRAW_SECONDS and done != self.total:
            return
        self._last_draw = now
        self._draw(self.line(now))

    def line(self, now: float) -> str:
        """The text of the progress line at time ``now``."""
        t0, n0 = self._first or (self.started, 0)
        elapsed = now - t0
        rate = (self.done - n0) / elapsed if elapsed > 0 else 0.0
        parts = []
        if self.total:
            frac = min(self.done / self.total, 1.0)
            filled = int(frac * 24)
            parts.append(f"[{'#' * filled}{'.' * (24 - filled)}] {self.done}/{self.total} records")
        else:
            parts.append(f"{self.done} records")
        parts.append(f"{rate:.1f}/s")
        if self.total and rate > 0 and self.done < self.total:
            parts.append(f"ETA {_duration((self.total - self.done) / rate)}")
        parts.append(f"elapsed {_duration(now - self.started)}")
        return "  ".join(parts)

    def _draw(self, text: str) -> None:
        pad = max(self._width - len(text), 0)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        """Erase the progress line."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
