"""The allocator setting the command makes: glibc's mmap threshold, fixed."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest


@pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's; elsewhere nothing is set"
)
def test_glibc_takes_the_setting() -> None:
    # In a child: the setting is process-wide, and the test process should keep its own.
    code = "from arrowmig.malloc_tuning import return_freed_memory_promptly as f; print(f())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
