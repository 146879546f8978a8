"""The hashing core of ``verify``: DuckDB hashes Arrow streams into order-independent table
and column checksums, and a disk-backed store finds the keys whose rows differ.

Only ``pa.RecordBatchReader``s come in, with the per-column hash SQL ``normalise`` wrote.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from arrowmig import interval_iso, interval_text, json_canon, nested_json, verify_arrays
from arrowmig.duckdb_connection import connect_duckdb
from arrowmig.endpoints.validate import text_or_bytes
from arrowmig.normalise import plain_type, quote

# -- streams ------------------------------------------------------------------------------


def plain_reader(reader: pa.RecordBatchReader) -> pa.RecordBatchReader:
    """The same stream with types DuckDB cannot scan (extension types, half floats) replaced
    by their storage, and nested values by their JSON text as migrate writes them (DuckDB's
    own to_json writes blobs, intervals and NaN otherwise), batch by batch."""
    schema = reader.schema
    fixes = [
        i
        for i, f in enumerate(schema)
        if isinstance(f.type, pa.ExtensionType)
        or pa.types.is_float16(f.type)
        or nested_json.is_nested(f.type)
    ]
    if not fixes:
        return reader
    fields = list(schema)
    for i in fixes:
        fields[i] = pa.field(fields[i].name, _scanned_type(fields[i].type), nullable=True)
    new_schema = pa.schema(fields)

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            cols = list(batch.columns)
            for i in fixes:
                col = cols[i]
                if isinstance(col, pa.ExtensionArray):
                    col = col.storage
                if pa.types.is_float16(col.type):
                    col = pc.cast(col, pa.float32())
                if nested_json.is_nested(col.type):
                    # As migrate writes it where the target keeps JSON (normalise: JSON).
                    col = nested_json.json_texts(col)
                cols[i] = col
            yield pa.RecordBatch.from_arrays(cols, schema=new_schema)

    return pa.RecordBatchReader.from_batches(new_schema, batches())


STREAM = "__arrowmig_stream"
"""The name a stream is scanned by in the statements run within ``scanning``."""


@contextmanager
def scanning(con: duckdb.DuckDBPyConnection, reader: pa.RecordBatchReader) -> Iterator[None]:
    """``reader`` registered as STREAM for the statements run inside. An error the stream
    raised (an endpoint's one-line ArrowmigError) is raised as it was: DuckDB's own wraps
    its text in "reading the stream registered as ..." and the Python traceback."""
    raised: list[Exception] = []

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        except Exception as exc:
            raised.append(exc)
            raise

    con.register(STREAM, pa.RecordBatchReader.from_batches(reader.schema, batches()))
    try:
        yield
    except duckdb.Error as exc:
        if raised:
            raise raised[0] from exc
        raise
    finally:
        con.unregister(STREAM)


def _scanned_type(t: pa.DataType) -> pa.DataType:
    return pa.string() if nested_json.is_nested(t) else plain_type(t)


@dataclass
class Checksum:
    """Order-independent fingerprint of a stream of rows."""

    rows: int = 0
    row_sum: int = 0
    """Sum of the 64-bit row hashes (a Python int: exact however many rows)."""
    column_sums: list[int] = field(default_factory=list)
    column_nulls: list[int] = field(default_factory=list)
    negative_zeros: list[int] = field(default_factory=list, compare=False)
    """Per column, its values of -0.0 (0 for a column that is no float): a target that
    cannot hold them (SQLite) is named as the cause of a difference."""
    zone_named: list[tuple[int, str | None]] = field(default_factory=list, compare=False)
    """Per column, its timestamp texts compared as text for naming their zone in a way
    parsers read apart (``normalise.zone_named``), and the least of them: said in the report."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "row_sum": str(self.row_sum),
            "column_sums": [str(s) for s in self.column_sums],
            "column_nulls": self.column_nulls,
            "negative_zeros": self.negative_zeros,
            "zone_named": self.zone_named,
        }


def row_hash_sql(column_sqls: Sequence[str]) -> str:
    """One 64-bit hash per row from its column hashes, in column order.

    The outer hash() re-mixes the combined value, so that moving values between rows changes
    the sum of row hashes even where the combining step alone is close to linear.
    """
    if not column_sqls:
        return "hash(0)"
    return f"hash(hash({', '.join(column_sqls)}))"


