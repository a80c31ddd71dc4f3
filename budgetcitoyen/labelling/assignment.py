"""Pure assignment of dossiers to committee members: k each, never to a member with an interest, loads
balanced."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def assign(
    dossiers: Sequence[int],
    members: Sequence[int],
    conflicts: Iterable[tuple[int, int]],
    k: int,
    existing: Mapping[int, Iterable[int]] | None = None,
) -> dict[int, set[int]]:
    """Dossier -> members, keeping valid existing assignments and filling each dossier up to k.

    Each dossier gets min(k, number of eligible members) members. Loads are then evened out: no
    member carries two more dossiers than another unless no dossier of the busier one could be
    handed over (the other is conflicted on it or already on it, or the admin placed it by hand).
    """
    conflicted = set(conflicts)
    member_set = set(members)
    result: dict[int, set[int]] = {
        d: {m for m in (existing or {}).get(d, ()) if m in member_set and (d, m) not in conflicted}
        for d in dossiers
    }
    fixed = {(d, m) for d, chosen in result.items() for m in chosen}  # kept as the admin set them
    load = dict.fromkeys(members, 0)
    for chosen in result.values():
        for m in chosen:
            load[m] += 1

    def eligible(dossier: int) -> list[int]:
        return [m for m in members if (dossier, m) not in conflicted and m not in result[dossier]]

    # Most constrained dossiers first, so they are not left with only busy members.
    for dossier in sorted(dossiers, key=lambda d: (len(eligible(d)), d)):
        while len(result[dossier]) < k:
            candidates = eligible(dossier)
            if not candidates:
                break
            chosen = min(candidates, key=lambda m: (load[m], m))
            result[dossier].add(chosen)
            load[chosen] += 1

    # Even out: move a dossier from a member to one with at least two fewer, while possible.
    # Each move lowers the sum of squared loads, so this ends.
    improved = True
    while improved:
        improved = False
        for busy in sorted(members, key=lambda m: (-load[m], m)):
            for idle in sorted(members, key=lambda m: (load[m], m)):
                if load[busy] - load[idle] < 2:
                    break
                movable = [d for d in dossiers if busy in result[d] and idle not in result[d]
                           and (d, idle) not in conflicted and (d, busy) not in fixed]
                if movable:
                    dossier = movable[0]
                    result[dossier].remove(busy)
                    result[dossier].add(idle)
                    load[busy] -= 1
                    load[idle] += 1
                    improved = True
                    break
            if improved:
                break
    return result


def loads(assignment: Mapping[int, Iterable[int]], members: Iterable[int]) -> dict[int, int]:
    """How many dossiers each member has."""
    counts = dict.fromkeys(members, 0)
    for chosen in assignment.values():
        for m in chosen:
            counts[m] = counts.get(m, 0) + 1
    return counts
