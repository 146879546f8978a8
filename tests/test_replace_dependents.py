"""`--mode replace` into PostgreSQL drops the old table: what other tables and views built on
it must not go with it silently."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import psycopg
import pytest

from arrowmig import MigrationConfig, SchemaError, migrate
from arrowmig.migrate import explain
from arrowmig.python_words import in_python_words
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres


def _source(path: Path, ids: list[int]) -> str:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO parent VALUES (?, ?)", [(i, f"p{i}") for i in ids])
    con.commit()
    con.close()
    return str(path)


def _foreign_keys(url: str) -> list[tuple[str, str, bool]]:
    with psycopg.connect(url) as con:
        return con.execute(
            "SELECT conrelid::regclass::text, conname, convalidated FROM pg_constraint "
            "WHERE contype = 'f' ORDER BY 1, 2"
        ).fetchall()


@pytest.mark.parametrize("keep_backup", [False, True])
def test_a_foreign_key_of_a_table_outside_the_run_points_at_the_new_table(
    tmp_path: Path, pg_url: str, keep_backup: bool
) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id int PRIMARY KEY, name text)",
        "INSERT INTO parent VALUES (1, 'old'), (2, 'old')",
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE CASCADE)",
        "INSERT INTO child VALUES (1, 1), (2, 2)",
    )
    config = MigrationConfig(mode="replace", keep_backup=keep_backup)
    source = _source(tmp_path / "s.db", [1, 2, 3])
    again = 'foreign key child_parent_id_fkey of "public"."child" (again)'
    (planned,) = explain(source, pg_url, config=config).tables
    assert again in planned.keeps  # the plan says so beforehand
    report = migrate(source, pg_url, config=config)
    assert report.ok, report.tables[0].error
    assert again in report.tables[0].built
    assert _foreign_keys(pg_url) == [("child", "child_parent_id_fkey", True)]
    with psycopg.connect(pg_url, autocommit=True) as con:
        # It points at the new rows (3 is only there), with its action.
        con.execute("INSERT INTO child VALUES (3, 3)")
        con.execute("DELETE FROM parent WHERE id = 1")
        assert con.execute("SELECT id FROM child ORDER BY id").fetchall() == [(2,), (3,)]
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            con.execute("INSERT INTO child VALUES (4, 99)")


def test_a_foreign_key_the_new_rows_break_stays_not_valid_and_fails_the_table(
    tmp_path: Path, pg_url: str
) -> None:
    """The key of a table outside the run is put back NOT VALID, still refusing new rows
    that point nowhere, and the run fails naming the rows and the statement that checks it."""
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id int PRIMARY KEY, name text)",
        "INSERT INTO parent VALUES (1, 'old'), (2, 'old')",
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent)",
        "INSERT INTO child VALUES (1, 1)",
    )
    report = migrate(
        _source(tmp_path / "s.db", [2]), pg_url, config=MigrationConfig(mode="replace")
    )
    (table,) = report.tables
    assert not report.ok  # exit 1
    (failed,) = table.keys_not_built
    assert 'foreign key child_parent_id_fkey of "public"."child" (pointing here)' in failed
    assert "1 row refers to no row of the new table (parent_id 1)" in failed
    assert 'ALTER TABLE "public"."child" VALIDATE CONSTRAINT "child_parent_id_fkey"' in failed
    assert _foreign_keys(pg_url) == [("child", "child_parent_id_fkey", False)]
    with psycopg.connect(pg_url) as con, pytest.raises(psycopg.errors.ForeignKeyViolation):
        con.execute("INSERT INTO child VALUES (3, 99)")


def test_a_not_valid_foreign_key_pointing_here_stays_not_valid(tmp_path: Path, pg_url: str) -> None:
    """Another table's key that was NOT VALID (its rows were never held to it) is put back
    NOT VALID, not checked and dropped for the orphans it always had."""
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id int PRIMARY KEY, name text)",
        "INSERT INTO parent VALUES (1, 'old')",
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int)",
        "INSERT INTO child VALUES (1, 1), (2, 7)",
        "ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) "
        "REFERENCES parent NOT VALID",
    )
    report = migrate(
        _source(tmp_path / "s.db", [1, 2]), pg_url, config=MigrationConfig(mode="replace")
    )
    assert report.ok, report.tables[0].error
    assert (
        'foreign key child_parent_fk of "public"."child" (again, NOT VALID as it was)'
        in report.tables[0].built
    )
    assert _foreign_keys(pg_url) == [("child", "child_parent_fk", False)]
    with psycopg.connect(pg_url) as con, pytest.raises(psycopg.errors.ForeignKeyViolation):
        con.execute("INSERT INTO child VALUES (3, 99)")


def test_replacing_a_table_a_view_uses_is_refused_before_anything_is_written(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id int PRIMARY KEY, name text)",
        "INSERT INTO parent VALUES (1, 'old')",
        "CREATE VIEW names AS SELECT name FROM parent",
    )
    with pytest.raises(SchemaError, match=r"would drop the views that use it: names"):
        migrate(_source(tmp_path / "s.db", [1, 2]), pg_url, config=MigrationConfig(mode="replace"))
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT name FROM names").fetchall() == [("old",)]
    # --mode truncate keeps the view, which then shows the new rows.
    report = migrate(
        _source(tmp_path / "t.db", [1, 2]), pg_url, config=MigrationConfig(mode="truncate")
    )
    assert report.ok
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT name FROM names ORDER BY 1").fetchall() == [("p1",), ("p2",)]


def test_replacing_a_table_whose_sequence_another_table_draws_from_is_refused(
    tmp_path: Path, pg_url: str
) -> None:
    """The old table's serial sequence goes with it, and with the sequence the default of a
    table outside the run that draws from it."""
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id serial PRIMARY KEY, name text)",
        "INSERT INTO parent (name) VALUES ('old')",
        "CREATE TABLE other (id int PRIMARY KEY DEFAULT nextval('parent_id_seq'))",
    )
    source = _source(tmp_path / "s.db", [1, 2])
    config = MigrationConfig(mode="replace")
    told = r"takes the sequence parent_id_seq .*: default value for column id of table other;"
    with pytest.raises(SchemaError, match=told):
        explain(source, pg_url, config=config)
    with pytest.raises(SchemaError, match=told):
        migrate(source, pg_url, config=config)
    with psycopg.connect(pg_url, autocommit=True) as con:
        assert con.execute("INSERT INTO other DEFAULT VALUES RETURNING id").fetchone() == (2,)
        # Detached, as the hint says, the sequence stays with the table that draws from it.
        con.execute("ALTER SEQUENCE parent_id_seq OWNED BY NONE")
    assert migrate(source, pg_url, config=config).ok
    with psycopg.connect(pg_url) as con:
        assert con.execute("INSERT INTO other DEFAULT VALUES RETURNING id").fetchone() == (3,)


def test_under_keep_backup_another_table_draws_from_the_backups_sequence(
    tmp_path: Path, pg_url: str
) -> None:
    """Renamed with the backup, the sequence stays the one the other table's default names
    (by OID): not refused, but said."""
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id serial PRIMARY KEY, name text)",
        "INSERT INTO parent (name) VALUES ('old')",
        "CREATE TABLE other (id int PRIMARY KEY DEFAULT nextval('parent_id_seq'))",
    )
    report = migrate(
        _source(tmp_path / "s.db", [1, 2]),
        pg_url,
        config=MigrationConfig(mode="replace", keep_backup=True),
    )
    assert report.ok, report.tables[0].error
    said = "the sequence parent_id_seq it owns goes with the backup"
    assert any(said in n for n in report.tables[0].notes)
    with psycopg.connect(pg_url, autocommit=True) as con:
        assert con.execute("INSERT INTO other DEFAULT VALUES RETURNING id").fetchone() == (2,)


@pytest.mark.parametrize("kin", ["partition", "inheritance child"])
def test_a_partitioned_or_inherited_table_with_a_serial_key_is_replaced(
    tmp_path: Path, pg_url: str, kin: str
) -> None:
    """Its partitions and children draw from its sequence too, but are dropped with it: not
    refused for the sequence. A child holds rows of its own, so dropping it is refused for
    that (``test_inheritance_targets``), unless kept with the backup."""
    if kin == "partition":
        made = (
            "CREATE TABLE parent (id serial, k int, PRIMARY KEY (id, k)) PARTITION BY RANGE (k)",
            "CREATE TABLE parent_1 PARTITION OF parent FOR VALUES FROM (0) TO (100)",
        )
    else:
        made = (
            "CREATE TABLE parent (id serial PRIMARY KEY, name text)",
            "CREATE TABLE kid () INHERITS (parent)",
        )
    pg_exec(pg_url, *made)
    config = MigrationConfig(mode="replace")
    source = _source(tmp_path / "s.db", [1, 2])
    if kin == "inheritance child":
        with pytest.raises(SchemaError, match="would drop the tables that inherit from it"):
            explain(source, pg_url, config=config)
        config = MigrationConfig(mode="replace", keep_backup=True)
    explain(source, pg_url, config=config)  # planned, not refused: its partitions go with it
    report = migrate(source, pg_url, config=config)
    assert report.ok, report.tables[0].error
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id FROM parent ORDER BY 1").fetchall() == [(1,), (2,)]


def test_the_new_table_keeps_the_privileges_triggers_comment_and_owner_of_the_old(
    tmp_path: Path, pg_url: str
) -> None:
    # A name that needs quoting, as roles made by hand often do.
    role = f"Reader {uuid.uuid4().hex[:8]}"
    quoted = f'"{role}"'
    auditor = f'"Audit {role[7:]}"'
    pg_exec(pg_url, f"CREATE ROLE {quoted}", f"CREATE ROLE {auditor}")
    try:
        pg_exec(
            pg_url,
            "CREATE TABLE parent (id int PRIMARY KEY, name text)",
            "CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$",
            "CREATE TRIGGER shout BEFORE INSERT ON parent FOR EACH ROW EXECUTE FUNCTION shout()",
            f"GRANT SELECT, UPDATE ON parent TO {quoted} WITH GRANT OPTION",
            "GRANT SELECT ON parent TO PUBLIC",
            f"GRANT INSERT ON parent TO {auditor}",
            "COMMENT ON TABLE parent IS 'who''s who'",
            "ALTER TABLE parent ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE parent OWNER TO {quoted}",
        )
        report = migrate(
            _source(tmp_path / "s.db", [1, 2]), pg_url, config=MigrationConfig(mode="replace")
        )
        assert report.ok, report.tables[0].error
        kept = next(b for b in report.tables[0].built if b.startswith("kept from the replaced"))
        assert "trigger shout" in kept and f"owner {role}" in kept
        with psycopg.connect(pg_url, autocommit=True) as con:
            acl, comment, secured, owner = con.execute(
                "SELECT relacl::text, obj_description(oid, 'pg_class'), relrowsecurity, "
                "pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'parent'"
            ).fetchone()  # type: ignore[misc]
            assert (comment, secured, owner) == ("who's who", True, role)
            assert "=r/" in acl  # PUBLIC may still read it
            may_insert = con.execute(
                "SELECT has_table_privilege(%s, 'parent', 'INSERT')", (auditor.strip('"'),)
            ).fetchone()
            assert may_insert == (True,)
            con.execute("INSERT INTO parent VALUES (3, 'new')")
            assert con.execute("SELECT name FROM parent WHERE id = 3").fetchone() == ("NEW",)
    finally:
        pg_exec(pg_url, f"DROP OWNED BY {quoted}, {auditor}")
        pg_exec(pg_url, f"DROP ROLE {quoted}", f"DROP ROLE {auditor}")


def _catalog(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize("keep_backup", [False, True])
def test_the_new_table_keeps_column_grants_indexes_statistics_and_publications(
    tmp_path: Path, pg_url: str, keep_backup: bool
) -> None:
    """What a DBA set up on the target table, beyond table-level grants, goes to the new one;
    what the new table cannot take (a column it lacks) is named."""
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT, bio TEXT)")
    con.execute("CREATE INDEX parent_name ON parent (name)")
    con.executemany("INSERT INTO parent VALUES (?, ?, ?)", [(i, f"p{i}", "b") for i in (1, 2, 3)])
    con.commit()
    con.close()
    role = f"reader {uuid.uuid4().hex[:8]}"
    pg_exec(pg_url, f'CREATE ROLE "{role}"')
    try:
        pg_exec(
            pg_url,
            "CREATE TABLE parent (id int PRIMARY KEY, name text, bio text, legacy text)",
            f'GRANT SELECT (id, name, legacy), UPDATE (bio) ON parent TO "{role}"',
            "CREATE INDEX parent_bio_lower ON parent (lower(bio))",
            "CREATE INDEX parent_by_name ON parent (name)",  # the source's parent_name is alike
            "CREATE INDEX parent_legacy ON parent (legacy)",
            "CREATE STATISTICS parent_stx (dependencies) ON name, bio FROM parent",
            "ALTER STATISTICS parent_stx SET STATISTICS 300",
            "ALTER TABLE parent ALTER COLUMN bio SET STATISTICS 500",
            "ALTER TABLE parent ALTER COLUMN name SET (n_distinct = 100)",
            "ALTER TABLE parent SET (fillfactor = 70)",
            "ALTER TABLE parent REPLICA IDENTITY FULL",
            "CREATE PUBLICATION parent_pub FOR TABLE parent (id, name) WHERE (id > 1)",
        )
        config = MigrationConfig(mode="replace", keep_backup=keep_backup)
        report = migrate(str(source), pg_url, config=config)
        assert report.ok, report.tables[0].error
        (table,) = report.tables
        kept = next(b for b in table.built if b.startswith("kept from the replaced"))
        for label in (
            f'SELECT (id, name) to "{role}"',
            f'UPDATE (bio) to "{role}"',
            "index parent_bio_lower",
            "statistics parent_stx",
            "statistics target 300 on parent_stx",
            "statistics target 500 on bio",
            "n_distinct=100 on name",
            "storage parameters (fillfactor=70)",
            "replica identity FULL",
            "publication parent_pub",
        ):
            assert label in kept
        assert "parent_by_name" not in kept
        notes = "\n".join(table.notes)
        assert (
            f'SELECT (legacy) to "{role}" of the replaced table not kept: the new table has '
            "no column 'legacy'"
        ) in notes
        assert "index parent_legacy of the replaced table not kept: " in notes
        assert "publication parent_pub: the rows this run loaded went into a new table" in notes

        assert _catalog(
            pg_url,
            "SELECT a.attname, pg_get_userbyid(x.grantee), x.privilege_type FROM pg_attribute a, "
            "aclexplode(a.attacl) x WHERE a.attrelid = 'parent'::regclass ORDER BY a.attnum",
        ) == [("id", role, "SELECT"), ("name", role, "SELECT"), ("bio", role, "UPDATE")]
        assert _catalog(
            pg_url,
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) ~ 'lower' FROM "
            "pg_index WHERE indrelid = 'parent'::regclass AND NOT indisprimary ORDER BY 1",
        ) == [("parent_bio_lower", True), ("parent_name", False)]
        assert _catalog(
            pg_url,
            "SELECT stxname, stxstattarget FROM pg_statistic_ext "
            "WHERE stxrelid = 'parent'::regclass",
        ) == [("parent_stx", 300)]
        assert _catalog(
            pg_url,
            "SELECT attname, attstattarget, 'n_distinct=100' = ANY(attoptions) FROM pg_attribute "
            "WHERE attrelid = 'parent'::regclass AND attname IN ('name', 'bio') ORDER BY attnum",
        ) == [("name", -1, True), ("bio", 500, False)]
        assert _catalog(
            pg_url,
            "SELECT reloptions::text, relreplident::text FROM pg_class WHERE oid = 'parent'::regclass",
        ) == [("{fillfactor=70}", "f")]
        assert _catalog(
            pg_url,
            "SELECT pubname, attnames::text, rowfilter FROM pg_publication_tables "
            "WHERE tablename = 'parent'",
        ) == [("parent_pub", "{id,name}", "(id > 1)")]
    finally:
        pg_exec(pg_url, f'DROP OWNED BY "{role}"', f'DROP ROLE "{role}"')


def test_an_index_of_the_replaced_table_gives_way_to_the_sources_own(
    pg_url: str, second_pg: str
) -> None:
    """PostgreSQL to PostgreSQL, the source's expression indexes are built once every table
    is loaded: one alike under another name is not built twice, and one that would take a
    name of the source's is named, not built."""
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id int PRIMARY KEY, name text, bio text)",
        "CREATE INDEX parent_lower ON parent (lower(name))",
        "INSERT INTO parent VALUES (1, 'a', 'b')",
    )
    pg_exec(
        second_pg,
        "CREATE TABLE parent (id int PRIMARY KEY, name text, bio text)",
        "CREATE INDEX parent_lower ON parent (lower(bio))",  # another, of the same name
        "CREATE INDEX parent_name_lower ON parent (lower(name))",  # the source's, renamed
        "CREATE INDEX parent_upper ON parent (upper(bio))",  # the target's own
    )
    report = migrate(pg_url, second_pg, config=MigrationConfig(mode="replace"))
    assert report.ok, report.tables[0].error
    (table,) = report.tables
    assert "index parent_upper" in " ".join(table.built)
    assert (
        "index parent_lower of the replaced table not kept: the new table has another of that "
        'name (to add it: CREATE INDEX "parent_lower" ON "public"."parent" USING btree (lower(bio)))'
    ) in table.notes
    assert _catalog(
        second_pg,
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) ~ 'lower\\(name' "
        "FROM pg_index WHERE indrelid = 'parent'::regclass AND NOT indisprimary ORDER BY 1",
    ) == [("parent_lower", True), ("parent_upper", False)]


