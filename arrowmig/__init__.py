"""arrowmig: move tables between SQLite, PostgreSQL and DuckDB as Apache Arrow batches.

>>> import arrowmig
>>> report = arrowmig.migrate("bets.db", "postgresql://postgres@127.0.0.1/test")
"""

from __future__ import annotations

from arrowmig._version import __version__
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.endpoints import open_endpoint
from arrowmig.errors import (
    ArrowmigError,
    ConnectError,
    DataError,
    SchemaError,
    TransferError,
    TransientError,
    UrlError,
    UsageError,
)
from arrowmig.events import Event, NullSink, ProgressSink
from arrowmig.migrate import migrate
from arrowmig.report import MigrationReport, TableReport

__all__ = [
    "ArrowmigError",
    "BatchConfig",
    "ConnectError",
    "DataError",
    "Event",
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
    "__version__",
    "migrate",
    "open_endpoint",
]
