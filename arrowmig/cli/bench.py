"""``arrowmig bench``: parse options, call ``arrowmig.bench.run_bench``, print the summary.

Exit codes: 0 every run finished (targets missed are findings, shown, not failures), 1 some run
failed, 2 usage or connection error. Progress lines go to stderr; ``--json`` prints bench.json
to stdout.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from arrowmig.bench import DEFAULT_PG_URL, BenchOptions, parse_list, parse_paths, run_bench
from arrowmig.cli.console import print_out, say
from arrowmig.cli.options import SEED, split_lists
from arrowmig.cli.signals import outcome_stands
from arrowmig.names import named_tables
from arrowmig.urls import redact


def _numbers_option(
    name: str, default: str, what: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A list of whole numbers, repeatable as --tables is (the last one alone was measured)."""
    return click.option(
        name,
        multiple=True,
        default=(default,),
        show_default=True,
        help=f"{what} (comma-separated, repeatable).",
    )


@click.command("bench", short_help="Benchmark the row path against the columnar path.")
@click.option("--source", help="Source URL (default: the generated dataset of --scale).")
@click.option(
    "--target",
    "targets",
    multiple=True,
    help=f"Target: 'sqlite' (a scratch file), a SQLite or DuckDB file that does not exist yet "
    f"(removed at the end), or a PostgreSQL server URL (a throw-away database there; its "
    "user needs superuser or pg_write_server_files, for the COPY ceiling), "
    f"repeatable (default: sqlite and {DEFAULT_PG_URL}). Unreachable servers are skipped "
    "with a note; a login the server refuses stops the bench (exit 2).",
)
@click.option("--scale", default="phase3", show_default=True, help="Dataset scale to generate.")
@click.option("--seed", default=42, show_default=True, type=SEED, help="Same seed, same data.")
@click.option(
    "--tables", "-t", multiple=True, help="Comma-separated tables (repeatable; default: all)."
)
@click.option(
    "--paths",
    default="row,columnar",
    show_default=True,
    help="The paths to measure: row, columnar, or both (row,columnar).",
)
@_numbers_option("--batch-rows", "5000,25000,100000", "Batch sizes to compare")
@_numbers_option("--parallel", "1,2", "Columnar stream counts")
@click.option("--repeat", default=3, show_default=True, type=int, help="Measured rounds.")
@click.option(
    "--out",
    default="bench/out",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Folder to write bench.json, bench.md and bench.png into.",
)
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Where datasets are cached.")
@click.option(
    "--no-warmup",
    is_flag=True,
    help="Leave the warm-up runs out of bench.json (they still run: the measured runs need "
    "what they set up; by default they are kept there, flagged warmup).",
)
@click.option(
    "--no-stages",
    is_flag=True,
    help="Skip the stages measured alone (arrowmig's SQLite source side, the write from "
    "memory), which say where the time goes.",
)
@click.option("--json", "as_json", is_flag=True, help="Print bench.json on stdout.")
@click.pass_context
def bench_command(
    ctx: click.Context,
    source: str | None,
    targets: tuple[str, ...],
    scale: str,
    seed: int,
    tables: tuple[str, ...],
    paths: str,
    batch_rows: tuple[str, ...],
    parallel: tuple[str, ...],
    repeat: int,
    out: Path,
    cache_dir: Path | None,
    no_warmup: bool,
    no_stages: bool,
    as_json: bool,
) -> None:
    """Row path vs columnar path vs ceilings; writes bench.json, bench.md and bench.png."""
    extra = {"cache_dir": cache_dir} if cache_dir is not None else {}
    options = BenchOptions(
        source=source,
        targets=targets or ("sqlite", DEFAULT_PG_URL),
        scale=scale,
        seed=seed,
        # Joined as migrate joins them (the last --tables alone was measured), and an empty
        # one refused, not read as every table.
        tables=named_tables(split_lists(tables)),
        paths=parse_paths(paths),
        batch_rows=parse_list(",".join(batch_rows), "--batch-rows"),
        parallel=parse_list(",".join(parallel), "--parallel"),
        repeat=repeat,
        warmup=not no_warmup,
        stages=not no_stages,
        out=out,
        command=_command_line(),
        **extra,
    )
    result = run_bench(options, log=say)
    outcome_stands()  # bench.json is written: a signal now leaves the exit code its own
    say((out / "bench.md").read_text())
    say(f"wrote {out / 'bench.json'}, {out / 'bench.md'}, {out / 'bench.png'}")
    if as_json:
        print_out((out / "bench.json").read_text().rstrip("\n"), "bench.json")
    failed = [r for r in result.runs if not r.get("ok")]
    ctx.exit(1 if failed else 0)


command = bench_command
"""What ``arrowmig.cli`` registers."""


def _command_line() -> str:
    """The command as typed, for the report: each argument with its password masked, since
    bench.json and bench.md are shared (a --target URL may hold one)."""
    args = [redact(arg) for arg in sys.argv[1:]]
    return "arrowmig " + shlex.join(args if args[:1] == ["bench"] else ["bench", *args])


def main() -> None:
    # Through the arrowmig command, whose handler turns an ArrowmigError into its exit code.
    from arrowmig.cli import main as arrowmig_main

    sys.exit(arrowmig_main(["bench", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
