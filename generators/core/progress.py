"""Progress output for long builds: one line per stage with its timing, on stderr. A long stage shows a bar
with counts and the time left (tqdm) while it runs on a terminal; a log file (CI) and -q get none of it."""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, quiet: bool = False):
        self.total, self.done, self.quiet = total, 0, quiet
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    @property
    def interactive(self) -> bool:
        return not self.quiet and getattr(self.stream, "isatty", lambda: False)()

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
            step.close()
            if not self.quiet:
                print(" 失败", file=self.stream, flush=True)
            raise
        step.close()
        if not self.quiet:
            note = f"（{step.note}）" if step.note else ""
            again = f"\r\033[K{header}" if step.ticked else ""
            print(f"{again} 完成，{time.perf_counter() - t0:.1f} 秒{note}", file=self.stream, flush=True)

    def finish(self, text: str) -> None:
        self.say(f"{text}（共 {time.perf_counter() - self.started:.1f} 秒）")


class _Step:
    """A running stage: `.note` for its summary, `.tick(done, total)` for its bar on a terminal."""

    def __init__(self, progress: Progress, header: str):
        self.progress, self.header, self.note, self.ticked = progress, header, "", False
        self._bar: Any = None

    def tick(self, done: int, total: int, label: str = "") -> None:
        if not self.progress.interactive:
            return  # a log file gets the one summary line, not a bar
        if self._bar is None or self._bar.total != total:
            from tqdm import tqdm

            if self._bar is None:
                print("\r\033[K", end="", file=self.progress.stream, flush=True)
            else:
                self._bar.close()
            self._bar = tqdm(
                total=total,
                desc=self.header.removesuffix(" …"),
                file=self.progress.stream,
                leave=False,
                dynamic_ncols=True,
                mininterval=0.5,
                bar_format="{desc} {bar} {n_fmt}/{total_fmt}（已用 {elapsed}，约剩 {remaining}）",
            )
        self.ticked = True
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class TickSum:
    """Streams of work that run at once (in two threads) counted on one bar: each part reports its own
    done/total, the bar shows their sums."""

    def __init__(self, tick, parts: dict[str, int]):
        self._tick = tick  # None: counted, shown once `show` names the bar
        self._lock = threading.Lock()
        self._parts = {name: (0, total) for name, total in parts.items()}

    def part(self, name: str, total: int = 0):
        with self._lock:
            self._parts.setdefault(name, (0, total))

        def report(done: int, total: int) -> None:
            with self._lock:
                self._parts[name] = (done, total)
                self._report()

        return report

    def show(self, tick) -> None:
        """From now on on `tick`'s bar (work that started before its stage is counted from its start)."""
        with self._lock:
            self._tick = tick
            self._report()

    def _report(self) -> None:
        if self._tick is not None:
            self._tick(sum(d for d, _ in self._parts.values()), sum(t for _, t in self._parts.values()))
