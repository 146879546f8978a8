"""The DuckDB SQL that generates the sports-betting dataset: one query per table, and the macros
they are written with, bound to a seed and row counts.

``generator`` serves these queries as a source endpoint; nothing here opens a connection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

PLAYERS, MATCHES, BETS, ODDS, STATCAST = (
    "large_players",
    "large_matches",
    "large_bets",
    "large_odds",
    "large_statcast",
)
TABLES = (PLAYERS, MATCHES, BETS, ODDS, STATCAST)
"""Every generated table, parents before children."""

# ---------------------------------------------------------------------------------------------
# What the data looks like. Each row is a pure function of (seed, table, id): every value comes
# from DuckDB's hash() of the id, the seed and a per-column salt, never from random(), so any
# chunking, key range or thread count yields the same rows. A child recomputes what it needs of
# its parent (a bet's match start, status and score) from the parent id with the same macros.
# ---------------------------------------------------------------------------------------------

_SPORTS = ("soccer", "basketball", "baseball", "ice hockey", "american football")
# Match and player ids cycle through ten sport slots, so the ids of baseball players (pitchers)
# and baseball matches can be enumerated without a join: slots 5 and 6 are baseball.
_SLOT_SPORT = (1, 1, 1, 2, 2, 3, 3, 4, 4, 5)
_LEAGUES = (
    ("Premier League", "La Liga", "Serie A", "Bundesliga", "Ligue 1"),
    ("NBA", "EuroLeague"),
    ("MLB",),
    ("NHL", "KHL"),
    ("NFL", "NCAA"),
)
_CITIES = (
    "Boston", "Chicago", "Denver", "Houston", "Madrid", "Milan", "Munich", "Lyon",
    "Seattle", "Toronto", "Dallas", "Atlanta", "Porto", "Leeds", "Turin", "Sevilla",
    "Phoenix", "Detroit", "Oslo", "Prague", "Miami", "Vienna", "Dublin", "Austin",
)  # fmt: skip
_NICKNAMES = (
    ("FC", "United", "City", "Athletic", "Rovers", "Wanderers", "Albion", "Sporting"),
    ("Hawks", "Lakers", "Suns", "Bulls", "Heat", "Nets", "Kings", "Spurs"),
    ("Sox", "Cubs", "Giants", "Pirates", "Mariners", "Rays", "Twins", "Royals"),
    ("Bruins", "Flames", "Wild", "Sharks", "Stars", "Kings", "Jets", "Blues"),
    ("Eagles", "Bears", "Lions", "Rams", "Titans", "Chiefs", "Jets", "Colts"),
)
_POSITIONS = (
    ("GK", "DF", "DF", "DF", "MF", "MF", "MF", "FW", "FW"),
    ("PG", "SG", "SF", "PF", "C"),
    ("C", "1B", "2B", "3B", "SS", "LF", "CF", "RF", "DH"),
    ("G", "D", "D", "LW", "C", "RW"),
    ("QB", "RB", "WR", "WR", "TE", "OL", "OL", "DL", "LB", "CB", "S", "K"),
)
_FIRST = (
    "James", "Luis", "Marco", "Kenji", "Noah", "Liam", "Mateo", "Lucas", "Ethan", "Oliver",
    "Jonas", "Diego", "Andre", "Tomas", "Ivan", "Samuel", "Yuki", "Omar", "Felix", "Hugo",
    "Carlos", "David", "Marcus", "Aaron", "Tyler", "Jalen", "Kevin", "Nikola", "Pedro", "Rafael",
)  # fmt: skip
_LAST = (
    "Smith", "Garcia", "Rossi", "Muller", "Silva", "Johnson", "Martin", "Lopez", "Brown",
    "Tanaka", "Novak", "Jensen", "Kowalski", "Dubois", "Walker", "Moreno", "Fischer", "Costa",
    "Williams", "Nakamura", "Petrov", "Hughes", "Romero", "Bauer", "Santos", "Murphy", "Ortiz",
    "Kim", "Anderson", "Ramos", "Young", "Wright", "Jovic", "Hansen", "Reyes", "Okafor",
)  # fmt: skip
_BOOKMAKERS = ("Bet365", "Pinnacle", "Betfair", "Unibet", "William Hill", "DraftKings",
               "FanDuel", "Betway")  # fmt: skip
# Over/under lines near the median total of each sport's scores, so both sides win about half.
_TOTAL_LINES = (2.5, 212.5, 6.5, 3.5, 43.5)
# Minutes from a match's start to its end, per sport.
_DURATION_MIN = (110, 140, 185, 150, 200)

_MATCH_FIRST_DAY = "2023-01-02"
_MATCH_DAYS = 1095
_SCHEDULED_SHARE = 0.08
"""The last 8% of match ids lie after the dataset's "now": scheduled, no score, bets pending."""
_PLAYER_FIRST_DAY = "2018-01-01"
_PLAYER_DAYS = 1826


