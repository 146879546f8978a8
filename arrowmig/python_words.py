"""What an error or a report says, in the words of a program that called ``arrowmig.migrate``
(``verify``, ``generate``, ``open_endpoint``): ``--mode replace`` becomes ``mode='replace'``,
``run the same command with --resume`` becomes ``call again with resume=True``.

The engine says most of its advice as the command line's options, where it is made, deep
in the endpoints and the planner; ``argument_words`` names a few arguments either way as
they are made. This module owns the correspondence of every other option to the parameter
a program gives instead, and ``public_calls`` applies it once, at the public boundary, so
the command line's words stay as they are.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from arrowmig.argument_words import options_named
from arrowmig.config import MODES, ON_ERROR, TARGET_NAMES
from arrowmig.errors import ArrowmigError


@dataclass(frozen=True)
class Parameter:
    """The Python counterpart of one command-line option."""

    name: str
    """The parameter (of ``MigrationConfig``, ``verify`` or ``generate``)."""
    kind: str
    """``on`` (a flag: ``name=True``), ``off`` (``--no-keys``: ``keys=False``), ``choice``
    (one of ``choices``), ``number``, ``text`` or ``mapping`` (``--cast t.c=T``)."""
    choices: tuple[str, ...] = ()
    batch: bool = False
    """A ``BatchConfig`` field: ``batch=BatchConfig(batch_rows=N)`` in ``MigrationConfig``."""


PARAMETERS: dict[str, Parameter] = {
    "--tables": Parameter("tables", "text"),
    "--exclude": Parameter("exclude", "text"),
    "--mode": Parameter("mode", "choice", MODES),
    "--on-error": Parameter("on_error", "choice", ON_ERROR),
    "--target-names": Parameter("target_names", "choice", TARGET_NAMES),
    "--level": Parameter("level", "choice", ("count", "checksum", "diff")),
    "--batch-rows": Parameter("batch_rows", "number", batch=True),
    "--batch-bytes": Parameter("batch_bytes", "number", batch=True),
    "--parallel": Parameter("parallel", "number"),
    "--split-rows": Parameter("split_rows", "number"),
    "--retries": Parameter("retries", "number"),
    "--batch-timeout": Parameter("batch_timeout_s", "number"),
    "--lock-wait-timeout": Parameter("lock_wait_s", "number"),
    "--max-memory": Parameter("max_memory", "number"),
    "--max-diffs": Parameter("max_diffs", "number"),
    "--seed": Parameter("seed", "number"),
    "--scale": Parameter("scale", "text"),
    "--source-schema": Parameter("source_schema", "text"),
    "--target-schema": Parameter("target_schema", "text"),
    "--reject-dir": Parameter("reject_dir", "text"),
    "--cast": Parameter("casts", "mapping"),
    "--rows": Parameter("rows", "mapping"),
    "--resume": Parameter("resume", "on"),
    "--keep-backup": Parameter("keep_backup", "on"),
    "--verify": Parameter("verify", "on"),
    "--no-profile": Parameter("profile", "off"),
    "--no-keys": Parameter("keys", "off"),
    "--no-foreign-keys": Parameter("foreign_keys", "off"),
    "--no-analyze": Parameter("analyze", "off"),
}
"""Each option of ``migrate``, ``verify`` and ``generate`` that a program gives as a parameter."""

NO_PARAMETER = frozenset(
    {"--json", "--progress", "--progress-interval", "--dry-run", "--log-file", "--debug"}
)
"""Options a program has no parameter for (it reads the report, passes ``progress=`` a
callback): left as they are, the command line's."""

_PHRASES = (
    ("run the same command again", "call again"),
    ("run the same command", "call again"),
    ("run this command again", "call again"),
    ("this same command", "this same call"),
    ("the same command", "the same call"),
)
"""The command line's "run it again", as a program says it."""

