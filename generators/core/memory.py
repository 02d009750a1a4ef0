"""Give memory that the process freed back to the system (glibc's `malloc_trim`), and keep what it holds
together."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import pickle


@functools.cache
def _trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None


def return_freed_memory() -> None:
    """After a stage that made and dropped many objects (a county's registry import), glibc keeps the freed
    heap pages that lie between blocks still in use; they count as the process's memory until something
    reuses them. `malloc_trim(0)` hands every such whole page back (measured: 130 MiB of 460 after a 4 × W1
    county's import). Elsewhere than glibc, nothing happens."""
    trim = _trim()
    if trim is not None:
        trim(0)


def made_anew(*kept: tuple[object, str]) -> None:
    """The attributes `kept` names ((owner, attribute name) each) made again: pickled, let go, and read
    back. They are the few objects a stage keeps of the many it let go (a county's cases), and were made
    among those: each held the stretch of memory it stood in once the rest was freed, which neither Python
    nor the system could then use for anything larger. The originals go first, so that what only they
    held is freed, and the copies lie together. Plain data of this process's own making only; also on a
    frozen dataclass (no value changes, only where it lies)."""
    blob = pickle.dumps([getattr(owner, name) for owner, name in kept], protocol=pickle.HIGHEST_PROTOCOL)
    for owner, name in kept:
        object.__setattr__(owner, name, None)
    gc.collect()
    for (owner, name), value in zip(kept, pickle.loads(blob), strict=True):
        object.__setattr__(owner, name, value)