def new_engine(threads: int = 2, memory_limit: str = "256MB") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for hashing: UTC session time zone, bounded memory."""
    con = connect_duckdb()
    con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET TimeZone = 'UTC'")
    json_canon.register(con)
    interval_text.register(con)
    interval_iso.register(con)
    verify_arrays.register(con)
    return con


def checksum_reader(
    con: duckdb.DuckDBPyConnection,
    reader: pa.RecordBatchReader,
    column_sqls: Sequence[str],
    null_columns: Sequence[str],
    zone_named: Sequence[str | None] = (),
) -> Checksum:
    """Hash a whole stream in one DuckDB scan: row count, sum of row hashes, and per column
    the sum of value hashes and the null count; and the values each ``zone_named``
    condition holds of (a column's without one: none).

    Why a sum and not an XOR: XOR cancels a row that appears twice (a duplicated row would be
    invisible), and XOR is blind to two equal rows both missing. The sum of the 64-bit hashes
    kept as a HUGEINT, together with the row count, changes when any row is added, dropped,
    duplicated or altered, and does not depend on the order or batching of the rows.
    DuckDB streams the reader and aggregates without grouping, so memory stays flat.
    """
    reader = plain_reader(reader)
    floats = {f.name for f in reader.schema if pa.types.is_floating(f.type)}
    hashes = ", ".join(f"{sql} AS h{i}" for i, sql in enumerate(column_sqls))
    row = row_hash_sql([f"h{i}" for i in range(len(column_sqls))])
    parts = ["count(*)", f"sum({row}::HUGEINT)"]
    # Conditional counts as count_if and CASE, never as FILTER (WHERE ...): DuckDB gives each
    # filtered aggregate a chunk of every column it scans, so a table of 600 floats took
    # 1.7 GB to verify 20 rows (memory grew with the columns squared).
    for i, name in enumerate(null_columns):
        parts.append(f"sum(h{i}::HUGEINT)")
        parts.append(f"count(*) - count({quote(name)})")
        zero = f"{quote(name)} = 0 AND signbit({quote(name)})"
        parts.append(f"count_if({zero})" if name in floats else "0")
        zoned = zone_named[i] if i < len(zone_named) else None
        if zoned is None:
            parts.extend(["0", "NULL"])
        else:
            parts.append(f"count_if({zoned})")
            parts.append(f"min(CASE WHEN {zoned} THEN {quote(name)}::VARCHAR END)")
    select_from = f"(SELECT *{', ' + hashes if hashes else ''} FROM {STREAM})"
    sql = f"SELECT {', '.join(parts)} FROM {select_from}"
    with scanning(con, reader):
        rows = con.execute(sql).fetchall()
        result = rows[0] if rows else None
    assert result is not None
    n = len(column_sqls)
    return Checksum(
        rows=int(result[0]),
        row_sum=int(result[1] or 0),
        column_sums=[int(result[2 + 5 * i] or 0) for i in range(n)],
        column_nulls=[int(result[3 + 5 * i]) for i in range(n)],
        # DuckDB's count_if is NULL, not 0, over no rows (an empty table, all NULLs).
        negative_zeros=[int(result[4 + 5 * i] or 0) for i in range(n)],
        zone_named=[(int(result[5 + 5 * i] or 0), result[6 + 5 * i]) for i in range(n)],
    )


def count_reader(con: duckdb.DuckDBPyConnection, reader: pa.RecordBatchReader) -> int:
    """Rows in a stream, counted as it goes by."""
    with scanning(con, plain_reader(reader)):
        rows = con.execute(f"SELECT count(*) FROM {STREAM}").fetchall()
        result = rows[0] if rows else None
    assert result is not None
    return int(result[0])


# -- diff localisation --------------------------------------------------------------------


def _shown(field: pa.Field) -> str:
    """A column of a differing row as the report shows it: dates, times and intervals as
    DuckDB's text. Python's own types would show a nanosecond timestamp or time cut to
    microseconds, ±infinity as 9999-12-31 and 0001-01-01, an interval of a month as 30 days,
    and could not hold one of 2,147,483,647 months at all (the verify stopped)."""
    t = field.type
    temporal = (
        pa.types.is_timestamp(t)
        or pa.types.is_date(t)
        or pa.types.is_time(t)
        or pa.types.is_duration(t)
        or pa.types.is_interval(t)
    )
    name = quote(field.name)
    # A float4 as its own shortest text ('1.5000001'), read back as a number below: widened
    # to a double it would print as 1.5000001192092896.
    return f"{name}::VARCHAR AS {name}" if temporal or pa.types.is_float32(t) else name


HELD_BYTES = 1 << 20
"""A differing row's text or blob longer than this is not read back whole (twenty of them
would pass the store's memory limit): it is shown by its length and its MD5 digest."""


class LongValue(str):
    """A text or blob too long to read back, in words: its length and digest."""

    def __repr__(self) -> str:
        return f"<{self}>"


def _summarised(field: pa.Field) -> bool:
    t = field.type
    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary)
    return any(bool(kind(t)) for kind in (*kinds, pa.types.is_large_binary))


