"""One put in place at a time among a run's tables linked by foreign keys, so that the run's
workers neither deadlock with one another nor read a table another of them is dropping.

Replacing a table drops the old one (or renames it aside) with the keys of other tables into
it, and reads what the old one had first: two linked tables put in place at once lock each
other (the key between them), in opposite orders, and PostgreSQL breaks the cycle by failing
one; or one reads the constraints of a table the other has just dropped. Tables linked by no
key still go in place side by side.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping


class LinkedSwaps:
    """A lock for each group of tables linked by foreign keys, directly or through others
    (a chain, a cycle), among the tables a run puts in place; none for a table linked to none."""

    def __init__(self, links: Mapping[str, Iterable[str]]) -> None:
        """``links``: each table of the run and the tables of the run its keys point at."""
        group = {name: name for name in links}

        def root(name: str) -> str:
            while group[name] != name:
                name = group[name]
            return name

        for name, parents in links.items():
            for parent in parents:
                if parent in group and parent != name:
                    group[root(parent)] = root(name)
        roots = {name: root(name) for name in links}
        linked = {r for r, tables in Counter(roots.values()).items() if tables > 1}
        locks = {r: threading.Lock() for r in linked}
        self._locks = {name: locks[r] for name, r in roots.items() if r in linked}

    def lock_for(self, name: str) -> threading.Lock | None:
        """The lock table ``name`` is put in place under; None if it is linked to no other."""
        return self._locks.get(name)
