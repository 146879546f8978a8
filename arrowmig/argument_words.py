"""An argument named as its caller wrote it: the same check refuses a value given from
Python (``MigrationConfig(target_names="Lower")``) and from the command line
(``--target-names Lower``), and each caller is told the name it wrote.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_AS_OPTIONS: ContextVar[bool] = ContextVar("arrowmig_arguments_as_options", default=False)
_JOB_FILE: ContextVar[tuple[str, Collection[str]] | None] = ContextVar(
    "arrowmig_arguments_job_file", default=None
)
"""The job file ``arrowmig run`` runs, and the parameters its command line gave instead."""

_OPTIONS = {
    "batch_timeout_s": "--batch-timeout",
    "lock_wait_s": "--lock-wait-timeout",
    "casts": "--cast",
}
"""The command line's option for a parameter of another name (otherwise ``--`` and the
parameter's name with ``-`` for ``_``)."""


@contextmanager
def named_as_options() -> Iterator[None]:
    """Within: arguments are named as the command line's options (``--target-names``), for
    the command line and the job files it reads (which say them as keys)."""
    token = _AS_OPTIONS.set(True)
    try:
        yield
    finally:
        _AS_OPTIONS.reset(token)


@contextmanager
def read_from_job_file(path: str, overridden: Collection[str] = ()) -> Iterator[None]:
    """Within: the arguments are job file ``path``'s keys (``arrowmig run``), but those
    ``overridden`` on its command line, so a refusal that comes only once the run plans names
    the file and its key."""
    token = _JOB_FILE.set((path, overridden))
    try:
        yield
    finally:
        _JOB_FILE.reset(token)


def job_file_key(name: str) -> str | None:
    """``job file 'job.toml', key 'exclude'`` when parameter ``name`` was read from the job
    file ``arrowmig run`` runs; None when its caller gave it otherwise."""
    job_file = _JOB_FILE.get()
    if job_file is None or name in job_file[1]:
        return None
    return f"job file {job_file[0]!r}, key {name!r}"


def cast_given(table: str, column: str, type_name: str) -> str:
    """One cast as its caller wrote it: ``--cast users.z=epoch_s`` on the command line,
    ``job file 'job.toml', key 'casts' ("users.z" = "epoch_s")``, ``casts={'users.z':
    'epoch_s'}`` from Python."""
    key = job_file_key("casts")
    if key is not None:
        return f'{key} ({json.dumps(cast_name(table, column), ensure_ascii=False)} = "{type_name}")'
    if _AS_OPTIONS.get():
        return cast_option(table, column, type_name)
    return f"casts={{{cast_name(table, column)!r}: {type_name!r}}}"


def cast_option(table: str, column: str, type_name: str) -> str:
    """``--cast table.column=TYPE`` as a shell takes it, the whole word quoted where it holds a
    space or a shell character (``--cast 'Order Items.price=double'``, ``--cast
    't.p=numeric(10,2)'``): a hint pasted unquoted split at the space and was refused. The
    name is ``cast_name``'s, so that the option reads back this table and column."""
    return f"--cast {shlex.quote(f'{cast_name(table, column)}={type_name}')}"


_PLAIN_PART = re.compile(r"\w+")


def cast_name(table: str, column: str) -> str:
    """``table.column`` as a cast reads it back (``casts.read_cast``): as it is where that
    reads these two names (``Order Items.price``, ``a,b.y,z``), else as SQL writes names,
    each part holding anything but letters, digits and ``_`` in double quotes, a quote in it
    doubled (``t."y.z"``, ``"a=b".c``, ``"it""s".c``): the column was read after the last dot
    and the name ended at the first ``=``. ``table`` may be ``schema.table`` as a run of several
    schemas prints it (``"a,b".t``), which is kept."""
    from arrowmig.casts import read_cast  # casts reads names, which reads this module
    from arrowmig.errors import UsageError
    from arrowmig.names import name_parts

    def reads_back(name: str) -> bool:
        try:
            return read_cast(f"{name}=T")[:2] == (table, column)
        except UsageError:
            return False

    plain = f"{table}.{column}"
    if reads_back(plain):
        return plain
    try:
        qualified = '"' in table and len(name_parts(table)) == 2
    except UsageError:
        qualified = False
    written = table if qualified else _sql_part(table)
    return f"{written}.{_sql_part(column)}"


def _sql_part(name: str) -> str:
    """One part of a name as SQL writes it: in double quotes unless it is a plain word."""
    if _PLAIN_PART.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


CAST_THIS = "TABLE.COLUMN"
"""Stands for the column itself in a note's ``--cast`` (``--cast TABLE.COLUMN=epoch_s``), where
the note is written before the column's table is known; ``cast_of_column`` names it."""

_CAST_THIS_TYPE = re.compile(r"--cast TABLE\.COLUMN=(\w+(?:\([^)]*\))?)")


def cast_of_column(note: str, table: str, column: str) -> str:
    """``note`` with each ``--cast TABLE.COLUMN=TYPE`` naming ``table.column`` (``cast_option``)."""
    return _CAST_THIS_TYPE.sub(lambda m: cast_option(table, column, m[1]), note)


def _cast_of(table: str, column: str) -> re.Pattern[str]:
    """How a ``cast_option`` of ``table.column`` begins, quoted or not."""
    return re.compile("(--cast '?)" + re.escape(f"{cast_name(table, column)}="))


def casts_column_as(note: str, table: str, column: str, name: str) -> str:
    """``note`` with each ``--cast`` of ``table.column`` (``cast_option``) naming column
    ``name`` instead."""
    return _cast_of(table, column).sub(lambda m: f"{m[1]}{cast_name(table, name)}=", note)


def advises_cast(note: str, table: str, column: str) -> bool:
    """Whether ``note`` advises a ``--cast`` of ``table.column`` (``cast_option``)."""
    return _cast_of(table, column).search(note) is not None


def between_casts() -> str:
    """What goes between several casts of ``cast_given``: a space on the command line (the
    options as typed), a comma where each is said as a key or an argument."""
    return " " if _AS_OPTIONS.get() and job_file_key("casts") is None else ", "


def options_named() -> bool:
    """Whether arguments are named as the command line's options here."""
    return _AS_OPTIONS.get()


def arg(name: str) -> str:
    """The parameter ``name`` as its caller wrote it: ``target_names`` from Python,
    ``--target-names`` on the command line."""
    if _AS_OPTIONS.get():
        return _OPTIONS.get(name, "--" + name.replace("_", "-"))
    return name


def given(name: str, value: object, *, typed: bool = False) -> str:
    """The parameter ``name`` with ``value``, as its caller wrote them: ``target_names='Lower'``
    from Python, ``--target-names 'Lower'`` on the command line (``typed``: the value as it
    is typed there, ``--mode create``; a flag that is on, ``--keep-backup``, alone)."""
    if not _AS_OPTIONS.get():
        return f"{name}={value!r}"
    if value is True:
        return arg(name)
    return f"{arg(name)} {value if typed else repr(value)}"
