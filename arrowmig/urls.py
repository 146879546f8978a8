"""Endpoint URLs: which database a string names, and how to show it without its password.

Accepted forms follow SQLAlchemy's slash rule for files (``sqlite:///rel.db`` is relative,
``sqlite:////abs.db`` absolute), libpq URIs for PostgreSQL, and bare file paths by suffix.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from arrowmig.conninfo import as_url, conninfo_pairs
from arrowmig.errors import UrlError
from arrowmig.libpq_uri import split_uri

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
DUCKDB_SUFFIXES = (".duckdb",)

SOCKET_DIRECTORIES = ("/var/run/postgresql", "/run/postgresql")
"""Where Debian's, Ubuntu's and Red Hat's servers put their Unix socket (and their psql looks),
which the libpq bundled with the ADBC driver does not: it looks in /tmp only."""

ACCEPTED_FORMS = (
    "sqlite:///rel.db, sqlite:////abs.db, duckdb:///rel.duckdb, duckdb:////abs.duckdb, "
    "postgresql://user@host:port/db (or postgres://), or a bare path ending "
    ".db/.sqlite/.sqlite3/.duckdb"
)


@dataclass(frozen=True)
class EndpointUrl:
    """A parsed endpoint URL."""

    kind: str
    """One of ``sqlite``, ``duckdb``, ``postgresql``."""
    target: str
    """A file path for SQLite and DuckDB, the libpq URI for PostgreSQL."""
    redacted: str
    """The URL as it may be shown to people: any password replaced by ``***``."""

    @property
    def path(self) -> Path:
        """The database file of a SQLite or DuckDB URL."""
        return Path(self.target)


_SETS_ITSELF = {
    "sqlite": "arrowmig only reads a source, and sets a target's journal mode itself while it "
    "writes",
    "duckdb": "arrowmig opens a source read-only itself, and bounds DuckDB's memory by "
    "ARROWMIG_DUCKDB_MEMORY_LIMIT",
}
"""Why a file URL's driver options (?mode=ro, ?access_mode=read_only) are not needed."""


def parse_url(url: str) -> EndpointUrl:
    """Resolve ``url`` to an endpoint kind and connection target, or raise ``UrlError``."""
    text = str(url).strip()
    if not text:
        raise UrlError("empty database URL", hint=f"use one of: {ACCEPTED_FORMS}")
    scheme, sep, rest = text.partition("://")
    if not sep:
        _refuse_short_file_url(text)
        return _bare_path(text)
    scheme = scheme.lower()
    if scheme.startswith("sqlite") or scheme.startswith("duckdb"):
        kind = "sqlite" if scheme.startswith("sqlite") else "duckdb"
        if not rest.startswith("/"):
            raise UrlError(
                f"{kind} URL {text!r} has no path",
                hint=f"write {kind}:///relative/path or {kind}:////absolute/path",
            )
        path, asks, query = rest[1:].partition("?")
        if asks:
            # SQLAlchemy's driver options (?mode=ro, ?journal_mode=wal) would otherwise be
            # part of the file's name: "does not exist" for a source, a new file so named
            # for a target.
            raise UrlError(
                f"{kind} URL {text!r} has a query string ('?{query}'), which arrowmig does not "
                "read",
                hint=f"drop it: {_SETS_ITSELF[kind]} (name a file whose name holds '?' by its "
                "bare path)",
            )
        if not path or path == ":memory:":
            raise UrlError(
                f"{kind} URL {text!r} names no file",
                hint="arrowmig moves data between files or servers; name a database file",
            )
        return EndpointUrl(kind, os.path.expanduser(path), text)
    if scheme in ("postgresql", "postgres"):
        normalised = "postgresql://" + rest
        return EndpointUrl(
            "postgresql",
            with_connect_timeout(with_socket_directory(normalised)),
            _naming_database(redact(normalised)),
        )
    if scheme.partition("+")[0] in ("postgresql", "postgres"):
        # SQLAlchemy's URL names a driver; arrowmig has its own.
        libpq, said = _libpq_options("postgresql://" + rest)
        raise UrlError(
            f"database URL {redact(text)!r} names a driver ({scheme!r}), which arrowmig does "
            "not take: it picks its own",
            hint=f"write it as {redact(libpq)}{said}",
        )
    raise UrlError(
        f"unknown database URL scheme {scheme!r} in {redact(text)!r}",
        hint=f"use one of: {ACCEPTED_FORMS}",
    )