def _lit(values: Sequence[Any]) -> str:
    """A DuckDB list literal of constants (strings quoted, numbers as written)."""
    items = []
    for v in values:
        if isinstance(v, str):
            items.append("'" + v.replace("'", "''") + "'")
        elif isinstance(v, tuple):
            items.append(_lit(v))
        else:
            items.append(repr(v))
    return "[" + ", ".join(items) + "]"


def _slot_count(n: int, period: int, first: int, width: int) -> int:
    """How many ids in 1..n have (id - 1) % period in [first, first + width)."""
    full, rest = divmod(n, period)
    return full * width + max(0, min(rest - first, width))


MAX_SEED = 2**63 - 1
"""The largest seed: the seed salts DuckDB's hash() as a BIGINT (seeds run from 0)."""


def macros(seed: int, counts: Mapping[str, int]) -> list[str]:
    """The SQL macros every table's query is written with, bound to one seed and row counts."""
    n_players = max(counts[PLAYERS], 1)
    n_matches = max(counts[MATCHES], 1)
    n_past = max(1, n_matches - int(n_matches * _SCHEDULED_SHARE))
    pitchers = _slot_count(counts[PLAYERS], 20, 5, 2)
    past_baseball = _slot_count(n_past, 10, 5, 2)
    # Pitchers are baseball players (slots 5, 6) whose id // 10 is even: (id - 1) % 20 in {5, 6}.
    if pitchers:
        pitcher = f"(20 * (_k(i, s, {pitchers}) // 2) + 6 + _k(i, s, {pitchers}) % 2)"
    else:
        pitcher = f"(1 + _k(i, s, {n_players}))"
    if past_baseball:
        ball_match = f"(10 * (_k(i, s, {past_baseball}) // 2) + 6 + _k(i, s, {past_baseball}) % 2)"
    else:
        ball_match = f"(1 + _k(i, s, {n_past}))"
    sport = f"{_lit(_SLOT_SPORT)}[1 + ((m - 1) % 10)::BIGINT]"
    return [
        # A uniform 64-bit hash of (id, seed, salt), a uniform double in [0, 1), a choice in
        # [0, n), and a standard normal by Box-Muller over two independent uniforms.
        # DuckDB combines the hashes of several arguments with a cheap mix, so two salts of one
        # id give related bits; hashing the combination again makes them independent.
        f"CREATE MACRO _h(i, s) AS hash(hash(i, {seed}::UBIGINT, s))",
        "CREATE MACRO _u(i, s) AS (_h(i, s) >> 11)::DOUBLE / 9007199254740992.0",
        "CREATE MACRO _k(i, s, n) AS (_h(i, s) % n)::BIGINT",
        "CREATE MACRO _n(i, s) AS sqrt(-2.0 * ln(1.0 - _u(i, s || '#1')))"
        " * cos(2.0 * pi() * _u(i, s || '#2'))",
        "CREATE MACRO _pick(i, s, xs) AS xs[1 + _k(i, s, len(xs))]",
        f"CREATE MACRO _pitcher(i, s) AS {pitcher}",
        f"CREATE MACRO _ball_match(i, s) AS {ball_match}",
        # What a child needs of a match, recomputed from the match id m (see _with_match).
        f"CREATE MACRO _m_sport(m) AS {sport}",
        f"CREATE MACRO _m_start(m) AS (epoch_us(DATE '{_MATCH_FIRST_DAY}')"
        f" + ((m - 1) * {_MATCH_DAYS} // {n_matches}) * 86400000000"
        " + (43200 + 900 * _k(m, 'm.tod', 41)) * 1000000)",
        f"CREATE MACRO _m_status(m) AS CASE WHEN m > {n_past} THEN 'scheduled'"
        " WHEN _u(m, 'm.status') < 0.015 THEN 'cancelled'"
        " WHEN _u(m, 'm.status') < 0.035 THEN 'postponed' ELSE 'finished' END",
    ]


