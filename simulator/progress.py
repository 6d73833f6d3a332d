"""Progress of long work on a stream: message lines, and on a terminal a bar redrawn in place.

    progress = Progress()                 # stderr; a bar only if stderr is a terminal
    progress("evaluating 14.3.0")         # a line: "... evaluating 14.3.0"
    progress.fraction(0.42, "upgrade run --limit overcloud-controller-0 (t=5321s)")
    progress.close()

Workflows call ``progress(msg)`` at each phase and ``progress.fraction(done, text)`` at each step when the
callable has it; a plain function works as a line-only progress.
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    def __init__(self, stream: TextIO | None = None, *, bar: bool | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.width = width
        self._drawn = False
        self._last: tuple[int, str] | None = None

    def __call__(self, message: str) -> None:
        self._clear()
        print(f"... {message}", file=self.stream, flush=True)
        self._last = None

    def fraction(self, done: float, text: str) -> None:
        """Redraw the bar at ``done`` (0..1) with ``text``; a no-op off a terminal or when nothing changed."""
        if not self.bar:
            return
        done = min(max(done, 0.0), 1.0)
        percent = int(done * 100)
        if self._last == (percent, text):
            return
        self._last = (percent, text)
        filled = int(done * self.width)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}%  {text}"
        columns = shutil.get_terminal_size((100, 20)).columns
        self.stream.write("\r" + line[: max(columns - 1, 10)].ljust(max(columns - 1, 10)))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        self._clear()

    def _clear(self) -> None:
        if self._drawn:
            columns = shutil.get_terminal_size((100, 20)).columns
            self.stream.write("\r" + " " * max(columns - 1, 10) + "\r")
            self.stream.flush()
            self._drawn = False
