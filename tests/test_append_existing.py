"""Appending and truncating into tables that already exist, as an application made them: each
value goes in exactly as it is or is named as its row's problem, and a run that cannot load
a table says so before it has emptied anything.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pytest

import arrowmig
from arrowmig.append_refusal import LAST_RESORT
from arrowmig.conform import conform, decimal_as_float
from arrowmig.errors import SchemaError
from arrowmig.migrate import explain
from arrowmig.python_words import in_python_words
from tests.dbutil import (
    create_in,
    duckdb_exec,
    duckdb_rows,
    failures,
    pg_exec,
    pg_rows,
    sqlite_table,
    target_of,
)

ALL_CENTS = [i / 100 for i in range(100_000)]
"""Every two-place value from 0.00 to 999.99, as doubles: what SQLite holds for prices."""


def _prices_db(path: Path, prices: list[float]) -> str:
    # Django declares a DecimalField as bare `decimal` in SQLite, which stores reals.
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE shop_product (id INTEGER PRIMARY KEY, price decimal NOT NULL)")
    con.executemany("INSERT INTO shop_product VALUES (?, ?)", enumerate(prices, 1))
    con.commit()
    con.close()
    return str(path)


def test_every_two_place_double_fits_numeric_10_2_and_a_third_place_does_not() -> None:
    stored = conform(pa.array(ALL_CENTS), pa.decimal128(10, 2))
    assert stored.to_pylist() == [Decimal(f"{v:.2f}") for v in ALL_CENTS]
    with pytest.raises(pa.ArrowInvalid):
        conform(pa.array([0.125]), pa.decimal128(10, 2))


def test_decimals_become_the_nearest_double() -> None:
    # Arrow's own cast gives 18.400000000000002 for 18.40; every one here is float(text).
    texts = [f"{v:.2f}" for v in ALL_CENTS] + ["-0.35", "123456789012.345", "1E-8"]
    values = [*(Decimal(t) for t in texts), None]
    wide = pa.array(values, pa.decimal128(38, 8))  # through its text
    narrow = pa.array([*values[:-2], None], pa.decimal128(15, 3)).slice(7)  # by division
    for array in (wide, narrow):
        as_double = decimal_as_float(array, pa.float64()).to_pylist()
        assert as_double == [None if d is None else float(d) for d in array.to_pylist()]
    assert conform(pa.array([Decimal("18.40")]), pa.float64()).to_pylist() == [18.4]


@pytest.mark.postgres
@pytest.mark.slow
def test_truncate_loads_every_price_into_an_existing_numeric_10_2(
    tmp_path: Path, pg_url: str
) -> None:
    src = _prices_db(tmp_path / "shop.db", ALL_CENTS)
    pg_exec(
        pg_url,
        "CREATE TABLE shop_product (id bigint PRIMARY KEY, price numeric(10,2) NOT NULL)",
        "INSERT INTO shop_product VALUES (1, 9.99)",
    )
    report = arrowmig.migrate(src, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert report.ok, report.tables[0].error
    loaded = [price for _, price in pg_rows(pg_url, "shop_product", "id")]
    assert loaded == [Decimal(f"{v:.2f}") for v in ALL_CENTS]


@pytest.mark.postgres
def test_a_price_with_a_third_place_is_the_only_row_set_aside(tmp_path: Path, pg_url: str) -> None:
    src = _prices_db(tmp_path / "shop.db", [0.35, 18.4, 0.125, 0.7, 19.99, 5])
    pg_exec(pg_url, "CREATE TABLE shop_product (id bigint PRIMARY KEY, price numeric(10,2))")
    config = arrowmig.MigrationConfig(
        mode="append", on_error="reject", reject_dir=str(tmp_path / "rejects")
    )
    report = arrowmig.migrate(src, pg_url, config=config)
    assert report.rejected == 1
    assert pg_rows(pg_url, "shop_product", "id") == [
        (1, Decimal("0.35")),
        (2, Decimal("18.40")),
        (4, Decimal("0.70")),
        (5, Decimal("19.99")),
        (6, Decimal("5.00")),
    ]


def test_append_into_an_existing_duckdb_decimal_keeps_every_price(tmp_path: Path) -> None:
    prices = ALL_CENTS[::7]  # a spread of them: 0.35 and 18.4 among those refused before
    src = _prices_db(tmp_path / "shop.db", prices)
    target = str(tmp_path / "shop.duckdb")
    con = duckdb.connect(target)
    con.execute("CREATE TABLE shop_product (id BIGINT PRIMARY KEY, price DECIMAL(10,2))")
    con.close()
    report = arrowmig.migrate(src, target, config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok, report.tables[0].error
    loaded = [price for _, price in duckdb_rows(target, "shop_product", "id")]
    assert loaded == [Decimal(f"{v:.2f}") for v in prices]


def test_a_decimal_cast_to_double_is_the_nearest_double(tmp_path: Path) -> None:
    src = str(tmp_path / "money.duckdb")
    con = duckdb.connect(src)
    con.execute("CREATE TABLE lines (id INTEGER PRIMARY KEY, price DECIMAL(10,2))")
    con.execute("INSERT INTO lines VALUES (1, 18.40), (2, 0.35), (3, 19.99)")
    con.close()
    target = str(tmp_path / "w.db")
    config = arrowmig.MigrationConfig(casts=(("lines", "price", "double precision"),))
    assert arrowmig.migrate(src, target, config=config).ok
    con = sqlite3.connect(target)
    assert con.execute("SELECT price FROM lines ORDER BY id").fetchall() == [
        (18.4,),
        (0.35,),
        (19.99,),
    ]
    con.close()


def _customers_db(path: Path, postal: str, n: int) -> str:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, postal NVARCHAR(10), n INTEGER)")
    con.executemany(
        "INSERT INTO customer VALUES (?, ?, ?)", [(1, "12227-000", 1), (2, postal, n), (3, "x", 3)]
    )
    con.commit()
    con.close()
    return str(path)


def _old_customers(url: str) -> None:
    pg_exec(
        url,
        "CREATE TABLE customer (id bigint PRIMARY KEY, postal varchar(10), n smallint)",
        "INSERT INTO customer VALUES (7, 'old-7', 7), (8, 'old-8', 8)",
    )


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["truncate", "append"])
@pytest.mark.parametrize(
    ("postal", "n", "told"),
    [
        (
            "12345-67890 ext",
            2,
            "column 'postal' holds text of up to 15 characters, beyond the "
            "target column's character varying(10) (id 2: '12345-67890 ext')",
        ),
        (
            "ok",
            -40000,
            "column 'n' holds integers from -40,000 to 3, beyond the target "
            "column's smallint (id 2: -40000)",
        ),
    ],
)
def test_a_value_the_target_column_cannot_hold_refuses_the_run_before_emptying_anything(
    tmp_path: Path, pg_url: str, mode: str, postal: str, n: int, told: str
) -> None:
    src = _customers_db(tmp_path / "c.db", postal, n)
    _old_customers(pg_url)
    config = arrowmig.MigrationConfig(mode=mode)
    with pytest.raises(SchemaError) as refused:
        explain(src, pg_url, config=config)  # the plan and --dry-run say so too
    assert told in str(refused.value)
    with pytest.raises(SchemaError, match="nothing"):
        arrowmig.migrate(src, pg_url, config=config)
    assert pg_rows(pg_url, "customer", "id") == [(7, "old-7", 7), (8, "old-8", 8)]
    rejects = str(tmp_path / "rejects")
    config = arrowmig.MigrationConfig(mode=mode, on_error="reject", reject_dir=rejects)
    assert arrowmig.migrate(src, pg_url, config=config).rejected == 1
    loaded = {row[0] for row in pg_rows(pg_url, "customer", "id")}
    assert loaded == ({1, 3} if mode == "truncate" else {1, 3, 7, 8})


@pytest.mark.postgres
def test_postgres_and_duckdb_sources_are_checked_alike(tmp_path: Path, pg_url: str) -> None:
    pg_exec(
        pg_url,
        "CREATE SCHEMA old; CREATE TABLE old.customer (id int PRIMARY KEY, postal text, n int)",
        "INSERT INTO old.customer VALUES (1, 'ok', 1), (2, 'ok', 70000)",
    )
    _old_customers(pg_url)
    config = arrowmig.MigrationConfig(mode="truncate", source_schema="old")
    with pytest.raises(SchemaError, match=r"'n' holds integers from 1 to 70,000.*\(id 2: 70000\)"):
        arrowmig.migrate(pg_url, pg_url, config=config)
    duck = str(tmp_path / "c.duckdb")
    con = duckdb.connect(duck)
    con.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, postal VARCHAR, n INTEGER)")
    con.execute(
        "INSERT INTO customer VALUES (1, 'ok', 1), (2, 'ünïcödé-10', 2), (3, 'ünïcödé-100', 3)"
    )
    con.close()
    with pytest.raises(SchemaError, match=r"up to 11 characters.*\(id 3: 'ünïcödé-100'\)"):
        arrowmig.migrate(duck, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert pg_rows(pg_url, "customer", "id") == [(7, "old-7", 7), (8, "old-8", 8)]


@pytest.mark.postgres
def test_one_refusal_names_every_column_that_cannot_go_in(tmp_path: Path, pg_url: str) -> None:
    # Named one per run before: 'ub' alone, then the next column at the next run's first batch.
    duck = str(tmp_path / "p.duckdb")
    con = duckdb.connect(duck)
    con.execute(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, h HUGEINT, ub UBIGINT, d DECIMAL(38,10), "
        "dbl DOUBLE, ok DOUBLE)"
    )
    con.execute(
        "INSERT INTO p VALUES (1, 1, 1, 1.5, 1.5, 1.5), (2, 2::HUGEINT ** 100, "
        "18446744073709551615, 1234567890123.5, 1e308, 0.5)"
    )
    con.close()
    pg_exec(
        pg_url,
        "CREATE TABLE p (id int PRIMARY KEY, h bigint, ub bigint, d numeric(10,2), dbl real, "
        "ok double precision)",
    )
    for mode in ("append", "truncate"):
        with pytest.raises(SchemaError) as refused:
            arrowmig.migrate(duck, pg_url, config=arrowmig.MigrationConfig(mode=mode))
        told = str(refused.value)
        assert "\n" not in told
        for column in ("h", "ub", "d", "dbl"):
            assert f"column {column!r}" in told, column
        assert "id 2: value does not fit the target column's type (real) exactly: 1e+308" in told
        assert "'ok'" not in told
    assert pg_rows(pg_url, "p", "id") == []


def _films_db(path: Path, ratings: list[str]) -> str:
    # Loading a sakila SQLite file into pagila's schema: an enum next to an inet and a text[].
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE film (film_id INTEGER PRIMARY KEY, rating TEXT, ip TEXT, f TEXT)")
    rows = [(i, r, f"10.0.0.{i}", '["Trailers"]') for i, r in enumerate(ratings, 1)]
    con.executemany("INSERT INTO film VALUES (?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return str(path)


def _pagila_film(url: str, rating_type: str) -> None:
    pg_exec(
        url,
        "CREATE SCHEMA app",
        "CREATE TYPE app.mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17')",
        "CREATE DOMAIN app.rating_d AS app.mpaa_rating",
        f"CREATE TABLE app.film (film_id int PRIMARY KEY, rating {rating_type}, ip inet, f text[])",
        "INSERT INTO app.film VALUES (9, 'G', '1.1.1.1', '{old}')",
    )


def _films(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        sql = "SELECT film_id, rating::text, host(ip), f FROM app.film ORDER BY film_id"
        return list(con.execute(sql).fetchall())


@pytest.mark.postgres
def test_an_enum_column_takes_its_text_next_to_columns_the_server_converts(
    tmp_path: Path, pg_url: str
) -> None:
    src = _films_db(tmp_path / "sakila.db", ["PG", "NC-17"])
    _pagila_film(pg_url, "app.mpaa_rating")
    config = arrowmig.MigrationConfig(mode="truncate", target_schema="app")
    report = arrowmig.migrate(src, pg_url, config=config)
    assert report.ok, report.tables[0].error
    assert _films(pg_url) == [
        (1, "PG", "10.0.0.1", ["Trailers"]),
        (2, "NC-17", "10.0.0.2", ["Trailers"]),
    ]


@pytest.mark.postgres
def test_a_text_that_is_no_label_of_the_enum_refuses_the_run_before_emptying(
    tmp_path: Path, pg_url: str
) -> None:
    src = _films_db(tmp_path / "sakila.db", ["PG", "NC17", "X"])
    _pagila_film(pg_url, "app.mpaa_rating")
    config = arrowmig.MigrationConfig(mode="truncate", target_schema="app")
    told = r"'rating' holds 2 texts that are no label of the target column's enum app.mpaa_rating \(film_id 2: 'NC17'\)"
    with pytest.raises(SchemaError, match=told):
        arrowmig.migrate(src, pg_url, config=config)
    assert _films(pg_url) == [(9, "G", "1.1.1.1", ["old"])]


@pytest.mark.postgres
def test_a_domain_over_an_enum_takes_its_labels_and_refuses_others_before_emptying(
    tmp_path: Path, pg_url: str
) -> None:
    # pagila's film.rating through a domain over the enum: its text goes in as the enum's
    # does; a label the enum lacks is refused before the table is emptied.
    _pagila_film(pg_url, "app.rating_d")
    config = arrowmig.MigrationConfig(mode="truncate", target_schema="app")
    unknown = _films_db(tmp_path / "unknown.db", ["PG", "XX"])
    with pytest.raises(
        SchemaError,
        match=r"no label of the target column's enum app.mpaa_rating \(film_id 2: 'XX'\); "
        "nothing has been emptied",
    ):
        arrowmig.migrate(unknown, pg_url, config=config)
    assert _films(pg_url) == [(9, "G", "1.1.1.1", ["old"])]
    src = _films_db(tmp_path / "sakila.db", ["PG", "R"])
    report = arrowmig.migrate(src, pg_url, config=config)
    assert report.ok, report.tables[0].error
    assert _films(pg_url) == [
        (1, "PG", "10.0.0.1", ["Trailers"]),
        (2, "R", "10.0.0.2", ["Trailers"]),
    ]


def _orders_db(path: Path, dates: list[str]) -> str:
    # Northwind's OrderDate: DATETIME text, midnight on every order.
    con = sqlite3.connect(path)
    con.execute('CREATE TABLE "Orders" ("OrderID" INTEGER PRIMARY KEY, "OrderDate" DATETIME)')
    con.executemany('INSERT INTO "Orders" VALUES (?, ?)', enumerate(dates, 10248))
    con.commit()
    con.close()
    return str(path)


@pytest.mark.postgres
def test_datetimes_go_into_a_date_column_by_the_cast_the_error_names_and_only_at_midnight(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(pg_url, 'CREATE TABLE "Orders" ("OrderID" int PRIMARY KEY, "OrderDate" date)')
    src = _orders_db(tmp_path / "nw.db", ["1996-07-04 00:00:00.000", "1996-07-05 00:00:00.000"])
    append = arrowmig.MigrationConfig(mode="append")
    with pytest.raises(SchemaError, match=r"casts=\{'Orders\.OrderDate': 'date'\}: "):
        arrowmig.migrate(src, pg_url, config=append)
    as_text = replace(append, casts=(("Orders", "OrderDate", "text"),))
    # Midnight texts are their dates, as PostgreSQL's '...'::date reads them.
    assert arrowmig.migrate(src, pg_url, config=as_text).ok
    pg_exec(pg_url, 'TRUNCATE "Orders"')
    as_date = replace(append, casts=(("Orders", "OrderDate", "date"),))
    assert arrowmig.migrate(src, pg_url, config=as_date).ok
    assert pg_rows(pg_url, "Orders", "OrderID") == [
        (10248, dt.date(1996, 7, 4)),
        (10249, dt.date(1996, 7, 5)),
    ]


@pytest.mark.postgres
def test_a_time_of_day_a_cast_to_date_would_drop_is_a_bad_value_of_its_row(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(
        pg_url,
        'CREATE TABLE "Orders" ("OrderID" int PRIMARY KEY, "OrderDate" date)',
        """INSERT INTO "Orders" VALUES (1, '2000-01-01')""",
    )
    src = _orders_db(tmp_path / "nw.db", ["1996-07-04 00:00:00.000", "1996-07-05 13:45:00.000"])
    config = arrowmig.MigrationConfig(mode="truncate", casts=(("Orders", "OrderDate", "date"),))
    told = r"1 timestamp with a time of day, which the cast to date would drop \(OrderID 10249"
    with pytest.raises(SchemaError, match=told):
        arrowmig.migrate(src, pg_url, config=config)
    assert pg_rows(pg_url, "Orders", "OrderID") == [(1, dt.date(2000, 1, 1))]
    rejects = tmp_path / "rejects"
    config = replace(config, on_error="reject", reject_dir=str(rejects))
    assert arrowmig.migrate(src, pg_url, config=config).rejected == 1
    assert pg_rows(pg_url, "Orders", "OrderID") == [(10248, dt.date(1996, 7, 4))]
    assert "it holds a time of day" in (rejects / "Orders.jsonl").read_text()
    duck = str(tmp_path / "nw.duckdb")
    con = duckdb.connect(duck)
    con.execute('CREATE TABLE "Orders" ("OrderID" INTEGER PRIMARY KEY, "OrderDate" TIMESTAMP)')
    con.execute("""INSERT INTO "Orders" VALUES (1, '1996-07-04'), (2, '1996-07-05 00:00:01')""")
    con.close()
    with pytest.raises(SchemaError, match=r"\(OrderID 2: '1996-07-05 00:00:01'\)"):
        arrowmig.migrate(duck, pg_url, config=replace(config, on_error="fail", reject_dir=None))


@pytest.mark.parametrize("target_kind", ["duckdb", "postgres", "sqlite"])
def test_duckdb_timestamps_cast_to_an_existing_date_column_keep_infinity_and_refuse_a_time(
    tmp_path: Path, target_kind: str, request: pytest.FixtureRequest
) -> None:
    # The cast an append's refusal recommends stopped with DuckDB's internal errors (no cast
    # of a TIMESTAMPTZ to TIME, no TIME of an infinite TIMESTAMP), and with --on-error
    # reject an infinity was set aside as "it holds a time of day".
    source = duckdb_exec(
        tmp_path / "s.duckdb",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TIMESTAMPTZ, tp TIMESTAMP);"
        "INSERT INTO t VALUES (1, '2024-01-01 00:00:00+00', '2024-01-01'),"
        " (2, '2024-01-02 00:00:00+00', 'infinity'), (3, '2024-01-03 00:00:00+00', '-infinity'),"
        " (4, '2024-01-04 05:00:00+00', NULL)",
    )
    target = target_of(target_kind, tmp_path, request)
    create_in(target_kind, target, "CREATE TABLE t (id integer PRIMARY KEY, ts date, tp date)")
    casts = (("t", "ts", "date"), ("t", "tp", "date"))
    config = arrowmig.MigrationConfig(mode="append", casts=casts)
    try:
        told = failures(arrowmig.migrate(source, target, config=config))
    except SchemaError as refused:
        told = str(refused)
    assert "time of day" in told and "could not be checked" not in told, told
    assert "05:00:00" in told and "infinity" not in told, told
    rejects = tmp_path / "rejects"
    config = replace(config, on_error="reject", reject_dir=str(rejects))
    assert arrowmig.migrate(source, target, config=config).rejected == 1
    (rejected,) = map(json.loads, (rejects / "t.jsonl").read_text().splitlines())
    assert rejected["key"] == {"id": 4}
    assert "it holds a time of day" in rejected["problems"][0]["reason"]
    as_text = {"postgres": "::text", "duckdb": "::VARCHAR", "sqlite": ""}[target_kind]
    query = f"SELECT id, ts{as_text}, tp{as_text} FROM t ORDER BY id"
    if target_kind == "postgres":
        with psycopg.connect(target) as pg:
            rows = pg.execute(query).fetchall()
    elif target_kind == "duckdb":
        with duckdb.connect(target, read_only=True) as duck:
            rows = duck.execute(query).fetchall()
    else:
        with sqlite3.connect(target) as lite:
            rows = lite.execute(query).fetchall()
    assert rows == [
        (1, "2024-01-01", "2024-01-01"),
        (2, "2024-01-02", "infinity"),
        (3, "2024-01-03", "-infinity"),
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["truncate", "append"])
def test_a_table_of_the_same_name_but_for_case_is_named_not_doubled(
    tmp_path: Path, pg_url: str, mode: str
) -> None:
    # pgloader (and any unquoted CREATE TABLE) made track where the source has Track.
    src = str(tmp_path / "chinook.db")
    con = sqlite3.connect(src)
    con.execute("CREATE TABLE Track (TrackId INTEGER PRIMARY KEY, Name TEXT)")
    con.execute("INSERT INTO Track VALUES (1, 'new')")
    con.commit()
    con.close()
    pg_exec(
        pg_url,
        "CREATE TABLE track (trackid bigint PRIMARY KEY, name text)",
        "INSERT INTO track VALUES (1, 'old')",
    )
    config = arrowmig.MigrationConfig(mode=mode)
    told = r"has no table 'Track' but has 'track', which differs only in case.*RENAME TO \"Track\""
    with pytest.raises(SchemaError, match=told):
        arrowmig.migrate(src, pg_url, config=config)
    with psycopg.connect(pg_url) as con:
        tables = con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert [t for (t,) in tables if not t.startswith("_arrowmig")] == ["track"]
    pg_exec(pg_url, 'CREATE TABLE "Track" ("TrackId" bigint PRIMARY KEY, "Name" text)')
    assert arrowmig.migrate(src, pg_url, config=config).ok  # the exact name is the one loaded
    assert pg_rows(pg_url, "Track") == [(1, "new")]
    assert pg_rows(pg_url, "track") == [(1, "old")]


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["truncate", "append"])
def test_a_null_bound_for_a_not_null_column_refuses_the_run_before_emptying_anything(
    tmp_path: Path, pg_url: str, mode: str
) -> None:
    """--mode truncate emptied the table, then COPY refused the NULL: the old rows were gone."""
    src = _customers_db(tmp_path / "c.db", "ok", 2)
    con = sqlite3.connect(src)
    con.execute("UPDATE customer SET postal = NULL WHERE id = 2")
    con.commit()
    con.close()
    pg_exec(
        pg_url,
        "CREATE TABLE customer (id bigint PRIMARY KEY, postal varchar(10) NOT NULL, n smallint)",
        "INSERT INTO customer VALUES (7, 'old-7', 7)",
    )
    config = arrowmig.MigrationConfig(mode=mode)
    with pytest.raises(
        SchemaError, match="column 'postal' holds 1 NULL, and the target column is NOT NULL"
    ):
        arrowmig.migrate(src, pg_url, config=config)
    assert pg_rows(pg_url, "customer", "id") == [(7, "old-7", 7)]


@pytest.mark.postgres
def test_truncate_empties_a_partitioned_table_with_its_partitions(
    tmp_path: Path, pg_url: str
) -> None:
    """Pagila's payment is partitioned and has a foreign key to customer: each partition holds
    a copy of that key, and the run was refused, naming a partition as a table outside it."""
    pg_exec(
        pg_url,
        "CREATE TABLE customer (id bigint PRIMARY KEY, name text)",
        "CREATE TABLE payment (id bigint, customer_id bigint REFERENCES customer (id),"
        " paid date NOT NULL, PRIMARY KEY (id, paid)) PARTITION BY RANGE (paid)",
        "CREATE TABLE payment_2022 PARTITION OF payment"
        " FOR VALUES FROM ('2022-01-01') TO ('2023-01-01')",
        "INSERT INTO customer VALUES (9, 'old')",
        "INSERT INTO payment VALUES (90, 9, '2022-05-01')",
    )
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("CREATE TABLE payment (id INTEGER, customer_id INTEGER, paid DATE NOT NULL)")
    con.execute("INSERT INTO customer VALUES (1, 'new')")
    con.execute("INSERT INTO payment VALUES (10, 1, '2022-06-01')")
    con.commit()
    con.close()
    report = arrowmig.migrate(str(source), pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert report.ok, [t.error for t in report.tables]
    assert pg_rows(pg_url, "customer", "id") == [(1, "new")]
    assert [r[:2] for r in pg_rows(pg_url, "payment", "id")] == [(10, 1)]


def test_text_bound_for_an_integer_column_is_pointed_at_the_integer_cast(tmp_path: Path) -> None:
    """The hint named --cast ...=boolean, which then failed on the first number."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE q (id INTEGER PRIMARY KEY, n INT)")
    con.executemany("INSERT INTO q VALUES (?, ?)", [(1, 5), (2, "abc"), (3, "7")])
    con.commit()
    con.close()
    sqlite3.connect(target).execute("CREATE TABLE q (id INTEGER PRIMARY KEY, n INT) STRICT")
    config = arrowmig.MigrationConfig(mode="append")
    with pytest.raises(arrowmig.ArrowmigError) as refused:
        arrowmig.migrate(str(source), str(target), config=config)
    assert "casts={'q.n': 'bigint'}" in str(refused.value)
    rejects = str(tmp_path / "rejects")
    config = arrowmig.MigrationConfig(
        mode="append", casts=(("q", "n", "bigint"),), on_error="reject", reject_dir=rejects
    )
    report = arrowmig.migrate(str(source), str(target), config=config)
    assert report.rejected == 1
    assert sqlite3.connect(target).execute("SELECT id, n FROM q ORDER BY id").fetchall() == [
        (1, 5),
        (3, 7),
    ]


