"""The bench's own logic on a tiny dataset with --repeat 1: alternation, medians, ratios,
the JSON it writes, and unreachable targets skipped with a note. No timing is asserted.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

import arrowmig
from arrowmig.bench import (
    BenchOptions,
    Spec,
    Target,
    add_fractions,
    checks,
    plan_specs,
    ratios,
    schedule,
    summarise,
    target_schema,
)
from arrowmig.ceilings import insert_select, read_only
from arrowmig.cli import main
from arrowmig.errors import UsageError
from arrowmig.rowpath import TargetDDL, migrate_rows

PG_URL = os.environ.get("ARROWMIG_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
UNREACHABLE_WITH_PASSWORD = "postgresql://postgres:s3cr3tpw@127.0.0.1:1/nowhere"


def _pg_reachable() -> bool:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        if os.environ.get("CI") == "true":
            raise
        return False


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two small tables of the shapes the bench moves: ints, doubles, text, text timestamps."""
    path = tmp_path_factory.mktemp("bench") / "tiny.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE bets (bet_id INTEGER PRIMARY KEY, stake REAL, market TEXT, "
        "placed_at TEXT, settled_at TEXT, player_id INTEGER REFERENCES players)"
    )
    conn.execute("CREATE TABLE players (player_id INTEGER PRIMARY KEY, name TEXT, rating REAL)")
    conn.executemany(
        "INSERT INTO bets VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                i,
                i * 1.25,
                f"market {i % 7}",
                f"2024-01-{1 + i % 28:02d} 10:00:00",
                None if i % 5 == 0 else "2024-02-01 00:00:00",
                1 + i % 300,
            )
            for i in range(1, 1201)
        ],
    )
    conn.executemany(
        "INSERT INTO players VALUES (?, ?, ?)", [(i, f"p{i}", i / 3) for i in range(1, 301)]
    )
    conn.commit()
    conn.close()
    return path


# -- pure logic -----------------------------------------------------------------------------


def test_schedule_alternates_configurations() -> None:
    a, b, c = Spec("t", "row", 10), Spec("t", "columnar", 10, 1), Spec("t", "pg-copy")
    order = [(r, s.key) for r, s in schedule([a, b, c], 3)]
    assert order == [(r, s.key) for r in (1, 2, 3) for s in (a, b, c)]
    keys = [k for _, k in order]
    assert keys[:4] == [a.key, b.key, c.key, a.key]  # ABC ABC, never AAA BBB


def _run(key: str, kind: str, seconds: float, **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "target": "postgresql",
        "kind": kind,
        "batch_rows": extra.pop("batch_rows", 100),
        "parallel": extra.pop("parallel", None),
        "rows": 1000,
        "seconds": seconds,
        "wall_s": seconds + 0.5,
        "ok": True,
        "warmup": False,
        "peak_rss_bytes": 50_000_000,
        "rss_growth_bytes": 2_000_000,
        **extra,
    }


def test_summary_medians_ratios_fractions_and_checks() -> None:
    runs = [
        _run("row", "row", 4.0),
        _run("row", "row", 2.0),
        _run("row", "row", 3.0),
        _run("row", "row", 0.1, warmup=True),  # warm-ups are not measured
        _run("row", "row", 0.1, ok=False),  # nor failed runs
        _run("col", "columnar", 0.5, parallel=2),
        _run("col", "columnar", 0.7, parallel=2),
        _run("copy", "pg-copy", 0.4, batch_rows=None),
    ]
    summary = summarise(runs, dataset_bytes=10_000_000)
    by = {r["key"]: r for r in summary}
    assert by["row"]["n"] == 3
    assert (by["row"]["median_s"], by["row"]["min_s"], by["row"]["max_s"]) == (3.0, 2.0, 4.0)
    assert by["row"]["rows_per_s"] == pytest.approx(1000 / 3.0)
    assert by["row"]["mb_per_s"] == pytest.approx(10 / 3.0)
    assert by["col"]["median_s"] == pytest.approx(0.6)
    assert by["col"]["mb_per_1000_rows"] == pytest.approx(2.0)
    add_fractions(summary)
    assert by["col"]["of_ceiling"] == pytest.approx(0.4 / 0.6)
    ratio_rows = ratios(summary)
    assert len(ratio_rows) == 1
    assert ratio_rows[0]["ratio"] == pytest.approx(3.0 / 0.6)
    found = checks(summary, ratio_rows, default_batch=100, default_parallel=2)
    names = {c["check"].split(",")[0]: c["ok"] for c in found}
    assert names["columnar/row into postgresql"] is True  # 5.0 >= 5
    assert names["columnar into postgresql / its write ceiling"] is False  # 0.67 < 0.8
    assert any("RSS growth" in c["check"] and not c["ok"] for c in found)


