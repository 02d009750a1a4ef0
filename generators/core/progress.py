"""Progress output for long builds: one line per stage with its timing, on stderr."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, quiet: bool = False):
        self.total, self.done, self.quiet = total, 0, quiet
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    @contextmanager
    def stage(self, name: str):
        """`[2/5] 抽取职责 … 完成，0.4 秒（附注）`; the body may set `.note` on the yielded object."""
        self.done += 1
        header = f"[{self.done}/{self.total}] {name} …"
        step = _Step(self, header)
        t0 = time.perf_counter()
        if not self.quiet:
            print(header, end="", file=self.stream, flush=True)
        try:
            yield step
        except BaseException:
            if not self.quiet:
                print(" 失败", file=self.stream, flush=True)
            raise
        if not self.quiet:
            note = f"（{step.note}）" if step.note else ""
            again = f"\r\033[K{header}" if step.ticked else ""
            print(f"{again} 完成，{time.perf_counter() - t0:.1f} 秒{note}", file=self.stream, flush=True)

    def finish(self, text: str) -> None:
        self.say(f"{text}（共 {time.perf_counter() - self.started:.1f} 秒）")


class _Step:
    """A running stage: `.note` for its summary, `.tick()` for a counter on a terminal."""

    def __init__(self, progress: Progress, header: str):
        self.progress, self.header, self.note, self.ticked = progress, header, "", False

    def tick(self, done: int, total: int, label: str = "") -> None:
        stream = self.progress.stream
        if self.progress.quiet or not getattr(stream, "isatty", lambda: False)():
            return  # a log file gets the one summary line, not a counter
        self.ticked = True
        print(f"\r\033[K{self.header} {done}/{total} {label}", end="", file=stream, flush=True)