@pytest.mark.postgres
def test_integers_go_into_a_narrower_numeric_each_checked(tmp_path: Path, pg_url: str) -> None:
    """An ``integer`` into ``numeric(10,2)``: Arrow casts an integer type only into a decimal
    that holds its whole range, so every value was refused, 0 included, and with --on-error
    reject the table then failed with a raw ArrowInvalid."""
    pg_exec(
        pg_url,
        "CREATE SCHEMA src",
        "CREATE TABLE src.t (id int PRIMARY KEY, qty integer)",
        "INSERT INTO src.t VALUES (1, 0), (2, 1), (3, -999), (4, NULL), (5, 123456789)",
        "CREATE TABLE public.t (id int PRIMARY KEY, qty numeric(10,2))",
    )
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(
        mode="append",
        on_error="reject",
        reject_dir=str(rejects),
        source_schema="src",
        target_schema="public",
    )
    report = arrowmig.migrate(pg_url, pg_url, config=config)
    assert report.rejected == 1, [t.error for t in report.tables]
    assert pg_rows(pg_url, "t", "id") == [
        (1, Decimal("0.00")),
        (2, Decimal("1.00")),
        (3, Decimal("-999.00")),
        (4, None),
    ]
    assert '"row": [5, 123456789]' in (rejects / "t.jsonl").read_text()


