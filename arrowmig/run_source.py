"""A PostgreSQL source as a run's fingerprint knows it: the URL without its password, so that
the same server, database and user are one run wherever the password comes from; and, where
two runs' URLs do differ, in what.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

from arrowmig.urls import redact

_MASK = "***"


def without_password(url: str) -> str:
    """``url`` (a PostgreSQL URL, or as a run recorded it, masked: ``user:***@host``) with no
    password at all: the one in the user part and any ``password=`` of its query.

    Removed, not masked: ``user:***@host`` and ``user@host`` (the password in PGPASSWORD or
    ~/.pgpass, as the README recommends) are the same source, and a run interrupted with one
    is resumed with the other."""
    text = redact(url)  # a recorded label is redacted already: the same text again
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    at = rest.rfind("@")
    if at >= 0 and rest[:at].endswith(":" + _MASK):
        rest = rest[: at - len(_MASK) - 1] + rest[at:]
    head, asks, query = rest.partition("?")
    if not asks:
        return f"{scheme}://{rest}"
    query, hash_sign, fragment = query.partition("#")
    kept = [p for p in query.split("&") if p.split("=", 1)[0].strip().lower() != "password"]
    shown = "&".join(kept)
    return f"{scheme}://{head}" + (f"?{shown}" if shown else "") + f"{hash_sign}{fragment}"


def how_sources_differ(then: str, now: str) -> str:
    """'another database ('sales', this run 'sales_copy')': the parts of two runs' PostgreSQL
    URLs that differ (user, host, port, database, options), passwords aside; '' where none
    can be told (not URLs, or they differ only in how they are written)."""
    try:
        before, after = _parts(without_password(then)), _parts(without_password(now))
    except ValueError:
        return ""
    differ = [
        f"another {what} ({before[what]!r}, this run {after[what]!r})"
        for what in before
        if before[what] != after[what]
    ]
    return "; ".join(differ)


def _parts(url: str) -> dict[str, str]:
    """A PostgreSQL URL's user, host, port, database and options, as text to compare."""
    split = urlsplit(url)
    if not split.scheme.startswith("postgres"):
        raise ValueError(url)
    options = dict(parse_qsl(split.query))
    return {
        "user": options.pop("user", unquote(split.username or "")),
        "host": options.pop("host", split.hostname or ""),
        "port": options.pop("port", str(split.port or "")),
        "database": options.pop("dbname", unquote(split.path.lstrip("/"))),
        "set of options": "&".join(f"{k}={v}" for k, v in sorted(options.items())),
    }
