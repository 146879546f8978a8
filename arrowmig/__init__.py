"""arrowmig: move tables between SQLite, PostgreSQL and DuckDB as Apache Arrow batches.

>>> import arrowmig
>>> report = arrowmig.migrate("bets.db", "postgresql://postgres@127.0.0.1/test")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# First, before pyarrow loads: a Ctrl-C while the command starts ends it without a traceback.
from arrowmig import _quiet_start  # noqa: F401
from arrowmig._version import __version__
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.endpoints import open_endpoint as _open_endpoint
from arrowmig.errors import (
    ArrowmigError,
    ConnectError,
    DataError,
    Interrupted,
    SchemaError,
    TransferError,
    TransientError,
    UrlError,
    UsageError,
)
from arrowmig.events import Event, NullSink, ProgressSink
from arrowmig.migrate import migrate as _migrate
from arrowmig.public_calls import in_python_words, interrupting
from arrowmig.report import MigrationReport, TableReport

__all__ = [
    "ArrowmigError",
    "BatchConfig",
    "ConnectError",
    "DataError",
    "Event",
    "Interrupted",
    "MigrationConfig",
    "MigrationReport",
    "NullSink",
    "ProgressSink",
    "SchemaError",
    "TableReport",
    "TransferError",
    "TransientError",
    "UrlError",
    "UsageError",
    "VerifyReport",
    "__version__",
    "generate",
    "migrate",
    "open_endpoint",
    "verify",
]

migrate = interrupting(_migrate)
open_endpoint = in_python_words(_open_endpoint)

if TYPE_CHECKING:
    from arrowmig.generator import generate
    from arrowmig.verifier import verify
    from arrowmig.verify_report import VerifyReport

# verify (and generate) load DuckDB as their compute engine: import them on first use so
# that a plain `import arrowmig` stays fast.
_LAZY = {
    "verify": ("arrowmig.verifier", "verify"),
    "generate": ("arrowmig.generator", "generate"),
    "VerifyReport": ("arrowmig.verify_report", "VerifyReport"),
}
_CALLS = {"verify", "generate"}
"""Of those, the calls: as ``migrate``, a stop by a signal raises ``Interrupted``."""
_MODULES = {"events", "generator", "jobfile", "malloc_tuning"}
"""Modules the README shows called after a plain ``import arrowmig``
(``arrowmig.jobfile.load_job(...)``): imported on first use too."""


def __getattr__(name: str) -> Any:
    from importlib import import_module

    if name in _MODULES:
        return import_module(f"arrowmig.{name}")
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(import_module(module), attr)
        if name in _CALLS:
            value = globals()[name] = interrupting(value)  # wrapped once
        return value
    raise AttributeError(f"module 'arrowmig' has no attribute {name!r}")


def __dir__() -> list[str]:
    # The lazy names too, for tab completion (IPython, Jupyter).
    return sorted({*globals(), *_LAZY, *_MODULES})
