"""Which columns' binary COPY form one PostgreSQL database can hand to another as it is: the
undecoded copy between two servers (``direct_copy``) takes only those."""

from __future__ import annotations

OID_ALIASES = (
    "regclass", "regtype", "regproc", "regprocedure", "regoper", "regoperator",
    "regconfig", "regdictionary", "regnamespace", "regrole", "regcollation",
)  # fmt: skip
"""The OID alias types: a value's binary form is the number of the object it names, which is
this database's own (a table restored elsewhere has another), so it would name another object
there, or none ('app.orders' arriving as '69584'); as text the target looks the name up."""

UNDECODABLE_COLUMNS_SQL = """
SELECT a.attname
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type b ON b.oid = CASE t.typtype WHEN 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typlen = -1
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
  AND (b.typsend = 0 OR b.typreceive = 0 OR b.typtype = 'd'
       OR e.typsend = 0 OR e.typreceive = 0 OR e.typtype = 'd'
       OR (b.typnamespace = 'pg_catalog'::regnamespace AND b.typname IN ({names}))
       OR (e.typnamespace = 'pg_catalog'::regnamespace AND e.typname IN ({names}))
       OR EXISTS (SELECT FROM pg_attribute f WHERE f.attrelid IN (b.typrelid, e.typrelid)
                  AND f.attnum > 0 AND NOT f.attisdropped AND f.atttypid >= 16384))
""".replace("{names}", ", ".join(f"'{n}'" for n in OID_ALIASES))
"""The columns of a table whose type (a domain's: the type it is built on), or its element
type, has no binary form (isn's isbn13, seg: ``typsend`` 0), is an OID alias (``regclass``), or is a composite with a field of
a type the database defines: a composite's binary form names each field's type by its number,
which the other database's differs from for such a type (one below FirstNormalObjectId, 16384,
is built in, the same on every server; an array's element type is not checked, seen here).
``typlen = -1`` tells an array from a fixed-length type with an element type of its own
(``point``). A domain over a domain is left out too, unexamined."""