def _refuse_short_file_url(text: str) -> None:
    """``sqlite:bets.db`` or ``sqlite:/data/bets.db``, a URL with its slashes short, was taken
    by its suffix for a file of that name: "SQLite file 'sqlite:bets.db' does not exist", or a
    new target file so named. (One without such a suffix is refused as no database anyway.)"""
    scheme, colon, path = text.partition(":")
    kind = scheme.lower()
    if not colon or kind not in ("sqlite", "duckdb") or not path.strip("/"):
        return
    if not text.lower().endswith(SQLITE_SUFFIXES + DUCKDB_SUFFIXES):
        return
    raise UrlError(
        f"{kind} URL {text!r} lacks slashes: a {kind} URL is {kind}:///relative/path or "
        f"{kind}:////absolute/path (a file so named is written ./{text})",
        hint=f"write {kind}:///{path}",
    )


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
"""libpq's values of sslmode."""


def _libpq_options(uri: str) -> tuple[str, str]:
    """``uri`` with a driver's own ``ssl=`` option (asyncpg's, which libpq refuses as an
    invalid URI query parameter) written as libpq's ``sslmode=``, or left out where its value
    is no sslmode; and what the hint says of that ('' when there was none)."""
    parts = split_uri(uri)
    pieces = (parts.query or "").split("&") if parts.query is not None else []
    kept, said = [], ""
    for piece in pieces:
        key, _, value = piece.partition("=")
        if unquote(key) != "ssl":
            kept.append(piece)
        elif unquote(value) in SSL_MODES:
            kept.append(f"sslmode={value}")
            said = " (the driver's ssl= is libpq's sslmode=)"
        else:
            said = f" (the driver's ssl={unquote(value)} left out: libpq's is sslmode=, one of "
            said += f"{', '.join(SSL_MODES)})"
    if not said:
        return uri, ""
    return str(replace(parts, query="&".join(kept) if kept else None)), said


def _naming_database(uri: str) -> str:
    """``uri`` as shown, with the database libpq connects to written in where the URL names
    none (``postgresql://app@db.internal``): PGDATABASE, else the user's name (the URL's,
    PGUSER's, else the login's), as psql does. Left as it is where a service file may name
    it."""
    parts = split_uri(uri)
    params = parts.params()
    if parts.path or "dbname" in params or "service" in params:
        return uri
    if os.environ.get("PGSERVICE"):
        return uri
    database = (
        os.environ.get("PGDATABASE")
        or params.get("user")
        or parts.user
        or os.environ.get("PGUSER")
        or _login_name()
    )
    if not database:
        return uri
    return str(replace(parts, path=quote(database, safe="")))


def _login_name() -> str | None:
    """The user libpq logs in as when none is named: this process's effective user."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return None


def with_socket_directory(uri: str) -> str:
    """``uri`` with ``host=`` set to the directory of the local server's socket when it names
    no host (``postgresql:///app``, as psql users write it) and the environment names none
    either, and the socket is in a distribution's directory rather than /tmp.

    psql and psycopg find such a server through their libpq's built-in directory; the ADBC
    driver's own libpq looks in /tmp and would fail with "No such file or directory"."""
    parts = split_uri(uri)
    params = parts.params()
    port = params.get("port") or parts.port or os.environ.get("PGPORT")
    named = parts.host or any(k in params for k in ("host", "hostaddr", "service"))
    if named or any(os.environ.get(v) for v in ("PGHOST", "PGHOSTADDR", "PGSERVICE")):
        return uri
    for directory in SOCKET_DIRECTORIES:
        if os.path.exists(f"{directory}/.s.PGSQL.{port or 5432}"):
            return parts.with_param("host", quote(directory, safe=""))
    return uri


PASSWORD_IN_URL = (
    " (its password in PGPASSWORD or ~/.pgpass, or in place of ***, with / @ % and a space "
    "written %2F %40 %25 %20)"
)
"""Where the password of a URL arrowmig wrote out for the user goes."""


CONNECT_TIMEOUT_S = 10
"""How long a connection to a PostgreSQL server may take, where neither the URL
(``connect_timeout``), PGCONNECT_TIMEOUT nor a service file says: libpq would wait for ever,
and a host that drops packets unanswered would hang the run for the system's TCP timeout."""


def with_connect_timeout(uri: str) -> str:
    """``uri`` with ``connect_timeout`` (``CONNECT_TIMEOUT_S``) added where the user set none:
    not in the URL, PGCONNECT_TIMEOUT, or a service file (``service=``, PGSERVICE) that may."""
    if libpq_misreads(uri):
        return uri  # libpq reads it otherwise than we do: nothing is added to its misreading
    parts = split_uri(uri)
    if "connect_timeout" in parts.params() or "service" in parts.params():
        return uri
    if os.environ.get("PGCONNECT_TIMEOUT") or os.environ.get("PGSERVICE"):
        return uri
    return parts.with_param("connect_timeout", str(CONNECT_TIMEOUT_S))


def _bare_path(text: str) -> EndpointUrl:
    lowered = text.lower()
    # A path the shell did not expand (quoted, in a URL or a job file): ~ is the home folder
    # there too, never a folder named "~" (which "create the folder first" would have made).
    if lowered.endswith(SQLITE_SUFFIXES):
        return EndpointUrl("sqlite", os.path.expanduser(text), text)
    if lowered.endswith(DUCKDB_SUFFIXES):
        return EndpointUrl("duckdb", os.path.expanduser(text), text)
    pairs = conninfo_pairs(text)
    if pairs is not None:
        raise UrlError(
            f"{redact(text)!r} is a libpq key=value string, which arrowmig does not take: it "
            "takes postgresql:// URLs",
            hint=f"write it as {as_url(pairs)}" + (PASSWORD_IN_URL if "password" in pairs else ""),
        )
    raise UrlError(
        f"cannot tell what database {redact(text)!r} is", hint=f"use one of: {ACCEPTED_FORMS}"
    )


_PASSWORD_PARAM = re.compile(
    r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|(?:[^&\s\\]|\\.)*)", re.IGNORECASE
)
"""``password=`` in a URL's query or a libpq key=value string, quoted or not; unquoted, a
backslash keeps the character after it in the value, as libpq has it (``a\\ b``)."""


