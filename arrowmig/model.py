"""The table model every module shares: columns with the Arrow type their batches carry,
keys and indexes, and the key ranges that split a table into streams. No database code here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    """One column as it travels: its name, what the source declared, and its Arrow type."""

    name: str
    arrow_type: pa.DataType
    """The exact type of this column in every batch read from the source."""
    source_type: str = ""
    """The type as the source declared it (SQLite declared type, PostgreSQL format_type)."""
    nullable: bool = True
    target_type: str | None = None
    """A target type the user or the type plan forces (``--cast``); None lets schema.py choose."""
    observed: tuple[str, ...] = ()
    """Storage classes seen in the data (SQLite profiling), e.g. ``("integer", "real")``."""
    class_counts: tuple[int, int, int, int] | None = None
    """How many INTEGER, REAL, TEXT and BLOB values a profile scan counted (SQLite); None
    where the column was not scanned. Verify between two SQLite files compares them."""
    notes: tuple[str, ...] = ()
    """Why the column's type differs from what was declared (widening, conversions)."""
    default: ColumnDefault | None = None
    """The source's DEFAULT clause; copied only when portable (see defaults.py)."""
    auto_increment: bool = False
    """The source assigns this key itself (SQLite INTEGER PRIMARY KEY, serial, identity)."""
    key_high_water: int | None = None
    """With ``auto_increment``: the last key the source has handed out, deleted rows'
    included (SQLite's ``sqlite_sequence`` for an AUTOINCREMENT table, a PostgreSQL or DuckDB
    key sequence's last value): the largest, or the smallest for a sequence that counts down.
    A target's key sequence restarts past it as well as past the loaded keys, so a deleted
    row's key is not handed out again."""
    key_sequence_unused: bool = False
    """With ``key_high_water``: the source's sequence has handed out no key yet (never
    called), and ``key_high_water`` is one step before the first it would hand out."""
    key_numbering: KeyNumbering | None = None
    """With ``auto_increment``: how the source's key sequence steps, where it is not the
    default (up by 1 from 1, no cycle); None for the default and for SQLite's rowid."""
    shared_sequence: str | None = None
    """With ``auto_increment``, from a PostgreSQL source: the sequence of the table's schema
    that the key draws from without owning it (``DEFAULT nextval('ticket_no')``, a number
    several tables share). A PostgreSQL target keeps drawing from that sequence (its
    ``sequence_default`` definition), moved past every key the run loads; other targets give
    the key a numbering of its own."""
    sequence_alone: bool = False
    """With ``shared_sequence``: no other table's default draws from it in the source (a
    standalone sequence), which the plan does not call shared."""
    key_sequence: str | None = None
    """With ``auto_increment``, from a PostgreSQL source: the name of the sequence the key
    owns where it is not PostgreSQL's own ``<table>_<column>_seq`` (one renamed, an
    identity's ``SEQUENCE NAME``), as applications call it (``nextval('legacy_ticket_no')``):
    a PostgreSQL target names its identity's sequence so, in the target schema, and a DuckDB
    target its key's sequence, where no other relation holds the name."""
    identity_always: bool = False
    """A PostgreSQL ``GENERATED ALWAYS`` identity: PostgreSQL targets create it ALWAYS again
    (an insert must then ask to give its own key). COPY still loads the source's keys."""
    duckdb_type: str | None = None
    """A DuckDB type read from a DuckDB source as its exact text (HUGEINT, BIT, TIMETZ, ...):
    a DuckDB target creates the column as this type again, converting the text back as it
    inserts (other targets keep their own mapping)."""
    pg_type: str | None = None
    """A PostgreSQL built-in type with no Arrow twin (tsvector, ranges, geometric types, bit,
    ...), read from a PostgreSQL source as its exact text form: a PostgreSQL target creates the
    column as this type again and the server parses the text back (other targets keep text)."""
    sqlite_type: str | None = None
    """A SQLite source's declared type, exactly as declared (``DECIMAL(5,2)``, ``DATETIME``,
    or none): a SQLite target declares the column so again, and gives it the same affinity, so
    that a value keeps its storage class and its text (other targets keep their own mapping).
    The generator sets it for its money columns (``generator._SQLITE_MONEY``)."""
    collation: str | None = None
    """A SQLite source's collating sequence other than BINARY (NOCASE, RTRIM): kept by SQLite
    targets, NOCASE by DuckDB, named in the plan where it is not kept."""
    pg_collation: str | None = None
    """A PostgreSQL source column's collation other than its type's default, as SQL
    (``pg_catalog."en-x-icu"``, ``pg_catalog."C"``): a PostgreSQL target that has it creates
    the column with it; the plan names it where it is not kept."""
    comment: str | None = None
    """The source's COMMENT ON COLUMN (PostgreSQL, DuckDB): set again on those targets."""
    pg_binary: bool = False
    """With ``pg_type``: the values travel in binary as they are (varchar(30), char(3),
    timestamp(3): the type only adds a limit the source's values already meet)."""
    pg_domain: tuple[str, str] | None = None
    """A PostgreSQL source's domain over a built-in type: its name and its definition (``AS
    integer NOT NULL DEFAULT 0 CONSTRAINT c CHECK (...)``). A PostgreSQL target creates it
    where it is missing and the column as that domain (``pg_type``, set by the plan); the
    values travel as the base type, and other targets get the base type."""
    pg_enum: tuple[str, tuple[str, ...]] | None = None
    """A PostgreSQL source's enum: its type name and labels in order. A PostgreSQL target
    creates the type where it is missing and the column as that type (``pg_type``, set by the
    plan, which knows the target schema); other targets keep text."""
    pg_type_schema: str | None = None
    """The schema of ``pg_enum``'s or ``pg_domain``'s type: in a source table, the source's;
    in a plan's target table, the target's, where the type is looked for and created (as the
    table's own, or, for a type of another schema, that schema of the same name)."""
    source_name: str | None = None
    """In a plan's target table, the source column's name where the target names it otherwise
    (``--target-names lower``: ``Z_PK`` for ``z_pk``); the rows read under it are renamed."""
    proof: str | None = None
    """Set when the type was presumed from the declared type instead of profiled: what the
    read must prove of every value (``sqlite_profile``, "presumed ... proven while reading").
    A value that fails it raises ``TypeSurprise``, and the table is profiled and loaded again."""
    julian_range: bool = False
    """Every number of a SQLite date/time column is in the julian-day range of the years 1 to
    9999 (a profile counted them): the --cast an append suggests for it is ``julian``, as the
    create plan's note says, not an epoch cast."""
    whole_reals_as_integers: bool = False
    """Verify, of a SQLite column read as text compared with integers: each whole REAL read
    as its integer's text (``6.0`` as ``'6'``), so that it equals the integer as a real does in
    a column of numbers, where a TEXT ``'6.0'`` does not."""
    union_tagged: bool = False
    """Verify, of a DuckDB column holding a UNION compared with another such column: read as
    its JSON (``{"num":5}``), which names each value's member and tells NULL from a member
    that is NULL; its text (``5``) says neither, and migrate's read (NULL for both) neither."""
    nested_text: bool = False
    """In a plan's target table (appended into an existing text, json or jsonb column): the
    source's LIST, STRUCT or MAP values, travelling as the JSON text a created column gets.
    A jsonb column stores their doubles' ``-0.0`` as ``0`` all the same (``lost_zeros``)."""
    money_digits: int | None = None
    """Of an existing PostgreSQL money column (and a plan's target column appended into one):
    the fraction digits of the server's ``lc_monetary`` (2 in the C locale), past which money's
    input rounds an amount ('1.005' became $1.01): screening names such an amount."""


