"""libpq key=value connection strings (``host=db dbname=app user=me``), which arrowmig does not
take: the postgresql:// URL that says the same, to put in the refusal.

Not taken, rather than passed to libpq as they are: a run knows its server by its URL (the
socket directory, connect_timeout, the database shown, a resumed run's identity), and a second
form would need all of that twice.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_PAIR = re.compile(r"\s*(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|(?:[^\s'\\]|\\.)*)")
"""One ``key = value`` of a libpq string: the value bare, or single-quoted with \\' and \\\\."""


_NAMING = {"host", "hostaddr", "port", "dbname", "user", "password", "service"}
"""Keys of which a libpq string has one at least: what tells it from a file named ``a=b``."""


def conninfo_pairs(text: str) -> dict[str, str] | None:
    """The keys and values of a libpq key=value string, or None where ``text`` is not one."""
    pairs: dict[str, str] = {}
    at = 0
    while at < len(text.rstrip()):
        match = _PAIR.match(text, at)
        if match is None or match.end() == at:
            return None
        key, value = match.groups()
        if value.startswith("'"):
            value = value[1:-1]
        pairs[key.lower()] = re.sub(r"\\(.)", r"\1", value)
        at = match.end()
    return pairs if _NAMING & pairs.keys() else None


def as_url(pairs: dict[str, str]) -> str:
    """The postgresql:// URL with the same settings as the libpq string ``pairs``, its
    password (if any) shown as ``***``: where it goes, not what it is."""
    rest = dict(pairs)
    user = quote(rest.pop("user", ""), safe="")
    password = ":***" if rest.pop("password", None) is not None else ""
    host = rest.pop("host", "")
    if host.startswith("/"):  # a socket directory goes in the query, as psql users write it
        rest = {"host": host, **rest}
        host = ""
    port = rest.pop("port", "") if host else ""
    database = quote(rest.pop("dbname", ""), safe="")
    who = f"{user}{password}@" if user or password else ""
    where = _hosts(host, port)
    query = "&".join(f"{k}={quote(v, safe='/')}" for k, v in rest.items())
    return f"postgresql://{who}{where}/{database}" + (f"?{query}" if query else "")


def _hosts(host: str, port: str) -> str:
    """A libpq string's ``host`` and ``port`` as a URL writes them: each host with its port
    (``h1:5432,h2:5433``; one port is every host's, as libpq has it), an IPv6 address in
    brackets (``[::1]:5433``, not ``::1:5433``, whose last part libpq takes for the port)."""
    hosts = host.split(",")
    ports = port.split(",") if "," in port else [port] * len(hosts)
    ports += [""] * (len(hosts) - len(ports))
    return ",".join(
        (f"[{h}]" if ":" in h else quote(h, safe="")) + (f":{p}" if p else "")
        for h, p in zip(hosts, ports, strict=False)
    )
