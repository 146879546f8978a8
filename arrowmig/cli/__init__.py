"""The ``arrowmig`` command line: parses options, calls the library, renders, exits.

Exit codes (the contract scripts rely on): 0 done as asked; 1 finished with failures,
rejected rows or differences; 2 usage, configuration or connection error; 130 SIGINT;
143 SIGTERM. Human text goes to stderr, machine output (--json, --progress json) to stdout.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import sys
import traceback
from collections.abc import Callable
from importlib import import_module
from typing import Any

import click

from arrowmig._version import DRIVER_DISTRIBUTIONS, __version__
from arrowmig.argument_words import named_as_options
from arrowmig.cli.console import answered, reopen_closed_streams, say, tell
from arrowmig.cli.signals import sigterm_stops
from arrowmig.errors import ArrowmigError, StopRequested, raised_by_ctrl_c
from arrowmig.malloc_tuning import return_freed_memory_promptly
from arrowmig.urls import password_of, redact_text

# Each verb lives in its own module; importing one loads no database driver.
COMMAND_MODULES = ("migrate", "plan", "verify", "generate", "bench", "run", "status", "replay")

_state = {"debug": False}

DEBUG_HELP = "Show tracebacks for errors (before or after the verb)."


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    lines = [f"arrowmig {__version__}"]
    for dist in DRIVER_DISTRIBUTIONS:
        try:
            lines.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            lines.append(f"{dist} (not installed)")
    lines.append(f"libpq {_libpq_version()} (PostgreSQL → PostgreSQL copies, via psycopg)")
    lines.append(f"python {sys.version.split()[0]}")
    return "\n".join(lines)


def _libpq_version() -> str:
    try:
        from psycopg import pq
    except ImportError as exc:
        return f"(not loadable: {exc})"
    number = pq.version()  # 170004 is 17.4; before 10, 90624 was 9.6.24
    if number >= 100000:
        return f"{number // 10000}.{number % 10000}"
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_versions())
        ctx.exit(0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the versions of arrowmig and its drivers.",
)
@click.option("--debug", is_flag=True, help=DEBUG_HELP)
def cli(debug: bool) -> None:
    """Move tables between SQLite, PostgreSQL and DuckDB as Arrow batches, and prove nothing changed."""
    _state["debug"] = debug


def _in_option_words(callback: Callable[..., Any]) -> Callable[..., Any]:
    """A command's callback, within which the library names arguments as options
    (``--target-names``, not ``target_names``: ``arguments.named_as_options``)."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        with named_as_options():
            return callback(*args, **kwargs)

    return run


for _name in COMMAND_MODULES:
    _command = import_module(f"arrowmig.cli.{_name}").command
    if _command.callback is not None:
        _command.callback = _in_option_words(_command.callback)
    # Listed in each verb's --help too, as it works after the verb (``_global_flags_first``
    # moves it before, so this option itself never receives a value).
    _command.params.append(
        click.Option(["--debug"], is_flag=True, expose_value=False, help=DEBUG_HELP)
    )
    cli.add_command(_command)


_secrets: list[str] = []
"""Passwords written in this command's arguments: no error line shows them, whatever
printed them (a driver echoing a URL it could not parse, say)."""


def error_line(message: str) -> None:
    tell(sys.stderr, f"arrowmig: error: {redact_text(message, _secrets)}\n")


def _failed(args: list[str], exit_code: int, message: str) -> int:
    """The command ends with an error: its one line on stderr, and the same as JSON on stdout
    when machine output was asked for and none was given yet (``failed_early``)."""
    from arrowmig.cli.console import failed_early

    # A driver's error can run to several lines (PostgreSQL's HINT and DETAIL): a script
    # reading the one error line, or the JSON's error, gets them all on it.
    message = "; ".join(line.strip() for line in message.splitlines() if line.strip())
    error_line(message)
    failed_early(exit_code, redact_text(message, _secrets), args)
    return exit_code


def _usage_line(exc: click.UsageError) -> str:
    """click's usage error as arrowmig's other errors are: one line (a script that looks for
    ``arrowmig: error:`` finds it), saying where the help is."""
    message = " ".join(exc.format_message().split()).rstrip(".").replace(". (Did", " (did")
    message = re.sub(r"\. Did you mean (.*\?)$", r" (did you mean \1)", message)
    where = exc.ctx.command_path if exc.ctx is not None else "arrowmig"
    return f"{message[:1].lower()}{message[1:]}; see '{where} --help'"


_GLOBAL_FLAGS = ("--debug",)
"""The group's flags that users write after the verb as often as before it."""


def _global_flags_first(args: list[str]) -> list[str]:
    """``arrowmig migrate a.db b.duckdb --debug`` as ``arrowmig --debug migrate ...``: click
    looks for a group's options only before the verb, and answered "no such option '--debug'"
    with a wrong suggestion. Words after a ``--`` are arguments, left where they are."""
    end = args.index("--") if "--" in args else len(args)
    head = args[:end]
    flags = [a for a in head if a in _GLOBAL_FLAGS]
    return [*flags, *(a for a in head if a not in _GLOBAL_FLAGS), *args[end:]]


def _print_traceback() -> None:
    say(redact_text(traceback.format_exc(), _secrets).rstrip())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    # Until ``sigterm_stops`` below, a signal ends the command as one while it loads does
    # (``_quiet_start``): nothing has started.
    reopen_closed_streams()  # started with fd 1 or 2 closed (>&-, some daemons): run anyway
    args = sys.argv[1:] if argv is None else argv
    answered(False)
    _state["debug"] = "--debug" in args
    # Only arguments that name a database: a --cast of a column called password is not one.
    named = [a for a in args if "://" in a or a.count("=") >= 2]
    _secrets[:] = [p for p in map(password_of, named) if p]
    return_freed_memory_promptly()
    try:
        with sigterm_stops():
            result = cli.main(
                args=_global_flags_first(args), prog_name="arrowmig", standalone_mode=False
            )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except StopRequested as stop:
        return _failed(
            args,
            143 if stop.signal_name == "SIGTERM" else 130,
            f"interrupted by {stop.signal_name}",
        )
    except click.UsageError as exc:
        if isinstance(exc, getattr(click.exceptions, "NoArgsIsHelpError", ())):
            shown = io.StringIO()  # `arrowmig` alone: the help, which is what was asked
            with contextlib.redirect_stderr(shown):
                exc.show()
            tell(sys.stderr, redact_text(shown.getvalue(), _secrets))
            return 2
        return _failed(args, 2, _usage_line(exc))
    except (click.Abort, KeyboardInterrupt):
        return _failed(args, 130, "interrupted")
    except ArrowmigError as exc:
        if _state["debug"]:
            _print_traceback()
        if raised_by_ctrl_c(exc):
            return _failed(args, 130, "interrupted")
        return _failed(args, exc.exit_code, str(exc))
    except Exception as exc:
        if _state["debug"]:
            _print_traceback()
        if raised_by_ctrl_c(exc):  # a driver's error for the statement Ctrl-C cancelled
            return _failed(args, 130, "interrupted")
        unexpected = (
            f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for the traceback)"
        )
        return _failed(args, 1, unexpected)
    return int(result) if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
