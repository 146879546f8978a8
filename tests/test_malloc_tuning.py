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


def _pool_in_child(code: str, env_pool: str | None = None) -> str:
    import os

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if env_pool is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = env_pool
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return out.stdout.strip()


@pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's; elsewhere nothing is set"
)
def test_arrow_buffers_come_from_the_tuned_malloc_unless_the_user_chose() -> None:
    tune = "from arrowmig.malloc_tuning import return_freed_memory_promptly as f; f(); "
    show = "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    assert _pool_in_child(tune + show) == "system"
    # pyarrow imported (and its default pool in use) before the command tunes it
    early = (
        "import pyarrow as pa; pa.allocate_buffer(10); "
        + tune
        + "print(pa.default_memory_pool().backend_name)"
    )
    assert _pool_in_child(early) == "system"
    assert _pool_in_child(tune + show, env_pool="mimalloc") == "mimalloc"