_QUOTED = r"'[^']*'(?:\"'\"'[^']*')*"
"""A word as ``shlex.quote`` quotes it (a quote in it written ``'"'"'``)."""
_WORD = rf"(?:{_QUOTED}|\"[^\"]*\"|[^\s'\"][^\s']*)"
_OPTION = re.compile(
    r"(?<![\w-])(?P<option>"
    + "|".join(sorted(map(re.escape, PARAMETERS), key=len, reverse=True))
    + r")(?![\w-])(?: (?!--)(?P<value>"
    + _WORD
    + r"))?"
)
_MAPPING_RUN = re.compile(rf"(?<![\w-])(?P<option>--cast|--rows) {_WORD}(?: (?P=option) {_WORD})*")
_CHOICE_LIST = re.compile(
    r"(?<![\w-])(?P<option>--mode|--on-error|--target-names|--level)"
    r" (?P<first>[a-z]+)(?P<more>(?:(?:, | or )[a-z]+)+)"
)
"""An option with several values it may take (``--mode replace, append or truncate``)."""
_TRAILING = ",.;:)"
_FLAGS_IN_A_ROW = re.compile(r"(?<==True) (?=\w+=)|(?<==False) (?=\w+=)")
"""Between two flags (``--resume --keep-backup``): arguments are separated by commas."""


_COMMAND = re.compile(
    r"(\barrowmig (?:migrate|verify|generate|plan|run|status|bench|replay-rejects) [^;]*)"
)
"""A whole command line the text quotes (``continue it with arrowmig migrate ... --resume``):
a command as typed, left whole."""


def in_python_words(text: str, verb: str = "migrate") -> str:
    """``text`` with each option of the command line named as the parameter ``verb``'s caller
    gives instead, with its value where one follows, and "run the same command" as "call
    again"; a command line it quotes is left as it is."""
    parts = _COMMAND.split(text)
    return "".join(p if i % 2 else _said(p, verb) for i, p in enumerate(parts))


def _said(text: str, verb: str) -> str:
    for said, meant in _PHRASES:
        text = text.replace(said, meant)
    text = _MAPPING_RUN.sub(_mapping, text)
    text = _CHOICE_LIST.sub(_choices, text)
    text = _OPTION.sub(lambda m: _parameter(m, text, verb), text)
    return _FLAGS_IN_A_ROW.sub(", ", text)


def _mapping(match: re.Match[str]) -> str:
    """``--cast a.b=x --cast c.d=y`` as ``casts={'a.b': 'x', 'c.d': 'y'}``; as it was unless
    every word is ``key=value``."""
    option = match["option"]
    words = match[0].split(f"{option} ")[1:]
    pairs: list[str] = []
    tail = ""
    for word in words:
        word = word.strip()
        word, tail = _split_tail(word)
        key, value = _name_and_value(_unquoted(word))
        if not key or not value:
            return match[0]
        raw = option == "--rows" and (value.isdigit() or value.isupper())
        shown = value if raw else repr(value)
        pairs.append(f"{key!r}: {shown}")
    return f"{PARAMETERS[option].name}={{{', '.join(pairs)}}}{tail}"


def _choices(match: re.Match[str]) -> str:
    """``--mode replace, append or truncate`` as ``mode='replace', 'append' or 'truncate'``:
    each value that follows, while it is one of the option's."""
    parameter = PARAMETERS[match["option"]]
    if match["first"] not in parameter.choices:
        return match[0]
    said = f"{parameter.name}={match['first']!r}"
    rest = match["more"]
    for more in re.finditer(r"(, | or )([a-z]+)", rest):
        if more[2] not in parameter.choices:
            return said + rest[more.start() :]
        said += f"{more[1]}{more[2]!r}"
    return said


def _parameter(match: re.Match[str], text: str, verb: str) -> str:
    """One option (and its value, if it has one here) as a parameter."""
    parameter = PARAMETERS[match["option"]]
    value = match["value"]
    if parameter.kind == "on":
        return f"{parameter.name}=True" + (f" {value}" if value else "")
    if parameter.kind == "off":
        return f"{parameter.name}=False" + (f" {value}" if value else "")
    if value is None:
        return parameter.name
    word, tail = _split_tail(value)
    shown = _value(parameter, word, prose=not tail and _prose_follows(text, match.end()))
    if shown is None:
        return f"{parameter.name} {value}"
    if parameter.batch and verb != "verify":
        return f"batch=BatchConfig({parameter.name}={shown}){tail}"
    return f"{parameter.name}={shown}{tail}"