def test_memory_and_ceiling_checks_judge_the_default_settings_run() -> None:
    runs = [
        _run("row", "row", 3.0),
        _run("col", "columnar", 0.6, parallel=2, rss_growth_bytes=50_000_000),
        _run("def", "defaults", 0.5, batch_rows=None, rss_growth_bytes=9_000),
        _run("copy", "pg-copy", 0.4, batch_rows=None),
    ]
    summary = summarise(runs, dataset_bytes=10_000_000)
    add_fractions(summary)
    found = checks(summary, ratios(summary), default_batch=100, default_parallel=2)
    memory = [c for c in found if "RSS growth" in c["check"]]
    assert len(memory) == 1 and "default settings" in memory[0]["check"]
    assert memory[0]["value"] == pytest.approx(0.009) and memory[0]["ok"]
    ceiling = {c["check"]: c["value"] for c in found if "write ceiling" in c["check"]}
    assert ceiling["columnar into postgresql / its write ceiling, default settings"] == (
        pytest.approx(0.4 / 0.5)
    )
    # the defaults run has no batch size of its own: it is not compared with the row path
    assert [r["batch_rows"] for r in ratios(summary)] == [100]


def test_options_reject_bad_values() -> None:
    with pytest.raises(UsageError):
        BenchOptions(paths=("rows",))
    with pytest.raises(UsageError):
        BenchOptions(batch_rows=(0,))
    with pytest.raises(UsageError):
        BenchOptions(repeat=0)


def test_cli_usage_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--paths", "rows", "--out", str(tmp_path)]) == 2
    assert "paths" in capsys.readouterr().err


