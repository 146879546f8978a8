"""What a run shows and keeps: JSON events, plain lines, the report, the log file, job files.

Runs go through the real command line (``arrowmig.cli.main`` in-process, or a subprocess
where stdout itself is the point) from real SQLite files into DuckDB, SQLite or PostgreSQL.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

import arrowmig
from arrowmig.argument_words import named_as_options
from arrowmig.cli import main
from arrowmig.cli.options import build_config
from arrowmig.cli.render import report_text
from arrowmig.cli.sinks import JsonLinesSink, PlainSink, RichSink
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.errors import UsageError
from arrowmig.events import CORE_FIELDS, Event, FanOutSink
from arrowmig.jobfile import load_job, read_job
from arrowmig.logfile import LogFileSink
from arrowmig.report import MigrationReport, TableReport
from tests.dbutil import duckdb_rows, pg_rows

ARROWMIG = (sys.executable, "-m", "arrowmig")


def _migrate(source: Path, target: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """``arrowmig migrate SOURCE TARGET ARGS`` in a subprocess; it must succeed."""
    proc = subprocess.run(
        [*ARROWMIG, "migrate", str(source), str(target), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


SIZES = {"bets": 5000, "players": 300, "empty": 0}


@pytest.fixture
def source_db(tmp_path: Path) -> Path:
    path = tmp_path / "src.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE bets (id INTEGER PRIMARY KEY, player INTEGER, stake REAL, note TEXT)")
    con.execute(
        "INSERT INTO bets SELECT value, value % 300, value * 0.25, 'bet ' || value "
        "FROM generate_series(1, 5000)"
        if _has_series(con)
        else "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s "
        "WHERE value < 5000) INSERT INTO bets SELECT value, value % 300, value * 0.25, "
        "'bet ' || value FROM s"
    )
    con.execute("CREATE TABLE players (id INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO players VALUES (?, ?)", [(i, f"p{i}") for i in range(1, 301)])
    con.execute("CREATE TABLE empty (id INTEGER PRIMARY KEY, x TEXT)")
    con.commit()
    con.close()
    return path


def _has_series(con: sqlite3.Connection) -> bool:
    try:
        con.execute("SELECT * FROM generate_series(1, 1)")
        return True
    except sqlite3.OperationalError:
        return False


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- JSON events ----------------------------------------------------------------------------


def _parse_ts(ts: str) -> datetime:
    assert ts.endswith("Z"), ts
    parsed = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    return parsed


def test_json_events_on_stdout_leave_the_report_on_stderr(source_db: Path, tmp_path: Path) -> None:
    # As --json does: a CI job piping stdout to jq kept no human summary in its log.
    proc = _migrate(source_db, tmp_path / "out.duckdb", ["--progress", "json", "--verify"])
    assert json.loads(proc.stdout.splitlines()[-1])["event"] == "summary"
    lines = proc.stderr.splitlines()
    assert lines[0] == f"{source_db} -> {tmp_path / 'out.duckdb'} (mode create)"
    for table, rows in SIZES.items():
        assert any(line.split()[:2] == [table, f"{rows:,}"] for line in lines), table
    assert any(line.startswith("done: 5,300 rows") for line in lines), proc.stderr
    assert lines[-1].startswith("all tables match"), proc.stderr


def test_json_events_are_one_object_per_line_on_stdout_and_add_up(
    source_db: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out.duckdb"
    args = ["--batch-rows", "700", "--progress", "json", "--progress-interval", "0"]
    proc = _migrate(source_db, target, args)
    lines = proc.stdout.splitlines()
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all(isinstance(e, dict) for e in events)
    assert "{" not in proc.stderr  # nothing machine-readable on stderr, nothing human on stdout
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "summary" and kinds.count("summary") == 1
    assert {"start", "progress", "table_done"} <= set(kinds)
    for e in events:
        assert set(CORE_FIELDS) <= set(e), e
        assert isinstance(e["rows"], int) and isinstance(e["bytes"], int)
        _parse_ts(e["ts"])
    stamps = [_parse_ts(e["ts"]) for e in events]
    assert stamps == sorted(stamps)

    report = events[-1]["report"]
    by_table = {t["name"]: t for t in report["tables"]}
    assert set(by_table) == set(SIZES)
    starts = {e["table"]: e for e in events if e["event"] == "start"}
    assert {t: e["total_rows"] for t, e in starts.items()} == SIZES
    done = {e["table"]: e for e in events if e["event"] == "table_done"}
    assert set(done) == set(SIZES)
    for table, rows in SIZES.items():
        progress = [e for e in events if e["event"] == "progress" and e["table"] == table]
        counts = [e["rows"] for e in progress]
        assert counts == sorted(counts) and len(set(counts)) == len(counts)  # cumulative
        sizes = [e["bytes"] for e in progress]
        assert sizes == sorted(sizes)
        if rows:
            # Every batch is shown (interval 0): the last one is the table's final count.
            assert counts[-1] == rows and sizes[-1] == done[table]["bytes"]
            assert all(e["stream"] == table and e["rss_bytes"] > 0 for e in progress)
            assert all(e["total_rows"] == rows for e in progress)
            assert all(e["eta_s"] is None or e["eta_s"] >= 0 for e in progress)
        assert done[table]["rows"] == rows == by_table[table]["rows"]
        assert done[table]["bytes"] == by_table[table]["bytes"]
        assert by_table[table]["status"] == "done"
    # No ETA from the run's first batch alone (it would weigh the start-up on too few rows);
    # once there is one, every later progress event has one.
    etas = [e["eta_s"] for e in events if e["event"] == "progress"]
    assert etas[0] is None
    shown = [eta is not None for eta in etas]
    assert shown == sorted(shown)
    assert events[-1]["rows"] == report["rows"] == sum(SIZES.values())
    assert events[-1]["bytes"] == report["bytes"] == sum(d["bytes"] for d in done.values())
    for key in ("seconds", "rows_per_s", "mb_per_s", "peak_rss_bytes", "rss_growth_bytes"):
        assert key in report
    assert report["ok"] is True and report["interrupted"] is None
    # The target holds what the events said was committed.
    assert len(duckdb_rows(target, "bets")) == SIZES["bets"]


def test_json_sink_throttles_progress_but_never_other_events() -> None:
    out = io.StringIO()
    sink = JsonLinesSink(interval_s=3600, out=out)
    sink.emit(Event("start", table="t", total_rows=10))
    for n in range(1, 6):
        sink.emit(Event("progress", table="t", stream="t", rows=n * 2, total_rows=10))
    sink.emit(Event("retry", table="t", stream="t", message="again"))
    sink.emit(Event("table_done", table="t", rows=10, total_rows=10))
    sink.emit(Event("summary", rows=10, report={"rows": 10}))
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["event"] for e in events] == ["start", "progress", "retry", "table_done", "summary"]
    assert events[1]["rows"] == 2
    assert events[2]["message"] == "again" and "report" not in events[2]
    assert events[4]["report"] == {"rows": 10}


def test_event_json_keeps_its_keys_when_unknown() -> None:
    data = Event("progress", table="t", rows=5, rows_per_s=1234.5678, eta_s=2.345).to_dict()
    assert list(data)[: len(CORE_FIELDS)] == [k for k in data if k in CORE_FIELDS]
    assert data["stream"] is None and data["rss_bytes"] is None and data["total_rows"] is None
    assert data["rows_per_s"] == 1234.6 and data["eta_s"] == 2.3
    assert "message" not in data and "batch_rows" not in data


# -- plain lines -----------------------------------------------------------------------------


def test_plain_sink_one_line_per_table_per_interval() -> None:
    out = io.StringIO()
    sink = PlainSink(interval_s=3600, out=out)
    sink.emit(Event("start", table="a", total_rows=100))
    sink.emit(Event("start", table="b", total_rows=None))
    for n in (10, 20, 30):
        sink.emit(Event("progress", table="a", rows=n, total_rows=100, bytes=n, rows_per_s=5000))
        sink.emit(Event("progress", table="b", rows=n, bytes=n, rows_per_s=None))
    sink.emit(Event("table_done", table="a", rows=100, bytes=2048, rows_per_s=4321.0))
    lines = [line.split(" ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines[0] == "start   a (100 rows)" and lines[1] == "start   b (rows unknown)"
    assert lines[2].startswith("running a: 10/100") and lines[3].startswith("running b: 10/0")
    running = [line for line in lines if line.startswith("running")]
    assert len(running) == 2  # the first of each table; the rest fall inside the interval
    assert "10/100" in running[0] and " 10.0%" in running[0] and "5,000 rows/s" in running[0]
    assert lines[-1] == "done    a: 100 rows, 2.0 KiB (4,321 rows/s)"


def test_a_table_starts_when_its_first_stream_begins_not_when_it_is_planned(
    source_db: Path, tmp_path: Path
) -> None:
    # Every table is announced at once (planned: the bar learns the run's total); a table
    # queued behind the one worker said "start" seconds before any of its rows moved.
    args = ["--progress", "json", "--progress-interval", "0", "--parallel", "1"]
    proc = _migrate(source_db, tmp_path / "out.duckdb", args)
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = [(e["event"], e["table"]) for e in events]
    planned = [table for kind, table in kinds if kind == "planned"]
    assert sorted(planned) == sorted(SIZES)
    assert kinds[: len(SIZES)] == [("planned", t) for t in planned]
    started = [i for i, (kind, _) in enumerate(kinds) if kind == "start"]
    assert sorted(table for kind, table in kinds if kind == "start") == sorted(SIZES)
    first_rows = kinds.index(("progress", "bets"))
    assert kinds[started[0]] == ("start", "bets")  # the largest table goes first
    assert all(i > first_rows for i in started[1:])  # the others start after its rows moved
    for table in SIZES:
        assert kinds.index(("start", table)) < kinds.index(("table_done", table))


def test_plain_progress_shows_rates_from_the_first_line(source_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.db"  # a DuckDB target gathers batches into row groups
    args = ["--batch-rows", "500", "--progress", "plain", "--progress-interval", "0"]
    proc = _migrate(source_db, target, args)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    starts = [line for line in lines if " start " in line]
    dones = [line for line in lines if " done " in line]
    running = [line for line in lines if " running bets:" in line]
    assert len(starts) == 3 and len(dones) == 3
    assert len(running) >= 9
    assert all(" rows/s " in line for line in running), running  # never a bare "-"
    assert "bets: 5,000 rows" in " ".join(dones)


def test_sinks_show_the_foreign_keys_after_the_last_table(tmp_path: Path) -> None:
    from rich.console import Console

    out, json_out = io.StringIO(), io.StringIO()
    bar = RichSink(Console(file=io.StringIO(), force_terminal=True, width=160))
    log = LogFileSink(tmp_path / "run.log")
    sinks = [PlainSink(interval_s=3600, out=out), JsonLinesSink(interval_s=3600, out=json_out)]
    sinks += [bar, log]
    steps = [(1, 0), (2, 0), (3, 0), (3, 1), (3, 2), (3, 3)]
    for added, checked in steps:
        event = Event(
            "foreign_keys", table="t", eta_s=4.0, keys_added=added, keys_checked=checked,
            keys_total=3,
        )  # fmt: skip
        for sink in sinks:
            sink.emit(event)
    lines = [line.split(" ", 1)[1] for line in out.getvalue().splitlines()]
    # The first and the last; those between fall inside the interval.
    assert lines == [
        "foreign keys: 1/3 added, 0/3 checked ETA 00:04",
        "foreign keys: 3/3 added, 3/3 checked ETA 00:04",
    ]
    events = [json.loads(line) for line in json_out.getvalue().splitlines()]
    assert [(e["keys_added"], e["keys_checked"], e["keys_total"]) for e in events] == [
        (1, 0, 3),
        (3, 3, 3),
    ]
    shown = {t.description: t for t in bar._progress.tasks}["foreign keys"]
    assert shown.completed == shown.total == 6
    assert shown.fields["info"] == "3/3 added, 3/3 checked ETA 00:04"
    bar.close()
    log.close()
    logged = (tmp_path / "run.log").read_text().splitlines()
    assert len(logged) == len(steps)  # the log has every step
    assert logged[-1].split(" ", 1)[1].split() == [
        "fk",
        "t",
        "added=3/3",
        "checked=3/3",
        "eta_s=4.0",
    ]


@pytest.mark.postgres
def test_foreign_keys_are_shown_counted_in_the_eta_and_in_the_runs_seconds(
    tmp_path: Path, pg_url: str
) -> None:
    # Into PostgreSQL the foreign keys are added once every table is loaded. That phase is
    # part of the run: the last table's progress still has time left for it, each key is an
    # event, and the report's seconds end after the last key.
    n = 12
    src = tmp_path / "chain.db"
    con = sqlite3.connect(src)
    for i in range(n):
        ref = f" REFERENCES t{i - 1}(id)" if i else ""
        con.execute(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, ref INTEGER{ref})")
        con.executemany(f"INSERT INTO t{i} VALUES (?, ?)", [(k, k) for k in range(1, 51)])
    con.commit()
    con.close()
    events: list[Event] = []
    report = arrowmig.migrate(
        str(src), pg_url, config=MigrationConfig(parallel=2), progress=events.append
    )
    assert report.ok
    assert pg_rows(pg_url, "t11", "id")[:1] == [(1, 1)]
    keys = [e for e in events if e.event == "foreign_keys"]
    assert keys, [e.event for e in events]
    assert (keys[-1].keys_added, keys[-1].keys_checked, keys[-1].keys_total) == (11, 11, 11)
    steps = [(e.keys_added or 0) + (e.keys_checked or 0) for e in keys]
    assert steps == list(range(1, 23))  # each key added, then checked: never backwards
    assert all(e.eta_s is not None for e in keys) and keys[-1].eta_s == 0.0
    last_progress = [e for e in events if e.event == "progress"][-1]
    # The keys are ahead: never a zero ETA. (Its streaming is too short to show one at all:
    # test_eta.py feeds the estimator a run whose keys are ahead.)
    assert last_progress.eta_s is None or last_progress.eta_s > 0
    assert events[-1].event == "summary" and events.index(keys[-1]) < len(events) - 1
    phase = _parse_ts(keys[-1].ts) - _parse_ts(events[0].ts)  # at least: the run began earlier
    assert report.seconds >= phase.total_seconds() - 0.002  # the stamps are to the millisecond


# -- the report ------------------------------------------------------------------------------


def test_rich_bar_keeps_the_rss_on_its_overall_line_to_the_end(tmp_path: Path) -> None:
    # The overall line showed RSS while rows streamed, then lost it as each table was done:
    # the frame a run left on screen had none.
    from rich.console import Console

    src = tmp_path / "s.db"
    with closing(sqlite3.connect(src)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(i, "x" * 50) for i in range(5000)])
        con.commit()
    screen = io.StringIO()
    sink = RichSink(Console(file=screen, force_terminal=False, width=200))
    config = MigrationConfig(batch=BatchConfig(batch_rows=500))
    assert arrowmig.migrate(str(src), str(tmp_path / "t.duckdb"), config=config, progress=sink).ok
    sink.close()
    (overall,) = [line for line in screen.getvalue().splitlines() if "all tables" in line]
    assert "5,000/5,000" in overall and " RSS " in overall, overall


def test_rich_bar_shows_tables_their_streams_and_the_runs_eta() -> None:
    from rich.console import Console

    sink = RichSink(Console(file=io.StringIO(), force_terminal=True, width=160))

    def lines() -> dict[str, str]:
        return {t.description.strip(): str(t.fields["info"]) for t in sink._progress.tasks}

    sink.emit(Event("start", table="bets", total_rows=1000))
    sink.emit(Event("start", table="players", total_rows=10))
    for stream, rows in (("bets[1/2]", 200), ("bets[2/2]", 300)):
        sink.emit(
            Event(
                "progress",
                table="bets",
                stream=stream,
                rows=rows,
                total_rows=1000,
                bytes=rows * 100,
                rows_per_s=500.0,
                eta_s=75.0,
                rss_bytes=200 * 2**20,
                batch_rows=100,
                batch_ms=50.0,
            )
        )
    shown = lines()
    assert shown["bets"].startswith("300/1,000  30.0%") and "500 rows/s 0.1 MB/s" in shown["bets"]
    assert shown["bets[1/2]"].startswith("100 rows") and "now 2,000 rows/s" in shown["bets[1/2]"]
    assert "ETA 01:15" in shown["[bold]all tables"] and "RSS 200.0 MiB" in shown["[bold]all tables"]
    assert shown["[bold]all tables"].startswith("300/1,010")
    # A table loaded again (a value broke a presumed type): its streams count from zero.
    sink.emit(Event("retry", table="bets", message="profiling the table and loading it again"))
    assert "bets[1/2]" not in lines()
    sink.emit(Event("progress", table="bets", stream="bets[1/2]", rows=50, total_rows=1000,
                    bytes=5000, batch_rows=50, batch_ms=50.0))  # fmt: skip
    assert lines()["bets[1/2]"].startswith("50 rows")
    sink.emit(Event("table_done", table="bets", rows=1000, total_rows=1000, bytes=100_000))
    shown = lines()
    assert "bets[1/2]" not in shown and shown["bets"].endswith("done")  # its streams are gone
    assert shown["[bold]all tables"].startswith("1,000/1,010")
    sink.emit(Event("summary"))
    sink.close()


def test_report_text_shows_every_column_and_memory_per_rows() -> None:
    report = MigrationReport(source="a.db", target="b.duckdb", mode="create", seconds=2.0)
    report.peak_rss_bytes, report.baseline_rss_bytes = 300_000_000, 200_000_000
    report.tables = [
        TableReport(
            "bets",
            "bets",
            rows=1_000_000,
            bytes=50_000_000,
            seconds=2.0,
            streams=3,
            retries=2,
            status="done",
        ),
        TableReport("odd", "odd", rows=10, bytes=1000, seconds=0.5, rejected=4, status="done"),
    ]
    text = report_text(report)
    header = text.splitlines()[1].split()
    assert header == [
        "table",
        "rows",
        "bytes",
        "seconds",
        "rows/s",
        "MB/s",
        "streams",
        "retries",
        "rejects",
        "status",
    ]
    bets = text.splitlines()[3].split()
    assert bets[:2] == ["bets", "1,000,000"] and bets[-5:] == ["25.0", "3", "2", "0", "done"]
    footer = text.splitlines()[-1]
    assert "1,000,010 rows" in footer and "MB/s" in footer and "2 retries" in footer
    assert "4 rows rejected" in footer
    assert "growth 95.4 MiB (0.100 MB per 1,000 rows)" in footer
    data = report.to_dict()
    assert data["retries"] == 2 and data["mb_growth_per_1000_rows"] == pytest.approx(0.1)
    assert data["tables"][0]["mb_per_s"] == 25.0 and data["tables"][0]["streams"] == 3

    # A small run's growth is its fixed cost: per 1,000 rows it would read 10 GB for 10 rows.
    report.tables = report.tables[1:]
    footer = report_text(report).splitlines()[-1]
    assert footer.endswith("growth 95.4 MiB") and "per 1,000 rows" not in footer


def test_one_row_or_table_is_counted_in_the_singular() -> None:
    """'done: 1 rows', '1 rows rejected', 'MigrationReport(...: 1 tables, ...)'."""
    report = MigrationReport(
        source="a.db", target="b.duckdb", mode="create", seconds=1.0, peak_rss_bytes=2**27
    )
    report.tables = [TableReport("t", "t", rows=1, bytes=9, rejected=1, status="done")]
    text = report_text(report)
    assert "  t: 1 row rejected" in text.splitlines()
    assert ": 1 row, 9 B in" in text.splitlines()[-1] and ", 1 row rejected;" in text
    assert "b.duckdb: 1 table, 1 row in" in str(report)
    out = io.StringIO()
    PlainSink(out=out).emit(Event("table_done", table="t", rows=1, bytes=9))
    assert ": 1 row, 9 B" in out.getvalue()


# -- the log file ----------------------------------------------------------------------------


def test_log_file_records_batches_retries_and_errors_without_passwords(tmp_path: Path) -> None:
    secret_url = "postgresql://loader:pa55word@db.example/warehouse"
    log = LogFileSink.for_run(tmp_path / "logs" / "run.log", "bets.db", secret_url)
    fan = FanOutSink(PlainSink(out=io.StringIO()), log)
    fan.emit(Event("start", table="bets", total_rows=300))
    fan.emit(Event("progress", table="bets", stream="bets", rows=100, bytes=4000, total_rows=300))
    fan.emit(Event("progress", table="bets", stream="bets", rows=200, bytes=8000, total_rows=300))
    fan.emit(
        Event(
            "progress",
            table="bets",
            stream="bets",
            rows=300,
            bytes=12000,
            batch_rows=100,
            batch_bytes=4000,
            batch_ms=12.5,
        )
    )
    fan.emit(Event("retry", table="bets", stream="bets", message="lost (retry 1/3 in 0.4s)"))
    fan.emit(
        Event(
            "error",
            table="bets",
            stream="bets",
            message="cannot reach postgresql://loader:pa55word@db.example/x\nsecond line",
        )
    )
    fan.emit(Event("summary", rows=300, bytes=12000, report={"ok": False, "rows": 300}))
    fan.close()
    text = (tmp_path / "logs" / "run.log").read_text()
    assert "pa55word" not in text and "loader:***@db.example" in text
    lines = text.splitlines()
    kinds = [line.split()[1] for line in lines]
    assert kinds == [
        "note",
        "start",
        "batch",
        "batch",
        "batch",
        "retry",
        "error",
        "summary",
        "report",
    ]
    batches = [line for line in lines if " batch " in line]
    assert "stream=bets rows=100 bytes=4000 ms=- table_rows=100/300" in batches[0]
    assert "rows=100 bytes=4000 ms=" in batches[1] and "ms=-" not in batches[1]
    assert "rows=100 bytes=4000 ms=12.5 table_rows=300/?" in batches[2]
    error = next(line for line in lines if " error " in line)
    assert "table_rows_committed=300" in error and "second line" in error


def test_cli_log_file_is_complete_and_console_stays_brief(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], pg_url: str
) -> None:
    secret = "Sup3rSecret"
    url = pg_url.replace("postgres@", f"postgres:{secret}@", 1)
    assert secret in url
    log_path = tmp_path / "run.log"
    code, out, err = _cli(
        capsys,
        "migrate",
        str(source_db),
        url,
        "--batch-rows",
        "1000",
        "--progress",
        "none",
        "--log-file",
        str(log_path),
        "--json",
    )
    assert code == 0, err
    assert secret not in out + err
    text = log_path.read_text()
    assert secret not in text
    batches = [line for line in text.splitlines() if " batch " in line]
    assert sum(int(line.split(" rows=")[1].split()[0]) for line in batches) == 5300
    bets = [b for b in batches if " bets " in b]
    assert sum(int(line.split(" rows=")[1].split()[0]) for line in bets) == 5000
    assert len(bets) >= 5 and all(" ms=" in b and " bytes=" in b for b in bets)
    assert "report " in text and text.rstrip().endswith("exit code 0")
    assert len(err.splitlines()) < 15  # the console has the report, not the batches
    assert len(pg_rows(url, "bets")) == 5000


# -- job files -------------------------------------------------------------------------------

JOB = """
source = "src.db"
target = "sqlite:///out/copy.db"
tables = ["bets", "players"]
mode = "replace"
batch-rows = 1_000
batch_bytes = "8MiB"
parallel = 1
split_rows = 2_000
retries = 5
max_memory = "64MiB"
no-foreign-keys = true
on_error = "reject"
reject_dir = "rejects"
progress = "none"
log_file = "logs/run.log"
json = true

