"""What a retry makes of what the target holds after it failed (``arrowmig.ledger``): the
cases a crash cannot be timed to produce on purpose. A real crash: test_server_crash.py."""

from __future__ import annotations

import pytest

from arrowmig.errors import TargetFailed, TransferError
from arrowmig.ledger import Ledger, landed_after_all, settle
from arrowmig.pipeline import _StreamProgress


def _ledger(held: tuple[int, int | None] | None, counted: list[int], keyed: bool = True) -> Ledger:
    return Ledger(lambda: held, counted.append, lambda _rows: None, keyed=keyed)


def test_a_batch_whose_commit_answer_was_lost_is_counted_not_written_again() -> None:
    progress = _StreamProgress(rows=1_000, last_key=1_000)
    counted: list[int] = []
    # The target's checkpoint holds the batch of 500 rows: its commit went in.
    assert landed_after_all(_ledger((1_500, 1_500), counted), progress, 500) is True
    # Nothing of it went in: it is written again.
    assert landed_after_all(_ledger((1_000, 1_000), counted), progress, 500) is False


def test_commits_a_crash_lost_send_the_stream_back_to_the_targets_checkpoint() -> None:
    progress = _StreamProgress(rows=1_000, last_key=1_000, written=1_000)
    counted: list[int] = []
    ledger = _ledger((600, 600), counted)
    with pytest.raises(TargetFailed):
        landed_after_all(ledger, progress, 200)
    assert settle(progress, ledger, (600, 600), target_failed=True) == 400
    assert (progress.rows, progress.last_key, progress.written, counted) == (600, 600, 600, [-400])


def test_a_transaction_committed_unanswered_moves_the_stream_on() -> None:
    # The direct path learns it only at the retry: its rows count, after their last key.
    progress = _StreamProgress(rows=1_000, last_key=1_000, written=1_000)
    counted: list[int] = []
    assert settle(progress, _ledger((1_300, 1_300), counted), (1_300, 1_300), True) == 0
    assert (progress.rows, progress.last_key, counted) == (1_300, 1_300, [300])


@pytest.mark.parametrize("held", [(900, None), None])
def test_without_a_checkpoint_a_loss_or_not_knowing_stops_with_the_way_on(
    held: tuple[int, int | None] | None,
) -> None:
    progress = _StreamProgress(rows=1_000, last_key=None, written=1_000)
    counted: list[int] = []
    with pytest.raises(TransferError, match="nothing more was written") as raised:
        settle(progress, _ledger(held, counted, keyed=False), held, target_failed=True)
    assert "--resume" in str(raised.value)
    assert (progress.rows, counted) == (1_000, [])


def test_a_source_failure_keeps_what_the_stream_remembers_when_the_target_cannot_tell() -> None:
    progress = _StreamProgress(rows=1_000, last_key=1_000)
    assert settle(progress, _ledger(None, [], keyed=False), None, target_failed=False) == 0
    assert (progress.rows, progress.last_key) == (1_000, 1_000)
