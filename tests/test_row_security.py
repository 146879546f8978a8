"""Row-level security of a PostgreSQL source: a PostgreSQL copy keeps ENABLE, FORCE and the
policies (an application role sees its tenant's rows only, as in the source); other targets,
and a PostgreSQL target lacking a policy's role, name each policy with its statement."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

import arrowmig
from arrowmig.cli import main
from tests.dbutil import as_role, pg_exec
from tests.private_pg import private_cluster

_POLICIES = (
    "SELECT policyname, permissive, roles::text[], cmd, qual, with_check FROM pg_policies "
    "WHERE tablename = 'docs' ORDER BY 1"
)
_SECURITY = "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'docs'::regclass"


@pytest.fixture
def app_role(pg_url: str) -> Iterator[str]:
    role = f"arrowmig_app_{uuid.uuid4().hex[:8]}"
    pg_exec(pg_url, f"CREATE ROLE {role} LOGIN")
    yield role
    pg_exec(pg_url, f"DROP ROLE {role}")


def _tenant_docs(url: str, role: str) -> None:
    pg_exec(
        url,
        "CREATE TABLE docs (id int PRIMARY KEY, tenant text NOT NULL, body text)",
        "INSERT INTO docs VALUES (1, 'acme', 'secret of acme'), (2, 'globex', 'secret of globex')",
        "ALTER TABLE docs ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE docs FORCE ROW LEVEL SECURITY",
        "CREATE POLICY tenant_isolation ON docs USING (tenant = current_setting('app.tenant', true))",
        f"CREATE POLICY no_globex ON docs AS RESTRICTIVE FOR INSERT TO {role} "
        "WITH CHECK (tenant <> 'globex')",
        f"GRANT INSERT ON docs TO {role}",
        f"GRANT SELECT ON docs TO {role} WITH GRANT OPTION",
        f"GRANT UPDATE (body) ON docs TO {role}",
        "GRANT SELECT ON docs TO PUBLIC",
    )


_GRANTS = (
    "SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END AS who, "
    "x.privilege_type, x.is_grantable, NULL AS attname FROM pg_class c, aclexplode(c.relacl) x "
    "WHERE c.oid = 'docs'::regclass AND x.grantee <> c.relowner UNION ALL "
    "SELECT pg_get_userbyid(x.grantee), x.privilege_type, x.is_grantable, a.attname::text "
    "FROM pg_attribute a, aclexplode(a.attacl) x WHERE a.attrelid = 'docs'::regclass "
    "ORDER BY 1, 2, 4"
)


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def _seen_by(url: str, role: str) -> list[tuple[object, ...]]:
    with psycopg.connect(as_role(url, role)) as conn:
        conn.execute("SET app.tenant = 'acme'")
        return conn.execute("SELECT id, tenant FROM docs ORDER BY id").fetchall()


@pytest.mark.postgres
@pytest.mark.parametrize("keys", [True, False], ids=["keys", "no-keys"])
def test_a_postgres_copy_keeps_row_level_security_and_its_policies(
    pg_url: str, second_pg: str, app_role: str, keys: bool
) -> None:
    # The copy had no row-level security and no policy, without a word: the application
    # role saw every tenant's rows. --no-keys builds no index, but the policies still.
    _tenant_docs(pg_url, app_role)
    try:
        config = arrowmig.MigrationConfig(keys=keys)
        report = arrowmig.migrate(pg_url, second_pg, config=config)
        assert report.ok, [t.error for t in report.tables]
        assert _rows(second_pg, _SECURITY) == [(True, True)]
        assert _rows(second_pg, _POLICIES) == _rows(pg_url, _POLICIES)
        # The grants came along too: the application role sees its tenant's rows, as in
        # the source, without a GRANT by hand.
        assert _rows(second_pg, _GRANTS) == _rows(pg_url, _GRANTS)
        assert _seen_by(second_pg, app_role) == _seen_by(pg_url, app_role) == [(1, "acme")]
        built = report.tables[0].built
        assert {"row-level security", "policy no_globex", "policy tenant_isolation"} <= set(built)
        assert f"grant UPDATE (body) to {app_role}" in built
        # Replacing the copy drops its policies, which the source makes again: not refused
        # as policies lost.
        replaced = arrowmig.migrate(pg_url, second_pg, config=replace(config, mode="replace"))
        assert replaced.ok, [t.error for t in replaced.tables]
        assert _rows(second_pg, _POLICIES) == _rows(pg_url, _POLICIES)
        assert _rows(second_pg, _GRANTS) == _rows(pg_url, _GRANTS)
    finally:
        for url in (pg_url, second_pg):
            pg_exec(url, "DROP TABLE IF EXISTS docs")


@pytest.mark.postgres
@pytest.mark.parametrize("suffix", [".db", ".duckdb"])
def test_other_targets_name_each_policy_with_its_statement(
    pg_url: str, app_role: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    _tenant_docs(pg_url, app_role)
    try:
        target = str(tmp_path / f"out{suffix}")
        assert main(["plan", pg_url, target, "--json"]) == 0
        notes = json.loads(capsys.readouterr().out)["tables"][0]["notes"]
        said = " ".join(notes)
        assert "not carried: row-level security, row-level security forced on the owner" in said
        assert (
            'policy tenant_isolation (CREATE POLICY "tenant_isolation" ON "docs" AS PERMISSIVE '
            "FOR ALL TO PUBLIC USING ((tenant = current_setting('app.tenant'::text, true))))"
        ) in said
        assert f'FOR INSERT TO "{app_role}" WITH CHECK' in said
        assert f"grant SELECT to PUBLIC, grant INSERT to {app_role}, grant SELECT to" in said
        report = arrowmig.migrate(pg_url, target)
        assert report.ok and "policy tenant_isolation (CREATE POLICY" in " ".join(
            report.tables[0].notes
        )
    finally:
        pg_exec(pg_url, "DROP TABLE docs")


@pytest.mark.postgres
def test_a_policy_whose_role_the_target_lacks_is_named_and_the_rest_kept(
    pg_url: str, app_role: str
) -> None:
    # Roles belong to a server: another one may lack the role a policy names.
    _tenant_docs(pg_url, app_role)
    try:
        with private_cluster("fsync=off") as other:
            report = arrowmig.migrate(pg_url, other.url)
            assert report.ok, [t.error for t in report.tables]
            notes = " ".join(report.tables[0].notes)
            assert (
                f"policy no_globex not carried: the target has no role '{app_role}'; create it, "
                f'then CREATE POLICY "no_globex" ON "docs" AS RESTRICTIVE FOR INSERT TO '
                f"\"{app_role}\" WITH CHECK ((tenant <> 'globex'::text))"
            ) in notes
            assert (
                f"grant SELECT to {app_role} with grant option not carried: the target has no "
                f'role \'{app_role}\'; create it, then GRANT SELECT ON "docs" TO "{app_role}" WITH '
                "GRANT OPTION"
            ) in notes
            assert _rows(other.url, _SECURITY) == [(True, True)]
            assert [r[0] for r in _rows(other.url, _POLICIES)] == ["tenant_isolation"]
            assert _rows(other.url, _GRANTS) == [("PUBLIC", "SELECT", False, None)]
    finally:
        pg_exec(pg_url, "DROP TABLE docs")


@pytest.mark.postgres
def test_a_created_schema_grants_usage_to_the_roles_its_tables_are_granted_to(
    pg_url: str, second_pg: str, app_role: str
) -> None:
    # "permission denied for schema sales": SELECT carried, USAGE on the new schema not.
    pg_exec(
        pg_url,
        'CREATE SCHEMA "Sales"',
        'CREATE TABLE "Sales".orders (id int PRIMARY KEY, note text)',
        "INSERT INTO \"Sales\".orders VALUES (1, 'a')",
        f'GRANT USAGE ON SCHEMA "Sales" TO {app_role}',
        f'GRANT SELECT ON "Sales".orders TO {app_role}',
    )
    try:
        config = arrowmig.MigrationConfig(source_schema="Sales", target_schema="sales")
        report = arrowmig.migrate(pg_url, second_pg, config=config)
        assert report.ok, report.to_dict()
        with psycopg.connect(as_role(second_pg, app_role)) as conn:
            assert conn.execute("SELECT id, note FROM sales.orders").fetchall() == [(1, "a")]
        # A schema that is there keeps its grants; the report names the USAGE the role lacks.
        pg_exec(second_pg, "CREATE SCHEMA kept")
        config = arrowmig.MigrationConfig(source_schema="Sales", target_schema="kept")
        said = json.dumps(arrowmig.migrate(pg_url, second_pg, config=config).to_dict())
        assert "without USAGE on target schema 'kept'" in said
        assert f'GRANT USAGE ON SCHEMA \\"kept\\" TO \\"{app_role}\\"' in said
        assert _rows(
            second_pg, "SELECT has_schema_privilege('" + app_role + "', 'kept', 'USAGE')"
        ) == [(False,)]
    finally:
        for url in (pg_url, second_pg):
            pg_exec(url, f"DROP OWNED BY {app_role}")


@pytest.mark.postgres
def test_notes_of_a_lower_cased_copy_name_the_targets_names_and_the_option(
    pg_url: str, second_pg: str, app_role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # "(as --target-schema says; --target-schema names another)" with no --target-schema
    # given, and "grant SELECT ("Id", "Note")" where the target's columns are id and note.
    pg_exec(
        pg_url,
        'CREATE SCHEMA "Sales"',
        'CREATE TABLE "Sales"."Orders" ("Id" int PRIMARY KEY, "Note" text)',
        f'GRANT SELECT ("Id", "Note") ON "Sales"."Orders" TO {app_role}',
    )
    try:
        args = [pg_url, second_pg, "--source-schema", "*", "--target-names", "lower"]
        assert main(["migrate", *args, "--progress", "none"]) == 0
        out, err = capsys.readouterr()
        said = out + err
        assert (
            "tables of source schema 'Sales' are written into target schema 'sales' "
            "(--target-names lower)" in said
        )
        assert "--target-schema" not in said
        assert f'grant SELECT ("id", "note") to {app_role}' in said
        assert '"Id"' not in said
    finally:
        for url in (pg_url, second_pg):
            pg_exec(url, f"DROP OWNED BY {app_role}")


@pytest.mark.postgres
def test_the_grants_on_the_sequences_a_table_draws_from_go_with_its_own(
    pg_url: str, second_pg: str, app_role: str, tmp_path: Path
) -> None:
    # "permission denied for sequence invoice_no": INSERT on the table carried, USAGE on the
    # sequence its default draws from not; nor the grants on a serial's own sequence.
    pg_exec(
        pg_url,
        "CREATE SEQUENCE invoice_no START 5000",
        "CREATE TABLE invoice (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
        "no bigint DEFAULT nextval('invoice_no'), v text)",
        "CREATE TABLE tickets (id serial PRIMARY KEY, v text)",
        "ALTER SEQUENCE tickets_id_seq RENAME TO legacy_ticket_no",
        "INSERT INTO invoice (v) VALUES ('a')",
        "INSERT INTO tickets (v) VALUES ('a')",
        f"GRANT SELECT, INSERT ON invoice, tickets TO {app_role}",
        f"GRANT USAGE ON SEQUENCE invoice_no TO {app_role}",
        f"GRANT SELECT, USAGE ON SEQUENCE legacy_ticket_no TO {app_role} WITH GRANT OPTION",
    )
    try:
        report = arrowmig.migrate(pg_url, second_pg)
        assert report.ok, report.to_dict()
        built = {t.name: t.built for t in report.tables}
        assert f"grant USAGE on sequence invoice_no to {app_role}" in built["invoice"]
        assert (
            f"grant SELECT, USAGE on sequence legacy_ticket_no to {app_role} with grant option"
            in built["tickets"]
        )
        with psycopg.connect(as_role(second_pg, app_role)) as conn:
            inserted = conn.execute("INSERT INTO invoice (v) VALUES ('b') RETURNING no")
            assert inserted.fetchall() == [(5001,)]
            assert conn.execute("SELECT nextval('legacy_ticket_no')").fetchall() == [(2,)]
        assert _rows(
            second_pg,
            f"SELECT has_sequence_privilege('{app_role}', 'legacy_ticket_no', "
            "'USAGE WITH GRANT OPTION')",
        ) == [(True,)]
        said = json.dumps(arrowmig.migrate(pg_url, str(tmp_path / "t.duckdb")).to_dict())
        assert f"grant USAGE on sequence invoice_no to {app_role}" in said
    finally:
        for url in (pg_url, second_pg):
            pg_exec(url, f"DROP OWNED BY {app_role}")


@pytest.mark.postgres
def test_a_key_drawing_from_a_sequence_of_another_schema_is_said_to_number_apart(
    pg_url: str, second_pg: str, app_role: str
) -> None:
    # Two tables drawing from one sequence of another schema, which the run does not make:
    # each key numbers on its own (both hand out 1003), and the plan says so, with the grant
    # on that sequence, as SQLite and DuckDB targets say of a shared one.
    pg_exec(
        pg_url,
        'CREATE SCHEMA "Seqs"',
        'CREATE SEQUENCE "Seqs"."Shared Seq" START 1000',
        'CREATE TABLE sh1 (id bigint PRIMARY KEY DEFAULT nextval(\'"Seqs"."Shared Seq"\'))',
        'CREATE TABLE sh2 (id bigint PRIMARY KEY DEFAULT nextval(\'"Seqs"."Shared Seq"\'))',
        "INSERT INTO sh1 DEFAULT VALUES",
        "INSERT INTO sh2 DEFAULT VALUES",
        f'GRANT USAGE ON SEQUENCE "Seqs"."Shared Seq" TO {app_role}',
    )
    try:
        report = arrowmig.migrate(pg_url, second_pg)
        assert report.ok, report.to_dict()
        for table in ("sh1", "sh2"):
            notes = "\n".join(next(t for t in report.tables if t.name == table).notes)
            assert (
                'id: its default nextval(\'"Seqs"."Shared Seq"\'::regclass) is not carried '
                "(the sequence is in another schema"
            ) in notes
            assert "the key numbers on its own, apart from any table that shares" in notes
            assert (
                f'not carried: grant USAGE on sequence "Seqs"."Shared Seq" to {app_role}' in notes
            )
    finally:
        pg_exec(pg_url, f"DROP OWNED BY {app_role}")
