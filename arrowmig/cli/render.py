"""Human renderings of reports and plans (plain text, for stderr)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from arrowmig.model import KEPT_FROM_REPLACED
from arrowmig.names import shown
from arrowmig.report import MigrationReport
from arrowmig.sizes import counted, format_size

GROWTH_PER_ROWS_FROM = 100_000
"""Below this many rows the growth is the run's fixed cost (connections, buffers), and a figure
per 1,000 rows would only say how few rows there were (800 MB per 1,000 for 2 rows)."""


def table_text(
    header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()
) -> str:
    """A plain aligned table; columns whose index is in ``right`` are right-aligned."""
    cells = [list(header), *[list(r) for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        parts = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report_text(report: MigrationReport) -> str:
    rows = []
    for t in report.tables:
        rows.append(
            [
                t.name,
                f"{t.rows:,}",
                format_size(t.bytes),
                f"{t.seconds:.2f}",
                f"{t.rows_per_s:,.0f}",
                f"{t.mb_per_s:,.1f}",
                str(t.streams),
                str(t.retries),
                f"{t.rejected:,}",
                t.status,
            ]
        )
    into = f", target schema {report.target_schema}" if report.target_schema else ""
    out = [f"{report.source} -> {report.target} (mode {report.mode}{into})"]
    header = ["table", "rows", "bytes", "seconds", "rows/s", "MB/s", "streams", "retries"]
    out.append(
        table_text([*header, "rejects", "status"], rows, right=tuple(range(1, len(header) + 1)))
    )
    for t in report.tables:
        if t.error:
            out.append(f"  {t.name}: FAILED: {t.error}")
        for unbuilt in t.keys_not_built:
            out.append(f"  {t.name}: FAILED: {unbuilt}")
        for note in t.notes:
            out.append(f"  {t.name}: {note}")
        # What the replaced table gave the new one, on a line of its own: run on after the
        # run's own, the source's keys and sequences would read as kept from it.
        built = [b for b in t.built if not b.startswith(KEPT_FROM_REPLACED)]
        if built:
            out.append(f"  {t.name}: built {', '.join(built)}")
        out.extend(f"  {t.name}: {b}" for b in t.built if b.startswith(KEPT_FROM_REPLACED))
        if t.rejected:
            out.append(f"  {t.name}: {_rejected_text(t.rejected, t.rejected_before, report)}")
    for note in report.notes:
        out.append(f"  {note}")
    if report.unfinished:
        out.append(f"  NOT FINISHED: {report.unfinished}")
    if report.unwritten:
        out.append(f"  CHECKPOINT FAILED: {report.unwritten}")
    if report.done_before:
        out.append(
            "  finished by the earlier run, nothing left to move: " + ", ".join(report.done_before)
        )
    if report.skipped_views:
        out.append(
            "  views and virtual tables skipped (name them with --tables to copy their rows): "
            + ", ".join(report.skipped_views)
        )
    state = "done" if report.ok else "FINISHED WITH FAILURES"
    if report.interrupted:
        state = "INTERRUPTED"
    elif report.verify_interrupted:
        state = f"VERIFY STOPPED BY {report.verify_interrupted} (the load had ended)"
    elif report.unfinished:
        state = "NOT FINISHED"
    elif report.damaged:
        state = "DAMAGED FILE"
    growth = report.rss_growth_bytes
    keys_missing = sum(len(t.keys_not_built) for t in report.tables)
    failed = sum(1 for t in report.tables if t.error)
    out.append(
        f"{state}: {counted(report.rows, 'row')}"
        + (
            f" ({report.rows_before:,} of them committed by the interrupted run)"
            if report.rows_before
            else ""
        )
        + f", {format_size(report.bytes)} in {report.seconds:.2f}s "
        f"({report.rows_per_s:,.0f} rows/s, {report.mb_per_s:,.1f} MB/s)"
        + (f", {report.retries:,} retries" if report.retries else "")
        + (
            f", {_rejected_text(report.rejected, report.rejected_before, report)}"
            if report.rejected
            else ""
        )
        + (f", {counted(keys_missing, 'key')} not built" if keys_missing else "")
        + (f", {counted(failed, 'table')} failed" if failed else "")
        + (
            # Nothing measured when nothing ran (a completed run resumed).
            f"; peak RSS {format_size(report.peak_rss_bytes)}, growth {format_size(growth)}"
            if report.peak_rss_bytes
            else ""
        )
        + (
            f" ({report.mb_growth_per_1000_rows:.3f} MB per 1,000 rows)"
            if report.rows >= GROWTH_PER_ROWS_FROM
            else ""
        )
    )
    return "\n".join(out)


def _rejected_text(rejected: int, before: int, report: MigrationReport) -> str:
    """Rows set aside, as the reject file holds them: an interrupted run's include those of
    batches it never committed (a resume reads them again and does not write them twice)."""
    if report.interrupted:
        return f"{counted(rejected, 'row')} written to the reject file"
    return f"{counted(rejected, 'row')} rejected" + (
        f" ({before:,} of them set aside by the interrupted run)" if before else ""
    )


def plan_text(plan: dict[str, Any]) -> str:
    out = [f"{plan['source']} -> {plan['target']}", ""] if plan.get("source") else []
    for t in plan["tables"]:
        rows = t["rows"]
        read, written = t["name"], t["target"]
        if plan.get("target_schema"):  # written under another schema than it is read from
            read = shown(plan["source_schema"], read) if plan["source_schema"] else read
            written = shown(plan["target_schema"], written)
        out.append(
            f"{read} -> {written}: {t['action']}, "
            f"{'? rows' if rows is None else counted(rows, 'row')}, "
            f"{counted(len(t['streams']), 'stream')}"
            + (f", split on {t['split_key']}" if len(t["streams"]) > 1 else "")
        )
        if t.get("loading"):
            out.append(f"  loads {t['loading']}")
        cols = [
            [
                # A column the target names otherwise (--target-names lower): both names.
                c["name"]
                + (
                    f" -> {c['target_name']}"
                    if c.get("target_name", c["name"]) != c["name"]
                    else ""
                ),
                c["source_type"] or "-",
                "/".join(c["observed"]) or "-",
                c["arrow_type"],
                c["target_type"] + ("" if c["nullable"] else " NOT NULL"),
                "!" if c["flags"] else "",
            ]
            for c in t["columns"]
        ]
        table = table_text(
            ["column", "source type", "observed", "arrow", "target type", "flag"], cols
        )
        out.extend("  " + line for line in table.splitlines())
        if t.get("builds"):
            out.append(f"  builds {', '.join(t['builds'])}")
        if t.get("keeps"):
            out.append(
                f"  keeps from the replaced table, where the new one lacks it (each checked as it is added): {', '.join(t['keeps'])}"
            )
        for note in t.get("drops", []):
            out.append(f"  ! {note}")
        for note in t["notes"]:
            out.append(f"  ! {note}")
        out.append("")
    if plan.get("skipped_views"):
        out.append(
            "views and virtual tables skipped (name them with --tables to copy their rows): "
            + ", ".join(plan["skipped_views"])
        )
    out.extend(plan.get("notes", []))
    return "\n".join(out).rstrip()


def show_plan(plan: dict[str, Any], as_json: bool) -> None:
    """``plan`` and ``--dry-run``: JSON alone on stdout, or the text on stderr."""
    from arrowmig.cli.console import print_out, say
    from arrowmig.cli.signals import outcome_stands

    outcome_stands()
    if as_json:
        print_out(json.dumps(plan, indent=2, default=str), "the plan")
    else:
        say(plan_text(plan))