def test_no_keys_builds_none_of_the_replaced_tables_indexes_either(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id int PRIMARY KEY, name text)",
        "CREATE INDEX parent_upper ON parent (upper(name))",
    )
    config = MigrationConfig(mode="replace", keys=False)
    report = migrate(_source(tmp_path / "s.db", [1]), pg_url, config=config)
    assert report.ok, report.tables[0].error
    assert (
        "index parent_upper of the replaced table not kept: keys=False builds none (to add "
        'it: CREATE INDEX "parent_upper" ON "public"."parent" USING btree (upper(name)))'
        in report.tables[0].notes
    )
    assert _catalog(
        pg_url, "SELECT count(*) FROM pg_index WHERE indrelid = 'parent'::regclass"
    ) == [(0,)]


def test_replacing_a_table_with_row_security_policies_is_refused(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id int PRIMARY KEY, name text)",
        "CREATE POLICY mine ON parent USING (name = current_user)",
    )
    with pytest.raises(SchemaError, match=r"would drop its row security policies: mine"):
        migrate(_source(tmp_path / "s.db", [1]), pg_url, config=MigrationConfig(mode="replace"))


def test_replaces_that_keep_backups_leave_the_new_tables_key_names_as_they_were(
    tmp_path: Path, pg_url: str
) -> None:
    source = _source(tmp_path / "s.db", [1, 2])
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent)")
    con.execute("INSERT INTO child VALUES (1, 1)")
    con.commit()
    con.close()
    assert migrate(source, pg_url).ok
    for _ in range(2):
        report = migrate(source, pg_url, config=MigrationConfig(mode="replace", keep_backup=True))
        assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as pc:
        names = pc.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE "
            "conrelid::regclass::text IN ('parent', 'child') ORDER BY 1, 2"
        ).fetchall()
        backups = pc.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid::regclass::text LIKE "
            "'%_arrowmig_backup_%' AND contype = 'f'"
        ).fetchall()
    assert names == [
        ("child", "child_parent_id_fkey"),
        ("child", "child_pkey"),
        ("parent", "parent_pkey"),
    ]
    assert len(backups) == 2 and all("_bak_" in name for (name,) in backups)


