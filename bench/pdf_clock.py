"""Benchmark aid: the CPU time of every PDF layout and write that a build's pool workers do.

Imported by bench_scale, and so in each of its pool workers too (multiprocessing imports the script that
started the pool as a worker's main module), it wraps `PdfWriter.layout` and `PdfWriter.write` in a
process whose environment names a folder (`CLOCK_ENV`): each call's CPU seconds are appended to
`<folder>/<pid>`. The layout floor of a build is then also measured in the build itself, on the same
machine in the same minutes, rather than only minutes later in another process: on a shared virtual
machine one and the same work runs a fifth faster or slower from one minute to the next. And the write
time says how much of the rest is WeasyPrint's own.

CPU time, not wall time: a worker that waits while the build's own process has the core is not laying
out. The pack's page-number pages (`class="numbers"`) are left out of the layouts, as the one-process
floor leaves them out; everything else counts once each time it is laid out.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from pathlib import Path

from generators.printing.pdf import PdfWriter

CLOCK_ENV = "HANDBOOK_BENCH_PDF_CLOCK"
LAYOUT, WRITE = "layout", "write"
_layout, _write = PdfWriter.layout, PdfWriter.write


def _record(what: str, seconds: float) -> None:
    try:
        with open(Path(os.environ[CLOCK_ENV]) / str(os.getpid()), "a", encoding="ascii") as f:
            f.write(f"{what} {seconds:.6f}\n")
    except (KeyError, OSError):  # the benchmark has read and removed the folder: later builds go unclocked
        pass


def _timed_layout(self, html, forms=False, extra_css=None):
    start = time.process_time()
    document = _layout(self, html, forms, extra_css)
    if 'class="numbers"' not in html:
        _record(LAYOUT, time.process_time() - start)
    return document


def _timed_write(self, document, forms=False):
    start = time.process_time()
    data = _write(self, document, forms)
    _record(WRITE, time.process_time() - start)
    return data


if os.environ.get(CLOCK_ENV):  # workers forked from a fork server started while the benchmark asked for it
    PdfWriter.layout = _timed_layout  # type: ignore[method-assign]
    PdfWriter.write = _timed_write  # type: ignore[method-assign]


def read(folder: Path) -> dict[str, tuple[float, int]]:
    """(CPU seconds, count) of the layouts and of the writes recorded in `folder`."""
    out: dict[str, list[float]] = defaultdict(list)
    for f in folder.iterdir():
        for line in f.read_text(encoding="ascii").splitlines():
            what, seconds = line.split()
            out[what].append(float(seconds))
    return {what: (sum(out[what]), len(out[what])) for what in (LAYOUT, WRITE)}
