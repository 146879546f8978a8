"""TOML job files: a migration written down, so that it can be reviewed and run again.

A job file holds everything ``arrowmig migrate`` takes on its command line; ``arrowmig run
job.toml`` runs it, and flags given after it override the file. Keys are the long option
names, with ``-`` or ``_``. Relative file paths in the file (SQLite and DuckDB databases,
``reject_dir``, ``log_file``) are taken from the job file's directory, so a job runs the
same from anywhere::

    source = "sqlite:///bets.db"
    target = "postgresql://loader@db.internal/warehouse"
    tables = ["bets", "players"]
    mode = "replace"
    batch_rows = 50_000
    max_memory = "1GiB"
    verify = true

    [casts]
    "bets.stake" = "numeric(10,2)"
"""

from __future__ import annotations

import difflib
import re
import shlex
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from arrowmig.argument_words import named_as_options, options_named
from arrowmig.casts import Cast, read_casts
from arrowmig.config import MODES, ON_ERROR, TARGET_NAMES, BatchConfig, MigrationConfig
from arrowmig.errors import UsageError
from arrowmig.names import name_parts, split_list
from arrowmig.sizes import parse_size
from arrowmig.urls import parse_url, redact, shown_value

PROGRESS_KINDS = ("auto", "bar", "plain", "json", "none")


@dataclass(frozen=True, kw_only=True)
class Job:
    """A migration to run: where from, where to, how, and how the run is shown."""

    source: str
    """Source URL or path (relative file paths already resolved against the job file)."""
    target: str
    """Target URL or path."""
    config: MigrationConfig
    """Everything that decides what the migration does."""
    verify: bool = False
    """Verify with checksums after the run."""
    progress: str | None = None
    """auto, bar, plain, json or none; None leaves the choice to the command."""
    progress_interval: float | None = None
    """Seconds between plain progress lines; None: the command's default."""
    json: bool = False
    """Print the final report as JSON on stdout."""
    log_file: str | None = None
    """Where the complete log of the run goes, if anywhere."""

    def __post_init__(self) -> None:
        if self.progress_interval is not None and not self.progress_interval >= 0:
            raise UsageError(
                f"progress_interval must be 0 or more seconds, not {self.progress_interval:.15g}"
            )

    def __repr__(self) -> str:
        # The dataclass's own, but for the URLs' passwords: a Job is printed and logged.
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        shown["source"], shown["target"] = redact(self.source), redact(self.target)
        return f"Job({', '.join(f'{name}={value!r}' for name, value in shown.items())})"


# -- reading values --------------------------------------------------------------------------
#
# Each reader says what is wrong with the value alone ("must be a whole number, not 'two'");
# ``_read`` says where: the file and the key.


class _Refused(UsageError):
    """A value refused at a place of its own within the key's value: ``[casts] key 't.c'``."""

    def __init__(self, where: str, refused: UsageError) -> None:
        super().__init__(refused.message, hint=refused.hint)
        self.where = where


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"must be a non-empty string, not {shown_value(value)}")
    return value


def _schemas(key: str, value: Any) -> str:
    """One schema, ``"*"``, a comma list, or a list of schema names."""
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return ",".join(value)
    if isinstance(value, str) and value.strip():
        return value
    raise UsageError(f"must be a schema name, a list of them or '*', not {shown_value(value)}")


def _whole(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"must be a whole number, not {shown_value(value)}")
    return value


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"must be a number, not {shown_value(value)}")
    return float(value)


def _seconds(key: str, value: Any) -> float:
    seconds = _number(key, value)
    if not seconds >= 0:
        raise UsageError(f"must be 0 or more seconds, not {shown_value(value)}")
    return seconds


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"must be true or false, not {shown_value(value)}")
    return value