def test_a_parent_put_in_place_first_with_a_backup_does_not_lend_its_old_key_to_the_child(
    tmp_path: Path, pg_url: str
) -> None:
    # The larger parent is loaded and put in place first: the old child's key then points at
    # the parent's backup, and must not be carried onto the new child.
    source = _source(tmp_path / "s.db", list(range(1, 3001)))
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent)")
    con.execute("INSERT INTO child VALUES (1, 1)")
    con.commit()
    con.close()
    assert migrate(source, pg_url).ok
    config = MigrationConfig(mode="replace", keep_backup=True, parallel=1)
    report = migrate(source, pg_url, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert [t.name for t in report.tables if t.name in ("parent", "child")] == ["parent", "child"]
    with psycopg.connect(pg_url) as pc:
        keys = pc.execute(
            "SELECT conname, confrelid::regclass::text FROM pg_constraint "
            "WHERE conrelid = 'child'::regclass AND contype = 'f'"
        ).fetchall()
    assert keys == [("child_parent_id_fkey", "parent")]


def test_replacing_one_table_keeps_its_foreign_key_to_a_table_left_in_the_target(
    tmp_path: Path, pg_url: str
) -> None:
    source = _source(tmp_path / "s.db", [1, 2])
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent)")
    con.execute("INSERT INTO child VALUES (1, 1), (2, NULL)")
    con.commit()
    con.close()
    assert migrate(source, pg_url).ok
    report = migrate(source, pg_url, config=MigrationConfig(mode="replace", tables=("child",)))
    assert report.ok, report.tables[0].error
    assert "foreign key (parent_id) -> parent" in report.tables[0].built
    assert _foreign_keys(pg_url) == [("child", "child_parent_id_fkey", True)]
    with psycopg.connect(pg_url) as pc, pytest.raises(psycopg.errors.ForeignKeyViolation):
        pc.execute("INSERT INTO child VALUES (3, 99)")


