"""Writing an election in the Pabulib format; parsing what is written gives back an equal election."""

from __future__ import annotations

import csv
import io
import os
import re

from budgetcitoyen.allocation.pabulib.election import PabulibError, PbElection, decimal_text
from budgetcitoyen.allocation.values import Ballots

TYPE_CHECKING = False  # typing is not imported on `allocate`'s path (see records.py)
if TYPE_CHECKING:
    from typing import TextIO


def _check_id(value: str, what: str) -> None:
    if not value or value != value.strip() or any(ch in value for ch in ",;\"\n\r"):
        raise PabulibError(f"{what} « {value} » invalide pour Pabulib (vide, espaces autour, "
                           "ou « , » « ; » « \" » ou saut de ligne).")


# A white space right after a separator. With a literal first character, the regular expression engine
# finds the candidates by a fast scan, where an alternation would try every position (ten times slower for
# hundreds of thousands of ids).
_SPACE_AFTER = re.compile(r"\x00\s")


def _check_ids(values: list[str], what: str) -> None:
    """`_check_id` on every value; a few scans of all the ids joined by NUL unless one is wrong: a forbidden
    character, an empty id (two separators in a row), white space after a separator, or before one (after
    one in the reversed text)."""
    joined = "\x00" + "\x00".join(values) + "\x00"
    if (any(ch in joined for ch in ',;"\n\r') or "\x00\x00" in joined or _SPACE_AFTER.search(joined)
            or _SPACE_AFTER.search(joined[::-1])):
        for value in values:
            _check_id(value, what)


def _one_line(value: str) -> str:
    # Pabulib rows are lines: a line break inside a title becomes a space.
    return " ".join(value.splitlines()) if ("\n" in value or "\r" in value) else value


def joined_rows(ballots: Ballots, ids: list[str]) -> list[str]:
    """Each ballot's chosen ids joined by commas ("12,7,30"; "" for an empty ballot), as the VOTES column.

    Concatenated by numpy over all ballots at once (`add.reduceat` on the ids with a comma each, then the
    last comma cut), about twice as fast as one `join` per ballot for hundreds of thousands of them.
    """
    import numpy as np  # here, not above: reading a file (`allocate --rule greedy`) needs no numpy

    if not len(ballots.indices):
        return [""] * ballots.num_voters
    tokens = np.array([f"{value}," for value in ids], dtype=object)[ballots.indices]
    starts = ballots.indptr[:-1]
    filled = ballots.indptr[1:] > starts
    joined = np.full(ballots.num_voters, ",", dtype=object)
    # Between two filled rows only empty ones lie, so each sum stops where its ballot's choices end.
    joined[filled] = np.add.reduceat(tokens, starts[filled])
    return [text[:-1] for text in joined.tolist()]


def dumps_pb(election: PbElection, *, votes: list[str] | None = None) -> str:
    """The election in the Pabulib format (META first in the usual order, PROJECTS, VOTES).

    `votes`: `joined_rows` of the election's ballots when the caller already has them (the published
    CSV carries the same column)."""
    buffer = io.StringIO()
    _write(election, buffer, votes)
    return buffer.getvalue()


def write_pb(election: PbElection, target: str | os.PathLike[str] | TextIO) -> None:
    """Write the election; parsing the result gives back an equal election."""
    if isinstance(target, str | os.PathLike):
        with open(target, "w", encoding="utf-8", newline="") as handle:
            _write(election, handle)
    else:
        _write(election, target)


def _write(election: PbElection, out: TextIO, votes: list[str] | None = None) -> None:
    projects, ballots = election.projects, election.ballots
    if ballots.num_projects != len(projects):
        raise PabulibError("les bulletins ne portent pas sur la liste de projets donnée.")
    if len(election.voter_ids) != ballots.num_voters:
        raise PabulibError("il faut un identifiant de votant par bulletin.")
    meta = dict(election.meta)
    for key, actual in (("num_projects", len(projects)), ("num_votes", ballots.num_voters)):
        if meta.setdefault(key, str(actual)) != str(actual):
            raise PabulibError(f"META {key} vaut « {meta[key]} » mais il y a {actual} éléments.")
    if meta.setdefault("vote_type", "approval") != "approval":
        raise PabulibError("seuls les votes par approbation (vote_type approval) peuvent être écrits.")
    if "budget" not in meta:
        raise PabulibError("META doit donner le budget.")
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\nkey;value\n")
    for key, value in meta.items():
        writer.writerow([_one_line(key), _one_line(str(value))])
    extra_columns: list[str] = []
    for project in projects:
        _check_id(project.id, "Identifiant de projet")
        for key, _ in project.extra:
            if key not in extra_columns:
                extra_columns.append(key)
    columns = ["project_id", "cost"]
    if any(p.votes is not None for p in projects):
        columns.append("votes")
    columns += ["name", "category"]
    if any(p.territory is not None for p in projects):
        columns.append("territory")
    columns += extra_columns
    out.write("PROJECTS\n")
    writer.writerow(columns)
    for project in projects:
        values = {"project_id": project.id, "cost": decimal_text(project.cost),
                  "votes": "None" if project.votes is None else str(project.votes),
                  "name": _one_line(project.name),
                  "category": project.category or "None", "territory": project.territory or "None",
                  **{k: _one_line(v) for k, v in project.extra}}
        writer.writerow([values.get(column, "None") for column in columns])
    extra_names = list(election.voter_extra)
    for name in extra_names:
        if len(election.voter_extra[name]) != ballots.num_voters:
            raise PabulibError(f"la colonne de votants « {name} » n'a pas une valeur par bulletin.")
    out.write("VOTES\n" + ";".join(["voter_id", "vote", *extra_names]) + "\n")
    extra_values = [election.voter_extra[name] for name in extra_names]
    for column in extra_values:
        for value in set(column):  # such columns hold a few distinct values (a voting method, an age)
            if any(ch in value for ch in ";\"\n\r"):
                raise PabulibError(f"valeur de votant « {value} » invalide pour Pabulib.")
    _check_ids(election.voter_ids, "Identifiant de votant")
    if votes is None:
        votes = joined_rows(ballots, [p.id for p in projects])
    elif len(votes) != ballots.num_voters:
        raise PabulibError("il faut un vote par bulletin.")
    columns = [election.voter_ids, votes, *extra_values]
    block = 100_000  # written by blocks: bounded memory for large exports
    for first in range(0, len(votes), block):
        rows = zip(*(column[first:first + block] for column in columns), strict=True)
        out.write("\n".join(map(";".join, rows)) + "\n")
