"""What a PostgreSQL error tells the user to do: about a refused connection, as far as the
server's message and the URL tell; and who holds the lock a statement waited for.
"""

from __future__ import annotations

import re
import shlex

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.endpoints.pg_wire import own_session
from arrowmig.errors import ConnectError, LoginRefused, StopRequested
from arrowmig.urls import (
    SOCKET_DIRECTORIES,
    SSL_MODES,
    EndpointUrl,
    driver_said,
    libpq_misreads,
)

# libpq's words for a login the server refused (SQLSTATE 28P01 and 28000, which a failed
# connection does not carry): the password, pg_hba.conf, the role. Retried, they fail again.
_LOGIN_REFUSED = re.compile(
    r"authentication failed|no pg_hba\.conf entry|role \"[^\n]*\" does not exist|"
    r"is not permitted to log in|no password supplied|password is required",
    re.IGNORECASE,
)


def login_refused(message: str) -> bool:
    """Whether a failed connection's ``message`` is the server refusing the login (not a
    server that cannot be reached, or is restarting)."""
    return bool(_LOGIN_REFUSED.search(message))


def connect_error(url: EndpointUrl, exc: BaseException, said: str | None = None) -> ConnectError:
    """The error of a connection to ``url`` that failed with the driver's ``exc`` (its
    message shown as ``said``, e.g. its first line): a ``LoginRefused`` (never retried) where
    the server refused the login. Raise it outside the ``except`` that caught ``exc``: its
    cause is ``exc`` scrubbed of the password, which ``exc`` itself may quote (libpq names
    the pieces of a URL it could not read), and a traceback or ``logging.exception`` shows
    every exception of the chain, ``__context__`` too."""
    message = str(exc)
    cls = LoginRefused if login_refused(message) else ConnectError
    error = cls(
        f"cannot connect to {url.redacted}: {driver_said(url.target, said or message)}",
        hint=connect_hint(message, url.target),
    )
    error.__cause__ = scrubbed(exc, url.target)
    return error


class DriverSaid(Exception):
    """A driver's error as a traceback may show it: its type's name and its message, with
    the password of the URL it was connecting to scrubbed."""


def scrubbed(exc: BaseException, conninfo: str) -> BaseException:
    """``exc`` and the exceptions it was raised from, each as a ``DriverSaid`` (with its
    traceback), scrubbed of ``conninfo``'s password; a Ctrl-C or a stop, which carry no
    text, kept as they are (``raised_by_ctrl_c`` looks for them)."""
    if isinstance(exc, KeyboardInterrupt | StopRequested):
        return exc
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    stand_in = DriverSaid(f"{name}: {driver_said(conninfo, str(exc))}")
    stand_in.__traceback__ = exc.__traceback__
    behind = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if behind is not None:
        stand_in.__cause__ = scrubbed(behind, conninfo)
    return stand_in


