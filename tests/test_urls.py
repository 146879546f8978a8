from __future__ import annotations

import pytest

from arrowmig.errors import UrlError
from arrowmig.urls import parse_url, redact


@pytest.mark.parametrize(
    ("url", "kind", "target"),
    [
        ("sqlite:///rel/bets.db", "sqlite", "rel/bets.db"),
        ("sqlite:////abs/bets.db", "sqlite", "/abs/bets.db"),
        ("duckdb:///w.duckdb", "duckdb", "w.duckdb"),
        ("duckdb:////data/w.duckdb", "duckdb", "/data/w.duckdb"),
        ("bets.sqlite3", "sqlite", "bets.sqlite3"),
        ("/tmp/x.SQLITE", "sqlite", "/tmp/x.SQLITE"),
        ("warehouse.duckdb", "duckdb", "warehouse.duckdb"),
        ("postgres://u@h/db", "postgresql", "postgresql://u@h/db"),
        (
            "postgresql://u:p@h:5432/db?sslmode=require",
            "postgresql",
            "postgresql://u:p@h:5432/db?sslmode=require",
        ),
    ],
)
def test_urls_resolve_to_their_endpoint(url: str, kind: str, target: str) -> None:
    parsed = parse_url(url)
    assert (parsed.kind, parsed.target) == (kind, target)


@pytest.mark.parametrize("url", ["mysql://x/y", "bets.csv", "", "sqlite://", "sqlite:///:memory:"])
def test_unknown_urls_get_one_line_listing_accepted_forms(url: str) -> None:
    with pytest.raises(UrlError) as info:
        parse_url(url)
    message = str(info.value)
    assert "\n" not in message
    assert "sqlite" in message


def test_passwords_are_redacted_everywhere_in_a_url() -> None:
    assert redact("postgresql://bob:s3cret@h:5432/db") == "postgresql://bob:***@h:5432/db"
    assert "s3cret" not in redact("postgresql://h/db?user=bob&password=s3cret&sslmode=require")
    assert "s3cret" not in parse_url("postgres://bob:s3cret@h/db").redacted
    with pytest.raises(UrlError) as info:
        parse_url("mysql://bob:s3cret@h/db")
    assert "s3cret" not in str(info.value)
