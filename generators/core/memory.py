"""Give memory that the process freed back to the system (glibc's `malloc_trim`), and keep what it holds
together."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import pickle
from typing import TypeVar


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


T = TypeVar("T")


def made_anew(value: T) -> T:
    """`value` made again (pickled and read back), for the few objects a stage keeps of the many it lets go:
    made among those (a county's cases), each kept object holds the stretch of memory it stands in once the
    rest is freed, and neither Python nor the system can use that stretch for anything larger. Made again
    afterwards, they lie together. Only for plain data of this process's own making."""
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