def lock_holder(query: Query, target: str, passed_over: int) -> str:
    """' on X held by pid N (application: 'query...')' for the session that holds a lock
    on ``target`` (a qualified table name; '': none) or a table tied to it by a foreign key
    (the lock a statement waited for is released with it, so the holders are looked up
    afterwards); '' if none is found. ``passed_over``: a session not to name (the run's own
    hold on its source)."""
    try:
        rows = query(
            "WITH t AS (SELECT to_regclass(nullif($1, '')) AS oid) "
            "SELECT l.pid, l.relation::regclass::text, coalesce(a.application_name, ''), "
            "coalesce(a.query, '') FROM pg_locks l LEFT JOIN pg_stat_activity a "
            "ON a.pid = l.pid, t WHERE (l.granted OR l.mode = 'AccessExclusiveLock') "
            "AND l.pid NOT IN (pg_backend_pid(), $2) "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND (l.relation = t.oid OR l.relation IN (SELECT conrelid FROM pg_constraint "
            "WHERE confrelid = t.oid UNION SELECT confrelid FROM pg_constraint "
            "WHERE conrelid = t.oid) OR (t.oid IS NULL AND l.mode = 'AccessExclusiveLock')) "
            "ORDER BY l.relation = t.oid DESC, l.mode = 'AccessExclusiveLock' DESC, l.granted DESC, "
            "l.pid "
            "LIMIT 1",
            (target, passed_over),
        )
    except Exception:
        return ""  # only a better message was lost: the error itself is reported
    if not rows:
        return ""
    pid, relation, application, statement = rows[0]
    statement = " ".join(str(statement).split())
    shown = statement if len(statement) <= 40 else statement[:40] + "..."
    who = f"{application}: " if application else ""
    if own_session(str(application)):
        who = f"this run's own session, {who}"
    return f" on {relation} held by pid {pid} ({who}{shown!r})"


CREATE_IT_FIRST = "create it first"
"""How the hint for a database that does not exist begins: a run's target is then to be
created; ``verify`` says otherwise (the copy it compares should exist)."""


def connect_hint(message: str, conninfo: str = "") -> str:
    """What to do about a refused connection, as far as the server's message (and the URL,
    ``conninfo``) tells."""
    if libpq_misreads(conninfo):
        # libpq read a piece of the password as a host, port, database or query: whatever
        # it says follows from that (and its quoted values are not shown).
        return (
            "a password holding / or @ must be percent-encoded in a URL (/ as %2F, @ as %40: "
            "libpq ends it at the first one), or given in PGPASSWORD or ~/.pgpass"
        )
    missing = re.search(r'database "([^"]+)" does not exist', message)
    if missing:
        return (
            # Quoted for the shell: unquoted, a name holding a space makes createdb create
            # its first word, the rest taken as the database's comment.
            f"{CREATE_IT_FIRST} (createdb {shlex.quote(missing.group(1))}, or CREATE DATABASE "
            "in psql), or "
            "name a database that exists"
        )
    if "password authentication failed" in message or "no password supplied" in message:
        return "check the user and password (in the URL, PGPASSWORD or ~/.pgpass)"
    if "is not permitted to log in" in message:
        return "connect as a role that may log in, or let this one (ALTER ROLE ... LOGIN)"
    if re.search(r'role "[^\n]*" does not exist', message):
        return "check the user name in the URL (or PGUSER): the server has no such role"
    if "no pg_hba.conf entry" in message:
        return (
            "the server's pg_hba.conf lets no such connection in (this user, database, host "
            "or SSL): have a line added there, or connect as it allows"
        )
    if "timeout expired" in message:
        return (
            "the server did not answer within connect_timeout (10 s unless the URL or "
            "PGCONNECT_TIMEOUT sets it): check the host and port, and that no firewall drops "
            "the connection; on a slow network, give more (?connect_timeout=30)"
        )
    if 'for connection option "port"' in message:
        # Not a piece of the password: libpq_misreads said so above (a raw # or ? in one is
        # read as psql reads it).
        return "the port after the host must be a number (postgresql://user@host:5432/db)"
    if "server does not support SSL" in message:
        return (
            "sslmode require, verify-ca or verify-full (in the URL or PGSSLMODE) needs a "
            "server with SSL on: drop sslmode (or use sslmode=prefer), or enable SSL on the "
            "server (ssl = on in postgresql.conf)"
        )
    # No server was asked for these two: "check that the server runs" pointed the wrong way.
    service = re.search(r'definition of service "([^"]*)" not found', message)
    if service:
        return (
            f"no service {service.group(1)!r} is in the service file: check its name, and "
            "that PGSERVICEFILE (default ~/.pg_service.conf) or PGSYSCONFDIR names the file "
            "that defines it"
        )
    if re.search(r'service file "[^"]*" not found', message):
        return "make that file, or name the one that defines the service in PGSERVICEFILE"
    if "invalid sslmode value" in message:
        return f"sslmode takes one of {', '.join(SSL_MODES)}"
    unknown = re.search(r'invalid URI query parameter: "([^"]*)"', message)
    if unknown and unknown.group(1) == "ssl":
        return (
            "libpq has no option ssl (a Python driver's, such as asyncpg's): write "
            f"sslmode= instead, one of {', '.join(SSL_MODES)}"
        )
    if unknown:
        return f"libpq has no option {unknown.group(1)}: drop it from the URL's query"
    if "invalid percent-encoded token" in message:
        return (
            "a % in the URL (in a password, say) must be percent-encoded as %25, or the "
            "password given in PGPASSWORD or ~/.pgpass"
        )
    socket = re.search(r'socket "(.*)/\.s\.PGSQL\.(\d+)"', message)
    if socket and "No such file or directory" in message:
        directory, port = socket.groups()
        if directory not in ("/tmp", *SOCKET_DIRECTORIES):
            return (
                f"no server's socket for port {port} is in {directory}, the directory the "
                "URL's host= (or PGHOST) names: name the one the server's socket is in (psql's "
                "SHOW unix_socket_directories), or the host (postgresql://user@127.0.0.1/db)"
            )
        return (
            f"no local server's socket was found in /tmp or {' or '.join(SOCKET_DIRECTORIES)} "
            "for that port: name the host (postgresql://user@127.0.0.1/db) or the socket's "
            "directory (postgresql:///db?host=/path/to/dir)"
        )
    return "check that the server runs and that host, port, database, user and password are right"
