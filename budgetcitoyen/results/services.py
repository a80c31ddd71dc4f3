"""Run the allocation on an edition's counted ballots, store it, publish it with the files to recompute it.

The rule itself lives in the pure `budgetcitoyen.allocation` package; this module only reads the
edition from the database, hands plain values to it and stores what comes back.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen import allocation
from budgetcitoyen.accounts.models import User
from budgetcitoyen.allocation import pabulib
from budgetcitoyen.audit import services as audit
from budgetcitoyen.conventions.services import create_convention
from budgetcitoyen.editions.models import Category, Edition, EditionPhase
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.errors import Conflict, DomainError, PhaseClosed
from budgetcitoyen.initiatives import notifications
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.initiatives.services import change_status
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.results.models import AllocationDecision, AllocationResult
from budgetcitoyen.voting import ballots as voting_ballots
from budgetcitoyen.voting.models import Ballot, BallotChoice, Channel
from budgetcitoyen.voting.rules import BALLOT_STATUSES

PB_NAME = "budget-citoyen-{year}-bulletins.pb"
_NEEDS_QUOTING = re.compile(r'[;"\r\n]')
CSV_NAME = "budget-citoyen-{year}-bulletins.csv"


@dataclass(frozen=True)
class EditionInstance:
    """An edition's allocation problem as plain values, with the way back to its initiatives."""

    projects: list[allocation.Project]
    ballots: allocation.Ballots
    ballot_ids: list[str]
    ballot_channels: list[str]
    initiatives: dict[str, Initiative]
    ceilings: dict[str, Decimal]
    sub_envelopes: dict[str, Decimal]


def vote_is_over(edition: Edition, now: datetime) -> bool:
    window = edition.window(Phase.VOTE)
    return window is not None and now >= window.ends_at


def _require_vote_over(edition: Edition, now: datetime) -> None:
    window = edition.window(Phase.VOTE)
    if window is None:
        raise PhaseClosed(f"L'édition {edition.year} n'a pas de dates de vote.")
    if now < window.starts_at:
        raise PhaseClosed("Le vote n'a pas encore eu lieu : la répartition se calcule une fois le vote clos.")
    if now < window.ends_at:
        raise PhaseClosed("Le vote est encore ouvert : la répartition se calcule une fois le vote clos.")


