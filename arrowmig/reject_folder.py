"""Which folder a run's rejected rows go to, kept for its whole life: a resumed run puts them
where the run it continues put its own, so that one folder holds all of the run's.

The folder is recorded (absolute) in the run's row of the checkpoint table, the default
``./arrowmig-rejects/<time>-<id>/`` included: each new run gets a folder of its own there, so
a resume given no ``--reject-dir`` made another one before. A resume given no ``--reject-dir``
carries the recorded folder on; one given another folder is refused, as a resume with
another ``--on-error`` is, naming the folder that holds the rows already rejected.
"""

from __future__ import annotations

import os
from dataclasses import replace

from arrowmig.config import MigrationConfig
from arrowmig.errors import SchemaError
from arrowmig.rejects import DEFAULT_REJECT_ROOT, check_reject_dir, default_reject_dir

RECORDED = "reject_dir"
"""The run row's key (``basis``) that holds the folder."""


def run_reject_folder(
    config: MigrationConfig, recorded: dict[str, object] | None, run_id: str
) -> tuple[MigrationConfig, list[str]]:
    """``config`` with the folder this run rejects rows into settled (absolute), and the
    report's notes. ``recorded``: what the run row of the interrupted run this one resumes
    recorded (None for a new run)."""
    if config.on_error != "reject":
        return config, []
    given = os.path.abspath(config.reject_dir) if config.reject_dir is not None else None
    if recorded is None:
        return replace(config, reject_dir=given or os.path.abspath(default_reject_dir())), []
    then = recorded.get(RECORDED)
    if not isinstance(then, str):
        # Recorded by an arrowmig that kept no default folder's name.
        settled = given or os.path.abspath(default_reject_dir())
        note = (
            f"rejected rows go to {settled}; those of the interrupted run {run_id} are in "
            "the folder it was given"
            + (
                ""
                if config.reject_dir is not None
                else f", or one of its own under ./{DEFAULT_REJECT_ROOT}/"
            )
        )
        return replace(config, reject_dir=settled), [note]
    if given is not None and given != then:
        raise SchemaError(
            f"cannot resume: the interrupted run {run_id} put its rejected rows in {then!r}, "
            f"this run was told --reject-dir {given!r}",
            hint=f"resume with --reject-dir {then!r} (or without --reject-dir), so that one "
            "folder holds all of the run's rejected rows",
        )
    carried = replace(config, reject_dir=then)
    check_reject_dir(carried)  # a folder made unwritable since is refused before any write
    return carried, [f"rejected rows go to {then}, with those of the interrupted run"]