def _userinfo_password(url: str) -> tuple[int, int] | None:
    """Where the password of ``scheme://user:password@host`` is, read from the raw text.

    Found where libpq finds it (``split_uri``: before the first ``@`` met before any ``/``),
    not by urlsplit, which ends the netloc at an unencoded ``#`` or ``?`` (generated passwords
    have them, and libpq takes them), and not at the last ``@``, which may be in the query
    (``application_name=etl@x``): that masked the host and database too, and two servers made
    one run. Where libpq misreads the URL (``libpq_misreads``), everything from the first
    ``:`` after the user to the last ``@`` is masked, whatever it holds."""
    if libpq_misreads(url):
        return _all_to_the_last_at(url)
    start = url.find("://") + 3
    userinfo = split_uri(url).userinfo
    if userinfo is None or ":" not in userinfo:
        return None
    return url.index(":", start) + 1, start + len(userinfo)


def _all_to_the_last_at(url: str) -> tuple[int, int] | None:
    start = url.find("://") + 3
    at = url.rfind("@", start)
    colon = url.find(":", start, at)
    if colon < 0:
        return None  # no user:password@ (a user alone)
    if any(c in url[start:colon] for c in "/?#"):
        # Either an @ in the path or query after a host:port, or a user:password holding
        # / ? #: which cannot be told from the text, so all of it is masked.
        return start, at
    return colon + 1, at


def libpq_misreads(url: str) -> bool:
    """Whether libpq may read ``url``'s password as something else: it ends the user and
    password at the first ``@`` or ``/``, so an unencoded one in a password makes the rest
    of the password a host, port, database or query (and its errors quote that back). Told
    by an ``@`` where libpq's reading (``split_uri``) leaves none, or past a ``/`` that may
    have ended the user and password early."""
    if "://" not in url:
        return False
    parts = split_uri(url)
    if parts.userinfo is None:
        # A / that may have ended a user or password (us/er@h, user:pass/word@h): said as such.
        return "@" in (parts.path or "") or ("@" in url and ":" in parts.netloc)
    if ":" not in parts.userinfo:
        return False
    if "@" in parts.netloc or "@" in (parts.path or ""):
        return True
    # An @ in the query is an option's value's (application_name=etl@x), unless it is where
    # no option is (Gh@host of a password Ab@cd/Ef?Gh@host) or a database follows it.
    return any(
        "@" in piece.partition("=")[0] or "/" in piece.partition("@")[2]
        for piece in (parts.query or "").split("&")
        if "@" in piece
    )


_QUOTED = re.compile(r'"[^"]*"')


def driver_said(url: str, message: str) -> str:
    """A driver's message about connecting to ``url`` as it may be shown: the password
    masked and, where libpq may have misread the URL, every value it quotes (any of which
    may be a piece of the password: 'invalid URI query parameter: "word"')."""
    if libpq_misreads(url):
        message = _QUOTED.sub('"***"', message)
    return redact_text(message, [password_of(url) or ""])


