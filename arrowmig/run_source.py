"""A PostgreSQL source as a run's fingerprint knows it: the URL without its password, so that
the same server, database and user are one run wherever the password comes from; and, where
two runs' URLs do differ, in what.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import unquote

from arrowmig.libpq_uri import split_uri
from arrowmig.urls import redact

_MASK = "***"


def without_password(url: str) -> str:
    """``url`` (a PostgreSQL URL, or as a run recorded it, masked: ``user:***@host``) with no
    password at all: the one in the user part and any ``password=`` of its query.

    Removed, not masked: ``user:***@host`` and ``user@host`` (the password in PGPASSWORD or
    ~/.pgpass, as the README recommends) are the same source, and a run interrupted with one
    is resumed with the other."""
    text = redact(url)  # a recorded label is redacted already: the same text again
    if "://" not in text:
        return text
    parts = split_uri(text)  # as libpq reads it: an @ in the query is no user's
    userinfo = parts.userinfo
    if userinfo is not None and userinfo.endswith(":" + _MASK):
        userinfo = userinfo[: -len(_MASK) - 1]
    query = parts.query
    if query is not None:
        kept = [p for p in query.split("&") if p.split("=", 1)[0].strip().lower() != "password"]
        query = "&".join(kept) or None
    return str(replace(parts, userinfo=userinfo, query=query))


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
    split = split_uri(url)
    if not split.scheme.startswith("postgres"):
        raise ValueError(url)
    options = split.params()
    return {
        "user": options.pop("user", split.user),
        "host": options.pop("host", split.host.lower()),
        "port": options.pop("port", split.port),
        "database": options.pop("dbname", unquote(split.path or "")),
        "set of options": "&".join(f"{k}={v}" for k, v in sorted(options.items())),
    }