[casts]
"bets.stake" = "double"
"""


def _job(tmp_path: Path, text: str = JOB) -> Path:
    path = tmp_path / "job.toml"
    path.write_text(text)
    return path


def test_job_file_gives_the_same_config_as_the_command_line(tmp_path: Path) -> None:
    job = load_job(_job(tmp_path))
    cli = build_config(
        {
            "tables": "bets,players",
            "mode": "replace",
            "batch_rows": 1000,
            "batch_bytes": "8MiB",
            "parallel": 1,
            "split_rows": 2000,
            "retries": 5,
            "max_memory": "64MiB",
            "no_foreign_keys": True,
            "on_error": "reject",
            "reject_dir": str(tmp_path / "rejects"),
            "casts": ("bets.stake=double",),
        }
    )
    assert job.config == cli
    assert job.source == str(tmp_path / "src.db")
    assert job.target == f"sqlite:///{tmp_path / 'out' / 'copy.db'}"  # from the job's directory
    assert job.log_file == str(tmp_path / "logs" / "run.log")
    assert (job.progress, job.json, job.verify) == ("none", True, False)


def test_a_job_file_lists_several_schemas_as_the_command_line_does(tmp_path: Path) -> None:
    listed = load_job(
        _job(tmp_path, 'source = "a.db"\ntarget = "b.db"\nsource_schema = ["sales", "person"]\n')
    )
    assert listed.config == build_config({"source_schema": "sales,person"})
    every = load_job(_job(tmp_path, 'source = "a.db"\ntarget = "b.db"\nsource_schema = "*"\n'))
    assert every.config.source_schema == "*"


def test_command_line_overrides_the_job_file(tmp_path: Path) -> None:
    job = load_job(_job(tmp_path), {"parallel": 3, "mode": "append", "tables": ("bets",)})
    assert job.config.parallel == 3 and job.config.mode == "append"
    assert job.config.tables == ("bets",) and job.config.retries == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('source = "a.db"\nparalel = 2\n', "unknown key 'paralel' in job file"),
        ('source = "a.db"\n[casts]\n"t.c" = 5\n', "[casts] key 't.c': cast 't.c' must name a type"),
        ('parallel = "two"\n', "key 'parallel': must be a whole number, not 'two'"),
        ('progress = "loud"\n', "key 'progress': must be one of"),
        ('max_memory = "lots"\n', "cannot read 'lots' as a size"),
        ("source = \n", "cannot read job file"),
        ('[target]\nurl = "x"\n', "key 'target': must be a non-empty string"),
        ("source_schema = []\n", "key 'source_schema': must be a schema name, a list of them"),
    ],
)
def test_bad_job_files_fail_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        read_job(_job(tmp_path, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="did you mean 'parallel'"):
        read_job(_job(tmp_path, "paralel = 2\n"))


def test_arrowmig_run_runs_the_job_with_overrides(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _job(tmp_path, JOB)
    (tmp_path / "out").mkdir()
    code, out, err = _cli(
        capsys, "run", str(path), "--parallel", "2", "--tables", "bets", "--batch-timeout", "7"
    )
    assert code == 0, err
    report = json.loads(out)
    assert [t["name"] for t in report["tables"]] == ["bets"]
    # split_rows from the job file: 3 streams of 2,000 rows, 4 to keep --parallel 2 busy
    assert report["tables"][0]["streams"] == 4
    with sqlite3.connect(tmp_path / "out" / "copy.db") as con:
        assert con.execute("SELECT count(*) FROM bets").fetchone() == (5000,)
    log = (tmp_path / "logs" / "run.log").read_text()
    assert '"parallel": 2' in log and "exit code 0" in log
    assert '"batch_timeout_s": 7.0' in log  # --batch-timeout overrides the job's too


@pytest.mark.parametrize("key", ["batch_timeout", "batch-timeout", "batch_timeout_s"])
def test_job_file_takes_the_batch_timeout_by_the_options_name(tmp_path: Path, key: str) -> None:
    job = load_job(_job(tmp_path, f'source = "a.db"\ntarget = "b.db"\n{key} = 5\n'))
    assert job.config.batch_timeout_s == 5.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "profile = true\nno_profile = true\n",
            "sets 'profile' twice ('profile' and 'no_profile')",
        ),
        ("no-profile = true\nprofile = false\n", "sets 'profile' twice"),
        (
            "batch_timeout_s = -5\n",
            "key 'batch_timeout_s': batch_timeout must be a positive number of seconds, not -5",
        ),
        (
            "batch-timeout = 0\n",
            "key 'batch-timeout': batch_timeout must be a positive number of seconds, not 0",
        ),
        ("retries = -1\n", "key 'retries': retries must be 0 or more, not -1"),
        ("progress_interval = -1\n", "key 'progress_interval': must be 0 or more seconds, not -1"),
        # Said of the job file and its key as written, not of a flag no one typed.
        (
            'mode = "replac"\n',
            "job.toml', key 'mode': must be one of create, replace, append, truncate, not 'replac'",
        ),
        ("parallel = 0\n", "job.toml', key 'parallel': parallel must be at least 1, not 0"),
        (
            'keep_backup = true\nmode = "append"\n',
            "job.toml': keep_backup keeps the table a replace drops; mode append drops none; "
            "use mode replace, or leave out keep_backup",
        ),
        (
            'reject_dir = "rj"\n',
            "says where rows set aside go; on_error fail sets none aside; add on_error reject, "
            "or leave out reject_dir",
        ),
    ],
)
def test_contradictory_or_impossible_job_settings_are_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(UsageError) as err:
        load_job(_job(tmp_path, 'source = "a.db"\ntarget = "b.db"\n' + text))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_job_run_from_python_verifies_as_its_file_says(source_db: Path, tmp_path: Path) -> None:
    """README: migrate(config=job.config) runs the job's check; no second verify is needed."""
    path = _job(tmp_path, 'source = "src.db"\ntarget = "out.duckdb"\nverify = true\n')
    job = load_job(path)
    report = arrowmig.migrate(job.source, job.target, config=job.config)
    assert job.verify and report.verify is not None and report.verify.ok
    assert len(report.verify.tables) == len(report.tables) == 3


