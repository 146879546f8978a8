"""The public face: a small, sorted __all__, every name importable, and import stays light."""

from __future__ import annotations

import subprocess
import sys

import arrowmig


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert arrowmig.__all__ == sorted(arrowmig.__all__)
    for name in arrowmig.__all__:
        assert getattr(arrowmig, name) is not None, name


def test_dir_lists_every_public_name_the_lazy_ones_too() -> None:
    # verify, generate and VerifyReport load on first use: IPython completes what dir() lists.
    # In a fresh process, where none of them is loaded yet.
    code = "import arrowmig; print(sorted(set(arrowmig.__all__) - set(dir(arrowmig))))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_verbs_stay_functions_after_their_modules_are_imported() -> None:
    import arrowmig.generator
    import arrowmig.verifier

    assert callable(arrowmig.verify) and callable(arrowmig.generate) and callable(arrowmig.migrate)


def test_import_loads_no_database_driver() -> None:
    code = (
        "import sys, arrowmig; "
        "print(sorted(m for m in ('duckdb', 'adbc_driver_sqlite', 'adbc_driver_postgresql', 'psycopg') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_version_names_arrowmig_and_every_driver_it_loads() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "arrowmig", "--version"], capture_output=True, text=True, check=True
    ).stdout
    versions = dict(line.split(" ", 1) for line in out.splitlines())
    for name in (
        "arrowmig",
        "pyarrow",
        "adbc-driver-manager",
        "adbc-driver-sqlite",
        "adbc-driver-postgresql",
        "duckdb",
        "psycopg",
        "libpq",
        "python",
    ):
        assert versions.get(name, "")[:1].isdigit(), (name, out)


def test_the_modules_the_readme_calls_work_after_a_plain_import() -> None:
    # The README's `arrowmig.jobfile.load_job("nightly.toml")` and
    # `arrowmig.malloc_tuning.return_freed_memory_promptly()` after `import arrowmig` raised
    # AttributeError: module 'arrowmig' has no attribute 'jobfile'.
    code = (
        "import arrowmig; "
        "print(callable(arrowmig.jobfile.load_job), "
        "callable(arrowmig.malloc_tuning.return_freed_memory_promptly), "
        "arrowmig.events.Event.__name__, arrowmig.generator.GeneratedSource.__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["True", "True", "Event", "GeneratedSource"]
