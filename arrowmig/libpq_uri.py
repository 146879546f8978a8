"""A postgresql:// URI split where libpq splits it (fe-connect.c, conninfo_uri_parse_options),
so that what arrowmig adds to a URL, or reads from it, means what it means to libpq and psql.

urlsplit ends the user and password at the first ``/ ? #``; libpq ends them at the first ``@``
(before any ``/``), and has no fragment: a password holding a raw ``?`` or ``#``, which psql
takes, was cut into a host, a query or a fragment, and ``connect_timeout`` added to the wrong
one (a database "db&connect_timeout=10", a password mangled).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True)
class LibpqUri:
    """The raw (still percent-encoded) parts of ``scheme://[userinfo@]netloc[/path][?query]``;
    joined again, they give the URI back as written."""

    scheme: str
    userinfo: str | None
    """``user[:password]`` before the ``@``; None where there is no ``@``."""
    netloc: str
    """Hosts and ports (``h1:5432,h2``, ``[::1]``), possibly empty."""
    path: str | None
    """The database after the ``/``; None where there is no ``/``."""
    query: str | None
    """The options after the ``?``; None where there is no ``?``."""

    def __str__(self) -> str:
        return (
            f"{self.scheme}://"
            + (f"{self.userinfo}@" if self.userinfo is not None else "")
            + self.netloc
            + (f"/{self.path}" if self.path is not None else "")
            + (f"?{self.query}" if self.query is not None else "")
        )

    @property
    def user(self) -> str:
        """The user named before the ``:`` of the userinfo, decoded ('' if none)."""
        return unquote((self.userinfo or "").partition(":")[0])

    @property
    def host(self) -> str:
        """The first host, as written ('' if none: a Unix socket, or the environment's)."""
        if self.netloc.startswith("["):
            return self.netloc[1:].partition("]")[0]
        return self.netloc.split(",")[0].partition(":")[0]

    @property
    def port(self) -> str:
        """The first host's port, as written ('' if none)."""
        first = self.netloc.split(",")[0]
        if first.startswith("["):
            first = first.partition("]")[2]
        return first.partition(":")[2]

    def params(self) -> dict[str, str]:
        """The query's options, decoded as libpq decodes them (``+`` stays a ``+``); a piece
        with no ``=`` (which libpq refuses, saying so) is left out."""
        options: dict[str, str] = {}
        for piece in (self.query or "").split("&"):
            key, equals, value = piece.partition("=")
            if equals:
                options[unquote(key)] = unquote(value)
        return options

    def with_param(self, key: str, value: str) -> str:
        """The URI as written, with ``key=value`` appended to its options (after all of
        them: libpq has no fragment, and no option the user wrote changes its meaning)."""
        query = self.query or ""
        # A URL a script built may end in "?" or "&" (its options empty): libpq takes those,
        # but not "?&" or "&&", which would blame a parameter the user never wrote.
        joiner = "" if not query or query.endswith("&") else "&"
        return str(
            LibpqUri(
                self.scheme,
                self.userinfo,
                self.netloc,
                self.path,
                query + joiner + f"{key}={value}",
            )
        )


def split_uri(uri: str) -> LibpqUri:
    """``uri`` (``postgresql://...``) split as libpq splits it: the user and password end at
    the first ``@`` met before any ``/``; the hosts at the first ``/`` or ``?`` after it; the
    database at the first ``?``."""
    scheme, _, rest = uri.partition("://")
    end = next((i for i, c in enumerate(rest) if c in "@/"), len(rest))
    userinfo = None
    if end < len(rest) and rest[end] == "@":
        userinfo, rest = rest[:end], rest[end + 1 :]
    rest, asks, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    return LibpqUri(scheme, userinfo, netloc, path if slash else None, query if asks else None)