def test_a_flag_that_replaces_a_job_value_is_checked_as_the_flag(tmp_path: Path) -> None:
    """A value the command line gives is refused in the command line's words; the file's
    own, replaced by it, is not refused at all."""
    path = _job(tmp_path, 'source = "a.db"\ntarget = "b.db"\nparallel = 0\nkeep_backup = true\n')
    job = load_job(path, {"parallel": 2, "mode": "replace"})
    assert (job.config.parallel, job.config.keep_backup) == (2, True)
    # As `arrowmig run` gives its flags to load_job.
    with (
        named_as_options(),
        pytest.raises(UsageError, match=r"^--parallel must be at least 1, not 0$"),
    ):
        load_job(_job(tmp_path, 'source = "a.db"\ntarget = "b.db"\n'), {"parallel": 0})


@pytest.mark.parametrize(
    ("override", "refused"),
    [
        (
            {"progress": "bogus"},
            "key 'progress': must be one of auto, bar, plain, json, none, not 'bogus'",
        ),
        ({"json": "yes"}, "key 'json': must be true or false, not 'yes'"),
        (
            {"mode": "replac"},
            "key 'mode': must be one of create, replace, append, truncate, not 'replac'",
        ),
        ({"batch-rows": "many"}, "key 'batch-rows': must be a whole number, not 'many'"),
        ({"parallel": 0}, "key 'parallel': parallel must be at least 1, not 0"),
        ({"progress_interval": -1}, "key 'progress_interval': must be 0 or more seconds, not -1"),
    ],
)
def test_a_python_caller_s_override_is_checked_as_the_file_s_value_and_named_so(
    tmp_path: Path, override: dict[str, object], refused: str
) -> None:
    """load_job accepted `{"progress": "bogus", "json": "yes"}`, which the file's keys are
    refused for, and refused `{"mode": "replac"}` as `unknown --mode 'replac'`, a flag the
    caller never typed."""
    path = _job(tmp_path, 'source = "a.db"\ntarget = "b.db"\n')
    with pytest.raises(UsageError) as err:
        load_job(path, override)
    assert err.value.message == f"load_job's overrides, {refused}"