def test_cli_paths_both_measures_the_row_and_the_columnar_path(
    tiny_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --help offers "row, columnar or both": --paths both was refused as an unknown path.
    out = tmp_path / "out"
    args = ["--source", str(tiny_db), "--target", "sqlite", "--paths", "both", "--no-stages"]
    quick = ["--batch-rows", "100", "--parallel", "1", "--repeat", "1", "--out", str(out)]
    assert main(["bench", *args, *quick]) == 0, capsys.readouterr().err
    runs = json.loads((out / "bench.json").read_text())["runs"]
    assert {"row", "columnar"} <= {r["kind"] for r in runs}


def test_cli_batch_rows_and_parallel_given_twice_measure_every_value(
    tiny_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --batch-rows 100 --batch-rows 200 measured batches of 200 alone (the last value won).
    out = tmp_path / "out"
    args = ["--source", str(tiny_db), "--target", "sqlite", "--paths", "columnar", "--no-stages"]
    twice = ["--batch-rows", "100", "--batch-rows", "200", "--parallel", "1", "--parallel", "2"]
    assert main(["bench", *args, *twice, "--repeat", "1", "--out", str(out)]) == 0, (
        capsys.readouterr().err
    )
    runs = json.loads((out / "bench.json").read_text())["runs"]
    measured = {(r["batch_rows"], r["parallel"]) for r in runs if r["kind"] == "columnar"}
    assert {(100, 1), (100, 2), (200, 1), (200, 2)} <= measured


def test_cli_names_an_unknown_path_as_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It said: unknown --paths ['rows'] (a Python list), and "unknown --paths ;" for none.
    assert main(["bench", "--paths", "rows", "--out", str(tmp_path)]) == 2
    assert "error: --paths names 'rows', no path the bench has; use row, columnar, or both" in (
        capsys.readouterr().err
    )


def _refusals(tiny_db: Path, tmp_path: Path) -> list[tuple[list[str], str]]:
    (tmp_path / "a_file").write_text("")
    return [
        (["--source", str(tmp_path / "missing.db")], "missing.db' does not exist; check the path"),
        (
            ["--source", UNREACHABLE_WITH_PASSWORD],
            "cannot connect to postgresql://postgres:***@127.0.0.1:1/nowhere",
        ),
        (
            ["--source", str(tiny_db), "--out", str(tmp_path / "a_file" / "sub")],
            f"'{tmp_path / 'a_file'}' is a file, not a folder; give --out a folder",
        ),
        (
            ["--source", str(tiny_db), "--tables", "bets,nosuch"],
            "table 'nosuch' not found in ",
        ),
        # Repeated, joined as migrate joins them: the last --tables alone was measured.
        (["--source", str(tiny_db), "-t", "nosuch", "--tables", "bets"], "'nosuch' not found"),
        # Empty, refused: it measured every table.
        (["--source", str(tiny_db), "--tables", ""], "--tables names no table"),
    ]


@pytest.mark.parametrize(
    "case", range(6), ids=["missing", "unreachable", "out", "tables", "repeated", "empty"]
)
def test_cli_refuses_before_any_run(
    case: int, tiny_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As migrate: exit 2 and one line saying what to do, with nothing measured or written.
    args, expected = _refusals(tiny_db, tmp_path)[case]
    out = tmp_path / "out"
    code = main(["bench", "--target", "sqlite", "--out", str(out), "--repeat", "1", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("arrowmig: error: ") and err.count("\n") == 1, err
    assert expected in err
    assert "s3cr3tpw" not in err
    assert not (out / "bench.json").exists()
    if case == 3:
        assert err.rstrip().endswith("tables there: bets, players")


# -- the references run against real databases ----------------------------------------------


def test_rowpath_copies_every_value(tiny_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "row.db"
    result = migrate_rows(str(tiny_db), str(out), batch_rows=100)
    assert result.rows == 1500
    assert result.batches == 12 + 3
    src, dst = sqlite3.connect(tiny_db), sqlite3.connect(out)
    for table in ("bets", "players"):
        query = f"SELECT * FROM {table} ORDER BY 1"
        assert src.execute(query).fetchall() == dst.execute(query).fetchall()


def test_rowpath_adds_foreign_keys_once_every_table_is_in(tiny_db: Path, pg_url: str) -> None:
    # As arrowmig does: the bench's row path must build what the columnar run built.
    assert arrowmig.migrate(str(tiny_db), pg_url).ok
    ddl = target_schema(Target("postgresql", pg_url), ["bets", "players"])
    assert ddl["bets"]["foreign_keys"] == [
        'ALTER TABLE public."bets" ADD FOREIGN KEY (player_id) REFERENCES players(player_id)'
    ]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE bets, players")
    specs = {name: TargetDDL.from_dict(spec) for name, spec in ddl.items()}
    result = migrate_rows(str(tiny_db), pg_url, batch_rows=500, ddl=specs)
    assert result.rows == 1500
    with psycopg.connect(pg_url) as conn:
        found = conn.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f'"
        ).fetchall()
    assert found == [("bets", "players")]


def test_read_and_insert_select_ceilings(tiny_db: Path, tmp_path: Path) -> None:
    read = read_only(str(tiny_db), ["bets", "players"], 500)
    assert read["rows"] == 1500 and read["bytes"] > 0
    create = "CREATE TABLE bets (bet_id INTEGER PRIMARY KEY, stake REAL, market TEXT, " + (
        "placed_at TEXT, settled_at TEXT, player_id INTEGER)"
    )
    ddl = {"bets": {"create": create, "indexes": ["CREATE INDEX ix_m ON bets (market)"]}}
    done = insert_select(str(tiny_db), str(tmp_path / "ceil.db"), ddl)
    assert done["rows"] == 1200
    assert done["index_seconds"] >= 0
    conn = sqlite3.connect(tmp_path / "ceil.db")
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ix_m'").fetchone() == (1,)


# -- the whole bench, tiny, --repeat 1 ---------------------------------------------------------


@dataclass(frozen=True)
class BenchRun:
    """One whole bench run through the command line: its folder, its exit code and output."""

    out: Path
    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def bench_run(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> BenchRun:
    out = tmp_path_factory.mktemp("bench-out")
    targets = ["sqlite", *([PG_URL] if _pg_reachable() else []), UNREACHABLE_WITH_PASSWORD]
    args = ["bench", "--source", f"sqlite:///{tiny_db}", "--batch-rows", "100,400"]
    args += ["--parallel", "1", "--repeat", "1", "--no-stages", "--json", "--out", str(out)]
    # The last as --target=URL: the password is masked inside an option written as one word.
    args += [f"--target={t}" for t in targets]
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["arrowmig", *args])  # what the report records
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main()
    return BenchRun(out, code, stdout.getvalue(), stderr.getvalue())


@pytest.fixture(scope="module")
def bench_out(bench_run: BenchRun) -> Path:
    return bench_run.out


def test_bench_never_shows_the_password_of_a_url_in_its_command(bench_run: BenchRun) -> None:
    # The report records the command as typed; a --target URL's password must not be in it,
    # nor in what is printed.
    assert bench_run.code == 0, bench_run.stderr
    data = json.loads(bench_run.stdout)
    command = data["options"]["command"]
    assert command.startswith("arrowmig bench --source ")
    assert "'--target=postgresql://postgres:***@127.0.0.1:1/nowhere'" in command
    markdown = (bench_run.out / "bench.md").read_text()
    assert "Command: `arrowmig bench --source " in markdown
    written = [bench_run.stdout, bench_run.stderr, (bench_run.out / "bench.json").read_text()]
    for text in (*written, markdown):
        assert "s3cr3tpw" not in text


def test_bench_writes_json_md_png(bench_out: Path) -> None:
    data = json.loads((bench_out / "bench.json").read_text())
    assert data["schema_version"] == 1
    for key in ("options", "machine", "dataset", "runs", "summary", "ratios", "checks", "notes"):
        assert key in data
    for key in ("cpu_count", "ram_bytes", "python", "pyarrow", "adbc-driver-sqlite", "duckdb"):
        assert data["machine"][key]
    assert data["dataset"]["rows"] == 1500
    assert (bench_out / "bench.md").read_text().startswith("# arrowmig bench")
    assert (bench_out / "bench.png").read_bytes()[:4] == b"\x89PNG"


def test_bench_runs_every_configuration_once_in_order(bench_out: Path) -> None:
    data = json.loads((bench_out / "bench.json").read_text())
    runs = data["runs"]
    assert all(r["ok"] for r in runs), [r.get("error") for r in runs if not r["ok"]]
    measured = [r for r in runs if not r["warmup"]]
    assert {r["round"] for r in measured} == {1}
    assert len({r["key"] for r in measured}) == len(measured)
    for r in measured:
        if r["kind"] in (
            "row",
            "columnar",
            "defaults",
            "no-keys",
            "read",
            "insert-select",
            "pg-copy",
        ):
            assert r["rows"] == (1500 if r["kind"] != "pg-copy" else r["rows"])
    sqlite_keys = [r["key"] for r in measured if r["target"] == "sqlite"]
    assert sqlite_keys == [
        "sqlite/insert-select",
        "sqlite/row/b100",
        "sqlite/columnar/b100/p1",
        "sqlite/row/b400",
        "sqlite/columnar/b400/p1",
        "sqlite/defaults",
        "sqlite/no-keys",
    ]
    assert {r["batch_rows"] for r in data["ratios"] if r["target"] == "sqlite"} == {100, 400}
    # The ceilings build no keys: the --no-keys run is the one judged like for like.
    assert any(
        c["check"].startswith(
            "columnar into sqlite / its write ceiling, default settings with --no-keys"
        )
        for c in data["checks"]
    )


def test_bench_skips_unreachable_target_with_note(bench_out: Path) -> None:
    data = json.loads((bench_out / "bench.json").read_text())
    assert any(n.startswith("skipped target") and ":1/" in n for n in data["notes"])
    assert "skipped target" in (bench_out / "bench.md").read_text()


def test_bench_postgres_copy_ceiling(bench_out: Path) -> None:
    data = json.loads((bench_out / "bench.json").read_text())
    if not any(t.startswith("postgres") and ":1/" not in t for t in data["options"]["targets"]):
        pytest.skip("PostgreSQL not reachable here (CI=true would have failed)")
    copy = [r for r in data["runs"] if r["kind"] == "pg-copy"]
    assert copy and copy[0]["rows"] == 1500
    assert any(r["target"] == "postgresql" for r in data["ratios"])


def test_plan_specs_covers_paths_and_ceilings(tmp_path: Path) -> None:
    from arrowmig.bench import Target

    options = BenchOptions(batch_rows=(10, 20), parallel=(1, 2), out=tmp_path)
    specs = plan_specs(
        options, [Target("sqlite", "sqlite:///x.db"), Target("postgresql", "pg")], "sqlite"
    )
    keys = [s.key for s in specs]
    assert keys[0] == "source/read/b20"
    assert "sqlite/insert-select" in keys and "postgresql/pg-copy" in keys
    assert keys.count("postgresql/row/b10") == 1
    assert {k for k in keys if "/columnar/" in k} >= {"sqlite/columnar/b10/p2"}
    assert keys.count("sqlite/defaults") == 1 and keys.count("postgresql/defaults") == 1
    assert keys.count("sqlite/no-keys") == 1 and keys.count("postgresql/no-keys") == 1
