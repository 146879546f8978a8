__version__ = "0.1.0"

DRIVER_DISTRIBUTIONS = (
    "pyarrow",
    "adbc-driver-manager",
    "adbc-driver-sqlite",
    "adbc-driver-postgresql",
    "duckdb",
    "psycopg",
)
"""The packages that read and write the databases: `arrowmig --version` and the bench
report name their versions."""