@pytest.mark.parametrize(
    ("line", "key", "value", "read"),
    [
        ('mode = "replac"', "mode", "replace", lambda job: job.config.mode),
        ('on_error = "skip"', "on_error", "fail", lambda job: job.config.on_error),
        ('progress = "fancy"', "progress", "none", lambda job: job.progress),
        ('target_names = "Lower"', "target_names", "keep", lambda job: job.config.target_names),
        ('batch_rows = "many"', "batch_rows", 10, lambda job: job.config.batch.batch_rows),
        ("tables = 5", "tables", ("bets",), lambda job: job.config.tables),
        ('[casts]\n"t" = "int"', "casts", (), lambda job: job.config.casts),
        ('no-profile = "yes"', "profile", True, lambda job: job.config.profile),
    ],
)
def test_a_job_value_an_override_replaces_is_not_checked(
    tmp_path: Path, line: str, key: str, value: object, read: Any
) -> None:
    """README: "A value a flag replaced is not checked": `mode = "replac"` with --mode
    replace was refused over the value the run never used."""
    path = _job(tmp_path, f'source = "a.db"\ntarget = "b.db"\n{line}\n')
    with pytest.raises(UsageError, match="job file"):
        load_job(path)
    assert read(load_job(path, {key: value})) == value


def test_a_job_run_with_a_flag_replacing_a_bad_value_runs(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _job(tmp_path, 'source = "src.db"\ntarget = "out.duckdb"\nmode = "replac"\n')
    code, _, err = _cli(capsys, "run", str(path), "--tables", "bets")
    assert code == 2 and "key 'mode'" in err  # the file's own value, when nothing replaces it
    code, _, err = _cli(capsys, "run", str(path), "--mode", "replace")
    assert code == 0, err
    assert len(duckdb_rows(tmp_path / "out.duckdb", "bets")) == 5000


@pytest.mark.parametrize(
    ("override", "suggested"),
    [
        ({"tabels": ["bets"]}, "tables"),
        ({"mdoe": "replace"}, "mode"),
        ({"paralel": 1}, "parallel"),
        ({"verfy": True}, "verify"),
    ],
)
def test_a_mistyped_override_is_refused_as_in_the_file(
    tmp_path: Path, override: dict[str, object], suggested: str
) -> None:
    """A mistyped key was ignored: with `tabels` the job moved every table."""
    path = _job(tmp_path, 'source = "a.db"\ntarget = "b.db"\n')
    with pytest.raises(UsageError) as err:
        load_job(path, override)
    (key,) = override
    assert str(err.value) == (
        f"unknown key {key!r} in load_job's overrides for job file {str(path)!r}; "
        f"did you mean {suggested!r}?"
    )


def test_overrides_take_the_job_file_s_spellings(tmp_path: Path) -> None:
    path = _job(tmp_path, 'source = "a.db"\ntarget = "b.db"\n')
    job = load_job(path, {"batch-rows": 10, "no_profile": True, "cast": ()})
    assert (job.config.batch.batch_rows, job.config.profile) == (10, False)


def test_job_tables_as_one_string_are_read_as_tables_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name holding a comma, in double quotes: the job file split it at every comma."""
    with sqlite3.connect(tmp_path / "q.db") as con:
        con.execute('CREATE TABLE "a,b" (id INTEGER PRIMARY KEY)')
        con.execute("CREATE TABLE c (id INTEGER PRIMARY KEY)")
        con.execute('INSERT INTO "a,b" VALUES (1), (2)')
    path = _job(tmp_path, 'source = "q.db"\ntarget = "q.duckdb"\ntables = \'"a,b",c\'\n')
    assert load_job(path).config.tables == ("a,b", "c")
    code, _, err = _cli(capsys, "run", str(path), "--progress", "none")
    assert code == 0, err
    assert duckdb_rows(str(tmp_path / "q.duckdb"), "a,b", "id") == [(1,), (2,)]
    # From Python, overrides are canonical values: a string is the same list, not letters.
    assert load_job(path, {"tables": "c"}).config.tables == ("c",)
    assert load_job(path, {"exclude": '"a,b"'}).config.exclude == ("a,b",)


def test_job_casts_of_tables_an_override_leaves_out_are_dropped(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's own example: a job casting two tables, run for one of them elsewhere."""
    path = _job(
        tmp_path,
        'source = "src.db"\ntarget = "out.db"\nprogress = "none"\n'
        '[casts]\n"bets.stake" = "double"\n"players.name" = "text"\n',
    )
    code, _, err = _cli(
        capsys, "run", str(path), "--target", str(tmp_path / "o.db"), "--tables", "bets"
    )
    assert code == 0, err
    with sqlite3.connect(tmp_path / "o.db") as con:
        assert con.execute("SELECT count(*) FROM bets").fetchone() == (5000,)
    assert load_job(path, {"exclude": ("bets",)}).config.casts == (("players", "name", "text"),)
    # A cast typed on the command line for a table outside the run is still an error.
    code, _, err = _cli(
        capsys,
        "run",
        str(path),
        "--target",
        str(tmp_path / "p.db"),
        "--tables",
        "bets",
        "--cast",
        "players.name=text",
    )
    assert code == 2, err
    assert "--cast players.name=text names table 'players', which is not part of this run" in err
    assert not (tmp_path / "p.db").exists()
    # And one of the job's own [casts] outside its own tables: the file and its key.
    path.write_text(path.read_text().replace("[casts]", 'tables = ["bets"]\n[casts]'))
    code, _, err = _cli(capsys, "run", str(path), "--target", str(tmp_path / "p.db"))
    assert code == 2, err
    assert err.startswith(
        f"""arrowmig: error: job file '{path}', key 'casts' ("players.name" = "text") names """
        "table 'players', which is not part of this run"
    )
    assert "--cast" not in err


def test_a_job_files_exclude_of_no_table_names_the_file_and_its_key(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Said "named by --exclude", a flag nobody gave.
    path = _job(tmp_path, 'source = "src.db"\ntarget = "out.db"\nexclude = ["bet"]\n')
    code, _, err = _cli(capsys, "run", str(path))
    assert code == 2
    assert err.startswith(
        f"arrowmig: error: job file '{path}', key 'exclude': table 'bet' not found in "
    ), err
    assert "--exclude" not in err
    # One typed on the command line over the file's is said as typed.
    code, _, err = _cli(capsys, "run", str(path), "--exclude", "bat")
    assert code == 2 and "table 'bat' named by --exclude not found in " in err, err
    assert not (tmp_path / "out.db").exists()


def test_a_log_file_under_a_file_names_the_file(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--log-file afile/x.log, afile a regular file, said the OS's 'File exists'."""
    afile = tmp_path / "afile"
    afile.write_text("")
    target = tmp_path / "t.db"
    for log in (afile / "x.log", afile / "sub" / "x.log"):
        code, _, err = _cli(capsys, "migrate", str(source_db), str(target), "--log-file", str(log))
        assert code == 2 and err == (
            f"arrowmig: error: cannot write the log file '{log}': '{afile}' is a file, not a "
            "folder; give --log-file a path in a folder you can write to\n"
        )
    assert not target.exists() and afile.read_text() == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-timeout", "-5"], "--batch-timeout must be a positive number of seconds, not -5"),
        (["--batch-timeout", "inf"], "--batch-timeout must be at most 2,147,483 seconds"),
        # The value as typed, not as :g prints it ('not 3e+06').
        (["--batch-timeout", "3000000"], "timeout), not 3000000; give a number of seconds"),
        (["--lock-wait-timeout", "3000000"], "2,147,483 seconds, not 3000000; give a number"),
        (["--progress-interval", "-1000000"], "must be 0 or more seconds, not -1000000"),
        (["--retries", "-1"], "--retries must be 0 or more, not -1"),
        (["--progress-interval", "-1"], "--progress-interval must be 0 or more seconds"),
        (["--progress-interval", "nan"], "--progress-interval must be 0 or more seconds"),
        (["--log-file", "/proc/nope/x.log"], "cannot write the log file '/proc/nope/x.log'"),
        (["--keep-backup", "--mode", "truncate"], "--mode truncate drops none"),
        (["--keep-backup", "--mode", "append"], "--mode append drops none"),
        (["--keep-backup"], "--mode create drops none"),
        # click's own refusals, in arrowmig's one line too
        (["--mode", "replac"], "error: invalid value for '--mode': 'replac' is not one of "),
        (["--parallel", "abc"], "error: invalid value for '--parallel': 'abc' is not a valid"),
    ],
)
def test_impossible_options_are_refused_before_anything_is_written(
    source_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    target = tmp_path / "t.db"
    code, _, err = _cli(capsys, "migrate", str(source_db), str(target), *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not target.exists()
    # The dry run takes the same options, and refuses the same values.
    code, _, err = _cli(capsys, "migrate", str(source_db), str(target), *args, "--dry-run")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_usage_errors_are_one_arrowmig_error_line(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """click's three-line 'Usage: ... Error: ...' escaped scripts that look for the
    'arrowmig: error:' line every other mistake gets (more cases above, with the options
    refused before anything is written)."""
    code, _, err = _cli(capsys, "migrate", str(source_db), str(tmp_path / "t.db"), "--batch")
    assert (code, err) == (
        2,
        "arrowmig: error: no such option '--batch' (did you mean one of: '--batch-bytes', "
        "'--batch-rows', '--batch-timeout'?); see 'arrowmig migrate --help'\n",
    )
    code, _, err = _cli(capsys, "verify", str(source_db))
    assert (code, err) == (
        2,
        "arrowmig: error: missing argument 'TARGET'; see 'arrowmig verify --help'\n",
    )


def test_a_closed_stderr_does_not_stop_the_run(source_db: Path, tmp_path: Path) -> None:
    """``arrowmig migrate ... 2>&1 | head -3``: the reader goes away, the run goes on."""
    target, log = tmp_path / "t.db", tmp_path / "run.log"
    proc = subprocess.Popen(
        [
            *ARROWMIG,
            "migrate",
            str(source_db),
            str(target),
            *("--progress", "plain", "--json", "--batch-rows", "500", "--log-file", str(log)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stderr.close()  # before the first line: every write to stderr meets EPIPE
    proc.stdout.close()  # the --json report on stdout too
    assert proc.wait(timeout=120) == 0
    with sqlite3.connect(target) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in SIZES}
    assert counts == SIZES
    text = log.read_text()
    assert "BrokenPipe" not in text and text.rstrip().endswith("exit code 0")


def _gone_reader(*args: str) -> int:
    """The exit code of ``arrowmig ARGS | true``: stdout's reader is gone before any line."""
    proc = subprocess.Popen([*ARROWMIG, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    proc.stdout.close()
    return proc.wait(timeout=120)


def test_a_gone_reader_of_stdout_leaves_the_exit_code_to_the_work(
    source_db: Path, tmp_path: Path
) -> None:
    """verify, plan and status exited 1 when their --json reader went away (click's own
    answer to EPIPE): to a script, verify's 1 says the data differs."""
    target = tmp_path / "t.duckdb"
    _migrate(source_db, target, ["--progress", "none"])
    assert _gone_reader("verify", str(source_db), str(target), "--json") == 0
    assert _gone_reader("status", str(target), "--json") == 0
    new = str(tmp_path / "u.duckdb")
    assert _gone_reader("plan", str(source_db), new, "--json") == 0
    assert _gone_reader("migrate", str(source_db), new, "--dry-run", "--json") == 0
    with duckdb.connect(str(target)) as con:
        con.execute("UPDATE players SET name = 'changed' WHERE id = 7")
    assert _gone_reader("verify", str(source_db), str(target), "--json") == 1


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_on_a_full_disk_is_an_error_of_its_own(source_db: Path, tmp_path: Path) -> None:
    """`verify --json > file` on a full disk exited 1, which says the data differs, with
    'unexpected OSError'."""
    target = tmp_path / "t.duckdb"
    runs = {
        "the report": [
            ["verify", str(source_db), str(tmp_path / "t.duckdb"), "--json"],
            ["status", str(target), "--json"],
            ["migrate", str(source_db), str(tmp_path / "u.duckdb"), "--json", "--progress", "none"],
        ],
        "the plan": [["plan", str(source_db), str(tmp_path / "v.duckdb"), "--json"]],
        "the progress events": [
            ["migrate", str(source_db), str(tmp_path / "w.duckdb"), "--progress", "json"]
        ],
    }
    _migrate(source_db, target, ["--progress", "none"])
    with open("/dev/full", "w") as full:
        for what, commands in runs.items():
            for args in commands:
                done = subprocess.run(
                    [*ARROWMIG, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120
                )
                last = done.stderr.strip().splitlines()[-1]
                assert (done.returncode, last) == (
                    2,
                    f"arrowmig: error: cannot write {what} to stdout: No space left on device; "
                    "free space where stdout goes, or send it elsewhere",
                ), args
                assert "Exception ignored" not in done.stderr
    # The run itself went to its end: only its output was lost.
    assert duckdb_rows(str(tmp_path / "w.duckdb"), "players", order="id")[:1] == [(1, "p1")]


@pytest.mark.parametrize("closed", ["1", "2"])
def test_a_stream_closed_at_start_does_not_stop_the_run(
    source_db: Path, tmp_path: Path, closed: str
) -> None:
    """Started with fd 1 closed (``>&-``), migrate --json ran, then failed with 'unexpected
    AttributeError', exit 1; with fd 2 closed (as some daemons start programs) nothing ran."""
    target, log = tmp_path / "t.duckdb", tmp_path / "run.log"
    command = [*ARROWMIG, "migrate", str(source_db), str(target), "--json", "--log-file", str(log)]
    proc = subprocess.run(
        ["sh", "-c", f'exec "$@" {closed}>&-', "sh", *command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert duckdb_rows(str(target), "players", order="id")[:1] == [(1, "p1")]
    assert log.read_text().rstrip().endswith("exit code 0")
    if closed == "1":
        assert "error" not in proc.stderr.lower() and "\ndone: 5,300 rows" in proc.stderr
    else:
        assert json.loads(proc.stdout)["ok"] is True


def test_arrowmig_run_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(capsys, "run", str(tmp_path / "missing.toml"))
    assert code == 2 and "job file" in err and "not found" in err
    code, _, err = _cli(capsys, "run", str(_job(tmp_path, 'source = "a.db"\nfoo = 1\n')))
    assert code == 2 and "unknown key 'foo'" in err and len(err.strip().splitlines()) == 1
    code, _, err = _cli(capsys, "run", str(_job(tmp_path, 'source = "a.db"\n')))
    assert code == 2 and "names no target" in err


def test_job_file_dry_run_shows_the_plan(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The folder the target goes in: the plan refuses a missing one, as the run would.
    (tmp_path / "out").mkdir()
    code, out, _err = _cli(capsys, "run", str(_job(tmp_path)), "--dry-run", "--json")
    assert code == 0
    plan: dict[str, Any] = json.loads(out)
    assert [t["name"] for t in plan["tables"]] == ["bets", "players"]
    assert not (tmp_path / "out" / "copy.db").exists()