@pytest.mark.parametrize("keep_backup", [False, True])
def test_replacing_a_partitioned_table_says_its_partitions_go(
    tmp_path: Path, pg_url: str, keep_backup: bool
) -> None:
    # A target made by pg_dump -s keeps the source's partitioning: the new table is one plain
    # table, and the old one's partitions went with it, the plan and report silent.
    source = _source(tmp_path / "s.db", [1, 2])
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id int PRIMARY KEY, name text) PARTITION BY RANGE (id)",
        "CREATE TABLE parent_1 PARTITION OF parent FOR VALUES FROM (0) TO (2)",
        "CREATE TABLE parent_2 PARTITION OF parent FOR VALUES FROM (2) TO (10)",
    )
    fate = "kept with the old table, its backup" if keep_backup else "dropped with the old table"
    said = (
        "partitioning (RANGE (id)) and its partitions parent_1, parent_2 of the replaced table "
        f"not kept: the new table is one plain table, and the partitions are {fate} "
        "(--mode truncate keeps them)"
    )
    config = MigrationConfig(mode="replace", keep_backup=keep_backup)
    (planned,) = explain(source, pg_url, config=config).tables
    assert said in planned.drops
    report = migrate(source, pg_url, config=config)
    assert report.ok and in_python_words(said) in report.tables[0].notes
    with psycopg.connect(pg_url) as con:
        kinds = con.execute(
            "SELECT relname, relkind FROM pg_class WHERE relname LIKE 'parent%' "
            "AND relkind IN ('r', 'p') AND NOT relispartition"
        ).fetchall()
        partitions = con.execute(
            "SELECT count(*) FROM pg_class WHERE relispartition AND relkind = 'r'"
        ).fetchone()
    assert ("parent", "r") in kinds
    assert partitions == ((2,) if keep_backup else (0,))