def test_sqlite_integers_go_into_a_duckdb_decimal_that_holds_them(tmp_path: Path) -> None:
    source, target = tmp_path / "s.db", str(tmp_path / "t.duckdb")
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(1, 0), (2, 1), (3, 999)])
    con.commit()
    con.close()
    duckdb.connect(target).execute("CREATE TABLE t (id INTEGER PRIMARY KEY, qty DECIMAL(4,1))")
    report = arrowmig.migrate(str(source), target, config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok, [t.error for t in report.tables]
    assert duckdb_rows(target, "t", "id") == [
        (1, Decimal("0.0")),
        (2, Decimal("1.0")),
        (3, Decimal("999.0")),
    ]
    con = sqlite3.connect(source)
    con.execute("INSERT INTO t VALUES (4, 12345)")
    con.commit()
    con.close()
    # Found before the truncate empties the table, which keeps its rows.
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(str(source), target, config=arrowmig.MigrationConfig(mode="truncate"))
    assert (
        "id 4: value does not fit the target column's type (DECIMAL(4,1)) exactly: 12345; "
        "nothing has been emptied or written" in refused.value.message
    )
    assert len(duckdb_rows(target, "t", "id")) == 3


def test_a_refused_key_does_not_hide_a_later_refused_value(tmp_path: Path) -> None:
    # The scan for qty's first refused value reads the key too: the key's own values out of
    # range (refused already by their bound) stopped it before qty's row was met.
    source, target = tmp_path / "s.db", str(tmp_path / "t.duckdb")
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER)")
    rows = [(1, 0), (3_000_000_000, 0), (4_000_000_000, 12345)]
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    con.commit()
    con.close()
    duckdb.connect(target).execute("CREATE TABLE t (id INTEGER PRIMARY KEY, qty DECIMAL(4,1))")
    one_row_a_batch = arrowmig.BatchConfig(batch_rows=1)
    config = arrowmig.MigrationConfig(mode="truncate", batch=one_row_a_batch)
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(str(source), target, config=config)
    assert "column 'id' holds integers from 1 to 4,000,000,000" in refused.value.message
    assert "column 'qty', id 4000000000: value does not fit" in refused.value.message