@dataclass(frozen=True)
class KeyNumbering:
    """How a key sequence steps where it is not PostgreSQL's and DuckDB's default (up by 1
    from 1 to its type's largest value, no cycle): ``INCREMENT BY -1``, ``INCREMENT BY 10``,
    ``MAXVALUE 999 CYCLE``. The bounds are None where they are the default for the
    direction, so that they stay the defaults of another integer type."""

    increment: int
    minimum: int | None = None
    """None: 1 counting up, the type's least value counting down."""
    maximum: int | None = None
    """None: the type's largest value counting up, -1 counting down."""
    cycle: bool = False
    """Past its last value the sequence starts again at its first (CYCLE)."""

    @property
    def descending(self) -> bool:
        return self.increment < 0


@dataclass(frozen=True)
class ColumnDefault:
    """A column default: the SQL text as the source wrote it, and what it means portably."""

    sql: str
    kind: str
    """null, number, string, boolean, now (an instant), now_utc and today_utc (SQLite's UTC
    wall clock), now_local and today (the session's clock), random_uuid, sequence, or
    expression."""
    value: str | None = None
    """The literal for number, string and boolean kinds (strings unquoted)."""


@dataclass(frozen=True)
class Index:
    """A secondary index (or unique constraint) built after the data is in."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    include: tuple[str, ...] = ()
    """PostgreSQL's INCLUDE columns (they cover queries, they do not make rows unique): kept
    on PostgreSQL targets, left out elsewhere."""
    descending: tuple[str, ...] = ()
    """The key columns sorted DESC (``ON t (a DESC, b)``): kept on PostgreSQL and SQLite
    targets; DuckDB's ART indexes have no order, and take them ascending."""
    constraint: bool = False
    """A PostgreSQL source's UNIQUE constraint, not only a unique index: PostgreSQL targets
    add it as a constraint again (``ON CONFLICT ON CONSTRAINT`` names it)."""
    nulls_not_distinct: bool = False
    """PostgreSQL's (15+) ``NULLS NOT DISTINCT``: two keys alike but for NULLs collide. Kept
    on PostgreSQL targets; elsewhere the index is a plain unique one (NULLs distinct, so it
    refuses fewer rows, never one the source took), and the plan names the loss."""
    postgres_keys: str | None = None
    """The key columns as PostgreSQL defines them, where a column has an operator class
    (``name text_pattern_ops``), a collation or a NULLS order other than its default: kept on
    PostgreSQL targets; elsewhere the index is built on the plain columns, and the plan says
    so."""
    collations: tuple[tuple[str, str], ...] = ()
    """A SQLite source's key columns that the index compares under another built-in collation
    than the column's own (``ON u (email COLLATE BINARY)`` on a ``NOCASE`` column), each with
    that collation: kept on SQLite targets, where the column's own would make a unique index
    refuse rows the source holds ('Bob', 'bob'); elsewhere the index is built on the plain
    columns, and the plan says so."""
    timing: str = ""
    """A PostgreSQL source's UNIQUE constraint's ``DEFERRABLE INITIALLY IMMEDIATE`` or
    ``DEFERRABLE INITIALLY DEFERRED`` (``FOREIGN_KEY_TIMINGS``; "" for not deferrable):
    PostgreSQL targets add it so again; elsewhere it is checked at each statement, and the
    plan says so."""
    invented: bool = False
    """The name is arrowmig's (``<table>_<columns>_key`` for a UNIQUE column of a SQLite or
    DuckDB source, which names none): the one that gives way, numbered, when it meets another
    name of the run (``index_names``)."""


