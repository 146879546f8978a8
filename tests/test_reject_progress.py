"""``--on-error reject`` with many rows set aside: the progress events say how many as the
table goes (a table whose every row was rejected was silent to its end, its log one batch
line), and rows written to the reject file many at a time read as those written one by one.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
from pathlib import Path

import pyarrow as pa
import pytest

from arrowmig import migrate
from arrowmig.cli.sinks import PlainSink
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.endpoints.validate import Problem
from arrowmig.events import Event
from arrowmig.logfile import LogFileSink
from arrowmig.model import Column, Table
from arrowmig.rejects import RejectWriter
from tests.dbutil import pg_rows
from tests.test_schema_fidelity import make_sqlite


@pytest.mark.postgres
def test_a_table_whose_every_row_is_rejected_tells_the_count_batch_by_batch(
    tmp_path: Path, pg_url: str
) -> None:
    source = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, amount NUMERIC);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
        "INSERT INTO t SELECT i, 20000 + i FROM n;",
    )
    events: list[Event] = []
    config = MigrationConfig(
        batch=BatchConfig(batch_rows=10),
        on_error="reject",
        reject_dir=str(tmp_path / "rej"),
        casts=(("t", "amount", "numeric(6,2)"),),
    )
    (table,) = migrate(source, pg_url, config=config, progress=events.append).tables
    assert (table.status, table.rows, table.rejected) == ("done", 0, 50)
    assert pg_rows(pg_url, "t") == []
    told = [e.rejected for e in events if e.event == "progress"]
    assert told == [10, 20, 30, 40, 50]  # a batch at a time, not once at the end
    [done] = [e for e in events if e.event == "table_done"]
    assert (done.rows, done.rejected) == (0, 50)
    assert done.to_dict()["rejected"] == 50  # in --progress json too
    lines = (tmp_path / "rej" / "t.jsonl").read_text().splitlines()
    assert [json.loads(line)["key"]["id"] for line in lines] == list(range(1, 51))


@pytest.mark.postgres
def test_without_rejects_the_events_carry_no_count(tmp_path: Path, pg_url: str) -> None:
    source = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY);INSERT INTO t VALUES (1), (2);",
    )
    events: list[Event] = []
    migrate(source, pg_url, progress=events.append)
    assert all("rejected" not in e.to_dict() for e in events)


def test_the_plain_lines_and_the_log_say_how_many_rows_were_set_aside(tmp_path: Path) -> None:
    out = io.StringIO()
    plain = PlainSink(interval_s=0, out=out)
    log = LogFileSink(tmp_path / "run.log")
    for sink in (plain, log):
        sink.emit(Event("progress", table="t", stream="t", rows=0, total_rows=90, rejected=30))
        sink.emit(Event("table_done", table="t", rows=60, bytes=2048, rejected=30))
    log.close()
    running, done = [line.split(" ", 1)[1] for line in out.getvalue().splitlines()]
    assert running.startswith("running t: 0/90   0.0%, 30 rejected ")
    assert done == "done    t: 60 rows, 2.0 KiB, 30 rejected"
    batch, table_done = (tmp_path / "run.log").read_text().splitlines()
    assert batch.endswith(" table_rejected=30") and table_done.endswith(" rejected=30")


def _every_kind_of_value() -> pa.RecordBatch:
    """Values each written in a form of its own: bytes and text that is not UTF-8, floats JSON
    has no number for, ±infinity and years Python's datetime cannot hold, 24:00:00, intervals,
    nested values (JSON text), and nulls of each."""
    far = 2**63 - 1  # the carried form of infinity
    return pa.RecordBatch.from_pydict(
        {
            "id": pa.array([1, 2, 3, 4], pa.int64()),
            "txt": pa.array([b"plain", b"\xff\xfe", "é\u2028".encode(), None], pa.binary()).view(
                pa.string()
            ),
            "b": pa.array([b"\x00\x01", None, b"", b"z"], pa.binary()),
            "f": pa.array([float("nan"), -0.0, float("inf"), 1.5]),
            "d": pa.array(
                [decimal.Decimal("1.50"), None, decimal.Decimal("-0.01"), decimal.Decimal("9")],
                pa.decimal128(6, 2),
            ),
            "ts": pa.array([0, far, -far, None], pa.int64()).view(pa.timestamp("us", "UTC")),
            "tsn": pa.array([1, None, 2, 3], pa.timestamp("ns")),
            "day": pa.array([-800_000, 3_000_000, 0, None], pa.int32()).view(pa.date32()),
            "tm": pa.array([86_400_000_000, 0, None, 1], pa.time64("us")),
            "iv": pa.array(
                [
                    pa.MonthDayNano([14, 3, 1_500_000_000]),
                    None,
                    pa.MonthDayNano([0, 0, -1]),
                    pa.MonthDayNano([1, 1, 1]),
                ],
                pa.month_day_nano_interval(),
            ),
            "dur": pa.array([1, None, -1, 0], pa.duration("us")),
            "when": pa.array([dt.date(2024, 3, 1), None, dt.date(1, 1, 1), None], pa.date32()),
            "tags": pa.array([["a", None], None, [], ['z"']], pa.list_(pa.string())),
            "meta": pa.array(
                [{"k": 1, "n": None}, None, {"k": 2, "n": "x"}, {"k": None, "n": None}],
                pa.struct([("k", pa.int64()), ("n", pa.string())]),
            ),
            "m": pa.array([[("a", 1)], None, [], [("b", None)]], pa.map_(pa.string(), pa.int64())),
        }
    )


def test_rows_set_aside_together_read_as_rows_set_aside_one_by_one(tmp_path: Path) -> None:
    batch = _every_kind_of_value()
    table = Table(
        "t",
        tuple(Column(f.name, f.type, nullable=True) for f in batch.schema),
        primary_key=("id",),
    )
    problems = [Problem(row, "txt", f"bad {row}", hint="") for row in range(batch.num_rows)]
    together = RejectWriter(tmp_path / "together")
    together.write(table, batch, problems, None)
    alone = RejectWriter(tmp_path / "alone")
    for row in range(batch.num_rows):
        alone.write(table, batch.slice(row, 1), [Problem(0, "txt", f"bad {row}", hint="")], None)
    written = together.path_for("t").read_text()
    assert written == alone.path_for("t").read_text()
    assert len(written.splitlines()) == batch.num_rows