def _ts(us_expr: str) -> str:
    return f"make_timestamp(({us_expr})::BIGINT)"


def _with_match(inner: str, m: str) -> str:
    """``inner`` plus, for the match whose id is column ``m``, the columns m_sport, m_start,
    m_status, m_phome / m_pdraw / m_paway (true chances), m_outcome, m_home and m_away (scores).

    Layered subqueries compute each value once per row; DuckDB would repeat a nested macro's
    expansion wherever it is used.
    """
    lead_scale = _lit((1.0, 9.0, 2.5, 1.3, 8.0))
    return f"""
SELECT *,
  CASE WHEN m_status <> 'finished' THEN NULL
       WHEN m_outcome = 'home' THEN m_low + m_lead ELSE m_low END AS m_home,
  CASE WHEN m_status <> 'finished' THEN NULL
       WHEN m_outcome = 'away' THEN m_low + m_lead ELSE m_low END AS m_away
FROM (
  SELECT *,
    -- The winner's lead over the loser (a draw has none).
    CASE WHEN m_outcome = 'draw' THEN 0
         ELSE 1 + floor(-ln(1.0 - _u({m}, 'm.lead')) * {lead_scale}[m_sport]) END::BIGINT
      AS m_lead
  FROM (
    SELECT *,
      CASE WHEN _u({m}, 'm.out') < m_phome THEN 'home'
           WHEN _u({m}, 'm.out') < m_phome + m_pdraw THEN 'draw' ELSE 'away' END AS m_outcome,
      1.0 - m_phome - m_pdraw AS m_paway
    FROM (
      SELECT *, (1.0 - m_pdraw) / (1.0 + exp(-m_gap)) AS m_phome
      FROM (
        SELECT *,
          -- Draws only in soccer, likelier between close teams.
          CASE WHEN m_sport = 1 THEN 0.30 * exp(-m_gap * m_gap / 2.0) ELSE 0.0 END AS m_pdraw,
          -- The loser's score, per sport.
          CASE m_sport
            WHEN 1 THEN floor(-ln(1.0 - _u({m}, 'm.low')) * 1.3)
            WHEN 2 THEN greatest(60, round(102 + 11 * _n({m}, 'm.low')))
            WHEN 3 THEN floor(-ln(1.0 - _u({m}, 'm.low')) * 2.8)
            WHEN 4 THEN floor(-ln(1.0 - _u({m}, 'm.low')) * 1.8)
            ELSE greatest(0, round(18 + 7 * _n({m}, 'm.low'))) END::BIGINT AS m_low
        FROM (
          SELECT *, _m_sport({m}) AS m_sport, _m_start({m}) AS m_start,
            _m_status({m}) AS m_status,
            -- Home advantage plus a normal gap in strength.
            0.25 + 0.9 * _n({m}, 'm.gap') AS m_gap
          FROM ({inner})
        )
      )
    )
  )
)"""


