"""How a run of ``arrowmig generate`` names its source, and the command that does it again.

Generate has no ``--resume``: the seed gives the same rows, so an interrupted generate is
started again with ``--mode replace``; ``arrowmig status`` offers that command for it."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

_PREFIX = "scale="

GENERATE_FLAGS = ("--no-keys", "--no-foreign-keys")
"""The recorded flags (``checkpoint.result_flags``) that ``arrowmig generate`` takes too."""


def source_label(scale: str, seed: int, rows: Mapping[str, int] | None) -> str:
    """'scale=small,seed=42,large_bets=5000': the generated source as runs record it."""
    label = f"{_PREFIX}{scale},seed={seed}"
    if rows:
        label += "," + ",".join(f"{k}={v}" for k, v in sorted(rows.items()))
    return label


def again_command(basis: Mapping[str, Any], target: str) -> str | None:
    """The ``arrowmig generate ... --mode replace`` that does a generate run again, from what
    its run row recorded; None for a run that was not a generate (or recorded too little)."""
    source, tables = basis.get("source"), basis.get("tables")
    if not isinstance(source, str) or not source.startswith(_PREFIX):
        return None
    parts = dict(part.partition("=")[::2] for part in source.split(","))
    words = ["arrowmig", "generate", target, "--scale", parts.pop("scale"), "--seed"]
    words.append(parts.pop("seed", "42"))
    if isinstance(tables, list):
        words += ["--tables", ",".join(map(str, tables))]
    for table, count in parts.items():
        words += ["--rows", f"{table}={count}"]
    flags = [*(basis.get("source_flags") or []), *(basis.get("flags") or [])]
    words += [str(f) for f in dict.fromkeys(flags) if f in GENERATE_FLAGS]
    return shlex.join([*words, "--mode", "replace"])
