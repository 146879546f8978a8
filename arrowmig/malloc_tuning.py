"""Give freed batch memory back to the system at once (glibc only; elsewhere nothing changes).

glibc serves allocations of 128 KiB and more with mmap, and returns them to the system when
freed, but it raises that threshold each time such a block is freed, up to 32 MiB. Batch
buffers are exactly such blocks: after the first few batches they come from the heap, and a
freed heap block stays in the process. On phase3 into PostgreSQL that retention was about 16
of the 50 MiB a run grew by (README, "Memory"). Fixing the threshold keeps batch buffers
mmapped, at no measured cost in speed.

Arrow's own buffers then come from that malloc too (its "system" pool) instead of mimalloc,
pyarrow's default here, which keeps freed batch memory in its heaps for reuse: on phase3 into
SQLite the RSS growth fell from 36-38 to 22-23 MiB (into PostgreSQL 23 to 22), at the same
speed. A user's own ``ARROW_DEFAULT_MEMORY_POOL`` is left as it is.

Called by the command line (the process is arrowmig's); a program that imports arrowmig
keeps its own allocator settings unless it calls this itself.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_MMAP_THRESHOLD = -3
"""mallopt() parameter number, from glibc's malloc.h."""

MMAP_THRESHOLD_BYTES = 128 * 1024
"""glibc's own starting value, kept fixed."""

ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"
ARROW_POOL = "system"


def return_freed_memory_promptly() -> bool:
    """Fix glibc's mmap threshold; True when it was set (False off glibc or when refused)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc (musl has no mallopt): its allocator keeps its own ways
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    if not mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES):
        return False
    if ARROW_POOL_VARIABLE not in os.environ:
        os.environ[ARROW_POOL_VARIABLE] = ARROW_POOL  # read when pyarrow first allocates
        if "pyarrow" in sys.modules:  # too late for that: set the pool itself
            import pyarrow

            pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    return True