@pytest.mark.postgres
def test_a_refused_append_suggests_only_a_cast_that_fits_and_it_loads(pg_url: str) -> None:
    """A date bound for a timestamp column was pointed at --cast ...=epoch_ms (integers read as
    milliseconds), and a numeric bound for a real at --cast ...=bigint, which refuses 1.5."""
    pg_exec(
        pg_url,
        "CREATE SCHEMA src",
        "CREATE TABLE src.t (id int PRIMARY KEY, d date, n numeric)",
        "INSERT INTO src.t VALUES (1, '2020-01-02', 1.5)",
        "CREATE TABLE public.t (id int PRIMARY KEY, d timestamp, n numeric)",
    )
    config = arrowmig.MigrationConfig(mode="append", source_schema="src", target_schema="public")
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(pg_url, pg_url, config=config)
    assert refused.value.hint == f"add casts={{'t.d': 'timestamp'}}; {in_python_words(LAST_RESORT)}"
    pg_exec(pg_url, "ALTER TABLE public.t ALTER COLUMN d TYPE date, ALTER COLUMN n TYPE real")
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(pg_url, pg_url, config=config)
    assert (
        refused.value.hint
        == f"add casts={{'t.n': 'double precision'}}; {in_python_words(LAST_RESORT)}"
    )
    pg_exec(pg_url, "ALTER TABLE public.t ALTER COLUMN d TYPE timestamp")
    casts = (("t", "d", "timestamp"), ("t", "n", "double precision"))
    report = arrowmig.migrate(pg_url, pg_url, config=replace(config, casts=casts))
    assert report.ok, [t.error for t in report.tables]
    assert pg_rows(pg_url, "t") == [(1, dt.datetime(2020, 1, 2), 1.5)]


