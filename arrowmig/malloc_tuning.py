"""Give freed batch memory back to the system at once (glibc only; elsewhere nothing changes).

glibc serves allocations of 128 KiB and more with mmap, and returns them to the system when
freed, but it raises that threshold each time such a block is freed, up to 32 MiB. Batch
buffers are exactly such blocks: after the first few batches they come from the heap, and a
freed heap block stays in the process. On phase3 into PostgreSQL that retention was about 16
of the 50 MiB a run grew by (README, "Memory"). Fixing the threshold keeps batch buffers
mmapped, at no measured cost in speed.

Called by the command line (the process is arrowmig's); a program that imports arrowmig
keeps its own allocator settings unless it calls this itself.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3
"""mallopt() parameter number, from glibc's malloc.h."""

MMAP_THRESHOLD_BYTES = 128 * 1024
"""glibc's own starting value, kept fixed."""


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
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