FOREIGN_KEY_ACTIONS = ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT")
FOREIGN_KEY_TIMINGS = ("", "DEFERRABLE INITIALLY IMMEDIATE", "DEFERRABLE INITIALLY DEFERRED")
"""What a foreign key does when its parent row is deleted or its key updated: SQL's own words,
the same in SQLite and PostgreSQL."""


def timing_label(timing: str) -> str:
    """How the plan and report name a key's timing after its label ("" when not deferrable)."""
    if not timing:
        return ""
    return ", " + ("deferred" if timing.endswith("DEFERRED") else "deferrable")


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: added after every table of a run is loaded (PostgreSQL), or declared
    when its table is created (SQLite)."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    timing: str = ""
    """"" (checked at each statement, not deferrable), ``DEFERRABLE INITIALLY IMMEDIATE`` or
    ``DEFERRABLE INITIALLY DEFERRED`` (checked at commit: Django declares its keys so)."""
    name: str | None = field(default=None, compare=False)
    """The constraint's own name (Rails' ``fk_rails_…``), when the source gave it one; the
    target names it so. Not part of what makes two keys the same."""
    ref_schema: str | None = None
    """The referenced table's schema when it is not the table's own (a run of several
    schemas adds such keys once every schema is in: ``schemas.py``)."""
    valid: bool = field(default=True, compare=False)
    """False: NOT VALID in a PostgreSQL source, so its rows there were never checked against
    it (new ones are): a PostgreSQL target adds it NOT VALID too, and does not check it. Not
    part of what makes two keys the same."""

    @property
    def label(self) -> str:
        """How the plan and the report name it."""
        actions = "".join(
            f" on {event} {action.lower()}"
            for event, action in (("delete", self.on_delete), ("update", self.on_update))
            if action != "NO ACTION"
        )
        actions += timing_label(self.timing)
        if not self.valid:
            actions += ", NOT VALID"
        ref = f"{self.ref_schema}.{self.ref_table}" if self.ref_schema else self.ref_table
        return f"foreign key ({', '.join(self.columns)}) -> {ref}{actions}"


