"""What a migration did: per table rows, bytes, time, failures; totals; memory."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from arrowmig.sizes import counted

if TYPE_CHECKING:
    # verify_report loads DuckDB (for JSON); a plain `import arrowmig` must not.
    from arrowmig.verify_report import VerifyReport

EXIT_SIGNAL = {"SIGINT": 130, "SIGTERM": 143}
"""The exit code of a run stopped by each signal."""


@dataclass
class TableReport:
    """The outcome of one table."""

    name: str
    target_name: str
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    rows_before: int = 0
    """Of ``rows``, those the interrupted run had committed (``--resume``); ``bytes``,
    ``seconds`` and the rates are this run's alone."""
    streams: int = 1
    retries: int = 0
    rejected: int = 0
    """Rows set aside in the table's reject file: a resumed run's include those of the run it
    resumed (``rejected_before``); an interrupted run's, those of batches never committed."""
    rejected_before: int = 0
    """Of ``rejected``, those the interrupted run had set aside (``--resume``)."""
    status: str = "pending"
    """pending, done, failed or skipped."""
    restarts: bool = False
    """Interrupted with rows committed that ``--resume`` cannot go on after (a table without
    a usable key, or unlogged): it loads the table again from the start."""
    staging_table: str | None = None
    """Interrupted while loading into a staging table, which stays for ``--resume`` (named
    so that the user knows what the ``_arrowmig_stage_*`` table in the target is)."""
    error: str | None = None
    built: list[str] = field(default_factory=list)
    """Keys and indexes built after the data was in."""
    keys_not_built: list[str] = field(default_factory=list)
    """Primary keys and unique constraints the run meant to build and the target refused
    (duplicates or NULLs in the rows, a name taken), each with why and what to do. The rows
    are in (``status`` stays done), but the run has failed: exit code 1."""
    notes: list[str] = field(default_factory=list)
    """Type widenings and other things the user should know."""

    @property
    def rows_per_s(self) -> float:
        moved = max(0, self.rows - self.rows_before)
        return moved / self.seconds if self.seconds > 0 else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rows_per_s"] = round(self.rows_per_s, 1)
        data["mb_per_s"] = round(self.mb_per_s, 2)
        return data


RESUME_HINT = "to continue, run the same command again with --resume (committed rows are kept)"


