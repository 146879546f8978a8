"""Each verb's ``--help`` shows its defaults as a user types them: ``60``, not the float's
``60.0``; ``1MiB``, not ``1048576``; never a Python value (``None``, ``True``, ``[]``)."""

from __future__ import annotations

import re

import pytest

from arrowmig.cli import main

VERBS = ["", "migrate", "verify", "plan", "generate", "bench", "status", "run"]

_NOT_TYPED = re.compile(r"(?<![.\d])\d+\.0(?![.\d])|\b(?:None|True|False)\b|\[\]|\(\)")
"""A float's ``.0``, a Python value."""


def _defaults(capsys: pytest.CaptureFixture[str], verb: str) -> list[str]:
    code = main([*([verb] if verb else []), "--help"])
    out = capsys.readouterr().out
    assert code == 0, out
    text = " ".join(out.split())  # click wraps a default across lines
    return re.findall(r"[\[(]default:? ([^\])]*)[\])]", text)


@pytest.mark.parametrize("verb", VERBS)
def test_help_shows_defaults_as_typed(capsys: pytest.CaptureFixture[str], verb: str) -> None:
    for default in _defaults(capsys, verb):
        assert not _NOT_TYPED.search(default), f"arrowmig {verb} --help: [default: {default}]"


def test_the_timeouts_and_intervals_read_as_whole_seconds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "60" in _defaults(capsys, "verify")  # --lock-wait-timeout
    migrate = _defaults(capsys, "migrate")
    assert "60" in migrate and "5" in migrate  # --lock-wait-timeout, --progress-interval
    assert "1MiB" in migrate and "512MiB" in migrate  # --batch-bytes, --max-memory
    assert "the job's, else 5" in _defaults(capsys, "run")
    assert "5" in _defaults(capsys, "generate")