@dataclass(frozen=True)
class PgDefinition:
    """A CHECK or EXCLUDE constraint, or an index only PostgreSQL can build (partial, on an expression,
    GIN, ...), as a PostgreSQL source defines it: a PostgreSQL target builds it again after
    loading; others name it as not carried (``label``)."""

    kind: str
    """constraint (CHECK, EXCLUDE), index, default (a column's, when an expression), sequence
    (one no column owns, that a default draws from), sequence_default (``sql`` names it),
    row_security (``sql``: ENABLE or FORCE ROW LEVEL SECURITY), policy (``sql``: its
    CREATE POLICY from AS on) or grant (``sql``: its privileges, with columns where granted
    on some only; one on a sequence has that sequence's ``name``) or storage (``sql``: an
    ALTER TABLE action, SET (fillfactor=70) or a column's SET STATISTICS)."""
    name: str
    sql: str
    """A constraint's ``pg_get_constraintdef``; an index's ``pg_get_indexdef`` from its
    ``USING`` on (method, columns or expressions, INCLUDE, WHERE)."""
    label: str
    """How the plan and report name it where it is not carried."""
    unique: bool = False
    value: int | None = None
    """A sequence's last value in the source (None: none taken yet)."""
    roles: tuple[str, ...] = ()
    """The roles a policy applies to or a grant is to, other than PUBLIC: a target lacking
    one cannot take it."""
    grant_option: bool = False
    """A grant's WITH GRANT OPTION."""
    column: str | None = None
    """A grant on the key sequence this column owns (serial, identity): given on the sequence
    the target's column owns, whatever its name there. A grant with a ``name`` and no
    ``column`` is on that sequence of the target schema (one a default draws from)."""

    @property
    def built_label(self) -> str:
        """How the plan and report name it where it is built."""
        if self.kind == "index":
            return f"{'unique ' if self.unique else ''}index {self.name}"
        if self.kind == "policy":
            return f"policy {self.name}"  # its label holds its whole statement
        return self.label


