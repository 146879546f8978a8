"""The text the server writes for a PostgreSQL column cast to text (``--cast T.C=text``) whose
values Arrow may not hold: intervals past 2,562,047 hours, timestamps past 294247 AD.

Each is read in the form arrowmig's writers give any value of its type cast to text
(``schema.interval_text``, ``schema.timestamp_text``), so a column reads the same whether
its values would have fitted Arrow or not.
"""

from __future__ import annotations

INTERVAL_AS_TEXT_SQL = (
    "CASE WHEN {c} IS NOT NULL THEN format('%s mons %s days %s secs', "
    "(extract(year FROM {c})::numeric * 12 + extract(month FROM {c})::numeric)::bigint, "
    "extract(day FROM {c})::bigint, regexp_replace(rtrim((extract(hour FROM {c})::numeric * 3600 "
    "+ extract(minute FROM {c})::numeric * 60 + extract(second FROM {c})::numeric)"
    "::numeric(30,6)::text, '0'), '\\.$', '.0')) END"
)
"""An interval as the text arrowmig writes for one cast to text (``schema.interval_text``:
'14 mons 3 days 14706.5 secs'), made by the server: read so, an interval past Arrow's
nanoseconds arrives too."""

_TIMESTAMP_AS_TEXT_SQL = (
    "CASE WHEN NOT isfinite({v}) THEN {v}::text "
    "ELSE CASE WHEN extract(year FROM {v}) > 0 THEN to_char({v}, 'YYYY') "
    # Astronomical years, as arrowmig writes them: 1 BC is 0000, 44 BC is -0043.
    "WHEN extract(year FROM {v}) = -1 THEN '0000' "
    "ELSE '-' || lpad((-1 - extract(year FROM {v}))::int::text, 4, '0') END "
    "|| to_char({v}, '-MM-DD HH24:MI:SS') "
    "|| CASE WHEN to_char({v}, 'US') = '000000' THEN '' ELSE '.' || to_char({v}, 'US') END"
    "{zone} END"
)


def timestamp_as_text_sql(c: str, declared: str) -> str:
    """A timestamp (``declared`` its type) as the text arrowmig writes for one cast to text
    ('2024-01-02 03:04:05.5', '+00:00' after an instant, 'infinity'), made by the server:
    read so, one past Arrow's 294247 AD arrives too."""
    if "tz" in declared or "with time zone" in declared:
        return _TIMESTAMP_AS_TEXT_SQL.format(v=f"({c} AT TIME ZONE 'UTC')", zone=" || '+00:00'")
    return _TIMESTAMP_AS_TEXT_SQL.format(v=c, zone="")