def close_vote_now(session: Session, edition: Edition, actor: User, reason: str, now: datetime) -> None:
    """End the vote at `now`, before its planned end (audited with the reason).

    The calendar page could do the same with whole days; this closes at the minute, for an
    incident or for a demonstration, and says why in the journal.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("Indiquez pourquoi le vote est clos avant la date prévue.", field="reason")
    row = session.scalar(
        select(EditionPhase)
        .where(EditionPhase.edition_id == edition.id, EditionPhase.phase == Phase.VOTE.value)
        .with_for_update()
    )
    if row is None or now < row.starts_at:
        raise PhaseClosed("Le vote n'est pas ouvert : il n'y a rien à clore.")
    if now >= row.ends_at:
        raise Conflict("Le vote est déjà clos.")
    before = row.ends_at
    row.ends_at = now
    session.flush()
    audit.record(session, actor=actor, action="vote.closed_early", object_type="edition",
                 object_id=edition.id, now=now, summary=f"Vote clos avant la date prévue : {reason[:400]}",
                 before={"ends_at": before}, after={"ends_at": now})


def load_instance(session: Session, edition: Edition, *, for_files: bool = True) -> EditionInstance:
    """The initiatives on the ballot, their votes and the counted ballots (voided ones left out). Without
    `for_files` (computing only), the ballots' public ids and channels, which only the published files
    carry, are not read, and the ballots come in no particular order."""
    initiatives = session.scalars(
        select(Initiative).where(Initiative.edition_id == edition.id, Initiative.status.in_(BALLOT_STATUSES))
        .order_by(Initiative.filed_at.is_(None), Initiative.filed_at, Initiative.id)
    ).all()
    position = {initiative.id: n for n, initiative in enumerate(initiatives)}
    ballot_ids, channels, ballots = _counted_ballots(session, edition.id, position, len(initiatives),
                                                     for_files)
    votes = ballots.approvals()
    categories = {c.id: c for c in session.scalars(select(Category).where(Category.edition_id == edition.id))}
    territories = dict(session.execute(select(Territory.id, Territory.code)).all())
    projects = [
        allocation.Project(
            id=str(initiative.id),
            cost=initiative.amount_asked or Decimal(0),
            votes=int(votes[n]),
            category=(categories[initiative.category_id].code if initiative.category_id in categories
                      else None),
            territory=territories.get(initiative.territory_id),
            filed_order=n,
            name=initiative.title,
        )
        for n, initiative in enumerate(initiatives)
    ]
    return EditionInstance(
        projects=projects,
        ballots=ballots,
        ballot_ids=ballot_ids,
        ballot_channels=channels,
        initiatives={str(i.id): i for i in initiatives},
        ceilings={c.code: c.ceiling for c in categories.values()},
        sub_envelopes={c.code: c.sub_envelope for c in categories.values() if c.sub_envelope is not None},
    )


def _fetch(session: Session, statement: Any) -> list[tuple[Any, ...]]:
    """All rows of a query as plain tuples from the database driver: for hundreds of thousands of ballots,
    building SQLAlchemy rows would cost more than the query itself. Only integers are bound (literally)."""
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _counted_choices(session: Session, edition_id: int, position: dict[int, int],
                     num_projects: int) -> allocation.Ballots | None:
    """The counted ballots for computing only (no ids, in no particular order): how many there are, and
    the choices of those that are not voided, read in ballot order (the primary key's) and cut into rows
    where the ballot changes; the ballots without a choice still on the ballot are empty rows (they count
    as voters). None when the two reads disagree (a ballot typed in between): read again with the ids."""
    count = session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.edition_id == edition_id, Ballot.voided_at.is_(None))) or 0
    voided = select(Ballot.id).where(Ballot.edition_id == edition_id, Ballot.voided_at.is_not(None))
    pairs = _fetch(session, select(BallotChoice.ballot_id, BallotChoice.initiative_id).where(
        BallotChoice.initiative_id.in_(sorted(position)), BallotChoice.ballot_id.not_in(voided))
        .order_by(BallotChoice.ballot_id, BallotChoice.initiative_id)) if position else []
    choices = np.fromiter(chain.from_iterable(pairs), dtype=np.int64, count=2 * len(pairs)).reshape(-1, 2)
    lookup = np.full(int(choices[:, 1].max(initial=0)) + 1, -1, dtype=np.int64)
    for initiative_id, j in position.items():
        if initiative_id < len(lookup):
            lookup[initiative_id] = j
    ballot = choices[:, 0]
    starts = np.flatnonzero(np.concatenate(([True], ballot[1:] != ballot[:-1]))) if len(ballot) else \
        np.zeros(0, dtype=np.int64)
    if len(starts) > count:
        return None
    indptr = np.full(count + 1, len(ballot), dtype=np.int64)
    indptr[0] = 0
    indptr[1:len(starts)] = starts[1:]
    return allocation.Ballots(indptr, lookup[choices[:, 1]].astype(np.int32), num_projects)


def _counted_ballots(session: Session, edition_id: int, position: dict[int, int], num_projects: int,
                     for_files: bool) -> tuple[list[str], list[str], allocation.Ballots]:
    """The counted ballots in the order of their public ids, as sparse rows of project positions (each
    row in project order; a choice of an initiative withdrawn since no longer counts). Two queries read
    in bulk, then numpy groups the choices by ballot."""
    counted = (Ballot.edition_id == edition_id) & Ballot.voided_at.is_(None)
    if not for_files:
        quick = _counted_choices(session, edition_id, position, num_projects)
        if quick is not None:
            return [], [], quick
    rows = _fetch(session, select(Ballot.id, Ballot.public_id, Ballot.channel).where(counted)
                  .order_by(Ballot.public_id))
    # The choices of the initiatives on the ballot, without a join (the database's costliest part): the
    # choices of voided ballots are then left out below, with those of ballots the first read did not see.
    pairs = _fetch(session, select(BallotChoice.ballot_id, BallotChoice.initiative_id)
                   .where(BallotChoice.initiative_id.in_(sorted(position)))) if position else []
    count = len(rows)
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=count)
    choices = np.fromiter(chain.from_iterable(pairs), dtype=np.int64, count=2 * len(pairs)).reshape(-1, 2)
    if not len(choices):
        choices = np.zeros((0, 2), dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    at = np.minimum(np.searchsorted(sorted_ids, choices[:, 0]), max(count - 1, 0))
    # A choice whose ballot the first query did not see (voided or typed in between the two reads, each
    # its own snapshot under READ COMMITTED) is left out, as its ballot is.
    seen = sorted_ids[at] == choices[:, 0] if count else np.zeros(len(choices), dtype=bool)
    ballot_row = order[at] if count else np.zeros(len(choices), dtype=np.int64)
    lookup = np.full(int(choices[:, 1].max(initial=0)) + 1, -1, dtype=np.int64)
    for initiative_id, j in position.items():
        if initiative_id < len(lookup):
            lookup[initiative_id] = j
    project = lookup[choices[:, 1]]
    keep = seen & (project >= 0)
    ballot_row, project = ballot_row[keep], project[keep]
    by_ballot = np.lexsort((project, ballot_row))
    ballot_row, project = ballot_row[by_ballot], project[by_ballot]
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(ballot_row, minlength=count), out=indptr[1:])
    ballots = allocation.Ballots(indptr, project.astype(np.int32), num_projects)
    if not for_files:
        return [], [], ballots
    return [row[1] for row in rows], [row[2] for row in rows], ballots


def rule_settings(edition: Edition, instance: EditionInstance) -> dict[str, Any]:
    """Everything the rule runs with, as stored with the result and printed on the results page."""
    return {
        "rule": edition.allocation_rule,
        "threshold": edition.vote_threshold,
        "utility": edition.mes_utility,
        "tie_break": "edition",
        "ceilings": {code: str(amount) for code, amount in sorted(instance.ceilings.items())},
        "sub_envelopes": {code: str(amount) for code, amount in sorted(instance.sub_envelopes.items())},
    }


def run_rule(edition: Edition, instance: EditionInstance) -> allocation.Outcome:
    return allocation.allocate(
        instance.projects,
        edition.envelope,
        rule=edition.allocation_rule,
        ballots=instance.ballots,
        threshold=edition.vote_threshold,
        utility=edition.mes_utility,
        ceilings=instance.ceilings,
        sub_envelopes=instance.sub_envelopes or None,
        tie_break="edition",
    )


def edition_of_year(session: Session, year: int, *, published_only: bool = False) -> Edition | None:
    """The edition of a year (only once published, for the public pages), or None."""
    query = select(Edition).where(Edition.year == year)
    if published_only:
        query = query.where(Edition.is_published.is_(True))
    return session.scalar(query)


def result_of(session: Session, edition: Edition) -> AllocationResult | None:
    return session.scalar(select(AllocationResult).where(AllocationResult.edition_id == edition.id))


def published_result_of(session: Session, edition: Edition) -> AllocationResult | None:
    """The edition's result once published; None before (nothing of it is shown until then)."""
    result = result_of(session, edition)
    return result if result is not None and result.published_at is not None else None


def published_results_year(session: Session) -> int | None:
    """The year of the current edition when its results are published (for the home page's link)."""
    edition = current_edition(session)
    if edition is None:
        return None
    return edition.year if published_result_of(session, edition) is not None else None


def decisions_of(session: Session, result: AllocationResult) -> list[AllocationDecision]:
    """The decisions in ranking order, with what the tables show of each initiative."""
    initiative = selectinload(AllocationDecision.initiative)
    return list(session.scalars(
        select(AllocationDecision).where(AllocationDecision.result_id == result.id)
        .options(initiative.selectinload(Initiative.territory), initiative.selectinload(Initiative.category),
                 initiative.selectinload(Initiative.structure_type))
        .order_by(AllocationDecision.rank, AllocationDecision.id)
    ))


def results_published(session: Session, edition_id: int) -> bool:
    """Once results are published, the counted ballots are those of the published files."""
    published_at = select(AllocationResult.published_at).where(AllocationResult.edition_id == edition_id)
    return session.scalar(published_at) is not None


# The vote refuses to enter or void any ballot once the count is final (results builds on voting).
voting_ballots.FINAL_COUNT_CHECKS.append(results_published)


def compute(session: Session, edition: Edition, actor: User, now: datetime) -> AllocationResult:
    """Compute (or recompute) the allocation once the vote is closed; refused once published."""
    _require_vote_over(edition, now)
    existing = result_of(session, edition)
    if existing is not None and existing.published_at is not None:
        raise Conflict("Les résultats de cette édition sont déjà publiés : la répartition ne peut plus "
                       "changer.")
    instance = load_instance(session, edition, for_files=False)
    if not instance.projects:
        raise DomainError("Aucune initiative n'est soumise au vote dans cette édition.")
    outcome = run_rule(edition, instance)
    if existing is not None:
        session.delete(existing)
        session.flush()
    result = AllocationResult(
        edition_id=edition.id,
        rule=edition.allocation_rule,
        settings=rule_settings(edition, instance),
        envelope=outcome.envelope,
        spent=outcome.spent,
        remaining=outcome.remaining,
        voters=instance.ballots.num_voters,
        computed_at=now,
        computed_by_id=actor.id,
    )
    for decision in outcome.decisions:
        result.decisions.append(AllocationDecision(
            initiative_id=int(decision.project_id),
            rank=decision.rank,
            votes=decision.votes,
            asked=decision.asked,
            granted=decision.granted,
            funded=decision.funded,
            position=decision.position,
            reason=decision.reason,
            explanation=decision.explanation,
        ))
    session.add(result)
    session.flush()
    audit.record(session, actor=actor, action="allocation.computed", object_type="edition",
                 object_id=edition.id, now=now,
                 summary=f"Répartition calculée ({edition.allocation_rule}) : {len(outcome.selected)} "
                 f"lauréats, {outcome.spent} € attribués, {outcome.remaining} € restants")
    return result


# --- files to recompute the outcome -----------------------------------------------------------


def ballots_csv(edition: Edition, instance: EditionInstance) -> bytes:
    """One line per counted ballot: its random id, its channel and the ids of the initiatives approved."""
    ids = [project.id for project in instance.projects]
    indptr, indices = instance.ballots.indptr.tolist(), instance.ballots.indices.tolist()
    channels = {Channel.PAPER.value: "papier"}
    rows = [(public_id, channels.get(instance.ballot_channels[n], "en ligne"),
             ",".join([ids[j] for j in indices[indptr[n]:indptr[n + 1]]]))
            for n, public_id in enumerate(instance.ballot_ids)]
    if any(_NEEDS_QUOTING.search(public_id) for public_id, _, _ in rows):
        # Ids from an imported file may hold separators or quotes: the csv module quotes them.
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(["bulletin", "canal", "initiatives"])
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")
    # Our own ids (hex), two channel words and numeric initiative ids never need quoting: the same bytes
    # as the csv module's, written several times faster for hundreds of thousands of ballots.
    return ("bulletin;canal;initiatives\n" + "".join(f"{a};{b};{c}\n" for a, b, c in rows)).encode("utf-8")


def ballots_pb(edition: Edition, instance: EditionInstance, settings: dict[str, Any]) -> bytes:
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
        description=f"{edition.title} : bulletins anonymisés comptés", unit="Département du Pas-de-Calais",
        instance=str(edition.year), budget=edition.envelope, projects=projects, ballots=instance.ballots,
        voter_ids=instance.ballot_ids, rule=settings["rule"], extra_meta=extra_meta,
    )
    election.voter_extra["voting_method"] = [
        "paper" if channel == Channel.PAPER.value else "internet" for channel in instance.ballot_channels
    ]
    return pabulib.dumps_pb(election).encode("utf-8")