@dataclass
class MigrationReport:
    """The whole run. ``exit_code`` follows the CLI contract: 0 done, 1 finished with failures."""

    source: str
    target: str
    mode: str
    tables: list[TableReport] = field(default_factory=list)
    seconds: float = 0.0
    """The whole run, from the call on (its planning, every schema's, and its foreign keys
    included; not ``--verify``'s comparison, which has its own)."""
    peak_rss_bytes: int = 0
    baseline_rss_bytes: int = 0
    skipped_views: list[str] = field(default_factory=list)
    interrupted: str | None = None
    """The signal name when the run was stopped by SIGINT or SIGTERM."""
    verify_interrupted: str | None = None
    """The signal name when ``--verify`` was stopped: the load had finished (nothing to
    resume), its tables are in ``verify.not_verified``, and the exit code is the signal's."""
    unfinished: str | None = None
    """Why the run stopped after its tables without finishing (their keys, foreign keys, its
    own completion): the target was lost for good. The rows in stay; ``--resume`` finishes."""
    damaged: str | None = None
    """A SQLite file found damaged after the run began (a table's pages; its header was
    sound), in the error's words: the tables it failed say so and keep what they committed,
    and the exit code is 2, as for a file found damaged as it is opened."""
    unwritten: str | None = None
    """A DuckDB target whose checkpoint as the run closed it failed (a full disk), said with
    the tables and what to do: its rows are all committed, but in its write-ahead log only
    (``duckdb_closing``). Not done as asked: the exit code is 1."""
    verify: VerifyReport | None = None
    """``--verify``'s result, as ``arrowmig.verify()`` returns it (``to_dict()`` holds its
    JSON form); None when the run was not verified."""
    run_id: str | None = None
    """The run's fingerprint: the key of its rows in the target's checkpoint table."""
    notes: list[str] = field(default_factory=list)
    """Things about the whole run the user should know (e.g. a resume that had nothing to do)."""
    target_schema: str | None = None
    """The target schema the tables were written into, where it is not the one they were
    read from nor the target's default (``schema_landing.schemas_apart``)."""
    done_before: list[str] = field(default_factory=list)
    """Tables a resumed run found finished by the run it resumes (its schema's run completed),
    not in ``tables``: nothing of them was moved now, and ``--verify`` checks them too."""

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def bytes(self) -> int:
        return sum(t.bytes for t in self.tables)

    @property
    def failed(self) -> list[TableReport]:
        return [t for t in self.tables if t.status == "failed"]

    @property
    def keys_not_built(self) -> list[TableReport]:
        """Tables whose rows are in but some of whose keys are not (``TableReport.keys_not_built``)."""
        return [t for t in self.tables if t.keys_not_built]

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables)

    @property
    def rejected_before(self) -> int:
        """Of ``rejected``, those an interrupted run had set aside (``--resume``)."""
        return sum(t.rejected_before for t in self.tables)

    @property
    def ok(self) -> bool:
        """All went as asked: no table failed, every key built, no row rejected, not
        interrupted, a DuckDB target's rows written into its file (``unwritten``), and (when
        the run was verified) every table verified and matching."""
        verified = self.verify is None or self.verify.ok
        return (
            not self.failed
            and not self.keys_not_built
            and not self.rejected
            and self.interrupted is None
            and self.unfinished is None
            and self.unwritten is None
            and verified
        )

    @property
    def resume_hint(self) -> str:
        """What to run to go on, saying what ``--resume`` keeps: not the rows of a table it
        loads again from the start (``restarts``)."""
        again = [t.name for t in self.tables if t.restarts]
        hint = RESUME_HINT
        if again:
            names = ", ".join(map(repr, again))
            hint = (
                "to continue, run the same command again with --resume (committed rows are "
                f"kept, except those of {names}: with no key to go on after, it loads again "
                "from the start)"
            )
        kept = [f"{t.target_name} -> {t.staging_table}" for t in self.tables if t.staging_table]
        if kept:
            hint += (
                f"; staging table{'s' if len(kept) > 1 else ''} kept for it: {', '.join(kept)} "
                f"(arrowmig status --clean drops {'them' if len(kept) > 1 else 'it'} once the run can "
                "no longer be resumed)"
            )
        return hint

    @property
    def resumable(self) -> bool:
        """Stopped with work left that ``--resume`` continues (rows committed stay)."""
        return self.interrupted is not None or self.unfinished is not None

    @property
    def exit_code(self) -> int:
        """The CLI's: 0 ok, 1 finished with failures (or differences), 2 a damaged SQLite
        file, 130/143 interrupted."""
        stopped = self.interrupted or self.verify_interrupted
        if stopped:
            return EXIT_SIGNAL.get(stopped, 130)
        if self.damaged:
            return 2
        return 0 if self.ok else 1

    @property
    def rss_growth_bytes(self) -> int:
        return max(0, self.peak_rss_bytes - self.baseline_rss_bytes)

    @property
    def rows_before(self) -> int:
        """Of ``rows``, those an interrupted run had committed (``--resume``)."""
        return sum(t.rows_before for t in self.tables)

    @property
    def rows_per_s(self) -> float:
        """Rows this run moved a second (not those of the run it resumed)."""
        moved = max(0, self.rows - self.rows_before)
        return moved / self.seconds if self.seconds > 0 else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0

    @property
    def mb_growth_per_1000_rows(self) -> float:
        """RSS growth (MB) per 1,000 rows moved: near 0 when memory stays flat as tables grow."""
        moved = max(0, self.rows - self.rows_before)
        return self.rss_growth_bytes / 1e6 / (moved / 1000) if moved else 0.0

    @property
    def retries(self) -> int:
        return sum(t.retries for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "mode": self.mode,
            "target_schema": self.target_schema,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "rows": self.rows,
            "rows_before": self.rows_before,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "rows_per_s": round(self.rows_per_s, 1),
            "mb_per_s": round(self.mb_per_s, 2),
            "peak_rss_bytes": self.peak_rss_bytes,
            "baseline_rss_bytes": self.baseline_rss_bytes,
            "rss_growth_bytes": self.rss_growth_bytes,
            "mb_growth_per_1000_rows": round(self.mb_growth_per_1000_rows, 5),
            "failed": [t.name for t in self.failed],
            "keys_not_built": [t.name for t in self.keys_not_built],
            "rejected": self.rejected,
            "rejected_before": self.rejected_before,
            "retries": self.retries,
            "skipped_views": self.skipped_views,
            "interrupted": self.interrupted,
            "verify_interrupted": self.verify_interrupted,
            "unfinished": self.unfinished,
            "damaged": self.damaged,
            "unwritten": self.unwritten,
            "run_id": self.run_id,
            "notes": self.notes,
            "done_before": self.done_before,
            "tables": [t.to_dict() for t in self.tables],
            **({"verify": self.verify.to_dict()} if self.verify is not None else {}),
        }

    def __str__(self) -> str:
        state = "ok" if self.ok else "with failures"
        if self.interrupted:
            state = f"interrupted by {self.interrupted}"
        return (
            f"MigrationReport({self.source} -> {self.target}: {counted(len(self.tables), 'table')}, "
            f"{counted(self.rows, 'row')} in {self.seconds:.2f}s, {state})"
        )
