"""The published files that let anyone recompute the outcome: the counted ballots as CSV and in the
Pabulib format (no Flask)."""

from __future__ import annotations

import csv
import io
from typing import Any

from budgetcitoyen.allocation import pabulib
from budgetcitoyen.config import collectivite_setting
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.results.counted import EditionInstance
from budgetcitoyen.voting.models import Channel

PB_NAME = "budget-citoyen-{year}-bulletins.pb"
CSV_NAME = "budget-citoyen-{year}-bulletins.csv"
_NEEDS_QUOTING = ';"\r\n'  # characters the csv module quotes


def votes(instance: EditionInstance) -> list[str]:
    """Each counted ballot's initiative ids joined by commas: the column both published files carry,
    built once for the two."""
    return pabulib.joined_rows(instance.ballots, [project.id for project in instance.projects])


def ballots_csv(edition: Edition, instance: EditionInstance, chosen: list[str] | None = None) -> bytes:
    """One line per counted ballot: its random id, its channel and the ids of the initiatives approved
    (`chosen`: `votes(instance)`, when the caller has it)."""
    chosen = votes(instance) if chosen is None else chosen
    if len(chosen) != len(instance.ballot_ids):
        raise ValueError("one vote per ballot")
    columns = (instance.ballot_ids, _words(instance.ballot_channels, "papier", "en ligne"), chosen)
    # A fast scan of all the ids joined for each character (a regular expression's class is much slower).
    joined = "".join(instance.ballot_ids)
    if any(ch in joined for ch in _NEEDS_QUOTING):
        # Ids from an imported file may hold separators or quotes: the csv module quotes them.
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(["bulletin", "canal", "initiatives"])
        writer.writerows(zip(*columns, strict=True))
        return out.getvalue().encode("utf-8")
    # Our own ids (hex), two channel words and numeric initiative ids never need quoting: the same bytes
    # as the csv module's, joined by C loops (no Python code per ballot) for hundreds of thousands of them.
    lines = "\n".join(map(";".join, zip(*columns, strict=True)))
    return ("bulletin;canal;initiatives\n" + lines + ("\n" if lines else "")).encode("utf-8")


def _words(channels: list[str], paper: str, online: str) -> list[str]:
    """Each ballot's channel as a word of the file (`paper` or `online`), mapped without Python code per
    ballot: the channels are a few distinct values."""
    words = {channel: paper if channel == Channel.PAPER.value else online for channel in set(channels)}
    return list(map(words.__getitem__, channels))


def ballots_pb(edition: Edition, instance: EditionInstance, settings: dict[str, Any],
               chosen: list[str] | None = None) -> bytes:
    """The same ballots in the Pabulib format, with what the rule ran with in META.

    Costs are the amounts a winner would be granted (asked, capped by the category's ceiling), and
    each project carries its filing order, so `budgetcitoyen allocate --tie-break edition` on this
    file gives back the published outcome.
    """
    ceilings = instance.ceilings
    projects = [
        pabulib.PbProject(
            id=project.id,
            cost=(min(project.cost, ceilings[project.category]) if project.category in ceilings
                  else project.cost),
            votes=project.votes,
            name=project.name,
            category=project.category,
            territory=project.territory,
            extra=(("filed_order", str(project.filed_order)),),
        )
        for project in instance.projects
    ]
    extra_meta = {"tie_break": "edition", "threshold": str(settings["threshold"]),
                  "utility": settings["utility"]}
    if settings["sub_envelopes"]:
        extra_meta["sub_envelopes"] = ",".join(
            f"{code}:{amount}" for code, amount in settings["sub_envelopes"].items())
    election = pabulib.PbElection.new(
        description=f"{edition.title} : bulletins anonymisés comptés", unit=collectivite_setting(),
        instance=str(edition.year), budget=edition.envelope, projects=projects, ballots=instance.ballots,
        voter_ids=instance.ballot_ids, rule=settings["rule"], extra_meta=extra_meta,
    )
    election.voter_extra["voting_method"] = _words(instance.ballot_channels, "paper", "internet")
    return pabulib.dumps_pb(election, votes=chosen).encode("utf-8")
