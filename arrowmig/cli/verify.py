"""``arrowmig verify SOURCE TARGET``: parse, call ``arrowmig.verifier.verify``, render, exit.

Exit codes: 0 everything matches, 1 any difference, 2 an error (usage, connection, a named
table on neither side, a table that could not be read).
"""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING, Any

import click

from arrowmig.cli.console import print_out, say
from arrowmig.cli.options import joined_schemas, split_lists, with_default
from arrowmig.cli.signals import outcome_stands
from arrowmig.config import DEFAULT_LOCK_WAIT_S
from arrowmig.names import same_but_case
from arrowmig.names import shown as shown_in
from arrowmig.note_groups import grouped_notes

if TYPE_CHECKING:
    from arrowmig.events import Event
    from arrowmig.verify_report import TableResult, VerifyReport

# The verify module loads DuckDB; it is imported when the command runs, not at start-up.
LEVELS = ("count", "checksum", "diff")


def render_table(report: VerifyReport) -> str:
    """The report as a plain text table, one line per table, then the differing rows."""
    header = ("table", "rows source", "rows target", "columns", "result")
    lines: list[tuple[str, ...]] = [header]
    for t in report.tables:
        there = _there(report, t)
        named = t.name if there == t.name else f"{t.name} -> {there}"
        lines.append(
            (
                named,
                "-" if t.rows_source is None else f"{t.rows_source:,}",
                "-" if t.rows_target is None else f"{t.rows_target:,}",
                str(t.columns_checked),
                t.result,
            )
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    into = f", target schema {report.target_schema}" if report.target_schema else ""
    out = [f"{report.source} -> {report.target} (level {report.level}{into})"]
    for row in lines:
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for t in report.tables:
        # Each table's differences under its name in the target, where they are to be found
        # (the line above paired it with the source's: `Sales.Big -> sales.big`).
        out.extend(_details(t.to_dict(), _there(report, t)))
    for name, why in report.not_verified.items():
        out.append(f"{name}: NOT VERIFIED: {why}")
    out.extend(report.notes)
    differ = sum(not t.ok for t in report.tables)
    state = (
        "all tables match"
        if report.ok
        else f"DIFFERENCES FOUND: {differ:,} of {len(report.tables):,} tables differ"
    )
    if report.not_verified and all(t.ok for t in report.tables):
        compared = "the tables compared match; " if report.tables else ""
        state = f"{compared}NOT VERIFIED: {', '.join(report.not_verified)}"
    if report.exit_code == 2:
        state = "ERRORS"
    out.append(f"{state} ({report.seconds:.2f}s, peak RSS {report.peak_rss_bytes / 2**20:.0f} MiB)")
    return "\n".join(out)


def _there(report: VerifyReport, t: TableResult) -> str:
    """The table as the target names it (the source's name for a table the target lacks)."""
    there = t.target_name or t.name
    if report.target_schema:  # compared under another schema than read from
        there = shown_in(report.target_schema, there)
    return there


def _details(t: dict[str, Any], name: str) -> list[str]:
    from arrowmig.verify_cast_values import cast_note
    from arrowmig.verify_report import ERROR, ByteaText  # loaded by the verify already

    out: list[str] = []
    if t["message"]:
        out.append(f"{name}: {t['message']}")
    if t["missing_columns"]:
        out.append(f"{name}: columns missing in target: {', '.join(t['missing_columns'])}")
    if t["extra_columns"]:
        out.append(f"{name}: columns only in target: {', '.join(t['extra_columns'])}")
    if t["columns_left_to_target"]:
        out.append(
            f"{name}: columns only in target, left to it (nullable, a default, identity or "
            f"generated; not compared): {', '.join(t['columns_left_to_target'])}"
        )
    if t["compared_through_casts"]:
        out.append(f"{name}: {cast_note(t['compared_through_casts'])}")
    if t["differing_columns"]:
        out.append(f"{name}: columns that differ: {', '.join(t['differing_columns'])}")
    columns = [n.partition(": ")[0] for n in t["type_notes"]]
    out += [f"{name}: {n}" for n in grouped_notes(t["type_notes"], name, columns)]
    if t["differing_keys"]:
        # A table without a key is a multiset of rows: each differing row is its own key.
        shown = len({json.dumps(d["key"] or d, sort_keys=True, default=str) for d in t["diffs"]})
        # None read back: the error said above stopped the reading, or --max-diffs 0 asked
        # for no rows, only how many differ.

        unread = "the error above stopped reading them" if t["result"] == ERROR else "--max-diffs 0"
        listed = f"(first {shown}):" if shown else f"(not listed: {unread})"
        # Without a key a changed row is two unmatched rows, one missing on each side (the
        # line above counts each side): not two rows that differ.
        count = (
            f"{t['differing_keys']} differing keys"
            if t["key"]
            else (f"{t['differing_keys']} rows unmatched")
        )
        out.append(f"{name}: {count} {listed}")
    for d in t["diffs"]:
        where = d["key"] if d["key"] is not None else "row"
        if d["kind"] == "changed":
            cols = d["columns"] or _columns_apart(d["source"] or {}, d["target"] or {})
            for col in cols:
                before = (d["source"] or {}).get(col)
                after = _target_value(d["target"] or {}, col)
                if _look_alike(before, after):
                    # 'é' and 'e' + U+0301 print alike: show what differs, as escapes.
                    before, after = _Escaped(before), _Escaped(after)
                # Values that print alike yet differ (bytea and its text): with their types.
                typed = d["types"].get(col)
                s_type, t_type = (
                    (f"{typed[0].lower()} ", f"{typed[1].lower()} ") if typed else ("", "")
                )
                if typed and ByteaText in (type(before), type(after)):
                    # A bytea and the text of its hex: both shown by one rule, as psql shows
                    # them (one backslash), the types telling them apart.
                    before, after = ByteaText(before), ByteaText(after)
                out.append(
                    f"  changed {where}: {col}: {s_type}{_shown(before)} -> {t_type}{_shown(after)}"
                    f"{_first_difference(before, after)}"
                )
        else:
            row = d["source"] if d["source"] is not None else d["target"]
            shown_row = ", ".join(f"{k!r}: {_shown(v)}" for k, v in (row or {}).items())
            copies = d["source_count"], d["target_count"]
            # How many copies, where it is more than one (a CSV load run twice).
            counts = (
                f" ({copies[0]:,} in source, {copies[1]:,} in target)" if max(copies) > 1 else ""
            )
            out.append(f"  {d['kind']} {where}{counts}: {{{shown_row}}}")
    return out


class _Escaped(str):
    """A text shown with every character past ASCII as its escape (``'e\\u0301'``)."""

    def __repr__(self) -> str:
        return ascii(str(self))


def _look_alike(before: Any, after: Any) -> bool:
    """Two different texts a terminal shows alike: the same once composed (NFC) and without
    invisible characters (zero-width spaces, joiners, BOMs), any space as a space."""
    if not isinstance(before, str) or not isinstance(after, str) or before == after:
        return False
    return _seen(before) == _seen(after)


def _seen(text: str) -> str:
    composed = unicodedata.normalize("NFC", text)
    return "".join(
        " " if unicodedata.category(ch) == "Zs" else ch
        for ch in composed
        if unicodedata.category(ch) != "Cf"
    )


SHOWN_CHARS = 100
"""How much of a long value a line shows (--json carries every value whole)."""


def _first_difference(before: Any, after: Any) -> str:
    """Where two long texts or blobs (bytes as ``\\x`` and hex) part, when both are shown
    cut short: their first characters alike would say nothing."""
    if not isinstance(before, str) or not isinstance(after, str):
        return ""
    if min(len(repr(before)), len(repr(after))) <= SHOWN_CHARS:
        return ""
    at = next((i for i, (b, a) in enumerate(zip(before, after, strict=False)) if b != a), None)
    at = min(len(before), len(after)) if at is None else at
    from arrowmig.verify_report import ByteaText  # loaded by the verify already

    if isinstance(before, ByteaText) and isinstance(after, ByteaText):
        return f" (first differing byte at offset {(at - 2) // 2:,})"
    return f" (first differing character at offset {at:,})"


def _shown(value: Any) -> str:
    """A value as Python writes it; a long one (a document, megabytes of a blob) cut short,
    with its full length, so that one line stays one line a terminal can show."""
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    return f"{text[:SHOWN_CHARS]}... ({len(str(value)):,} characters)"


def _say_waits(event: Event) -> None:
    """The one event verify says while it runs: a wait for another session's lock."""
    if event.event == "waiting":
        say(f"waiting {event.table}: {event.message}")


EXAMPLES = """\b
Examples:
  arrowmig verify bets.db postgresql://etl@db:5432/test
  arrowmig verify bets.db warehouse.duckdb --tables large_bets --level diff"""


@click.command("verify", epilog=EXAMPLES, short_help="Check that TARGET holds SOURCE's rows.")
@click.argument("source")
@click.argument("target")
@click.option(
    "--tables",
    "-t",
    multiple=True,
    help="Comma-separated tables to compare (repeatable).  [default: all]",
)
@click.option(
    "--exclude",
    multiple=True,
    help="Comma-separated tables to leave out (each must be in the source; repeatable).",
)
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="checksum",
    show_default=True,
    help="count: row counts; checksum: whole-row and per-column checksums; diff: also match "
    "every row by key.",
)
@click.option(
    "--max-diffs",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Differing keys to list per table on a mismatch (0: count them, list none).",
)
@click.option(
    "--source-schema",
    multiple=True,
    help="PostgreSQL or DuckDB schema to read the source from; several (sales,person, or "
    "repeated) or '*', each against the target schema of its name.",
)
@click.option("--target-schema", help="PostgreSQL or DuckDB schema to read the target from.")
@click.option(
    "--lock-wait-timeout",
    type=float,
    default=DEFAULT_LOCK_WAIT_S,
    # Shown as typed ("60"), as migrate shows it, not as the float's "60.0".
    help=with_default(
        "Seconds to wait for another session's lock on a PostgreSQL source table (verify "
        "locks the tables it compares, and reads them in one snapshot).",
        f"{DEFAULT_LOCK_WAIT_S:g}",
        job=False,
    ),
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.pass_context
def verify_command(
    ctx: click.Context,
    source: str,
    target: str,
    tables: tuple[str, ...],
    exclude: tuple[str, ...],
    level: str,
    max_diffs: int,
    source_schema: tuple[str, ...],
    target_schema: str | None,
    lock_wait_timeout: float,
    as_json: bool,
) -> None:
    """Prove that TARGET holds the same rows as SOURCE (DuckDB checksums, then the keys
    that differ). Exit code 0: all match; 1: differences; 2: an error."""
    # ArrowmigError (bad URL, unreachable server, a table on neither side) goes up to
    # arrowmig.cli.main, which prints one line and exits with the error's code (2).
    from arrowmig.verifier import verify as run_verify

    report = run_verify(
        source,
        target,
        tables=split_lists(tables),
        exclude=split_lists(exclude) or (),
        level=level,
        max_diffs=max_diffs,
        source_schema=joined_schemas(source_schema),
        target_schema=target_schema,
        progress=_say_waits,
        lock_wait_s=lock_wait_timeout,
    )
    outcome_stands()
    say(render_table(report))
    if as_json:
        print_out(json.dumps(report.to_dict(), indent=2, default=str))
    ctx.exit(report.exit_code)


command = verify_command
"""The click command ``arrowmig.cli`` registers."""


def _columns_apart(source_row: dict[str, Any], target_row: dict[str, Any]) -> list[str]:
    """A changed row that names no column (its values hash alike, yet it differs): the
    columns whose values are shown apart, not each column with its equal values; every one
    where none is (the row is not left out)."""
    apart = [c for c in source_row if source_row[c] != _target_value(target_row, c)]
    return apart or list(source_row)


def _target_value(target_row: dict[str, Any], column: str) -> Any:
    """The target's value of the source's ``column``: under its own name, or under the one
    name equal to it but for case (a copy written with ``--target-names lower``, or by a tool
    that folds names), as verify paired them."""
    if column in target_row:
        return target_row[column]
    return target_row.get(same_but_case(column, target_row) or column)