def _player_sql(n: int) -> str:
    span_us = _PLAYER_DAYS * 86_400_000_000
    sport = f"{_lit(_SLOT_SPORT)}[1 + ((id - 1) % 10)::BIGINT]"
    # Ids follow sign-up order: player i joined about i/n of the way through five years.
    created = _ts(
        # HUGEINT: (id - 1) * span_us overflows BIGINT beyond ~58,000 players (xlarge has more).
        f"epoch_us(DATE '{_PLAYER_FIRST_DAY}')"
        f" + ((id - 1)::HUGEINT * {span_us} // {max(n, 1)})::BIGINT"
        f" + _k(id, 'p.created', {span_us // max(n, 1) + 1})"
    )
    return f"""
SELECT id,
  _pick(id, 'p.first', {_lit(_FIRST)}) || ' ' || _pick(id, 'p.last', {_lit(_LAST)}) AS name,
  CASE WHEN NOT active AND _u(id, 'p.fa') < 0.5 THEN NULL
       ELSE {_lit(_CITIES)}[1 + _k(id, 'p.city', {len(_CITIES)})] || ' '
         || {_lit(_NICKNAMES)}[sport][1 + _k(id, 'p.city', {len(_CITIES)}) % 8] END AS team,
  CASE WHEN sport = 3 AND (id - 1) % 20 IN (5, 6) THEN 'P'
       ELSE {_lit(_POSITIONS)}[sport][1 + _k(id, 'p.pos', len({_lit(_POSITIONS)}[sport]))]
       END AS position,
  CASE WHEN _u(id, 'p.birth.null') < 0.02 THEN NULL
       ELSE DATE '1978-01-01' + _k(id, 'p.birth', 10950)::INTEGER END AS birth_date,
  height_cm,
  CASE WHEN height_cm IS NULL OR _u(id, 'p.weight.null') < 0.02 THEN NULL
       ELSE round((height_cm - 100.0) * 0.95 + 7.0 * _n(id, 'p.weight'), 1) END AS weight_kg,
  active,
  CASE WHEN _u(id, 'p.rating.null') < 0.03 THEN NULL
       ELSE round(least(99.0, greatest(35.0, 68.0 + 9.0 * _n(id, 'p.rating'))), 1) END AS rating,
  {created} AS created_at
FROM (
  SELECT id, {sport} AS sport, _u(id, 'p.active') < 0.85 AS active,
    CASE WHEN _u(id, 'p.height.null') < 0.04 THEN NULL
         ELSE round(CASE WHEN {sport} = 2 THEN 199.0 ELSE 183.0 END
                    + 7.5 * _n(id, 'p.height'), 1) END AS height_cm
  FROM (SELECT range AS id FROM range({{lo}}, {{hi}}))
)"""


def _match_sql() -> str:
    ids = f"""
  SELECT id, _k(id, 'm.home', {len(_CITIES)}) AS home,
    (_k(id, 'm.home', {len(_CITIES)}) + 1 + _k(id, 'm.away', {len(_CITIES) - 1}))
      % {len(_CITIES)} AS away
  FROM (SELECT range AS id FROM range({{lo}}, {{hi}}))"""
    return f"""
SELECT id,
  {_lit(_SPORTS)}[m_sport] AS sport,
  _pick(id, 'm.league', {_lit(_LEAGUES)}[m_sport]) AS league,
  {_lit(_CITIES)}[1 + home] || ' ' || {_lit(_NICKNAMES)}[m_sport][1 + home % 8] AS home_team,
  {_lit(_CITIES)}[1 + away] || ' ' || {_lit(_NICKNAMES)}[m_sport][1 + away % 8] AS away_team,
  {_ts("m_start")} AS start_time,
  CASE WHEN _u(id, 'm.venue.null') < 0.02 THEN NULL
       ELSE {_lit(_CITIES)}[1 + home] || ' '
         || _pick(id, 'm.venue', ['Stadium', 'Arena', 'Park', 'Field', 'Center']) END AS venue,
  m_status AS status,
  m_home AS home_score,
  m_away AS away_score
FROM ({_with_match(ids, "id")})"""