def _value(parameter: Parameter, word: str, *, prose: bool) -> str | None:
    """``word`` as the parameter's Python value; None where it is not one (the sentence goes on:
    ``--tables takes them``)."""
    quoted = word[:1] in "'\""
    plain = _unquoted(word)
    if parameter.kind == "choice":
        return repr(plain) if plain in parameter.choices else None
    if plain.isupper() and plain.isalpha():
        return plain  # a placeholder: --batch-rows N, --lock-wait-timeout SECONDS
    if parameter.kind == "number":
        return plain if re.fullmatch(r"\d+(?:\.\d+)?", plain) else None
    if parameter.kind == "mapping" or plain.startswith("("):
        return None  # an aside follows: --target-schema (a run keeps ...)
    if prose and not quoted and plain.isalpha():
        return None
    return repr(plain)


def _split_tail(word: str) -> tuple[str, str]:
    """``word`` and the punctuation that ends the sentence's clause after it (``orders,``)."""
    end = len(word)
    while end > 0 and word[end - 1] in _TRAILING and word[:1] not in "'\"":
        if word[end - 1] == ")" and word[:end].count("(") >= word[:end].count(")"):
            break  # the word's own: --cast t.v=numeric(10,2)
        end -= 1
    if word[:1] in "'\"":
        closing = word.rfind(word[0])
        end = closing + 1 if closing > 0 else end
    return word[:end], word[end:]


def _name_and_value(said: str) -> tuple[str, str]:
    """``t."a=b"=integer`` as ``t."a=b"`` and ``integer``: split at the first ``=`` outside
    double quotes, where a cast's name ends (``argument_words.cast_name``)."""
    quoted = False
    for at, char in enumerate(said):
        if char == '"':
            quoted = not quoted
        elif char == "=" and not quoted:
            return said[:at], said[at + 1 :]
    return said, ""


def _unquoted(word: str) -> str:
    """``word`` as the shell reads it where it is quoted whole; else as it is (``t."y.z"``,
    a name as SQL writes it)."""
    if word[:1] not in "'\"":
        return word
    try:
        parts = shlex.split(word)
    except ValueError:
        return word
    return parts[0] if len(parts) == 1 else word


def _prose_follows(text: str, end: int) -> bool:
    """Whether a word of the sentence (`` to copy``, `` or --exclude``) follows at ``end``,
    not the end of a clause."""
    return re.match(r" [A-Za-z-]", text[end:]) is not None


def said_to_a_program(error: ArrowmigError, verb: str) -> None:
    """``error``'s message and hint (and its report's words) in ``in_python_words``."""
    error.message = in_python_words(error.message, verb)
    if error.hint:
        error.hint = in_python_words(error.hint, verb)
    error.args = (error.message, *error.args[1:])
    report = getattr(error, "report", None)
    if report is not None:
        report_to_a_program(report, verb)


_SAID = frozenset(
    {"unfinished", "damaged", "unwritten", "error", "message", "notes", "type_notes"}
    | {"keys_not_built"}
)
"""The fields of a report, and of its tables, that say something to the user."""


def report_to_a_program(report: Any, verb: str) -> None:
    """A ``MigrationReport`` or ``VerifyReport``'s texts (each table's error, message and
    notes, the run's notes) in ``in_python_words``, in place: the report is the caller's."""
    say: Callable[[str], str] = lambda text: in_python_words(text, verb)  # noqa: E731
    for holder in (report, *getattr(report, "tables", ())):
        # Fields only: a report's ``keys_not_built`` is its tables', gathered.
        for field in {f.name for f in fields(holder)} & _SAID:
            text = getattr(holder, field)
            if isinstance(text, str):
                setattr(holder, field, say(text))
            elif isinstance(text, list):
                setattr(holder, field, [say(t) for t in text])
    not_verified = getattr(report, "not_verified", None)
    if isinstance(not_verified, dict):
        report.not_verified = {k: say(v) for k, v in not_verified.items()}
    verified = getattr(report, "verify", None)
    if verified is not None and not isinstance(verified, bool):
        report_to_a_program(verified, "verify")


def for_a_program() -> bool:
    """Whether the caller here is a program (not the command line, whose words stay)."""
    return not options_named()