def results_folder(instance_path: str, year: int) -> Path:
    return Path(instance_path) / "results" / str(year)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publish(session: Session, edition: Edition, actor: User, instance_path: str,
            now: datetime) -> AllocationResult:
    """Publish the computed allocation: statuses, conventions for the winners, and the files, once.

    Each holder's mail is queued with the publication (sent once it is committed).

    Refused if nothing is computed, if already published, or if a ballot changed since the
    computation (the published files must give back exactly the published outcome).
    """
    _require_vote_over(edition, now)
    result = session.scalar(
        select(AllocationResult).where(AllocationResult.edition_id == edition.id).with_for_update()
    )
    if result is None:
        raise Conflict("Calculez d'abord la répartition.")
    if result.published_at is not None:
        raise Conflict("Les résultats de cette édition sont déjà publiés.")
    instance = load_instance(session, edition)
    outcome = run_rule(edition, instance)
    # Everything published is compared, not only who is funded: a paper ballot typed in since the
    # computation changes the votes and the files even when it changes no winner.
    stored = {(d.initiative_id, d.rank, d.votes, d.granted, d.funded, d.position, d.explanation)
              for d in result.decisions}
    fresh = {(int(d.project_id), d.rank, d.votes, d.granted, d.funded, d.position, d.explanation)
             for d in outcome.decisions}
    if (stored != fresh or result.voters != instance.ballots.num_voters or result.envelope != outcome.envelope
            or result.settings != rule_settings(edition, instance)):
        raise Conflict("Les bulletins ou les réglages ont changé depuis le calcul : recalculez la "
                       "répartition avant de publier.")
    pb = ballots_pb(edition, instance, result.settings)
    table = ballots_csv(edition, instance)
    folder = results_folder(instance_path, edition.year)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in ((PB_NAME, pb), (CSV_NAME, table)):
        target = folder / name.format(year=edition.year)
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(target)
    result.ballots_pb_sha256 = sha256(pb)
    result.ballots_csv_sha256 = sha256(table)
    result.published_at = now
    result.published_by_id = actor.id
    for decision in result.decisions:
        initiative = decision.initiative
        if initiative.status == Status.LABELLED.value:
            change_status(session, actor, initiative, Status.ON_BALLOT, "", now, as_staff=True)
        target = Status.WINNER if decision.funded else Status.NOT_SELECTED
        change = change_status(session, actor, initiative, target, decision.explanation, now, as_staff=True)
        notifications.status_changed(session, initiative, change)
        if decision.funded:
            create_convention(session, initiative, decision.granted, now, actor=actor)
    session.flush()
    audit.record(session, actor=actor, action="allocation.published", object_type="edition",
                 object_id=edition.id, now=now,
                 summary=f"Résultats publiés : {sum(d.funded for d in result.decisions)} lauréats",
                 after={"pb_sha256": result.ballots_pb_sha256, "csv_sha256": result.ballots_csv_sha256})
    return result