def test_the_replaced_tables_storage_settings_win_over_the_sources(
    pg_url: str, second_pg: str
) -> None:
    # The source's fillfactor and statistics target were set over the replaced table's once
    # every table was loaded, while the plan and the report said the replaced table's were kept.
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, nm text, other text) "
        "WITH (fillfactor = 70, autovacuum_enabled = false)",
        "ALTER TABLE t ALTER nm SET STATISTICS 777",
        "ALTER TABLE t ALTER other SET STATISTICS 600",
        "INSERT INTO t VALUES (1, 'a', 'b')",
    )
    pg_exec(
        second_pg,
        "CREATE TABLE t (id int PRIMARY KEY, nm text, other text) WITH (fillfactor = 50)",
        "ALTER TABLE t ALTER nm SET STATISTICS 5",
    )
    config = MigrationConfig(mode="replace")
    (planned,) = explain(pg_url, second_pg, config=config).tables
    report = migrate(pg_url, second_pg, config=config)
    assert report.ok, report.tables[0].error
    (table,) = report.tables
    kept = "statistics target 5 on nm, storage parameters (fillfactor=50)"
    assert ", ".join(planned.keeps) == kept
    assert f"kept from the replaced table: {kept}" in table.built
    # What the replaced table does not set is the source's.
    own = [d.label for d in planned.target.pg_definitions]
    assert own == [
        "storage parameters (autovacuum_enabled=false)",
        "statistics target 600 on other",
    ]
    built = "\n".join(table.built)
    assert "fillfactor=70" not in built and "777" not in built
    assert _catalog(
        second_pg, "SELECT reloptions::text FROM pg_class WHERE oid = 't'::regclass"
    ) == [("{fillfactor=50,autovacuum_enabled=false}",)]
    assert _catalog(
        second_pg,
        "SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = 't'::regclass "
        "AND attnum > 1 ORDER BY attnum",
    ) == [("nm", 5), ("other", 600)]


def test_a_partitioned_table_replacing_a_partitioned_one_says_its_partitioning_once(
    pg_url: str, second_pg: str
) -> None:
    # Both lines were said: the source's partitioning as not carried, and the replaced
    # table's with its partitions; one line says the new table is one plain table.
    for url in (pg_url, second_pg):
        pg_exec(
            url,
            "CREATE TABLE orders (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d)",
            "CREATE TABLE orders_2024 PARTITION OF orders "
            "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        )
    pg_exec(
        second_pg,
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
        "CREATE TRIGGER tg BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()",
        "INSERT INTO orders VALUES (1, '2024-05-01')",
    )
    said = (
        "partitioning (RANGE (d)) and its partitions orders_2024 of the replaced table not "
        "kept: the new table is one plain table, and the partitions are dropped with the old "
        "table (--mode truncate keeps them)"
    )
    config = MigrationConfig(mode="replace")
    (planned,) = explain(second_pg, pg_url, config=config).tables
    assert said in planned.drops
    assert "not carried: trigger tg" in planned.notes  # what else is not carried stays
    report = migrate(second_pg, pg_url, config=config)
    assert report.ok
    assert [n for n in report.tables[0].notes if "partitioning" in n] == [in_python_words(said)]
