"""The hashing core on Arrow streams built here: normalisation across physical types, what
the checksum catches, and that batching and row order never change it."""

from __future__ import annotations

import datetime as dt
import struct
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowmig.checksum import Checksum, checksum_reader, new_engine
from arrowmig.model import Column
from arrowmig.normalise import pair_columns

UTC = dt.UTC


def _sums(
    left: pa.Array,
    right: pa.Array,
    left_decl: str = "",
    right_decl: str = "",
) -> tuple[Checksum, Checksum]:
    """Checksums of a one-column table on each side, hashed by the pair's rules."""
    pair = pair_columns(Column("v", left.type, left_decl), Column("v", right.type, right_decl))
    con = new_engine()
    a = checksum_reader(con, pa.table({"v": left}).to_reader(), [pair.source_sql], ["v"])
    b = checksum_reader(con, pa.table({"v": right}).to_reader(), [pair.target_sql], ["v"])
    return a, b


def _same(left: pa.Array, right: pa.Array, left_decl: str = "", right_decl: str = "") -> bool:
    a, b = _sums(left, right, left_decl, right_decl)
    return a == b


EQUAL_ACROSS_TYPES = [
    (
        "int32 vs int64",
        pa.array([1, -5, None, 2**31 - 1], pa.int32()),
        pa.array([1, -5, None, 2**31 - 1], pa.int64()),
    ),
    (
        "uint64 vs numeric text",
        pa.array([2**64 - 1, 0], pa.uint64()),
        pa.array(["18446744073709551615", "0"]),
    ),
    ("bool vs 0/1", pa.array([True, False, None]), pa.array([1, 0, None], pa.int64())),
    (
        "float vs double, exact",
        pa.array([0.25, -1.5, None], pa.float32()),
        pa.array([0.25, -1.5, None]),
    ),
    (
        "string vs large_string",
        pa.array(["a", "", None, "é"]),
        pa.array(["a", "", None, "é"], pa.large_string()),
    ),
    (
        "text timestamp vs timestamp",
        pa.array(["2024-03-01 10:00:00", "2024-03-01T10:00:00.123456", None]),
        pa.array(
            [dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 1, 10, 0, 0, 123456), None],
            pa.timestamp("us"),
        ),
    ),
    (
        "text with offset vs timestamptz",
        pa.array(["2024-03-01 12:00:00+02:00"]),
        pa.array([dt.datetime(2024, 3, 1, 10, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
    ),
    (
        "timestamptz vs UTC timestamp",
        pa.array([dt.datetime(2024, 3, 1, 10, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
        pa.array([dt.datetime(2024, 3, 1, 10)], pa.timestamp("us")),
    ),
    (
        "timestamp ns vs us",
        pa.array([1_700_000_000_000_000_000], pa.timestamp("ns")),
        pa.array([1_700_000_000_000_000], pa.timestamp("us")),
    ),
    (
        "decimal vs its text",
        pa.array([Decimal("1.50"), Decimal("-0.00"), Decimal("12")], pa.decimal128(10, 2)),
        pa.array(["1.5", "0", "12.000"]),
    ),
    (
        "decimals of different scale",
        pa.array([Decimal("1.50")], pa.decimal128(10, 2)),
        pa.array([Decimal("1.500")], pa.decimal128(18, 3)),
    ),
    ("date vs text", pa.array([dt.date(2024, 1, 2)]), pa.array(["2024-01-02"])),
    (
        "timestamp_ms and _s outside 1677-2262 vs us",
        pa.array([dt.datetime(9999, 12, 31, 23, 59, 59, 999000)], pa.timestamp("ms")),
        pa.array([dt.datetime(9999, 12, 31, 23, 59, 59, 999000)], pa.timestamp("us")),
    ),
    (
        "timestamp_s in year 1 vs us",
        pa.array([dt.datetime(1, 1, 1)], pa.timestamp("s")),
        pa.array([dt.datetime(1, 1, 1)], pa.timestamp("us")),
    ),
    (
        "double vs the text --cast T.C=text writes",
        pa.array([1e20, 1e-7, 1e308, 0.1, float("nan"), float("-inf"), None]),
        pa.array([1e20, 1e-7, 1e308, 0.1, float("nan"), float("-inf"), None]).cast(pa.string()),
    ),
    (
        "float4 vs the text --cast T.C=text writes",
        pa.array([1.1754943508222875e-38, 0.1, 1e20, 1e-7], pa.float32()),
        pa.array([1.1754943508222875e-38, 0.1, 1e20, 1e-7], pa.float32()).cast(pa.string()),
    ),
    (
        "signed zeros, NaN and NULL, double vs float and the text --cast T.C=text writes",
        pa.array([-0.0, 0.0, float("nan"), None]),
        pa.array(["-0", "0.0", "NaN", None]),
    ),
    (
        "signed zeros, float vs double",
        pa.array([-0.0, 0.0, None], pa.float32()),
        pa.array([-0.0, 0.0, None]),
    ),
    (
        "boolean words vs booleans (what --cast T.C=boolean converts)",
        pa.array(["t", "F", " yes ", "off", "1", None]),
        pa.array([True, False, True, False, True, None]),
    ),
]


@pytest.mark.parametrize(
    ("label", "left", "right"), EQUAL_ACROSS_TYPES, ids=[c[0] for c in EQUAL_ACROSS_TYPES]
)
def test_equal_values_hash_equal_across_types(label: str, left: pa.Array, right: pa.Array) -> None:
    assert _same(left, right), label


def test_doubles_printed_with_an_exponent_match_their_plain_decimals() -> None:
    # PostgreSQL's numeric keeps 1e+20 as 100000000000000000000: the double's shortest text,
    # written out, is what it equals (and nothing one unit away).
    doubles = pa.array([1e20, -1.5e-7, 1.2345678901234568e20, 5e-324, 0.1, 2.5e-3])
    plain = ["100000000000000000000", "-0.00000015", "123456789012345680000",
             "0." + "0" * 323 + "5", "0.1", "0.0025"]  # fmt: skip
    assert _same(doubles, pa.array(plain), "", "numeric")
    assert not _same(doubles, pa.array(["100000000000000000001", *plain[1:]]), "", "numeric")


def test_a_numerics_nan_and_infinities_equal_a_doubles() -> None:
    # PostgreSQL writes NaN and Infinity, DuckDB nan and inf: one spelling for both.
    exact = pa.array(["NaN", "Infinity", "-Infinity", "1.5"])
    doubles = [float("nan"), float("inf"), float("-inf"), 1.5]
    assert _same(exact, pa.array(doubles), "numeric")
    assert not _same(exact, pa.array([float("inf"), *doubles[1:]]), "numeric")
    assert not _same(exact, pa.array([*doubles[:1], float("-inf"), *doubles[2:]]), "numeric")


def test_numeric_declared_text_matches_decimal() -> None:
    assert _same(pa.array(["1.10"]), pa.array([Decimal("1.1")], pa.decimal128(5, 1)), "numeric")


def test_numeric_column_kept_as_text_compares_its_exact_texts() -> None:
    # A SQLite NUMERIC column that holds 'abc' among its numbers is text in the target: the
    # migration writes each number's exact text, so '2.50' for '2.5' is a re-spelling.
    mixed = Column("v", pa.string(), "numeric", observed=("integer", "real", "text"))
    con = new_engine()

    def sums(source: list[str], target: list[str]) -> tuple[Checksum, Checksum]:
        pair = pair_columns(mixed, Column("v", pa.string(), "text"))
        a = checksum_reader(con, pa.table({"v": source}).to_reader(), [pair.source_sql], ["v"])
        b = checksum_reader(con, pa.table({"v": target}).to_reader(), [pair.target_sql], ["v"])
        return a, b

    texts = ["2.5", "3.14", "7", "abc"]
    same, other = sums(texts, texts)
    assert same == other
    for changed in (["2.50", "3.14", "7", "abc"], ["2.5", "+3.140", "7", "abc"]):
        a, b = sums(texts, changed)
        assert a != b, changed
    a, b = sums(texts, ["2.5", "3.14", "07.0", "abc"])
    assert a != b


def _next_double(x: float) -> float:
    (bits,) = struct.unpack("<q", struct.pack("<d", x))
    return float(struct.unpack("<d", struct.pack("<q", bits + 1))[0])


UNEQUAL = [
    ("float vs double, inexact", pa.array([0.1], pa.float32()), pa.array([0.1])),
    ("last bit of a double", pa.array([0.1]), pa.array([_next_double(0.1)])),
    ("NULL vs empty string", pa.array([None], pa.string()), pa.array([""])),
    (
        "timestamp shifted by a zone",
        pa.array([dt.datetime(2024, 3, 1, 10, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
        pa.array([dt.datetime(2024, 3, 1, 11)], pa.timestamp("us")),
    ),
    (
        "text timestamp with other offset",
        pa.array(["2024-03-01 10:00:00+01:00"]),
        pa.array([dt.datetime(2024, 3, 1, 10)], pa.timestamp("us")),
    ),
    (
        "decimal off by one unit",
        pa.array([Decimal("1.50")], pa.decimal128(10, 2)),
        pa.array(["1.51"]),
    ),
    ("unparsable text vs NULL", pa.array(["not a time"]), pa.array([None], pa.timestamp("us"))),
    *(
        (
            f"a zone abbreviation against {reading}'s reading",
            pa.array(["2024-06-01 10:00:00 PST"]),
            pa.array([dt.datetime(2024, 6, 1, hour, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
        )
        for reading, hour in (("PostgreSQL", 18), ("DuckDB", 17))
    ),
    ("0 vs NULL", pa.array([0], pa.int64()), pa.array([None], pa.int64())),
    ("int past 2**53 as double", pa.array([2**53 + 1], pa.int64()), pa.array([float(2**53)])),
    ("boolean word vs the other boolean", pa.array(["f"]), pa.array([True])),
    ("text that is no boolean word", pa.array(["maybe"]), pa.array([True])),
    ("boolean word vs NULL", pa.array(["no"]), pa.array([None], pa.bool_())),
    ("double vs the text of the next double", pa.array([0.1]), pa.array(["0.10000000000000002"])),
    ("float4 vs text of another float4", pa.array([0.1], pa.float32()), pa.array(["0.1000001"])),
    ("double vs text that is no number", pa.array([1.5]), pa.array(["1.5 kg"])),
    ("-0.0 vs 0.0", pa.array([-0.0, 1.5]), pa.array([0.0, 1.5])),
    ("float4 -0.0 vs double 0.0", pa.array([-0.0], pa.float32()), pa.array([0.0])),
    ("-0.0 vs the text '0'", pa.array([-0.0]), pa.array(["0"])),
    ("0.0 vs the text '-0'", pa.array([0.0], pa.float32()), pa.array(["-0.0"])),
]


_HALVES = (5 << 64) + 1, (1 << 64) + 5
"""Two 128-bit integers of swapped 64-bit halves: DuckDB's hash of a HUGEINT (the XOR of its
halves' hashes) is one for both, as it is for -1 and 0 and for any value of equal halves."""

WIDE_HASH_COLLISIONS = [
    *(
        (f"decimal({p},{s}) {a} vs {b}", pa.array([Decimal(a)], t), pa.array([Decimal(b)], t))
        for p, s, a, b in (
            (10, 2, "-0.01", "0.00"),
            (30, 2, "-0.01", "0.00"),
            (38, 20, "-1e-20", "0"),
            (38, 0, _HALVES[0], _HALVES[1]),
            (38, 0, (1 << 64) + 1, 0),
        )
        for t in [pa.decimal128(p, s)]
    ),
    *(
        (f"timestamp({unit}, {tz}) -1 vs 0", pa.array([-1], t), pa.array([0], t))
        for unit in ("us", "ns")
        for tz in (None, "UTC")
        for t in [pa.timestamp(unit, tz=tz)]
    ),
    (
        "timestamp text 1 µs before 1970 vs 1970 (a SQLite copy)",
        pa.array(["1969-12-31 23:59:59.999999+00:00"]),
        pa.array([0], pa.timestamp("us", tz="UTC")),
    ),
    *(
        # infinity's epoch (2**100) has halves 2**36 and 0: it hashed as 2**36 µs does.
        (f"{what} vs 1970-01-01 19:05:19.476736", infinity, pa.array([2**36], pa.timestamp("us")))
        for what, infinity in (
            ("infinity", pa.array([2**63 - 1], pa.timestamp("us"))),
            ("infinity as text", pa.array(["infinity"])),
            ("a date's infinity", pa.array([2**31 - 1], pa.date32())),
        )
    ),
    ("int64 -1 vs uint64 2**64-1", pa.array([-1], pa.int64()), pa.array([2**64 - 1], pa.uint64())),
    ("double -1.0 vs integer 0", pa.array([-1.0]), pa.array([0], pa.int64())),
]


@pytest.mark.parametrize(
    ("label", "left", "right"),
    UNEQUAL + WIDE_HASH_COLLISIONS,
    ids=[c[0] for c in UNEQUAL + WIDE_HASH_COLLISIONS],
)
def test_unequal_values_never_hash_equal(label: str, left: pa.Array, right: pa.Array) -> None:
    assert not _same(left, right), label


_NEAR_ZERO = st.integers(min_value=-3, max_value=3)
_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.one_of(_NEAR_ZERO, _INT64), min_size=2, max_size=2, unique=True),
    unit=st.sampled_from(["us", "ns"]),
    tz=st.sampled_from([None, "UTC"]),
)
def test_two_timestamps_never_hash_equal(values: list[int], unit: str, tz: str | None) -> None:
    t = pa.timestamp(unit, tz=tz)
    assert not _same(pa.array(values[:1], t), pa.array(values[1:], t)), values


@settings(max_examples=40, deadline=None)
@given(
    halves=st.lists(
        st.one_of(_NEAR_ZERO.map(abs), st.integers(min_value=0, max_value=2**62)),
        min_size=2,
        max_size=2,
        unique=True,
    ),
    scale=st.integers(min_value=0, max_value=20),
    negative=st.booleans(),
)
def test_decimals_of_swapped_or_equal_halves_never_hash_equal(
    halves: list[int], scale: int, negative: bool
) -> None:
    """The unscaled values (hi << 64) + lo against (lo << 64) + hi and against (hi << 64) + hi,
    as decimal(38, scale): DuckDB's hash of a DECIMAL(38) took them for one another."""
    hi, lo = halves
    sign = -1 if negative else 1
    t = pa.decimal128(38, scale)

    def dec(unscaled: int) -> pa.Array:
        return pa.array([Decimal(sign * unscaled).scaleb(-scale)], t)

    for other in ((lo << 64) + hi, (hi << 64) + hi):
        if other != (hi << 64) + lo:
            assert not _same(dec((hi << 64) + lo), dec(other)), (hi, lo, other)


def _table(n: int) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "a": pa.array([i % 5 for i in range(n)], pa.int32()),
            "b": pa.array([None if i % 7 == 0 else f"s{i % 3}" for i in range(n)]),
            "c": pa.array([i * 0.5 for i in range(n)]),
        }
    )


def _checksum(table: pa.Table, batch_rows: int) -> Checksum:
    cols = [Column(f.name, f.type) for f in table.schema]
    sqls = [pair_columns(c, c).source_sql for c in cols]
    return checksum_reader(
        new_engine(), table.to_reader(max_chunksize=batch_rows), sqls, table.column_names
    )


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=300),
    batch_rows=st.integers(min_value=1, max_value=400),
    seed=st.randoms(use_true_random=False),
)
def test_checksum_ignores_batching_and_order(n: int, batch_rows: int, seed: object) -> None:
    table = _table(n)
    order = list(range(n))
    seed.shuffle(order)  # type: ignore[attr-defined]
    shuffled = table.take(pa.array(order, pa.int64()))
    assert _checksum(table, 1000) == _checksum(shuffled, batch_rows)


def test_duplicated_row_is_caught_where_xor_would_cancel() -> None:
    base = _table(10)
    dup = pa.concat_tables([base, base.slice(3, 1), base.slice(3, 1)]).combine_chunks()
    two_missing = pa.concat_tables([base, base.slice(3, 1)]).combine_chunks()
    assert _checksum(dup, 100) != _checksum(two_missing, 100)
    assert _checksum(dup, 100).rows != _checksum(base, 100).rows


def test_values_swapped_between_rows_change_the_row_sum_only() -> None:
    base = _table(20)
    names = base.column("b").to_pylist()
    names[1], names[2] = names[2], names[1]
    assert names[1] != names[2]
    swapped = base.set_column(2, "b", pa.array(names))
    a, b = _checksum(base, 100), _checksum(swapped, 100)
    assert a.row_sum != b.row_sum
    assert a.column_sums == b.column_sums and a.column_nulls == b.column_nulls


def test_rows_of_zeros_still_count() -> None:
    zeros = pa.table({"a": pa.array([0, 0], pa.int64()), "b": pa.array([0.0, 0.0])})
    one = zeros.slice(0, 1)
    a, b = _checksum(zeros, 10), _checksum(one, 10)
    assert a.row_sum != b.row_sum and a.column_sums != b.column_sums


def test_json_objects_equal_whatever_their_key_order() -> None:
    # PostgreSQL's JSONB sorts keys by length: what was written as text comes back reordered.
    written = pa.array(['{"street": "Main St", "no": 1, "tags": [1, 2.50]}', None])
    from_jsonb = pa.array(['{"no": 1, "tags": [1, 2.5], "street": "Main St"}', None])
    assert _same(written, from_jsonb, "json", "jsonb")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ('{"a": 1}', '{"a": 2}'),
        ('{"a": [1, 2]}', '{"a": [2, 1]}'),  # arrays keep their order
        ('{"a": 1}', '{"a": 1, "b": null}'),
        ('{"a": "1"}', '{"a": 1}'),
    ],
)
def test_json_documents_that_differ_never_hash_equal(left: str, right: str) -> None:
    assert not _same(pa.array([left]), pa.array([right]), "json", "jsonb")


def test_an_error_the_stream_raises_is_raised_as_it_was() -> None:
    # DuckDB wraps an error raised inside a scanned stream in its own text ("reading the
    # stream registered as ... Detail: Python exception: Traceback"): verify printed that.
    from arrowmig.errors import DataError

    schema = pa.schema([("v", pa.int64())])

    def batches():  # type: ignore[no-untyped-def]
        yield pa.record_batch([pa.array([1])], schema=schema)
        raise DataError("table 't', column 'v': a value past its range")

    reader = pa.RecordBatchReader.from_batches(schema, batches())
    with pytest.raises(DataError) as raised:
        checksum_reader(new_engine(), reader, ["hash(v)"], ["v"])
    assert str(raised.value) == "table 't', column 'v': a value past its range"


WIDE_CHECKSUM = """
import sys
import pyarrow as pa
from arrowmig.checksum import checksum_reader, new_engine
from arrowmig.model import Column
from arrowmig.normalise import pair_columns

names = [f"c{i}" for i in range(600)]
pair = pair_columns(Column("c", pa.float64(), ""), Column("c", pa.float64(), ""))
sqls = [pair.source_sql.replace('"c"', f'"{n}"') for n in names]
rows = [[float(r * j) + 0.5 for r in range(20)] for j in range(600)]
con = new_engine(threads=1)
same = checksum_reader(con, pa.table(dict(zip(names, rows))).to_reader(), sqls, names)
rows[-1][7] += 1.0
changed = checksum_reader(con, pa.table(dict(zip(names, rows))).to_reader(), sqls, names)
differ = [n for n, a, b in zip(names, same.column_sums, changed.column_sums) if a != b]
print(same.row_sum != changed.row_sum, differ)
"""


def test_a_wide_table_is_checksummed_and_its_last_column_named() -> None:
    # Each float column's -0.0 count was an aggregate with its own FILTER, and DuckDB keeps a
    # chunk of every column per filtered aggregate: memory grew with columns squared (600
    # columns of 20 rows: 0.9 GB here, 1.75 GB for a verify).
    import subprocess
    import sys

    got = subprocess.run(
        [sys.executable, "-c", WIDE_CHECKSUM], capture_output=True, text=True, check=True
    ).stdout.split()
    # Its memory is shown by bench/bench_verify_wide.py, not asserted here: one fresh-clone
    # run of the suite saw it well over 512 MiB where others stayed under (cause not found).
    row_sum_differs, differ = got[0], " ".join(got[1:])
    assert (row_sum_differs, differ) == ("True", "['c599']")
