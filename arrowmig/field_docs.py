"""The docstring under each field of a config class, in its help(): pydoc shows only the
class docstring, and left every field of ``MigrationConfig`` unexplained."""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
from typing import TypeVar

T = TypeVar("T", bound=type)


def documented_fields(cls: T) -> T:
    """``cls`` with an Attributes section in its docstring, one entry per field that has a
    docstring under it (read from the source, the one place they are written)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return cls  # no source to read (a frozen build): help() keeps the class docstring
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef)).body
    entries = [
        textwrap.fill(
            f"{field.target.id}: {' '.join(doc.value.value.split())}",
            width=88,
            initial_indent="    ",
            subsequent_indent="        ",
        )
        for field, doc in itertools.pairwise(body)
        if isinstance(field, ast.AnnAssign)
        and isinstance(field.target, ast.Name)
        and isinstance(doc, ast.Expr)
        and isinstance(doc.value, ast.Constant)
        and isinstance(doc.value.value, str)
    ]
    if entries:
        # Its own indentation taken off first: pydoc takes off only what every line shares.
        said = inspect.cleandoc(cls.__doc__ or "")
        cls.__doc__ = f"{said}\n\nAttributes:\n" + "\n".join(entries)
    return cls