def _size(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise UsageError(
            f'must be a size like "64MiB" or a number of bytes, not {shown_value(value)}'
        )
    return parse_size(value)


def _names(key: str, value: Any) -> tuple[str, ...]:
    """A list of table names, or one comma-separated string read as ``--tables`` reads it (a
    name holding a comma in double quotes: ``'"a,b",c'``)."""
    if isinstance(value, str):
        return split_list(value)
    if isinstance(value, list | tuple) and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise UsageError(f"must be a list of table names, not {shown_value(value)}")


def _casts(key: str, value: Any) -> tuple[Cast, ...]:
    """``[casts]`` with ``"table.column" = "TYPE"``, or a list of ``"table.column=TYPE"``."""
    if isinstance(value, dict):
        casts: list[Cast] = []
        for name, type_name in value.items():
            try:
                casts.extend(read_casts({name: type_name}, "cast"))
            except UsageError as exc:
                hint = f'write "table.column" = "TYPE" under [{key}]'
                raise _Refused(
                    f"[{key}] key {name!r}", UsageError(exc.message, hint=hint)
                ) from None
        return tuple(casts)
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise UsageError(
            f'must be a table of "table.column" = "TYPE" entries or a list of '
            f'"table.column=TYPE", not {shown_value(value)}'
        )
    return read_casts(value, "cast")


def _choice(options: tuple[str, ...]) -> Callable[[str, Any], str]:
    def read(key: str, value: Any) -> str:
        if value not in options:
            raise UsageError(f"must be one of {', '.join(options)}, not {shown_value(value)}")
        return str(value)

    return read


_READERS: dict[str, Callable[[str, Any], Any]] = {
    "source": _text,
    "target": _text,
    "tables": _names,
    "exclude": _names,
    "mode": _choice(MODES),
    "batch_rows": _whole,
    "batch_bytes": _size,
    "parallel": _whole,
    "split_rows": _whole,
    "retries": _whole,
    "max_memory": _size,
    "source_schema": _schemas,
    "target_schema": _text,
    "profile": _flag,
    "foreign_keys": _flag,
    "keys": _flag,
    "analyze": _flag,
    "casts": _casts,
    "on_error": _choice(ON_ERROR),
    "target_names": _choice(TARGET_NAMES),
    "reject_dir": _text,
    "verify": _flag,
    "progress": _choice(PROGRESS_KINDS),
    "progress_interval": _seconds,
    "json": _flag,
    "log_file": _text,
}
"""Every key a job file may hold (besides other MigrationConfig settings, see _config_keys)."""

_NEGATED = {
    "no_profile": "profile",
    "no_foreign_keys": "foreign_keys",
    "no_keys": "keys",
    "no_analyze": "analyze",
}
"""Command-line spellings that are accepted too: ``no-profile = true`` is ``profile = false``."""
_ALIASES = {
    "cast": "casts",
    "batch_timeout": "batch_timeout_s",
    "lock_wait_timeout": "lock_wait_s",
}
"""The option's name for a setting whose MigrationConfig name differs (``--batch-timeout``)."""


def _config_keys() -> dict[str, Callable[[str, Any], Any]]:
    """MigrationConfig settings not named above (e.g. ``resume``), read by their default's type,
    so that a new setting can be written in a job file as soon as it exists."""
    readers: dict[str, Callable[[str, Any], Any]] = {}
    for f in fields(MigrationConfig):
        if f.name in _READERS or f.name == "batch":
            continue
        default = f.default
        if default is MISSING:
            continue
        if isinstance(default, bool):
            readers[f.name] = _flag
        elif isinstance(default, int):
            readers[f.name] = _whole
        elif isinstance(default, float):
            readers[f.name] = _number
        elif isinstance(default, str) or default is None:
            readers[f.name] = _text
    return readers


def known_keys() -> list[str]:
    return sorted({**_READERS, **_config_keys()})


def _unknown(key: str, where: str) -> UsageError:
    """``key`` is no setting: said ``where`` it was written (``in job file nightly.toml``)."""
    close = difflib.get_close_matches(key.replace("-", "_"), known_keys(), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known_keys())}"
    return UsageError(f"unknown key {key!r} {where}", hint=hint)


