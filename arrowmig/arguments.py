"""What the public functions and config classes take, checked as they are called: a wrong
argument name or type is a UsageError (exit code 2) that names the argument and what it
takes, where Python raised a TypeError of its own or one from deep inside (``'<' not
supported between instances of 'str' and 'int'``).
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from arrowmig.errors import UsageError
from arrowmig.urls import shown_value

T = TypeVar("T")


@dataclass(frozen=True)
class Takes:
    """What one argument takes: said in words, and tested."""

    what: str
    accepts: Callable[[object], bool]

    def __or__(self, other: Takes) -> Takes:
        return Takes(f"{self.what} or {other.what}", lambda v: self.accepts(v) or other.accepts(v))


NONE = Takes("None", lambda v: v is None)
WHOLE = Takes("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool))
NUMBER = Takes("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool))
FLAG = Takes("True or False", lambda v: isinstance(v, bool))
TEXT = Takes("text", lambda v: isinstance(v, str))
PATH = Takes("a path (text or a pathlib.Path)", lambda v: isinstance(v, str | os.PathLike))
URL = Takes("a URL or a path (text or a pathlib.Path)", PATH.accepts)
PROGRESS = Takes(
    "a ProgressSink, a function called with each Event, or None",
    lambda v: v is None or hasattr(v, "emit") or callable(v),
)


def instance_of(cls: type) -> Takes:
    return Takes(f"a {cls.__name__}", lambda v: isinstance(v, cls))


def check(name: str, value: object, takes: Takes) -> None:
    """Refuse ``value`` for the argument ``name`` unless ``takes`` accepts it."""
    if not takes.accepts(value):
        raise UsageError(f"{name} must be {takes.what}, not {shown_value(value)}")


def checked(**takes: Takes) -> Callable[[T], T]:
    """A public function (or a config class, its constructor) whose arguments are named as
    it names them and of the types ``takes`` says, those declared ``bool`` True or False
    (arguments in neither are checked by the function itself): anything else is refused
    before it runs."""

    def wrap(obj: T) -> T:
        if isinstance(obj, type):
            init = obj.__init__  # type: ignore[misc]
            obj.__init__ = _checking(init, obj.__name__, takes, skip_self=True)  # type: ignore[misc]
            return obj
        return _checking(obj, getattr(obj, "__name__", "function"), takes)  # type: ignore[arg-type,return-value]

    return wrap


def _checking(
    fn: Callable[..., Any], shown: str, takes: dict[str, Takes], *, skip_self: bool = False
) -> Callable[..., Any]:
    signature = inspect.signature(fn)
    names = [n for n in signature.parameters if not (skip_self and n == "self")]
    takes = {**_flags(signature), **takes}

    @functools.wraps(fn)
    def checking(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise _misnamed(shown, names, kwargs, exc) from None
        for name, value in bound.arguments.items():
            if name in takes:
                check(name, value, takes[name])
        return fn(*args, **kwargs)

    return checking


def _flags(signature: inspect.Signature) -> dict[str, Takes]:
    """Every argument declared ``bool`` takes True or False only: ``verify="false"`` is true
    to Python, and would verify."""
    return {
        name: FLAG
        for name, parameter in signature.parameters.items()
        if parameter.annotation in (bool, "bool")  # "bool" under postponed annotations
    }


def _misnamed(shown: str, names: list[str], kwargs: dict[str, Any], exc: TypeError) -> UsageError:
    unknown = [k for k in kwargs if k not in names]
    taken = ", ".join(names)
    if unknown:
        return UsageError(
            f"{shown}() takes no argument {unknown[0]!r}",
            hint=f"it takes {taken}" + _config_hint(shown, unknown[0], names),
        )
    # Too many positional arguments, or a required one missing: Python's words say which.
    return UsageError(f"{shown}(): {exc}", hint=f"it takes {taken}")


REFUSED_SETTINGS = {
    ("generate", "verify"): "generate() has no source to verify against; to compare its "
    "tables with a copy of them, call arrowmig.verify() after it",
    ("generate", "source_schema"): "generate() has no source; target_schema picks where "
    "the tables go",
}
"""MigrationConfig settings a function refuses: pointing to config=MigrationConfig(...) for
them would send the caller on to a second refusal."""


def _config_hint(shown: str, name: str, names: list[str]) -> str:
    """``migrate(mode="replace")``: the setting is a MigrationConfig field."""
    from arrowmig.config import MigrationConfig

    if (shown, name) in REFUSED_SETTINGS:
        return f" ({REFUSED_SETTINGS[shown, name]})"
    if "config" in names and name in MigrationConfig.__dataclass_fields__:
        return f" ({name} is set in config=MigrationConfig({name}=...))"
    return ""