def _bet_sql(n_players: int, n_matches: int) -> str:
    line = f"{_lit(_TOTAL_LINES)}[m_sport]"
    duration_us = f"{_lit(_DURATION_MIN)}[m_sport]::BIGINT * 60000000"
    # Settled minutes to hours after the match ends (or after an in-play bet was placed).
    settled = _ts(
        f"greatest(placed_us, m_start + {duration_us})"
        " + 60000000 * (2 + floor(-ln(1.0 - _u(id, 'b.settle')) * 45))::BIGINT"
    )
    ids = f"""
  SELECT id,
    1 + floor({n_players} * pow(_u(id, 'b.player'), 1.7))::BIGINT AS player_id,
    1 + _k(id, 'b.match', {n_matches}) AS match_id,
    CASE WHEN _u(id, 'b.market') < 0.7 THEN 'match_winner' ELSE 'over_under' END AS market,
    -- Stakes are log-normal (median ~10), a third of them round amounts.
    CASE WHEN _u(id, 'b.round') < 0.35
         THEN greatest(1, round(exp(2.3 + 1.2 * _n(id, 'b.stake'))))
         ELSE least(25000, greatest(0.5, round(exp(2.3 + 1.2 * _n(id, 'b.stake')), 2)))
         END::DECIMAL(12, 2) AS stake,
    _u(id, 'b.sel') AS u_sel
  FROM (SELECT range AS id FROM range({{lo}}, {{hi}}))"""
    return f"""
SELECT id, player_id, match_id, market, selection, stake, odds, status,
  {_ts("placed_us")} AS placed_at,
  CASE WHEN status = 'pending' THEN NULL
       ELSE {settled} END AS settled_at,
  CASE status WHEN 'pending' THEN NULL WHEN 'lost' THEN 0.00::DECIMAL(12, 2)
       WHEN 'void' THEN stake
       ELSE round(stake::DOUBLE * odds, 2)::DECIMAL(12, 2) END AS payout
FROM (
  SELECT *,
    CASE WHEN m_status = 'scheduled' THEN 'pending'
         WHEN m_status <> 'finished' OR _u(id, 'b.void') < 0.01 THEN 'void'
         WHEN market = 'match_winner' AND selection = m_outcome THEN 'won'
         WHEN market = 'over_under'
              AND (selection LIKE 'over%') = (m_home + m_away > {line}) THEN 'won'
         ELSE 'lost' END AS status,
    -- Bookmakers price the true chance with a 4-8% margin; the odds never reach 1.0.
    greatest(1.01, round(1.0 / (p * (1.04 + 0.04 * _u(id, 'b.margin'))), 2)) AS odds,
    CASE WHEN _u(id, 'b.live') < 0.12
         THEN m_start + _k(id, 'b.live.at', 100 * 60) * 1000000
         ELSE m_start - least(21 * 86400, floor(-ln(1.0 - _u(id, 'b.early'))
              * 30 * 3600))::BIGINT * 1000000 END AS placed_us
  FROM (
    SELECT *,
      CASE WHEN market = 'over_under' THEN 0.47 + 0.06 * _u(id, 'b.p')
           WHEN selection = 'home' THEN m_phome
           WHEN selection = 'draw' THEN m_pdraw
           ELSE m_paway END AS p
    FROM (
      SELECT *,
        CASE WHEN market = 'over_under'
             THEN CASE WHEN u_sel < 0.55 THEN 'over ' ELSE 'under ' END || {line}::VARCHAR
             -- Punters lean towards the likelier result.
             WHEN u_sel < m_phome THEN 'home'
             WHEN u_sel < m_phome + m_pdraw THEN 'draw'
             ELSE 'away' END AS selection
      FROM ({_with_match(ids, "match_id")})
    )
  )
)"""


def _odds_sql(n_matches: int) -> str:
    margin = "(1.03 + 0.05 * _u(id, 'o.margin'))"
    sd = f"(0.02 + 0.012 * ((id - 1) // {n_matches}))"

    def price(p: str, salt: str) -> str:
        return f"greatest(1.01, round(exp({sd} * _n(id, '{salt}')) / ({p} * {margin}), 2))"

    # The k-th price of a match (k = (id - 1) // matches) is captured k to k+1 half-days ahead.
    captured = _ts(
        f"m_start - ((id - 1) // {n_matches}) * 43200000000"
        " - _k(id, 'o.at', 43200) * 1000000 - 60000000"
    )
    ids = f"""
  SELECT id, 1 + (id - 1) % {n_matches} AS match_id
  FROM (SELECT range AS id FROM range({{lo}}, {{hi}}))"""
    return f"""
SELECT id, match_id,
  _pick(id, 'o.book', {_lit(_BOOKMAKERS)}) AS bookmaker,
  CASE WHEN m_sport = 1 THEN '1x2' ELSE 'moneyline' END AS market,
  {price("m_phome", "o.home")} AS home_odds,
  CASE WHEN m_sport = 1 THEN {price("m_pdraw", "o.draw")} END AS draw_odds,
  {price("m_paway", "o.away")} AS away_odds,
  {captured} AS captured_at
FROM ({_with_match(ids, "match_id")})"""