def redact(url: str) -> str:
    """Return ``url`` (or a libpq key=value string) with any password masked."""
    text = str(url)
    where = _userinfo_password(text)
    if where is not None:
        text = text[: where[0]] + "***" + text[where[1] :]
    return _PASSWORD_PARAM.sub(r"\1***", text)


def redact_text(text: str, secrets: list[str]) -> str:
    """Remove each known secret (a password) from a message before it is shown: from its
    place in any URL or libpq string the message holds, and, unless it could be a name
    (``_could_be_a_name``), wherever else it appears."""
    for secret in secrets:
        # libpq may read a URL whose password holds / or @ otherwise than we do, and quote
        # a piece of it back ('invalid integer value "Le" for connection option "port"'):
        # the pieces between such characters (and the & and = of a query libpq made of the
        # rest) are scrubbed too, as written and as libpq decodes them ("hunter2@prod" of
        # 'hunter2%40prod/2024'), and those of the password decoded.
        forms = {secret, unquote(secret)} - {""}
        split = {p for form in forms for p in re.split(r"[/@#?:=&]", form)}
        pieces = {p for p in split | set(map(unquote, split)) if len(p) >= 2} - forms
        for form in forms:
            text = _in_its_place(form, text)
            if _could_be_a_name(form):
                continue
            text = text.replace(form, "***") if len(form) >= 4 else _alone(form, text)
        for piece in pieces:  # only where it stands alone: 'word' of 'pass/word' is common
            text = _alone(piece, text)
    return text


_NAME = re.compile(r"[a-z0-9_]{1,15}")


def _could_be_a_name(password: str) -> bool:
    """Whether ``password`` is made as the names a message shows are (``postgres``, the
    docker image's password, is also its user, a scheme's start and a database; ``bets`` a
    table): lower-case letters, digits and ``_``, shorter than a generated secret (16 hex
    digits of ``openssl rand -hex 8``).

    Such a password is masked only in its place (``user:***@``, ``password=***``): masked
    wherever it appeared, it made ``***ql://***:***@host/db`` of the URL shown and ``table
    '***'`` of a table's name. Nothing prints it elsewhere: servers never repeat a
    password, and libpq quotes a piece of a URL back only when it cannot decode or split
    it, which only a ``%``, ``/``, ``@``, ``?`` or ``#`` in the password (not a name's
    characters) causes."""
    return _NAME.fullmatch(password) is not None


def _in_its_place(form: str, text: str) -> str:
    """``text`` with ``form`` masked where it is a password: between a URL's ``user:`` and
    ``@``, or the value of a ``password=`` (of a URL's query or a libpq key=value string)."""
    word = re.escape(form)
    text = re.sub(rf"(://[^\s:/?#@]*:){word}(?=@)", r"\1***", text)
    return re.sub(rf"((?i:password)\s*=\s*'?){word}(?!\w)", r"\1***", text)


def _alone(form: str, text: str) -> str:
    """``text`` with ``form`` masked where it stands alone, not inside a longer word."""
    return re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", "***", text)


def password_of(url: str) -> str | None:
    """The password written in a PostgreSQL URL or key=value string, if any, so that
    messages can be scrubbed of it (as written and percent-decoded)."""
    text = str(url)
    where = _userinfo_password(text)
    if where is not None and where[1] > where[0]:
        return text[where[0] : where[1]]
    match = _PASSWORD_PARAM.search(text)
    if match and match.group(2):
        return match.group(2).strip("'")
    return None


def shown_value(value: Any) -> str:
    """``repr(value)`` as an error that refuses it may echo it: any password of a URL in it
    masked (a URL given as a list, or as bytes, is refused as the wrong type, whole)."""
    return repr(_masked(value)) if _holds_text(value) else redact(repr(value))


def _holds_text(value: Any) -> bool:
    """Whether ``value`` is text, bytes, or a list, tuple or dict made of them (whose repr
    ``_masked`` keeps as it was, each URL in it masked)."""
    if isinstance(value, str | bytes):
        return True
    if type(value) in (list, tuple):
        return all(map(_holds_text, value))
    if type(value) is dict:
        return all(map(_holds_text, [*value.keys(), *value.values()]))
    return False


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
    if isinstance(value, dict):
        return {_masked(k): _masked(v) for k, v in value.items()}
    return type(value)(map(_masked, value))
