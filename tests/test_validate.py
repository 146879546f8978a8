"""The PostgreSQL writer's own NUL check, for batches that reach it without the pipeline."""

from __future__ import annotations

import pyarrow as pa
import pytest

from arrowmig.endpoints.validate import check_no_nul
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