@pytest.mark.postgres
def test_the_plan_shows_the_existing_tables_not_null_and_defaults(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The rows go into the table as it is: the source's NOT NULL and defaults are not its.
    pg_exec(
        pg_url,
        "CREATE TABLE t (id bigserial PRIMARY KEY, c bigint NOT NULL DEFAULT 7, d text)",
        "INSERT INTO t (c, d) VALUES (1, 'a')",
    )
    pg_exec(
        second_pg, "CREATE TABLE t (id bigint PRIMARY KEY, c bigint, d text NOT NULL DEFAULT 'x')"
    )
    from arrowmig.cli import main

    for mode in ("append", "truncate"):
        assert main(["plan", pg_url, second_pg, "--mode", mode, "--json"]) == 0
        columns = json.loads(capsys.readouterr().out)["tables"][0]["columns"]
        assert [(c["name"], c["nullable"], c["default"]) for c in columns] == [
            ("id", False, None),
            ("c", True, None),
            ("d", False, "'x'::text"),
        ]
    assert main(["plan", pg_url, second_pg, "--mode", "append"]) == 0
    lines = [line.split() for line in capsys.readouterr().err.splitlines()]
    assert ["c", "bigint", "-", "int64", "BIGINT"] in lines
    assert ["d", "text", "-", "string", "TEXT", "NOT", "NULL"] in lines


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("batch_rows", "holds"), [(2, "only the 4 rows loaded before"), (100, "no rows")]
)
def test_a_truncate_that_fails_after_emptying_says_so_and_what_the_table_holds(
    pg_url: str, second_pg: str, batch_rows: int, holds: str
) -> None:
    # A CHECK only the target judges stops the table after --mode truncate emptied it: the
    # report named the failure alone, not that the table's own rows were gone.
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, n int)",
        "INSERT INTO t SELECT g, g FROM generate_series(1, 5) g",
        "INSERT INTO t VALUES (6, -1)",
    )
    pg_exec(
        second_pg,
        "CREATE TABLE t (id int PRIMARY KEY, n int CHECK (n > 0))",
        "INSERT INTO t VALUES (100, 1)",
    )
    batch = arrowmig.BatchConfig(batch_rows=batch_rows)
    report = arrowmig.migrate(
        pg_url, second_pg, config=arrowmig.MigrationConfig(mode="truncate", batch=batch)
    )
    (table,) = report.tables
    assert table.status == "failed"
    said = f"mode='truncate' emptied 't' before it failed: its earlier rows are gone, and it now holds {holds}"
    assert any(n.startswith(said) for n in table.notes), table.notes
    assert (100, 1) not in pg_rows(second_pg, "t")


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["append", "truncate"])
def test_the_type_a_created_column_would_get_is_not_said_of_an_existing_one(
    tmp_path: Path, pg_url: str, mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Said of a Django table's numeric(10,2) and varchar(10), "a 64-bit float keeps each
    # value" and "text" contradicted what happened: each column kept its type, and the rows
    # it could not hold were set aside.
    src = str(tmp_path / "m.db")
    con = sqlite3.connect(src)
    con.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, cost DECIMAL(10,2), name VARCHAR(10))")
    con.executemany(
        "INSERT INTO m VALUES (?, ?, ?)", [(1, 1.5, "short"), (2, 0.125, "a"), (3, 2.25, "x" * 11)]
    )
    con.commit()
    con.close()
    from arrowmig.cli import main

    def plan() -> dict[str, list[str]]:
        args = ["plan", src, pg_url, "--mode", mode, "--on-error", "reject", "--json"]
        assert main(args) == 0
        (table,) = json.loads(capsys.readouterr().out)["tables"]
        return {
            "notes": [n for n in table["notes"] if n.startswith(("cost: ", "name: "))],
            "flags": [f for c in table["columns"] for f in c["flags"]],
        }

    # A table the run creates gets the types the values need, and the plan says why.
    created = plan()["notes"]
    assert [n.split(" but ")[0] for n in created] == [
        "cost: declared DECIMAL(10,2)",
        "name: declared VARCHAR(10)",
    ]
    pg_exec(
        pg_url,
        "CREATE TABLE m (id bigserial PRIMARY KEY, cost numeric(10,2) NOT NULL, "
        "name varchar(10) NOT NULL)",
    )
    assert plan() == {"notes": [], "flags": []}
    config = arrowmig.MigrationConfig(
        mode=mode, on_error="reject", reject_dir=str(tmp_path / "rejects")
    )
    report = arrowmig.migrate(src, pg_url, config=config)
    assert not [n for n in report.tables[0].notes if n.startswith(("cost: ", "name: "))]
    assert report.rejected == 2
    assert pg_rows(pg_url, "m", "id") == [(1, Decimal("1.50"), "short")]


