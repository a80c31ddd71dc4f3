"""Duplicate detection: the near-match rules (voting/matching.py) over N declared identities, against the
exact grouping they replace (one dict keyed by normalised name, birth date and commune), in the same run.

Prints milliseconds for both and their ratio. Run: .venv/bin/python benchmarks/duplicates.py [N]
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from budgetcitoyen.voting.matching import PersonRecord, find_matches, group_matches

FIRST = ["Camille", "Lucie", "Paul", "Jean", "Marie", "Louis", "Emma", "Hugo", "Léa", "Nathan", "Chloé",
         "Théo", "Manon", "Lucas", "Inès", "Jules", "Sarah", "Arthur", "Zoé", "Noah"]
LAST = ["Martin", "Lefebvre", "Dubois", "Leroy", "Dupont", "Lefèvre-Dupont", "Delattre", "Caron",
        "Duhamel", "Lemaire", "Vasseur", "Delannoy", "Quennehen", "Bacquet", "Vandewalle", "Gaspard",
        "Deprez", "Wallart"]
COMMUNES = [f"62{n:03d}" for n in range(1, 891)]  # the département's 890 communes, roughly


def population(count: int, rng: random.Random) -> list[PersonRecord]:
    """Mostly distinct people, 2 % of them registered twice with one slip (case, a day, a letter)."""
    people = []
    for i in range(count):
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(70 * 365))
        people.append(PersonRecord(i, rng.choice(FIRST), rng.choice(LAST), born, rng.choice(COMMUNES)))
    for i in range(count // 50):
        p = rng.choice(people)
        slip = rng.randrange(3)
        born = p.birth_date + timedelta(days=1) if slip == 1 else p.birth_date
        last = p.last_name.upper() if slip == 0 else p.last_name + ("e" if slip == 2 else "")
        people.append(PersonRecord(count + i, p.first_name, last, born, p.commune_code))
    return people


def exact(records: list[PersonRecord]) -> list[list[object]]:
    groups: dict[tuple[str, str, date, str], list[object]] = defaultdict(list)
    for r in records:
        groups[(r.first, r.last, r.birth_date, r.commune_code)].append(r.ref)
    return [g for g in groups.values() if len(g) > 1]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    # The same people twice: each side computes its own normalised names (cached per record).
    records, fresh = population(count, random.Random(12)), population(count, random.Random(12))
    started = time.perf_counter()
    baseline = exact(fresh)
    base_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    groups = group_matches(records, find_matches(records))
    near_ms = (time.perf_counter() - started) * 1000
    print(f"{len(records)} identities")
    print(f"exact grouping (baseline): {base_ms:8.1f} ms, {len(baseline)} groups")
    print(f"near-match rules         : {near_ms:8.1f} ms, {len(groups)} groups "
          f"({sum(g.certain for g in groups)} certain)")
    print(f"ratio near/exact         : {near_ms / base_ms:8.1f}")


if __name__ == "__main__":
    main()
