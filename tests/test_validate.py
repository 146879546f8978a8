"""The PostgreSQL writer's own NUL check, for batches that reach it without the pipeline."""

from __future__ import annotations

import pyarrow as pa
import pytest

from arrowmig.endpoints import validate
from arrowmig.endpoints.validate import check_no_nul, screen_batch
from arrowmig.errors import DataError
from arrowmig.model import Column, Table


@pytest.mark.parametrize("text_type", [pa.string(), pa.large_string()])
def test_nul_is_refused_naming_row_and_column(text_type: pa.DataType) -> None:
    table = Table("t", (Column("id", pa.int64()), Column("note", text_type)))
    batch = pa.record_batch(
        [pa.array([1, 2, 3]), pa.array(["ok", None, "a\x00b"], text_type)],
        names=["id", "note"],
    )
    with pytest.raises(DataError) as caught:
        check_no_nul(batch, table, None)
    assert "'note'" in str(caught.value) and "NUL" in str(caught.value)
    assert "a\\x00b" in str(caught.value)  # the value, shown safely


def test_text_without_nul_passes_even_when_not_utf8() -> None:
    # Not valid UTF-8 is the pipeline's screen's to report; this check looks for NUL only.
    table = Table("t", (Column("note", pa.string()),))
    raw = pa.array([b"\xc3\x28", b"plain"], pa.binary()).cast(pa.string(), safe=False)
    check_no_nul(pa.record_batch([raw], names=["note"]), table, None)


@pytest.mark.parametrize("text_type", [pa.string(), pa.large_string()])
def test_nul_is_found_in_any_slice_and_across_scan_chunks(
    text_type: pa.DataType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check searches the data buffer a chunk at a time, within the slice's own bytes.
    monkeypatch.setattr("arrowmig.endpoints.validate.NUL_SCAN_CHUNK", 3)
    table = Table("t", (Column("note", text_type),))
    values = pa.array(["abcdefgh", "", None, "xy\x00z", "tail"], text_type)

    def refused(array: pa.Array) -> bool:
        try:
            check_no_nul(pa.record_batch([array], names=["note"]), table, None)
        except DataError:
            return True
        return False

    assert refused(values)
    assert refused(values.slice(3, 1))
    assert not refused(values.slice(0, 3))  # the NUL lies past this slice's bytes
    assert not refused(values.slice(4))


@pytest.mark.parametrize("bad_rows", [[], [77_777], [0, 1, 99_999], list(range(40, 140, 3))])
def test_values_a_cast_refuses_are_found_in_few_conversions(
    bad_rows: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each batch with one 'N/A' was converted again a row at a time: 8 bad values in 400,000
    # rows made the table 6x slower. Halving finds them in a few conversions each, and finds
    # the same rows.
    calls = []
    real_cast = validate.cast_as_asked

    def counted(array: pa.Array, column: Column) -> pa.Array:
        calls.append(len(array))
        return real_cast(array, column)

    monkeypatch.setattr(validate, "cast_as_asked", counted)
    values = [str(i) for i in range(100_000)]
    for row in bad_rows:
        values[row] = "N/A"
    values[5] = None  # a NULL converts
    table = Table("t", (Column("code", pa.string(), target_type="bigint"),))
    batch = pa.record_batch([pa.array(values)], names=["code"])
    problems = screen_batch(batch, table, "postgresql")
    assert [p.row for p in problems] == bad_rows
    assert {p.column for p in problems} <= {"code"}
    assert len(calls) <= 1 + 2 * 17 * len(bad_rows) + 16 * len(bad_rows)
    assert sum(calls) <= 100_000 * (1 + 2 * len(bad_rows))