def test_text_that_is_no_uuid_is_named_by_its_row_in_an_existing_duckdb_uuid_column(
    tmp_path: Path,
) -> None:
    """DuckDB's insert failed the whole table on 'nope' in its own words, naming no row, and
    --on-error reject set nothing aside; the row's reject record left the uuid off."""
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, u TEXT, n TEXT)",
        [(1, "0123456789abcdef0123456789abcdef", "1"), (2, "nope", "x"), (3, None, "3")],
    )
    target = duckdb_exec(
        tmp_path / "t.duckdb",
        "CREATE TABLE t (id BIGINT PRIMARY KEY, u UUID, n INTEGER); "
        "INSERT INTO t VALUES (9, '11111111-1111-1111-1111-111111111111', 9)",
    )
    config = arrowmig.MigrationConfig(mode="append", casts=(("t", "n", "integer"),))
    failed = arrowmig.migrate(source, target, config=config)
    assert failed.tables[0].error is not None
    assert failed.tables[0].error.startswith(
        "table 't', column 'u', id 2: value does not convert to the target column's uuid: "
        "'nope'; also column 'n', id 2: value does not convert to integer: 'x'"
    )
    with pytest.raises(SchemaError, match="'x'; nothing has been emptied or written"):
        arrowmig.migrate(source, target, config=replace(config, mode="truncate"))
    assert [row[0] for row in duckdb_rows(target, "t", "id")] == [9]
    rejects = tmp_path / "rejects"
    config = replace(config, on_error="reject", reject_dir=str(rejects))
    assert arrowmig.migrate(source, target, config=config).rejected == 1
    assert [(i, str(u), n) for i, u, n in duckdb_rows(target, "t", "id")] == [
        (1, "01234567-89ab-cdef-0123-456789abcdef", 1),
        (3, "None", 3),
        (9, "11111111-1111-1111-1111-111111111111", 9),
    ]
    (rejected,) = map(json.loads, (rejects / "t.jsonl").read_text().splitlines())
    assert rejected["key"] == {"id": 2}
    assert [p["column"] for p in rejected["problems"]] == ["u", "n"]
