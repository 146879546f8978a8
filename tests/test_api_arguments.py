"""What the Python API takes, as README's "From Python" says: on/off settings True or False
only, table lists and casts in the forms the command line and job file write them, and
``report.verify`` the same VerifyReport ``arrowmig.verify()`` returns."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

import arrowmig
from arrowmig.cli import main


def _source(path: Path) -> str:
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, x REAL);"
        "INSERT INTO t VALUES (1, 1.5), (2, 2.25);"
        "CREATE TABLE bb (id INTEGER PRIMARY KEY);"
        "INSERT INTO bb VALUES (1);"
    )
    con.close()
    return str(path)


ON_OFF: list[tuple[str, Callable[[Any], object]]] = [
    *(
        (name, lambda v, name=name: arrowmig.MigrationConfig(**{name: v}))
        for name in (
            "verify",
            "resume",
            "keep_backup",
            "profile",
            "foreign_keys",
            "keys",
            "analyze",
            "direct",
        )
    ),
    ("keys", lambda v: arrowmig.generate("g.duckdb", keys=v)),
    ("create", lambda v: arrowmig.open_endpoint("e.duckdb", create=v)),
    ("read_only", lambda v: arrowmig.open_endpoint("e.duckdb", read_only=v)),
]


@pytest.mark.parametrize(
    ("name", "call"), ON_OFF, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ON_OFF)]
)
def test_every_on_off_setting_takes_true_or_false_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, call: Callable[[Any], object]
) -> None:
    """MigrationConfig(verify="false") was taken, and "false" is true to Python: the run
    verified. resume, profile and foreign_keys given the same were refused."""
    monkeypatch.chdir(tmp_path)
    for wrong in ("false", 0, 1, None):
        with pytest.raises(
            arrowmig.UsageError, match=re.escape(f"{name} must be True or False, not {wrong!r}")
        ):
            call(wrong)
    assert list(tmp_path.iterdir()) == []  # refused before anything was opened


def test_exclude_takes_one_name_or_a_list_as_tables_does(tmp_path: Path) -> None:
    """MigrationConfig(exclude=5) raised a bare TypeError; verify(exclude="bb") read the name
    as the tables b and b."""
    src = _source(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    report = arrowmig.migrate(src, target, config=arrowmig.MigrationConfig(exclude="bb"))
    assert [t.name for t in report.tables] == ["t"]
    assert [t.name for t in arrowmig.verify(src, target, exclude="bb").tables] == ["t"]
    for call, message in [
        (lambda: arrowmig.MigrationConfig(exclude=5), "exclude takes a table name or a list of them, not 5"),
        (lambda: arrowmig.MigrationConfig(exclude=["t", 1]), "exclude takes table names (text), not ['t', 1]"),
        (lambda: arrowmig.verify(src, target, exclude=5), "exclude takes a table name or a list of them, not 5"),
    ]:  # fmt: skip
        with pytest.raises(arrowmig.UsageError, match=re.escape(message)):
            call()


CAST_FORMS: list[object] = [
    {"t.x": "text"},  # the job file's [casts]
    ["t.x=text"],  # --cast's
    "t.x=text",  # one alone, as tables="bets" is one table
    (("t", "x", "text"),),  # the triples the planner keeps
    [" t.x = text "],
]


@pytest.mark.parametrize("casts", CAST_FORMS)
def test_casts_take_the_forms_the_command_line_and_job_file_write(
    tmp_path: Path, casts: object
) -> None:
    """casts=["t.x=text"] and casts="t.x=text" failed inside migrate() with bare ValueErrors,
    casts={"t.x": "text"} with a UsageError about a column '.' (the key read letter by letter)."""
    src = _source(tmp_path / "s.db")
    target = tmp_path / "t.duckdb"
    config = arrowmig.MigrationConfig(casts=casts)  # type: ignore[arg-type]
    assert config.casts == (("t", "x", "text"),)
    assert arrowmig.migrate(src, str(target), config=config).ok
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT typeof(x), x FROM t ORDER BY id").fetchall() == [
            ("VARCHAR", "1.5"),
            ("VARCHAR", "2.25"),
        ]


@pytest.mark.parametrize(
    ("casts", "message"),
    [
        (
            5,
            'casts must be a mapping {"table.column": "TYPE"} or a list of "table.column=TYPE", not 5',
        ),
        (None, "casts must be a mapping"),
        (b"t.x=text", "casts must be a mapping"),
        ([5], "cannot read 5 in it"),
        ([("t", "x")], "cannot read ('t', 'x') in it"),
        ({1: "text"}, '1 is not a "table.column" name'),
        ({"t.x": 5}, "casts 't.x' must name a type, not 5"),
        ({"t": "text"}, "cannot read casts 't=text'; write table.column=TYPE"),
        (["t.x"], "cannot read casts 't.x'; write table.column=TYPE"),
        (["t.=text"], "cannot read casts 't.=text'"),
    ],
)
def test_casts_of_any_other_shape_are_refused_naming_casts(casts: object, message: str) -> None:
    with pytest.raises(arrowmig.UsageError, match=re.escape(message)):
        arrowmig.MigrationConfig(casts=casts)  # type: ignore[arg-type]


def test_report_verify_is_the_verify_report_verify_returns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """report.verify was a plain dict (report.verify.ok raised AttributeError) while
    arrowmig.verify() returns a VerifyReport; --json still prints it as JSON."""
    src = _source(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    report = arrowmig.migrate(src, target, config=arrowmig.MigrationConfig(verify=True))
    alone = arrowmig.verify(src, target)
    assert isinstance(report.verify, arrowmig.VerifyReport) and type(alone) is type(report.verify)
    assert report.verify.ok and sorted(t.name for t in report.verify.tables) == ["bb", "t"]
    assert report.to_dict()["verify"] == report.verify.to_dict()
    assert json.loads(json.dumps(report.to_dict()))["verify"]["ok"] is True
    unverified = arrowmig.migrate(
        src, str(tmp_path / "u.duckdb"), config=arrowmig.MigrationConfig(verify=False)
    )
    assert unverified.verify is None and "verify" not in unverified.to_dict()
    capsys.readouterr()
    args = ["migrate", src, target, "--mode", "replace", "--verify", "--json"]
    assert main([*args, "--progress", "none"]) == 0
    printed = json.loads(capsys.readouterr().out)["verify"]
    assert printed["ok"] is True and sorted(t["name"] for t in printed["tables"]) == ["bb", "t"]


def test_a_comma_list_given_as_one_string_is_one_name_and_the_error_says_to_give_a_list(
    tmp_path: Path,
) -> None:
    """In Python a string is one table's name (a name may hold a comma); a run refused for
    "t,bb" says how to name the two tables."""
    source = _source(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    hint = re.escape("'t,bb' is one name; to name several tables give a list: tables=['t', 'bb']")
    with pytest.raises(arrowmig.SchemaError, match=hint):
        arrowmig.migrate(source, target, tables="t,bb")
    assert arrowmig.migrate(source, target, tables=["t", "bb"]).ok
    with pytest.raises(arrowmig.SchemaError, match=hint):
        arrowmig.verify(source, target, tables="t,bb")


def test_exclude_none_leaves_no_table_out_as_tables_none_takes_all(tmp_path: Path) -> None:
    source = _source(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    config = arrowmig.MigrationConfig(tables=None, exclude=None)
    assert config.exclude == ()
    report = arrowmig.migrate(source, target, config=config)
    assert sorted(t.name for t in report.tables) == ["bb", "t"]
    checked = arrowmig.verify(source, target, exclude=None)
    assert checked.ok and len(checked.tables) == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"threads": 0}, "threads must be a whole number of at least 1 or None, not 0"),
        ({"threads": -1}, "threads must be a whole number of at least 1 or None, not -1"),
        ({"rows": [("large_players", 5)]}, "rows must be a mapping of table names to row counts"),
        ({"rows": "large_players=5"}, "rows must be a mapping of table names to row counts"),
        ({"tables": 5}, "tables takes a table name or a list of them, not 5"),
        (
            {"config": arrowmig.MigrationConfig(verify=True)},
            "generate() cannot verify (config verify=True)",
        ),
        (
            {"config": arrowmig.MigrationConfig(source_schema="sales")},
            "generate() has no source schema",
        ),
    ],
)
def test_generate_refuses_what_it_cannot_use_before_the_target_is_opened(
    tmp_path: Path, arguments: dict[str, Any], message: str
) -> None:
    """Raw DuckDB, Attribute and Type errors were raised, or verify=True was ignored."""
    target = tmp_path / "g.duckdb"
    given = {"tables": ["large_players"], "rows": {"large_players": 50}, **arguments}
    with pytest.raises(arrowmig.UsageError) as err:
        arrowmig.generate(str(target), **given)
    assert message in str(err.value)
    assert not target.exists()
    report = arrowmig.generate(str(target), tables="large_players", rows={"large_players": 50})
    assert report.ok and report.rows == 50


def test_a_duckdb_file_the_program_has_open_is_refused_saying_what_to_do(
    tmp_path: Path,
) -> None:
    """DuckDB's own words ("a different configuration than existing connections") left the
    program with no way forward: its own connection is in the way."""
    source = _source(tmp_path / "s.db")
    target = str(tmp_path / "app.duckdb")
    con = duckdb.connect(target)
    con.execute("CREATE TABLE mine (id INTEGER)")
    try:
        for call in (
            lambda: arrowmig.migrate(source, target),
            lambda: arrowmig.verify(source, target),
        ):
            with pytest.raises(arrowmig.ConnectError) as err:
                call()
            assert "is open in this process already, by a connection arrowmig did not make" in (
                str(err.value)
            )
            assert "close that connection (con.close()) before calling arrowmig" in str(err.value)
    finally:
        con.close()
    assert arrowmig.migrate(source, target).ok  # once the program let go of it


@pytest.mark.parametrize(
    ("arguments", "pointed_to"),
    [
        ({"verify": True}, "call arrowmig.verify() after it"),
        ({"source_schema": "sales"}, "target_schema picks where the tables go"),
        ({"config": arrowmig.MigrationConfig(verify=True)}, "call arrowmig.verify() after"),
    ],
)
def test_generate_points_to_what_works_for_a_setting_it_refuses(
    tmp_path: Path, arguments: dict[str, Any], pointed_to: str
) -> None:
    """generate(verify=True) said "verify is set in config=MigrationConfig(verify=...)",
    which generate then refused too."""
    target = tmp_path / "g.duckdb"
    with pytest.raises(arrowmig.UsageError) as err:
        arrowmig.generate(str(target), tables="large_players", **arguments)
    assert pointed_to in str(err.value)
    assert "MigrationConfig(" not in str(err.value)
    assert not target.exists()


@pytest.mark.parametrize("config", [arrowmig.MigrationConfig, arrowmig.BatchConfig])
def test_help_of_a_config_class_explains_every_field(config: type) -> None:
    # help(MigrationConfig) said "Everything that decides what a migration does." and no
    # more: the docstring under each field is not shown by pydoc.
    import dataclasses
    import pydoc

    shown = pydoc.render_doc(config, renderer=pydoc.plaintext).split("Methods defined here")[0]
    missing = [f.name for f in dataclasses.fields(config) if f" {f.name}: " not in shown]
    assert not missing
