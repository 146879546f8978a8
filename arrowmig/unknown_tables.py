"""The refusal of table names the source does not have: every one of them in one line, so a
list with two typos is fixed in one go, each with what the user may have meant."""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable

from arrowmig.argument_words import arg, job_file_key
from arrowmig.endpoints.base import Source
from arrowmig.errors import SchemaError
from arrowmig.names import several_in_one, written, written_list
from arrowmig.note_groups import listed


def where_in(src: Source) -> str:
    """The source, and its schema where it reads one: where a table was looked for."""
    return f"schema {src.schema!r} of {src.url.redacted}" if src.schema else src.url.redacted


def named_by(option: str) -> str:
    """`` named by --exclude``: the option that named a table, where it is not the run's own
    --tables (which goes without saying)."""
    return "" if option == "tables" else f" named by {arg(option)}"


def tables_not_found(
    missing: list[str],
    option: str,
    src: Source,
    tables: list[str],
    views: list[str],
    parents: dict[str, str],
) -> SchemaError:
    """The error for the names ``option`` gave that ``src`` lacks (``tables``, ``views``: what
    it has; ``parents``: each partition's parent), said where they were named: the job
    file's key, or the option."""
    said = ", ".join(repr(name) for name in missing)
    what = f"table {said}" if len(missing) == 1 else f"tables {said}"
    key = job_file_key(option)
    if key is not None:
        message = f"{key}: {what} not found in {where_in(src)}"
    else:
        message = f"{what}{named_by(option)} not found in {where_in(src)}"
    known = [*tables, *views]
    there = _tables_there(known, tables, src)
    meant = {name: _meant(name, known, src, parents) for name in missing}
    if len(missing) == 1 and meant[missing[0]]:
        return SchemaError(message, hint=meant[missing[0]], table=missing[0])
    # A typo's likely table beside each name, then what the source has.
    each = per_name(missing, lambda name: meant[name] or did_you_mean(name, known))
    return SchemaError(message, hint="; ".join([*each, there]), table=missing[0])


def did_you_mean(name: str, known: list[str]) -> str | None:
    """``did you mean 'users'?`` for a mistyped ``usres``; None when no name is close (as
    close as ``cast_refusal``'s: 'large_nope' is not taken for 'large_odds')."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}?" if close else None


def per_name(names: list[str], hint_of: Callable[[str], str | None]) -> list[str]:
    """The hints of the names that have one: alone for one name, else each after its name
    (``'usres': did you mean 'users'?``)."""
    hints = [(name, hint) for name in names if (hint := hint_of(name))]
    return [hint if len(names) == 1 else f"{name!r}: {hint}" for name, hint in hints]


def _meant(name: str, known: list[str], src: Source, parents: dict[str, str]) -> str | None:
    """What the user may have meant by a table name the source does not have, where its form
    says so (another case, a schema's prefix, a partition); None otherwise."""
    several = several_in_one(name, known)
    if several is not None:
        return several
    same_but_case = [k for k in known if k.lower() == name.lower()]
    if same_but_case:
        return f"did you mean {same_but_case[0]!r}? (names are matched exactly)"
    schema, dot, bare = name.rpartition(".")
    if dot and bare in known and src.dialect == "sqlite":
        return f"name it {bare!r} (a SQLite file has no schemas)"
    if dot and (bare in known or schema in src.other_schemas()):
        return f"name it {bare!r}, with --source-schema {shlex.quote(written_list([schema]))}"
    parent = parents.get(name)
    if parent is not None:
        return (
            f"{name!r} is a partition of {parent!r}, whose rows it holds: they move with "
            f"{parent!r}; name it with --tables to move it as a table of its own"
        )
    return None


def _tables_there(known: list[str], tables: list[str], src: Source) -> str:
    """What the source has: its tables, then the views and virtual tables that move when
    named, then its other schemas."""
    others = src.other_schemas()
    where = f"; other schemas: {', '.join(others)} (--source-schema picks one)" if others else ""
    # Quoted as --tables takes them: a table "a,b" printed bare would read as two. Views
    # and virtual tables can be named too (they move only when named).
    views = [written(k) for k in known if k not in tables]
    named = f"; views and virtual tables, moved when named: {listed(views, 12)}" if views else ""
    return f"tables there: {listed([written(t) for t in tables], 12) or '(none)'}{named}{where}"