def _read_back(field: pa.Field) -> str:
    """SQL of a differing row's column as read back: a long text or blob as NULL (its words
    are ``_summary``), so that the rows kept stay small."""
    if not _summarised(field):
        return _shown(field)
    name = quote(field.name)
    return f"CASE WHEN {_size(field)} > {HELD_BYTES} THEN NULL ELSE {name} END AS {name}"


def _size(field: pa.Field) -> str:
    name = quote(field.name)
    text = pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
    return f"strlen({name})" if text else f"octet_length({name})"


def _summary(field: pa.Field) -> str:
    """SQL of a long value's words (NULL for a value read back whole)."""
    name = quote(field.name)
    t = field.type
    text = pa.types.is_string(t) or pa.types.is_large_string(t)
    what = (
        f"'text of ' || format('{{:,}}', length({name})) || ' characters'"
        if text
        else f"'blob of ' || format('{{:,}}', octet_length({name})) || ' bytes'"
    )
    return f"CASE WHEN {_size(field)} > {HELD_BYTES} THEN {what} || ', MD5 ' || md5({name}) END"


def python_values(column: pa.ChunkedArray) -> list[Any]:
    """A column's values in Python; text that is not UTF-8 (a SQL_ASCII database's bytes, a
    SQLite file's) as the bytes it is, where decoding it stopped the verify."""
    try:
        values: list[Any] = column.to_pylist()
    except UnicodeDecodeError:
        return [text_or_bytes(v) for v in column.cast(pa.binary()).to_pylist()]
    return values