@dataclass(frozen=True)
class Table:
    """A table of a source (or the shape to create in a target)."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    primary_key_timing: str = ""
    """A PostgreSQL source's DEFERRABLE primary key, as ``Index.timing``: an application that
    shifts its keys (``SET pos = pos + 1``) relies on it."""
    primary_key_name: str = ""
    """A PostgreSQL source's primary key constraint name, when not the one PostgreSQL gives
    (``<table>_pkey``): a PostgreSQL target keeps it, which ``ON CONFLICT ON CONSTRAINT`` and
    ``ALTER TABLE ... DROP CONSTRAINT`` name."""
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    not_carried: tuple[str, ...] = ()
    """What of the source table no target gets, each named with why: indexes on expressions,
    partial indexes, CHECK constraints, triggers."""
    comment: str | None = None
    """The source's COMMENT ON TABLE (PostgreSQL, DuckDB): set again on those targets."""
    pg_definitions: tuple[PgDefinition, ...] = ()
    """Those of ``not_carried`` that a PostgreSQL target builds again (from a PostgreSQL
    source)."""
    row_count: int | None = None
    """Exact or estimated number of rows, when cheap to know."""
    split_key: str | None = None
    """An integer column (or SQLite ``rowid``) that orders rows and splits the table into ranges."""
    own_rows_only: bool = False
    """A PostgreSQL table other tables inherit from: it is read ``FROM ONLY`` itself, since a
    plain read would return its children's rows too, and each child is a table of its own."""
    sqlite_options: tuple[str, ...] = ()
    """A SQLite source table's ``STRICT`` and ``WITHOUT ROWID``: a SQLite target that declares
    its columns as the source does (``sqlite_type``) creates it so again. STRICT is what keeps
    an ``ANY`` column's texts as texts ('0012' is not 12)."""
    unlogged: bool = False
    """A PostgreSQL source's ``UNLOGGED`` table (no WAL: fast, emptied by a crash): a
    PostgreSQL target creates it, and loads it, unlogged again; other targets have no such
    tables, and the plan names it."""
    takes_any_value: bool = False
    """An existing SQLite table that is not STRICT: each column takes a value of any type (its
    declared type is only an affinity), so rows appended keep the types they arrive in."""

    @property
    def arrow_schema(self) -> pa.Schema:
        """The schema of every batch read from this table."""
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=True) for c in self.columns])

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        # Looked up per column of every batch: a scan of 901 columns for each of 901 made a
        # third of a wide table's run (README, --no-analyze).
        return {c.name: c for c in self.columns}


ROWID_NAMES = ("rowid", "_rowid_", "oid")
"""The names SQLite answers with a rowid table's row id (when no column takes them)."""


@dataclass(frozen=True)
class KeyRange:
    """Rows whose split key lies in ``(after, upto]``; ``None`` leaves that end open."""

    after: Any = None
    upto: Any = None

    def describe(self) -> str:
        low = "-inf" if self.after is None else repr(self.after)
        high = "+inf" if self.upto is None else repr(self.upto)
        return f"({low}, {high}]"


NOT_KEPT = " of the replaced table not kept: "
"""What follows the label of an item of the replaced table that the new one did not get
(``<label> of the replaced table not kept: <why>``), in the plan's drops and the report's notes."""
NOT_ADDED_AGAIN = ") not added again: "
"""What follows the label of another table's key into the replaced table that the new one did
not get (``foreign key <name> of <table> (pointing here) not added again: <why>``)."""

KEPT_FROM_REPLACED = "kept from the replaced table: "
"""How the one entry of ``TableLoad.built`` that lists what ``--mode replace`` gave the new
table from the old one begins (told apart from what the run built of the source's own)."""


@dataclass
class TableLoad:
    """What a target reports back after finishing a table (keys and indexes built)."""

    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    keys_not_built: list[str] = field(default_factory=list)
    """Primary keys and unique constraints the target refused (duplicates, NULLs), each
    with why and what to do: the rows are in, the key is not, and the table has failed."""
    unkept_keys: dict[str, str] = field(default_factory=dict)
    """Auto-assigned keys the plan said were kept that the target could not number after
    all, by column, with why: the report says so in place of the plan's note."""
    used_up_keys: set[str] = field(default_factory=set)
    """Auto-assigned keys whose sequence (or AUTOINCREMENT counter) the loaded keys left with
    no value to hand out: the report says so in place of the plan's "past the largest"."""
    keys_dropped_with_it: list[tuple[str, str, str, int]] = field(default_factory=list)
    """The foreign keys of the run's other tables into the table this one replaced, dropped
    with it (child table qualified, constraint, definition, the child's OID): a child whose
    own replace then fails keeps its old table, which gets them back (``kept_keys``)."""
