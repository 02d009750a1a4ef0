"""Running the build's independent tasks (one registry file, one township, one PDF) on every core, or on a
Dask cluster: one interface, three backends that run the same task functions.

- `SerialExecutor`: in this process, in order (for debugging: tracebacks and breakpoints work as usual);
- `PoolExecutor`: a local process pool, one process per core (the default);
- `DaskExecutor`: a Dask distributed cluster (`--scheduler tcp://host:8786`, or DASK_SCHEDULER_ADDRESS).

A task is a module-level function `fn(shared, item)`; `shared` is sent to each worker once where the
backend allows (Dask scatters it), `item` with each task. Results come back as they finish, with the
item's index, so that the caller writes each one out at once and holds no more than the tasks in flight;
what is written never depends on the order in which tasks finish. Items are taken from their iterable only
as tasks are started, after the caller has had the results before: an item may depend on them (`LATER`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
# Modules every pool worker has imported before its first task, imported once in the fork server: our
# modules import WeasyPrint and pikepdf only where they print (WeasyPrint loads Pango on import, most of a
# second, which a worker would otherwise spend at its first PDF: a monthly rebuild's only one).
PRELOAD = ["generators.printing.packs", "generators.registry.readers", "weasyprint", "pikepdf"]

Tick = Callable[[int, int], None]


class _Later:
    def __repr__(self) -> str:
        return "LATER"


# Yielded by a generator of items whose next item waits for results not yet in (a township's pack, for
# its sheets): the executor asks for it again once a running task has finished. Not an item; no index.
LATER: Any = _Later()


_END = object()  # the items have ended


def _waiting_for_nothing() -> RuntimeError:
    return RuntimeError("an item waits for results, but no task is running")


class Executor(Protocol):
    workers: int
    name: str

    def run(
        self,
        fn: Callable[[Any, Any], Any],
        items: Iterable[Any],
        shared: Any = None,
        total: int | None = None,
        tick: Tick | None = None,
    ) -> Iterator[tuple[int, Any]]:
        """(index, fn(shared, item)) for every item, in the order they finish."""
        ...

    def start(self) -> None:
        """Get the workers ready in the background, while this process does other work."""
        ...

    def close(self) -> None: ...


def _count(items: Iterable[Any], total: int | None) -> int:
    if total is not None:
        return total
    return len(items) if hasattr(items, "__len__") else 0  # type: ignore[arg-type]


class SerialExecutor:
    """Every task in this process, in order."""

    workers, name = 1, "serial"

    def run(
        self,
        fn: Callable[[Any, Any], Any],
        items: Iterable[Any],
        shared: Any = None,
        total: int | None = None,
        tick: Tick | None = None,
    ) -> Iterator[tuple[int, Any]]:
        n = _count(items, total)
        index = 0
        for item in items:
            if item is LATER:  # every result so far is with the caller: nothing more will come
                raise _waiting_for_nothing()
            result = fn(shared, item)
            index += 1
            if tick:
                tick(index, n)
            yield index - 1, result

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


def _call(fn, shared, item):
    return fn(shared, item)


# A pool worker's garbage collector: WeasyPrint makes and drops millions of small objects a build, and at
# the default thresholds each full collection also walks everything the worker has imported. With what the
# worker holds at its start left out (`gc.freeze`) and collections started less often, a worker lays out
# and writes 60 W1 sheets 8–9 % faster (three rounds each: 12.8 → 11.6 s with these thresholds alone,
# 13.6 → 12.5 s with both). Cyclic garbage is still collected, later; other objects are freed at once.
WORKER_GC_THRESHOLD = (20_000, 20, 20)


def _worker_started() -> None:
    import gc

    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLD)


class PoolExecutor:
    """A pool of local worker processes. Workers are forked from a small server process that has imported
    WeasyPrint once (not from the build process, whose threads and open files a fork would copy)."""

    name = "pool"

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # two threads of the build may feed the pool at once
        self._closes = 0  # how many times it was closed (a pool started in the background checks)

    def _started(self, closes: int | None = None) -> ProcessPoolExecutor | None:
        """The pool, made on first use; None when `closes` is given and the executor was closed since."""
        with self._lock:
            if closes is not None and closes != self._closes:
                return None
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOAD)
                self._pool = ProcessPoolExecutor(
                    self.workers, mp_context=context, initializer=_worker_started
                )
            return self._pool

    def start(self) -> None:
        """Start the worker processes now, from a second thread: the first one waits while the fork server
        imports WeasyPrint (about a second), which then overlaps this process's own work."""
        if self._pool is None:
            threading.Thread(target=self._spawn, args=(self._closes,), name="pool-start", daemon=True).start()

    def _spawn(self, closes: int) -> None:
        pool = self._started(closes)
        if pool is None:  # closed before this thread ran: start no pool that nobody would close
            return
        with contextlib.suppress(RuntimeError):  # closed meanwhile (a build that failed early)
            for _ in range(self.workers):
                pool.submit(os.getpid)  # each submit while none is idle starts one more worker

    def run(
        self,
        fn: Callable[[Any, Any], Any],
        items: Iterable[Any],
        shared: Any = None,
        total: int | None = None,
        tick: Tick | None = None,
    ) -> Iterator[tuple[int, Any]]:
        pool = self._started()
        assert pool is not None
        n = _count(items, total)
        window = self.workers * 2  # tasks in flight: enough to keep every worker busy, no more in memory
        pending: dict[Future, int] = {}
        done = submitted = 0
        source = iter(items)
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < window:
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                if item is LATER:
                    if not pending:
                        raise _waiting_for_nothing()
                    break  # asked again once a task has finished
                pending[pool.submit(_call, fn, shared, item)] = submitted
                submitted += 1
            if not pending:
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=pending.__getitem__):
                index = pending.pop(future)
                result = future.result()  # a task's exception stops the build here, as in serial
                done += 1
                if tick:
                    tick(done, max(n, done))
                yield index, result

    def close(self) -> None:
        with self._lock:
            self._closes += 1
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)


