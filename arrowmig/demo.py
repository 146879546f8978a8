"""``make demo``: build a small sample SQLite database, migrate it into DuckDB, show the summary.

Needs no server. The sample has the awkward values real SQLite files hold (mixed storage
classes, NULL-only prefixes, unicode names) so the summary shows what arrowmig does with them.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from pathlib import Path

from arrowmig.cli import main as cli_main

DEMO_DIR = Path("demo")
ROWS = 200_000


def build_sample(path: Path, rows: int = ROWS) -> None:
    """A small sports-betting shaped SQLite file, built with the standard library only."""
    path.unlink(missing_ok=True)
    rng = random.Random(42)
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE players (id INTEGER PRIMARY KEY, name TEXT NOT NULL, team TEXT, rating REAL);
        CREATE TABLE bets (
            id INTEGER PRIMARY KEY, player_id INTEGER REFERENCES players(id), stake DECIMAL(10,2),
            odds REAL, status VARCHAR(8), placed_at DATETIME, "settled at" DATETIME, note);
        CREATE INDEX bets_player ON bets(player_id);
        """
    )
    teams = ["Ajax", "Bayern München", "Olympique Lyonnais", "Ñublense", "FC København"]
    con.executemany(
        "INSERT INTO players VALUES (?, ?, ?, ?)",
        [(i, f"player {i}", rng.choice(teams), round(rng.gauss(70, 8), 2)) for i in range(1, 2001)],
    )
    statuses = ["pending", "won", "lost", "void"]
    bets = []
    for i in range(1, rows + 1):
        status = rng.choice(statuses)
        placed = f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)} 1{rng.randint(0, 9)}:00:00"
        note = None if i < rows // 2 else (rng.randint(1, 9) if i % 3 else "late text")
        bets.append(
            (
                i,
                rng.randint(1, 2000),
                round(rng.lognormvariate(2.5, 1.0), 2),
                round(1 + rng.random() * 9, 2),
                status,
                placed,
                None if status == "pending" else placed,
                note,
            )
        )
    con.executemany("INSERT INTO bets VALUES (?, ?, ?, ?, ?, ?, ?, ?)", bets)
    con.commit()
    con.close()


def main() -> int:
    DEMO_DIR.mkdir(exist_ok=True)
    source = DEMO_DIR / "bets.db"
    target = DEMO_DIR / "warehouse.duckdb"
    print(f"building {source} ({ROWS:,} bets, 2,000 players) ...", file=sys.stderr)
    build_sample(source)
    print(
        f"arrowmig migrate {source} {target} --mode replace --progress plain --verify",
        file=sys.stderr,
    )
    return cli_main(
        [
            "migrate",
            str(source),
            str(target),
            "--mode",
            "replace",
            "--progress",
            "plain",
            "--verify",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
