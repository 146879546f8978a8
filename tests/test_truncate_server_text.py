"""Text the server converts (into an existing uuid, inet, cidr, macaddr, json or numeric
column), or that is converted on its way (into a date or timestamp column, by --cast to
boolean): one value it cannot read ('banana') stopped --mode truncate after the table had
been emptied. Each is now named before anything is emptied, and --on-error reject sets its
row aside. The grammars that find such text never refuse one the server reads.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

import arrowmig
from arrowmig.errors import SchemaError
from arrowmig.pg_input_text import unreadable_texts
from tests.dbutil import pg_exec, sqlite_table

pytestmark = pytest.mark.postgres

UUID = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"

READ_BY_SERVER = {
    "uuid": UUID,
    "inet": "10.0.0.1",
    "cidr": "10.1/16",
    "macaddr": "08:00:2b:01:02:03",
    "macaddr8": "08:00:2b:01:02:03:04:05",
    "json": '{"a": 1}',
    "jsonb": "[1, 2]",
    "numeric": "12.50",
}
CASES = [
    # (target type, a value it reads, what the refusal says, --cast)
    *(
        (t, good, f"value does not convert to the target column's {t}", None)
        for t, good in READ_BY_SERVER.items()
    ),
    ("date", "2024-01-02", "value does not fit the target column's type (date) exactly", None),
    (
        "timestamptz",
        "2024-01-02 03:04:05",
        "value does not fit the target column's type (timestamptz) exactly",
        None,
    ),
    ("boolean", "true", "value does not convert to boolean", "boolean"),
]


@pytest.mark.parametrize(("type_sql", "good", "said", "cast"), CASES, ids=[c[0] for c in CASES])
def test_text_the_target_cannot_read_is_named_before_the_table_is_emptied(
    pg_url: str, tmp_path: Path, type_sql: str, good: str, said: str, cast: str | None
) -> None:
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
        [(1, good), (2, "banana"), (3, None)],
    )
    pg_exec(pg_url, f"CREATE TABLE t (id bigint PRIMARY KEY, v {type_sql})")
    pg_exec(pg_url, "INSERT INTO t VALUES (9, %s)", params=[good])
    casts = (("t", "v", cast),) if cast else ()
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(
            source, pg_url, config=arrowmig.MigrationConfig(mode="truncate", casts=casts)
        )
    assert refused.value.message == (
        f"table 't', column 'v', id 2: {said}: 'banana'; nothing has been emptied or written"
    )
    assert _ids(pg_url) == [9]  # the table keeps its rows

    config = arrowmig.MigrationConfig(
        mode="truncate", casts=casts, on_error="reject", reject_dir=str(tmp_path / "rj")
    )
    report = arrowmig.migrate(source, pg_url, config=config)
    assert report.tables[0].rejected == 1
    assert _ids(pg_url) == [1, 3]


def _ids(url: str) -> list[int]:
    with psycopg.connect(url) as con:
        return [i for (i,) in con.execute("SELECT id FROM t ORDER BY id").fetchall()]


READ = {
    "uuid": [
        UUID,
        UUID.upper(),
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
        "a0eebc999c0b4ef8bb6d6bb9bd380a11",
        "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
        "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
    ],
    "inet": [
        "192.168.0.1",
        "192.168.0.1/24",
        "10.1/16",
        "010.0.0.1",
        "0.0.0.0/0",
        "::1",
        "::",
        "::ffff:1.2.3.4",
        "fe80::1/64",
        "2001:DB8::8:800:200C:417A",
    ],
    "cidr": [
        "10",
        "10.1",
        "10.1.2",
        "10.1/16",
        "192.168.100.128/25",
        "0x0a000000",
        "2001:4f8:3:ba::/64",
        "::ffff:1.2.3.0/120",
    ],
    "macaddr": [
        "08:00:2b:01:02:03",
        "08-00-2b-01-02-03",
        "08002b:010203",
        "08002b-010203",
        "0800.2b01.0203",
        "0800-2b01-0203",
        "08002b010203",
        "08:00:2B:01:02:03",
        " 8:0:2b:1:2:3 ",
        "08: 00:2b:01:02:03",
        "0X8:0:2b:1:2:3",
        "08002b 010203",
    ],
    "macaddr8": [
        "08:00:2b:01:02:03:04:05",
        "08-00-2b-01-02-03-04-05",
        "08002b:0102030405",
        "08002b-0102030405",
        "0800.2b01.0203.0405",
        "0800-2b01-0203-0405",
        "08002b01:02030405",
        "08002b0102030405",
        "08:00:2b:01:02:03",
    ],
    "numeric": [
        "1",
        "-1.5",
        "+.5",
        "1.",
        "1e10",
        "1E-3",
        "00012.3400",
        " 12 ",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "+Infinity",
        "  -Inf  ",
        "INFINITY",
        "1e+5",
        ".5e-3",
        "5.e2",
    ],
    "json": [
        '{"a": [1, {"b": null}]}',
        "[]",
        "{}",
        '"x"',
        '"\\u00e9"',
        "1",
        "-0.5e3",
        "true",
        "false",
        "null",
        " \n[1]\n ",
    ],
}
READ["jsonb"] = READ["json"]
REFUSED = ["banana", "", "N/A", "unknown"]


@pytest.mark.parametrize("type_sql", list(READ))
def test_no_text_the_server_reads_is_refused_unread(pg_url: str, type_sql: str) -> None:
    with psycopg.connect(pg_url) as con:
        for text in READ[type_sql]:
            con.execute(f"SELECT %s::text::{type_sql}", (text,))
    assert not any(unreadable_texts(type_sql, pa.array(READ[type_sql])).to_pylist())


@pytest.mark.parametrize("type_sql", list(READ))
def test_text_the_server_cannot_read_is_named(pg_url: str, type_sql: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        for text in REFUSED:
            with pytest.raises(psycopg.errors.DataError):
                con.execute(f"SELECT %s::text::{type_sql}", (text,))
    assert all(unreadable_texts(type_sql, pa.array(REFUSED)).to_pylist())