class DiffStore:
    """A disk-backed DuckDB database that holds (key hash, row hash, key) per row of both
    sides of one table, and finds the keys whose rows differ.

    Why this rather than narrowing key ranges recursively (split, re-checksum, recurse):
    it costs one more sequential read per side instead of O(log n) range reads per
    difference; it works for composite keys, keys of any type and tables without a split
    key; and a join on hashed keys needs no agreement on how two databases order text
    (collations) because it never compares ranges. The database lives in a temporary
    directory with a memory limit, so DuckDB spills to disk instead of growing the process.
    """

    def __init__(self, directory: str, *, memory_limit: str = "256MB", threads: int = 2) -> None:
        self.directory = directory
        self.con = connect_duckdb(f"{directory}/diff.duckdb")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute(f"SET temp_directory = '{directory}/spill'")
        self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET preserve_insertion_order = false")
        json_canon.register(self.con)
        interval_text.register(self.con)
        interval_iso.register(self.con)
        verify_arrays.register(self.con)

    def close(self) -> None:
        self.con.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection to the same database for another thread."""
        cur = self.con.cursor()
        cur.execute("SET TimeZone = 'UTC'")
        return cur

    def prepare(self, side: str, key_names: Sequence[str]) -> None:
        keys = "".join(f", k{i} VARCHAR" for i in range(len(key_names)))
        self.con.execute(f"CREATE OR REPLACE TABLE {side} (kh UBIGINT, rh UBIGINT{keys})")
        self.con.execute("CREATE OR REPLACE TABLE marked (kh UBIGINT)")

    def mark(self, keys: Collection[str]) -> None:
        """Count the target's rows of these keys (one key column, as text) as differing,
        although their values hash alike: a SQLite target's text not in the form arrowmig
        writes (``verify_sqlite.misformed_rows``)."""
        if keys:
            listed = pa.table({"k": pa.array(list(keys), pa.string())})
            self.con.register("marked_keys", listed)
            try:
                self.con.execute(
                    "INSERT INTO marked SELECT DISTINCT kh FROM tgt "
                    "WHERE k0 IN (SELECT k FROM marked_keys)"
                )
            finally:
                self.con.unregister("marked_keys")

    def load(
        self,
        cur: duckdb.DuckDBPyConnection,
        side: str,
        reader: pa.RecordBatchReader,
        column_sqls: Sequence[str],
        key_sqls: Sequence[str],
        key_names: Sequence[str],
    ) -> None:
        """Stream one side into the store (call ``prepare`` first, one side per thread)."""
        reader = plain_reader(reader)
        rh = row_hash_sql(column_sqls)
        kh = f"hash({', '.join(key_sqls)})" if key_sqls else rh
        keys = "".join(f", {quote(k)}::VARCHAR" for k in key_names)
        with scanning(cur, reader):
            cur.execute(f"INSERT INTO {side} SELECT {kh}, {rh}{keys} FROM {STREAM}")

    def differences(self, n_keys: int, limit: int) -> tuple[int, list[tuple[Any, ...]]]:
        """(number of differing keys, up to ``limit`` of them as
        (key hash, source rows, target rows, key values...)), ordered by key."""
        ks = "".join(f", min(k{i}) AS k{i}" for i in range(n_keys))
        pick = "".join(f", coalesce(s.k{i}, t.k{i}) AS k{i}" for i in range(n_keys))
        base = f"""
            WITH s AS (SELECT kh, count(*) AS n, sum(rh::HUGEINT) AS hs{ks} FROM src GROUP BY kh),
                 t AS (SELECT kh, count(*) AS n, sum(rh::HUGEINT) AS hs{ks} FROM tgt GROUP BY kh)
            SELECT coalesce(s.kh, t.kh) AS kh, coalesce(s.n, 0) AS sn, coalesce(t.n, 0) AS tn{pick}
            FROM s FULL OUTER JOIN t ON s.kh = t.kh
            WHERE s.n IS DISTINCT FROM t.n OR s.hs IS DISTINCT FROM t.hs
               OR coalesce(s.kh, t.kh) IN (SELECT kh FROM marked)
        """
        self.con.execute(f"CREATE OR REPLACE TABLE differing AS {base}")
        self._mark_copies(keyed=n_keys > 0)
        total_rows = self.con.execute("SELECT count(*) FROM differing").fetchall()
        total = int(total_rows[0][0]) if total_rows else 0
        key_cols = ", ".join(f"k{i}" for i in range(n_keys))
        # Keys are kept as text; integer keys still sort as numbers.
        order = (
            ", ".join(f"TRY_CAST(k{i} AS HUGEINT), k{i}" for i in range(n_keys)) if n_keys else "kh"
        )
        got = self.con.sql(
            f"SELECT kh, sn, tn{', ' + key_cols if key_cols else ''} FROM differing "
            f"ORDER BY {order} LIMIT {int(limit)}"
        ).to_arrow_table()
        rows = list(zip(*(python_values(c) for c in got.columns), strict=True))
        self.con.execute(
            f"CREATE OR REPLACE TABLE wanted AS SELECT kh FROM differing "
            f"ORDER BY {order} LIMIT {int(limit)}"
        )
        return total, rows

    def _mark_copies(self, *, keyed: bool) -> None:
        """Marks (``copies``) the differing keys both sides hold the same rows of, only in
        other counts: a row loaded twice into a target without the key constraint changes
        no value. Without a key none is marked: a row is its own key there, and the rows
        both sides hold in other counts are what ``rows_apart`` and ``one_sided_sums`` tell
        apart from the rows only one side holds."""
        copies = "false"
        if keyed:
            both = "SELECT kh FROM differing WHERE sn > 0 AND tn > 0 AND sn <> tn"
            side = "SELECT DISTINCT kh, rh FROM {} WHERE kh IN (" + both + ")"
            s, t = side.format("src"), side.format("tgt")
            apart = f"SELECT kh FROM (({s} EXCEPT {t}) UNION ALL ({t} EXCEPT {s}))"
            copies = f"(sn > 0 AND tn > 0 AND sn <> tn AND kh NOT IN ({apart}))"
        self.con.execute(
            f"CREATE OR REPLACE TABLE differing AS SELECT *, {copies} AS copies FROM differing"
        )

    def one_sided(self) -> tuple[int, int, int]:
        """Of the keys ``differences`` found: (rows the source holds more of than the target,
        rows the target holds more of, keys both sides hold rows of that differ)."""
        got = self.con.execute(
            "SELECT coalesce(sum(greatest(sn - tn, 0)), 0), coalesce(sum(greatest(tn - sn, 0)), 0),"
            " count(*) FILTER (WHERE sn > 0 AND tn > 0 AND NOT copies) FROM differing"
        ).fetchall()
        lost, extra, shared = got[0]
        return int(lost), int(extra), int(shared)

    def copies(self) -> tuple[int, int]:
        """Of the rows ``one_sided`` counts, those that are copies of a row of a key both
        sides hold alike (``_mark_copies``): (copies the target lacks, copies it adds)."""
        got = self.con.execute(
            "SELECT coalesce(sum(greatest(sn - tn, 0)), 0), coalesce(sum(greatest(tn - sn, 0)), 0)"
            " FROM differing WHERE copies"
        ).fetchall()
        return int(got[0][0]), int(got[0][1])

    def rows_apart(self) -> tuple[int, int]:
        """Of the keys ``differences`` found, without a key (rows): the rows only the source
        holds and those only the target holds; a row both hold, in other counts, is neither."""
        got = self.con.execute(
            "SELECT coalesce(sum(sn) FILTER (WHERE tn = 0), 0),"
            " coalesce(sum(tn) FILTER (WHERE sn = 0), 0) FROM differing"
        ).fetchall()
        return int(got[0][0]), int(got[0][1])

    def one_sided_sums(
        self,
        cur: duckdb.DuckDBPyConnection,
        reader: pa.RecordBatchReader,
        column_sqls: Sequence[str],
        names: Sequence[str],
        key_sqls: Sequence[str],
    ) -> tuple[list[int], list[int]]:
        """Per column, the sum of value hashes and the null count (as ``checksum_reader``
        counts them) of a side's rows whose key the other side lacks (``differences``), in
        one more pass: taken from the whole table's, they leave those of the rows both sides
        hold. Without ``key_sqls`` (a table without a key), of a side's rows that both sides
        hold in other counts: taken out, they leave the rows only one side holds, among
        which a changed value is a row on each side."""
        reader = plain_reader(reader)
        kh = f"hash({', '.join(key_sqls)})" if key_sqls else row_hash_sql(column_sqls)
        which = "sn = 0 OR tn = 0 OR copies" if key_sqls else "sn > 0 AND tn > 0"
        hs = "".join(f", {sql} AS __h{i}" for i, sql in enumerate(column_sqls))
        parts = []
        for i, name in enumerate(names):
            parts += [f"sum(__h{i}::HUGEINT)", f"count(*) - count({quote(name)})"]
        # Not the stream as a join's build side (every row in memory): see fetch_rows.
        cur.execute("SET disabled_optimizers = 'build_side_probe_side'")
        try:
            with scanning(cur, reader):
                got = cur.execute(
                    f"SELECT {', '.join(parts)} FROM (SELECT *{hs} FROM {STREAM} WHERE {kh} IN "
                    f"(SELECT kh FROM differing WHERE {which}))"
                ).fetchall()
        finally:
            cur.execute("RESET disabled_optimizers")
        row = got[0]
        n = len(names)
        return [int(row[2 * i] or 0) for i in range(n)], [int(row[2 * i + 1]) for i in range(n)]

    def differing_rows(self, limit: int) -> list[tuple[int, int, int, int, int]]:
        """The rows of the keys ``differences`` picked that one side holds more often than the
        other, as (key hash, row hash, source copies, target copies, such rows of the key),
        up to ``limit`` per key: a key holding several rows (a SQLite text key's NULLs, a
        target without the key constraint) is compared as a multiset of rows, as a table
        without a key is, where its first row on each side told nothing."""
        per_side = (
            "SELECT kh, rh, count(*) AS n FROM {side} "
            "WHERE kh IN (SELECT kh FROM wanted) GROUP BY kh, rh"
        )
        self.con.execute(
            f"""
            CREATE OR REPLACE TABLE wanted_rows AS
            WITH s AS ({per_side.format(side="src")}), t AS ({per_side.format(side="tgt")}),
                 d AS (
                    SELECT coalesce(s.kh, t.kh) AS kh, coalesce(s.rh, t.rh) AS rh,
                           coalesce(s.n, 0) AS sn, coalesce(t.n, 0) AS tn
                    FROM s FULL OUTER JOIN t ON s.kh = t.kh AND s.rh = t.rh
                    WHERE s.n IS DISTINCT FROM t.n
                       OR coalesce(s.kh, t.kh) IN (SELECT kh FROM marked))
            SELECT kh, rh, sn, tn, n, i FROM (
                SELECT *, count(*) OVER (PARTITION BY kh) AS n,
                       row_number() OVER (PARTITION BY kh ORDER BY sn = 0, rh) AS i FROM d)
            WHERE i <= {int(limit)}
            """
        )
        got = self.con.execute(
            "SELECT kh, rh, sn, tn, n FROM wanted_rows ORDER BY kh, i"
        ).fetchall()
        return [(int(a), int(b), int(c), int(d), int(e)) for a, b, c, d, e in got]

    def fetch_rows(
        self,
        cur: duckdb.DuckDBPyConnection,
        reader: pa.RecordBatchReader,
        column_sqls: Sequence[str],
        key_sqls: Sequence[str],
    ) -> list[tuple[int, int, tuple[int, ...], dict[str, Any]]]:
        """The rows of a stream in ``wanted_rows`` (``differing_rows``): (key hash, row hash,
        column hashes, row as a dict), one per distinct row, read in one more pass that keeps
        only those rows."""
        reader = plain_reader(reader)
        names = [f.name for f in reader.schema]
        n = len(column_sqls)
        rh = row_hash_sql([f"__h{i}" for i in range(n)])
        kh = f"hash({', '.join(key_sqls)})" if key_sqls else row_hash_sql(column_sqls)
        hs = "".join(f", {sql} AS __h{i}" for i, sql in enumerate(column_sqls))
        cols = "".join(f", {_read_back(f)}" for f in reader.schema)
        summaries = "".join(
            f", {_summary(f)} AS __s{i}" for i, f in enumerate(reader.schema) if _summarised(f)
        )
        # DuckDB guesses an Arrow stream holds one row and would build its hash table from
        # the stream, every row of the table in memory, instead of from the few wanted keys.
        cur.execute("SET disabled_optimizers = 'build_side_probe_side'")
        try:
            with scanning(cur, reader):
                # One of each row: a key's rows a load ran twice for come once, with counts.
                got = cur.sql(
                    f"SELECT DISTINCT ON (__kh, __rh) * FROM (SELECT {rh} AS __rh, * FROM "
                    f"(SELECT {kh} AS __kh{hs}{cols}{summaries} FROM {STREAM}) "
                    "WHERE __kh IN (SELECT kh FROM wanted_rows)) "
                    "WHERE (__kh, __rh) IN (SELECT kh, rh FROM wanted_rows)"
                ).to_arrow_table()
        finally:
            cur.execute("RESET disabled_optimizers")
        hashes = [got.column(i).to_pylist() for i in range(2 + n)]
        # Dates, times and intervals arrive as DuckDB's text (_shown): as Python values
        # ±infinity would be year 9999 or 1, and an interval past 999,999,999 days fail.
        values = [python_values(got.column(i)) for i in range(2 + n, 2 + n + len(names))]
        for i, f in enumerate(reader.schema):
            if pa.types.is_float32(f.type):
                values[i] = [None if v is None else float(v) for v in values[i]]
            if _summarised(f):
                said = got.column(f"__s{i}").to_pylist()
                values[i] = [
                    v if w is None else LongValue(w) for v, w in zip(values[i], said, strict=True)
                ]
        out = []
        for row in range(got.num_rows):
            shown = {name: column[row] for name, column in zip(names, values, strict=True)}
            key_hash, row_hash = int(hashes[1][row]), int(hashes[0][row])
            out.append((key_hash, row_hash, tuple(int(h[row]) for h in hashes[2:]), shown))
        return out