def _statcast_sql() -> str:
    pitch = (
        "CASE WHEN u < 0.34 THEN 'FF' WHEN u < 0.49 THEN 'SI' WHEN u < 0.67 THEN 'SL'"
        " WHEN u < 0.79 THEN 'CH' WHEN u < 0.88 THEN 'CU' WHEN u < 0.96 THEN 'FC' ELSE 'KC' END"
    )
    description = (
        "CASE WHEN d < 0.35 THEN 'ball' WHEN d < 0.51 THEN 'called_strike'"
        " WHEN d < 0.62 THEN 'swinging_strike' WHEN d < 0.80 THEN 'foul'"
        " WHEN d < 0.98 THEN 'hit_into_play' WHEN d < 0.99 THEN 'blocked_ball'"
        " ELSE 'hit_by_pitch' END"
    )
    # "+ 0.0" turns a -0.0 left by round() into 0.0: not every target keeps the sign of zero.
    return f"""
SELECT id, player_id, match_id,
  CASE WHEN _u(id, 's.type.null') < 0.01 THEN NULL ELSE {pitch.replace("u <", "pu <")} END
    AS pitch_type,
  CASE WHEN lost THEN NULL ELSE round(92.0 + 5.0 * _n(id, 's.speed'), 1) END AS release_speed,
  CASE WHEN lost OR _u(id, 's.spin.null') < 0.02 THEN NULL
       ELSE round(greatest(800.0, 2300.0 + 250.0 * _n(id, 's.spin'))) END AS spin_rate,
  CASE WHEN lost THEN NULL ELSE round(0.85 * _n(id, 's.px'), 3) + 0.0 END AS plate_x,
  CASE WHEN lost THEN NULL ELSE round(2.45 + 0.9 * _n(id, 's.pz'), 3) + 0.0 END AS plate_z,
  CASE WHEN contact THEN round(least(121.0, greatest(10.0, 88.0 + 14.0 * _n(id, 's.ls'))), 1)
       END AS launch_speed,
  CASE WHEN contact THEN round(12.0 + 25.0 * _n(id, 's.la'), 1) + 0.0 END AS launch_angle,
  {description.replace("d <", "dd <")} AS description,
  {_ts("_m_start(match_id) + _k(id, 's.at', 10800000000)")} AS recorded_at
FROM (
  SELECT *, dd >= 0.62 AND dd < 0.98 AS contact
  FROM (
    SELECT id, _pitcher(id, 's.pitcher') AS player_id, _ball_match(id, 's.match') AS match_id,
      _u(id, 's.type') AS pu, _u(id, 's.desc') AS dd, _u(id, 's.lost') < 0.01 AS lost
    FROM (SELECT range AS id FROM range({{lo}}, {{hi}}))
  )
)"""


def table_sql(name: str, counts: Mapping[str, int]) -> str:
    """The query generating rows ``[{lo}, {hi})`` of ``name`` (fill both with ``str.format``)
    for the row ``counts`` given to ``macros``; its columns are not yet cast to their types."""
    n = counts[name]
    return {
        PLAYERS: lambda: _player_sql(n),
        MATCHES: _match_sql,
        BETS: lambda: _bet_sql(max(counts[PLAYERS], 1), max(counts[MATCHES], 1)),
        ODDS: lambda: _odds_sql(max(counts[MATCHES], 1)),
        STATCAST: _statcast_sql,
    }[name]()