def _setting(key: str) -> str:
    """The setting ``key`` names as written (``batch-rows``, ``cast``): its canonical name,
    ``no_profile`` still negated."""
    name = key.replace("-", "_")
    return _ALIASES.get(name, name)


_OVERRIDES = "load_job's overrides"
"""How a refusal names a Python caller's overrides (the command line's are its flags)."""


def _overrides(
    overrides: Mapping[str, Any], path: Path, *, read: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """``load_job``'s overrides under their canonical names, and the key as written of each.
    A key that is no setting is refused, as in the file: a mistyped ``tabels`` left the file's
    tables (all) to move. ``read``: each value is read as the file's would be (a Python
    caller's; the command line's flags have been read by their options)."""
    readers = {**_READERS, **_config_keys()}
    out: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for key, value in overrides.items():
        name = _setting(key)
        if name in _NEGATED:
            if not isinstance(value, bool):
                raise UsageError(
                    f"{_OVERRIDES}, key {key!r}: must be true or false, not {shown_value(value)}"
                )
            name, value = _NEGATED[name], not value
        elif name not in readers:
            # Only Python passes a key no option has: said as its argument.
            raise _unknown(key, f"in load_job's overrides for job file {str(path)!r}")
        elif read and name != "casts":  # casts: MigrationConfig reads them, as casts=
            try:
                value = readers[name](key, value)
            except UsageError as exc:
                raise UsageError(
                    f"{_OVERRIDES}, key {key!r}: {_as_keys(exc.message)}",
                    hint=_as_keys(exc.hint) if exc.hint else None,
                ) from None
        if name in out:
            raise UsageError(
                f"load_job's overrides set {name!r} twice", hint="keep one of the two keys"
            )
        out[name], keys[name] = value, key
    return out, keys


# -- paths -------------------------------------------------------------------------------------


def _resolve_url(url: str, base: Path) -> str:
    """A relative SQLite/DuckDB path made absolute against the job file's directory."""
    parsed = parse_url(url)
    if parsed.kind == "postgresql" or parsed.path.is_absolute():
        return url
    absolute = (base / parsed.path).resolve()
    if "://" not in url:
        return str(absolute)
    return f"{parsed.kind}:///{absolute}"  # the absolute path starts with "/": four slashes


def _resolve_path(path: str, base: Path) -> str:
    p = Path(path).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


# -- the job -----------------------------------------------------------------------------------


def read_job(path: str | Path) -> dict[str, Any]:
    """The settings a job file holds, checked and in canonical form (keys with ``_``)."""
    return _read(Path(path))[0]


def _parse(path: Path) -> dict[str, Any]:
    """The job file's TOML, its values not yet read."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"job file {str(path)!r} not found") from None
    except IsADirectoryError:
        raise UsageError(f"job file {str(path)!r} is a directory") from None
    except tomllib.TOMLDecodeError as exc:
        hint = _not_a_job_hint(path) if _names_a_database(path) else None
        raise UsageError(f"cannot read job file {str(path)!r}: {exc}", hint=hint) from None
    except UnicodeDecodeError as exc:
        # A database given where the job file goes (arrowmig run bets.db) is the likely case.
        raise UsageError(
            f"job file {str(path)!r} is not a TOML text file (byte {exc.object[exc.start]:#04x} "
            f"at offset {exc.start} is not UTF-8)",
            hint=_not_a_job_hint(path),
        ) from None


def _not_a_job_hint(path: Path) -> str:
    """What to do with a file `arrowmig run` cannot read as a job file."""
    if _names_a_database(path):
        return f"to move that database, run arrowmig migrate {shlex.quote(str(path))} TARGET"
    return "arrowmig run takes a TOML job file (see 'arrowmig run --help')"


def _names_a_database(path: Path) -> bool:
    """Whether the path is named as a database (bets.db, shop.duckdb), not as a job file."""
    try:
        parse_url(str(path))
    except UsageError:
        return False
    return True


def _read(path: Path, replaced: Collection[str] = ()) -> tuple[dict[str, Any], dict[str, str]]:
    """``read_job``'s settings, and the key as written in the file of each. A key of a
    setting in ``replaced`` (a flag gave it) is left out, its value not checked."""
    raw = _parse(path)
    readers = {**_READERS, **_config_keys()}
    settings: dict[str, Any] = {}
    given: dict[str, str] = {}  # setting -> the key that set it, as written
    for key, value in raw.items():
        name = _setting(key)
        if _NEGATED.get(name, name) in replaced and (name in readers or name in _NEGATED):
            continue  # `mode = "replac"` with --mode replace: the flag's value is the run's
        try:
            if name in _NEGATED:
                flag, value = _NEGATED[name], not _flag(key, value)
            elif name in readers:
                flag, value = name, readers[name](key, value)
            else:
                raise _unknown(key, f"in job file {path}")
        except UsageError as exc:
            if name not in readers and name not in _NEGATED:
                raise
            where = exc.where if isinstance(exc, _Refused) else f"key {key!r}"
            raise UsageError(
                f"job file {str(path)!r}, {where}: {_as_keys(exc.message)}",
                hint=_as_keys(exc.hint) if exc.hint else None,
            ) from None
        if flag in settings:
            # profile = true with no_profile = true, or batch_rows with batch-rows.
            raise UsageError(
                f"job file {str(path)!r} sets {flag!r} twice ({given[flag]!r} and {key!r})",
                hint="keep one of them",
            )
        settings[flag], given[flag] = value, key
    base = path.resolve().parent
    for key in ("source", "target"):
        if key in settings:
            settings[key] = _resolve_url(settings[key], base)
    for key in ("reject_dir", "log_file"):
        if key in settings:
            settings[key] = _resolve_path(settings[key], base)
    return settings, given


def _check_values(settings: Mapping[str, Any], given: Mapping[str, str], source: str) -> None:
    """The settings as the config checks them (a mode, a range): a refusal that the values of
    ``source`` (the job file, or load_job's overrides; ``given``: the settings it gives, by the
    key written) make is said as its own, naming it and the key, not the command line's
    option; others are left to ``build_job``."""
    try:
        _config(settings)
    except UsageError as exc:
        refused = exc
    else:
        return
    culprit = next(
        (key for flag, key in given.items() if _refusal({flag: settings[flag]}) == refused.message),
        None,
    )
    if culprit is not None:
        where = f"{source}, key {culprit!r}"
    elif _refusal({flag: settings[flag] for flag in given}) == refused.message:
        where = source  # two of its keys together (keep_backup, mode)
    else:
        return
    raise UsageError(
        f"{where}: {_as_keys(refused.message)}",
        hint=_as_keys(refused.hint) if refused.hint else None,
    ) from None


def _refusal(settings: Mapping[str, Any]) -> str | None:
    """The config's refusal of ``settings``, if it refuses them."""
    try:
        _config(settings)
    except UsageError as exc:
        return exc.message
    return None


def _as_keys(text: str) -> str:
    """A config error's words for a job file: ``--parallel`` is its key ``parallel``."""
    return re.sub(r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", "_"), text)


def _config(settings: Mapping[str, Any]) -> MigrationConfig:
    """The MigrationConfig of canonical settings."""
    batch = {k: settings[k] for k in ("batch_rows", "batch_bytes") if settings.get(k) is not None}
    config_fields = {f.name for f in fields(MigrationConfig)} - {"batch"}
    config = {k: v for k, v in settings.items() if k in config_fields and v is not None}
    for key in ("tables", "exclude"):
        if key in config:
            # A list, or one string as the job file and --tables write it (a Python caller's
            # overrides too); [] names no table: refused, not "all".
            try:
                config[key] = _names(key, config[key])
            except UsageError as exc:
                raise UsageError(f"{key} {exc.message}", hint=exc.hint) from None
    return MigrationConfig(batch=BatchConfig(**batch), **config)


def build_job(settings: Mapping[str, Any], *, where: str = "the job file") -> Job:
    """A Job from canonical settings (a job file's, with command-line overrides applied)."""
    missing = [k for k in ("source", "target") if not settings.get(k)]
    if missing:
        raise UsageError(
            f"{where} names no {missing[0]}",
            hint=f'add {missing[0]} = "URL" or pass --{missing[0]}',
        )
    return Job(
        source=settings["source"],
        target=settings["target"],
        config=_config(settings),
        verify=bool(settings.get("verify", False)),
        progress=settings.get("progress"),
        progress_interval=settings.get("progress_interval"),
        json=bool(settings.get("json", False)),
        log_file=settings.get("log_file"),
    )


def load_job(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Job:
    """Read a job file; ``overrides`` (canonical keys, e.g. from the command line) win. A
    Python caller's overrides are checked as the file's values are, and named as overrides."""
    # The command line's overrides are its flags, said as such (--parallel).
    from_flags = options_named()
    # Refusals name options (--parallel), which a file's are said as its keys (_as_keys).
    with named_as_options():
        return _load_job(path, overrides, from_flags=from_flags)


def _load_job(path: str | Path, overrides: Mapping[str, Any] | None, *, from_flags: bool) -> Job:
    overrides, override_keys = _overrides(overrides or {}, Path(path), read=not from_flags)
    settings, given = _read(Path(path), replaced=overrides.keys())
    if "casts" in settings and "casts" not in overrides and {"tables", "exclude"} & set(overrides):
        settings["casts"] = _casts_in_run(settings["casts"], {**settings, **overrides})
    settings.update(overrides)
    # The file's own values, those no flag replaced, said as the file's.
    file_keys = {f: k for f, k in given.items() if f not in overrides}
    _check_values(settings, file_keys, f"job file {str(path)!r}")
    if not from_flags:
        _check_values(settings, override_keys, _OVERRIDES)
    return build_job(settings, where=f"job file {str(path)!r}")


def _casts_in_run(casts: tuple[Cast, ...], settings: Mapping[str, Any]) -> tuple[Cast, ...]:
    """The job's casts for the tables this run moves: a ``--tables``/``--exclude`` override
    that leaves a table out leaves its casts out too (a cast the user types is still checked)."""
    tables = {_named(t) for t in settings.get("tables") or ()}
    exclude = {_named(t) for t in settings.get("exclude") or ()}
    return tuple(
        c for c in casts if _named(c[0]) not in exclude and (not tables or _named(c[0]) in tables)
    )


def _named(table: str) -> tuple[str, ...]:
    """A table as its parts, however written: a cast's ``a.b`` (its exact name) is --tables'
    ``"a.b"``, a cast's ``"a,b".t`` is the same written as it."""
    try:
        return tuple(name_parts(table))
    except UsageError:
        return (table,)  # a name holding a quote, given as it is


def console_asked(path: str | Path, overrides: Mapping[str, Any]) -> tuple[bool, str | None]:
    """The job's ``json`` and ``progress`` (``overrides``, canonical, win), as far as the
    file reads: a job refused over another key (``mode = "replac"``) is still answered on
    stdout as it asked (``{"ok": false, ...}``). Nothing is asked of a file that is no TOML."""
    try:
        raw = _parse(Path(path))
    except UsageError:
        return False, None
    values = {**{_setting(key): value for key, value in raw.items()}, **overrides}
    progress = values.get("progress")
    return values.get("json") is True, progress if isinstance(progress, str) else None
