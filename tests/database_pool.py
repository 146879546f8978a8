"""Throw-away PostgreSQL databases, emptied and handed on rather than dropped.

Making a database and dropping it costs the server 1.5 s or more (DROP DATABASE waits for a
checkpoint), and most tests need one. A test's database is instead emptied when it ends
(every schema dropped, ``public`` made again as a new database has it), renamed, so that
nothing still holding its old name can reach the next test's, and kept for the next test of
the same process: about 20 ms. It is handed on only when it then looks exactly like a new
database (its settings, rights, owner, extensions and every object that outlives a schema,
compared with a new one's); a test that changed anything else gets it dropped, as before.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

# What a test may change that dropping the schemas does not undo: each part must read the
# same in an emptied database as in a new one.
_LOOK = """
SELECT d.datdba, d.datacl::text, d.datconnlimit, d.datallowconn, d.datistemplate,
       (SELECT count(*) FROM pg_db_role_setting WHERE setdatabase = d.oid),
       (SELECT count(*) FROM pg_shdepend WHERE dbid = d.oid),
       (SELECT array_agg(nspname::text ORDER BY nspname) FROM pg_namespace
         WHERE nspname !~ '^pg_(toast_)?temp_'),
       (SELECT nspowner FROM pg_namespace WHERE nspname = 'public'),
       (SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'),
       obj_description('public'::regnamespace, 'pg_namespace'),
       (SELECT array_agg(extname::text ORDER BY extname) FROM pg_extension),
       (SELECT count(*) FROM pg_class WHERE oid >= 16384),
       (SELECT count(*) FROM pg_type WHERE oid >= 16384),
       (SELECT count(*) FROM pg_proc WHERE oid >= 16384),
       (SELECT count(*) FROM pg_event_trigger),
       (SELECT count(*) FROM pg_default_acl),
       (SELECT count(*) FROM pg_publication),
       (SELECT count(*) FROM pg_foreign_data_wrapper),
       (SELECT count(*) FROM pg_foreign_server),
       (SELECT count(*) FROM pg_largeobject_metadata),
       (SELECT count(*) FROM pg_cast WHERE oid >= 16384),
       (SELECT count(*) FROM pg_language WHERE oid >= 16384),
       (SELECT count(*) FROM pg_collation WHERE oid >= 16384),
       (SELECT count(*) FROM pg_conversion WHERE oid >= 16384),
       (SELECT count(*) FROM pg_ts_config WHERE oid >= 16384),
       (SELECT count(*) FROM pg_operator WHERE oid >= 16384),
       (SELECT count(*) FROM pg_am WHERE oid >= 16384),
       -- rights on the system's own objects (a test revokes pg_control_system from public)
       (SELECT md5(string_agg(oid::text || proacl::text, ',' ORDER BY oid)) FROM pg_proc
         WHERE proacl IS NOT NULL),
       (SELECT md5(string_agg(oid::text || relacl::text, ',' ORDER BY oid)) FROM pg_class
         WHERE relacl IS NOT NULL),
       (SELECT md5(string_agg(attrelid::text || attnum::text || attacl::text, ','
                              ORDER BY attrelid, attnum)) FROM pg_attribute
         WHERE attacl IS NOT NULL),
       (SELECT md5(string_agg(oid::text || coalesce(nspacl::text, ''), ',' ORDER BY oid))
          FROM pg_namespace WHERE oid < 16384 AND nspname <> 'public'),
       (SELECT md5(string_agg(oid::text || coalesce(lanacl::text, ''), ',' ORDER BY oid))
          FROM pg_language),
       (SELECT count(*) FROM pg_type WHERE typacl IS NOT NULL)
FROM pg_database d WHERE d.datname = current_database()
"""

_EMPTY = """
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
             AND nspname !~ '^pg_(toast_)?temp_'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $$;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';
"""


class DatabasePool:
    """Databases of one test process; ``url_of(name)`` is a database's URL."""

    def __init__(self, admin: Callable[[], Any], url_of: Callable[[str], str]) -> None:
        self._admin = admin
        self._url_of = url_of
        self._free: list[str] = []
        self._new_look: tuple[Any, ...] | None = None

    def take(self) -> str:
        """An empty database's name: a kept one, else a new one."""
        if self._free:
            return self._free.pop()
        name = _fresh_name()
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        if self._new_look is None:
            self._new_look = self._look(name)
        return name

    def give_back(self, name: str) -> None:
        """Empty the database and keep it under a new name; drop it where that fails."""
        renamed = [name]  # the name it has now, whatever step failed
        try:
            kept = self._emptied(renamed)
        except psycopg.Error:
            kept = False
        if kept:
            self._free.append(renamed[-1])
        else:
            self._drop(renamed[-1])

    def close(self) -> None:
        while self._free:
            self._drop(self._free.pop())

    def _emptied(self, names: list[str]) -> bool:
        """Whether the database ``names[-1]`` is empty now, as a new one; ``names`` gets its
        new name once it is renamed."""
        name, renamed = names[-1], _fresh_name()
        with self._admin() as admin:
            for _ in range(50):  # sessions the test left behind take a moment to end
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
                try:
                    admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{renamed}"')
                    names.append(renamed)
                    break
                except psycopg.errors.ObjectInUse:
                    time.sleep(0.1)
            else:
                return False
        with psycopg.connect(self._url_of(renamed), autocommit=True) as con:
            con.execute("SET lock_timeout = '5s'")
            con.execute(_EMPTY)
        return self._look(renamed) == self._new_look

    def _look(self, name: str) -> tuple[Any, ...]:
        with psycopg.connect(self._url_of(name), autocommit=True) as con:
            row = con.execute(_LOOK).fetchone()
        assert row is not None
        return tuple(row)

    def _drop(self, name: str) -> None:
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_name() -> str:
    return f"arrowmig_test_{uuid.uuid4().hex[:12]}"
