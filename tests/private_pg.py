"""A throw-away PostgreSQL cluster of a test's own (initdb, its own port and socket
directory), for tests that restart or crash the server: never the shared one."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
import pytest


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_postgres(*cmd: str) -> list[str]:
    """initdb and the server refuse to run as root: as the postgres user, when we are root."""
    return list(cmd) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *cmd]


@dataclass(frozen=True)
class Cluster:
    url: str
    pg_ctl: str
    root: str
    options: str
    """The server's options (port, socket directory, settings), for a start after a crash."""

    @property
    def data(self) -> str:
        return f"{self.root}/data"

    def ctl(self, *args: str, check: bool = True) -> None:
        # The server's output goes to its log file, never to a pipe of ours: a postmaster
        # that inherited our pipe would keep it open and make subprocess.run wait for ever.
        subprocess.run(
            as_postgres(self.pg_ctl, "-D", self.data, *args),
            check=check,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def start(self) -> None:
        self.ctl("-o", self.options, "-l", f"{self.root}/log", "-w", "start")

    def crash(self) -> None:
        """Kill the server and all its processes at once, as the OOM killer or a lost
        container does: no shutdown checkpoint, nothing more written out of the WAL buffers
        (what only they held is gone), recovery at the next start. (``pg_ctl stop -m
        immediate`` would wait on a WAL writer held by ``hold_wal_writer``.)"""
        postmaster = psutil.Process(int(Path(self.data, "postmaster.pid").read_text().split()[0]))
        processes = [postmaster, *postmaster.children()]
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(processes, timeout=30)

    def hold_wal_writer(self) -> None:
        """Stop the WAL writer (SIGSTOP): a commit made without waiting for its flush then
        stays in the WAL buffers, where a crash loses it. Without this, whether the last
        one is written out before the crash is a race with the WAL writer's wake-ups."""
        with psycopg.connect(self.url) as con:
            row = con.execute(
                "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'"
            ).fetchone()
        assert row is not None, "no WAL writer found"
        os.kill(int(row[0]), signal.SIGSTOP)


@contextmanager
def private_cluster(*settings: str) -> Iterator[Cluster]:
    """A started cluster with these ``-c`` settings; crashed and removed afterwards. Skips
    when initdb is not installed, and fails instead under CI=true."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        if os.environ.get("CI") == "true":
            pytest.fail("initdb/pg_ctl not found (CI=true: tests of a private server must run)")
        pytest.skip("initdb not found: cannot start a private PostgreSQL cluster")
    root = Path(tempfile.mkdtemp(prefix="arrowmig-pg-"))
    os.chmod(root, 0o777)
    port = _free_port()
    subprocess.run(
        as_postgres(
            initdb, "-D", str(root / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        ),
        check=True,
        capture_output=True,
    )
    options = " ".join(
        [f"-p {port} -k {root} -c listen_addresses=127.0.0.1", *(f"-c {s}" for s in settings)]
    )
    cluster = Cluster(
        f"postgresql://postgres@127.0.0.1:{port}/postgres", pg_ctl, str(root), options
    )
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.ctl("-m", "immediate", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)