class DaskExecutor:
    """Tasks on a Dask distributed cluster. The workers handle personal data (registry rows, briefing
    sheets): they must run inside the same protected network as this build and keep nothing after it
    (see README)."""

    name = "dask"

    def __init__(
        self, address: str | None = None, client: Any = None, cleanup: Callable[[], None] | None = None
    ):
        from distributed import Client

        self.client = client if client is not None else Client(address, set_as_default=False)
        self._own_client = client is None
        self.cleanup = cleanup  # run on every worker at the end: what the build sent them is removed
        self.workers = max(1, sum(self.client.nthreads().values()))

    def run(
        self,
        fn: Callable[[Any, Any], Any],
        items: Iterable[Any],
        shared: Any = None,
        total: int | None = None,
        tick: Tick | None = None,
    ) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        n = _count(items, total)
        scattered = self.client.scatter(shared, broadcast=True, hash=False) if shared is not None else None
        window = self.workers * 2
        indices: dict[Any, int] = {}
        source = iter(items)
        queue = as_completed()
        submitted = 0

        def fill() -> None:
            """Tasks started up to the window, until the items end or the next one waits (`LATER`)."""
            nonlocal submitted
            while len(indices) < window:
                item = next(source, _END)
                if item is _END or item is LATER:
                    if item is LATER and not indices:
                        raise _waiting_for_nothing()
                    return
                future = self.client.submit(fn, scattered, item, pure=False)
                indices[future.key] = submitted
                submitted += 1
                queue.add(future)

        fill()
        done = 0
        try:
            for future in queue:
                result = future.result()
                index = indices.pop(future.key)
                future.release()  # the worker forgets the result as soon as we have it
                done += 1
                if tick:
                    tick(done, max(n, done))
                yield index, result
                fill()  # after the caller had this result: the next items may need it
        finally:
            if scattered is not None:
                self.client.cancel([scattered])

    def start(self) -> None:
        pass  # the cluster's workers are already running

    def close(self) -> None:
        if self.cleanup is not None:
            self.client.run(self.cleanup)
        if self._own_client:
            self.client.close()


def make_executor(
    scheduler: str | None = None,
    workers: int | None = None,
    serial: bool = False,
    cleanup: Callable[[], None] | None = None,
) -> Executor:
    """Serial when asked, Dask when a scheduler is named (here or in DASK_SCHEDULER_ADDRESS), otherwise a
    local pool of `workers` processes (default: one per core; its processes end with the build).
    `cleanup` runs on each Dask worker when the executor closes."""
    if serial or workers == 1:
        return SerialExecutor()
    address = scheduler or os.environ.get(SCHEDULER_ENV)
    if address:
        return DaskExecutor(address, cleanup=cleanup)
    return PoolExecutor(workers)
