"""``migrate --verify``: every table of the run checksummed once it is in, the source read in
the snapshot the run read (a live source's rows committed since are not differences)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arrowmig.config import MigrationConfig
from arrowmig.errors import StopRequested, raised_by_ctrl_c, stop_behind
from arrowmig.names import written
from arrowmig.report import MigrationReport
from arrowmig.schemas import several_schemas

if TYPE_CHECKING:
    from arrowmig.endpoints.pg_hold import HeldSnapshot


def verify_run(
    source: str,
    target: str,
    report: MigrationReport,
    config: MigrationConfig,
    held: HeldSnapshot | None,
) -> None:
    """Checksum the tables moved now, and those a resumed run found finished by the run it
    resumes; a table that did not load is named as not verified. The result goes into the
    report's ``verify``."""
    from arrowmig.verifier import verify
    from arrowmig.verify_report import VerifyReport

    names = [t.name for t in report.tables if t.status == "done"] + report.done_before
    loaded = names
    if several_schemas(config.source_schema) is None:
        # Written as --tables takes them (a run of several schemas names them so already):
        # verify reads '"x.y"' as the table x.y, as migrate does.
        loaded = [written(name, dots=True) for name in loaded]
    not_loaded = {
        t.name: "failed to load" if t.status == "failed" else f"not loaded ({t.status})"
        for t in report.tables
        if t.status != "done"
    }
    result = VerifyReport(source=report.source, target=report.target, level="checksum")
    if loaded:
        try:
            result = verify(
                source,
                target,
                tables=loaded,
                source_schema=config.source_schema,
                target_schema=config.target_schema,
                lock_wait_s=config.lock_wait_s,
                held=held,
            )
        except (Exception, KeyboardInterrupt, StopRequested) as exc:
            # The load has ended and is recorded so (--resume has nothing to do): the user
            # gets its report, the verify said not run, and the signal's exit code.
            stopped = _stopped_by(exc)
            if stopped is None:
                raise
            report.verify_interrupted = stopped
            why = f"verify stopped by {stopped}: run `arrowmig verify` to check the copy"
            result.not_verified.update(dict.fromkeys(names, why))
            report.notes.append(
                f"--verify was stopped by {stopped} after the load had ended (--resume has "
                "nothing left to do): to check the copy, run `arrowmig verify` with the same "
                "source and target"
            )
    result.not_verified.update(not_loaded)
    report.verify = result


def _stopped_by(exc: BaseException) -> str | None:
    """The signal that stopped the verify (SIGINT, SIGTERM), or None for an error."""
    if isinstance(exc, KeyboardInterrupt) or raised_by_ctrl_c(exc):
        return "SIGINT"
    stop = exc if isinstance(exc, StopRequested) else stop_behind(exc)
    return None if stop is None else stop.signal_name
