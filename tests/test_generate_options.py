"""``generate`` refuses the impossible option values ``migrate`` refuses, with the same line
(it took ``--progress-interval -1`` and ``nan``, exit 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_progress import _cli


@pytest.mark.parametrize("value", ["-1", "nan", "-inf"])
def test_generate_refuses_an_impossible_progress_interval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    target = tmp_path / "g.db"
    given = ("--tables", "large_players", "--rows", "large_players=100", "--progress", "plain")
    code, out, err = _cli(capsys, "generate", str(target), *given, "--progress-interval", value)
    assert (code, out) == (2, "")
    assert err == f"arrowmig: error: --progress-interval must be 0 or more seconds, not {value}\n"
    assert not target.exists()
