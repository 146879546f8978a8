"""The PostgreSQL COPY ceiling's files: the bench leaves none behind (they were emptied and
kept in /tmp, one set per bench, as the server's), whether the bench ends well, fails or is
stopped."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from arrowmig.ceiling_files import server_copy_files
from arrowmig.ceilings import pg_copy

TABLES = ["plain", "it's/odd"]


def _loaded(pg_url: str) -> str:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE plain (id int PRIMARY KEY, name text)")
        conn.execute('CREATE TABLE "it\'s/odd" (id int)')
        conn.execute("INSERT INTO plain SELECT i, 'n' || i FROM generate_series(1, 500) i")
        conn.execute('INSERT INTO "it\'s/odd" SELECT generate_series(1, 7)')
    return pg_url


def _left_behind(pg_url: str, prefix: str) -> list[str]:
    """The ceiling's files still on disk: its folder, or (as before) the server's /tmp."""
    database = pg_url.rsplit("/", 1)[-1]
    left = [str(p) for p in Path("/tmp").glob(f"arrowmig_bench_{database}_*")]
    return left + ([prefix] if Path(prefix).exists() else [])


def test_the_copy_ceiling_reads_the_files_and_leaves_none(pg_url: str) -> None:
    notes: list[str] = []
    with server_copy_files(_loaded(pg_url), TABLES, notes) as prefix:
        assert Path(prefix).is_dir()  # this machine's server wrote into the bench's folder
        measured = pg_copy(pg_url, TABLES, prefix)
        assert measured["tables"]["plain"]["rows"] == 500
        assert measured["tables"]["it's/odd"]["rows"] == 7
    assert _left_behind(pg_url, prefix) == []
    assert notes == []
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regnamespace('arrowmig_ceiling')").fetchone() == (None,)


@pytest.mark.parametrize("stop", [RuntimeError, KeyboardInterrupt, SystemExit])
def test_a_failed_or_stopped_bench_leaves_no_file(pg_url: str, stop: type[BaseException]) -> None:
    # The bench's SIGTERM handler raises SystemExit; Ctrl-C is a KeyboardInterrupt.
    with pytest.raises(stop), server_copy_files(_loaded(pg_url), TABLES, []) as prefix:
        assert len(list(Path(prefix).glob("*.bin"))) == len(TABLES)
        raise stop()
    assert _left_behind(pg_url, prefix) == []
