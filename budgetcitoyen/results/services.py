"""Run the allocation on an edition's counted ballots, store it, publish it with the files to recompute it.

The rule itself lives in the pure `budgetcitoyen.allocation` package; this module only reads the
edition from the database, hands plain values to it and stores what comes back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import String, and_, cast, func, select
from sqlalchemy.orm import Session

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
from budgetcitoyen.results import figures
from budgetcitoyen.results.figures import decisions_of as decisions_of  # the pages' import
from budgetcitoyen.results.models import AllocationDecision, AllocationResult
from budgetcitoyen.voting import ballots as voting_ballots
from budgetcitoyen.voting.models import Ballot, BallotChoice, Channel
from budgetcitoyen.voting.rules import BALLOT_STATUSES

PB_NAME = "budget-citoyen-{year}-bulletins.pb"
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


def _chosen_ids(texts: list[str | None]) -> np.ndarray:
    """The initiative ids the database aggregated per ballot ("12,7,30"), as one flat array.

    Parsed by numpy in one pass over one joined text, not ballot by ballot.
    """
    flat = ",".join(filter(None, texts))
    return np.array(flat.split(","), dtype=np.int64) if flat else np.zeros(0, dtype=np.int64)


def _ballots(lengths: np.ndarray, ids: np.ndarray, on_ballot: np.ndarray, repeats: np.ndarray,
             order: np.ndarray | None = None) -> allocation.Ballots:
    """Compressed rows from sets of choices: set g has lengths[g] initiative ids (in `ids`, one set after
    the other) and stands for repeats[g] ballots; `order` puts those ballots in another order.

    Each ballot lists its choices in filing order, whatever order the database aggregated them in.
    """
    sorter = np.argsort(on_ballot, kind="stable")
    positions = sorter[np.searchsorted(on_ballot, ids, sorter=sorter)] if len(ids) else ids.astype(np.int32)
    positions = positions[np.lexsort((positions, np.repeat(np.arange(len(lengths)), lengths)))]
    starts = np.cumsum(lengths) - lengths
    group = np.repeat(np.arange(len(lengths)), repeats)
    if order is not None:
        group = group[order]
    each = lengths[group]
    offsets = np.cumsum(each) - each
    within = np.arange(int(each.sum()), dtype=np.int64) - np.repeat(offsets, each)
    indptr = np.zeros(len(each) + 1, dtype=np.int64)
    np.cumsum(each, out=indptr[1:])
    chosen = positions[np.repeat(starts[group], each) + within]
    return allocation.Ballots(indptr, chosen.astype(np.int32), len(on_ballot))


def load_instance(session: Session, edition: Edition, *, each_ballot: bool = True) -> EditionInstance:
    """The initiatives on the ballot, their votes and the counted ballots (voided ones left out).

    One aggregate query: the database joins each ballot's choices into one text, then groups the
    ballots by their set of choices (a few thousand rows for 400,000 ballots), and numpy expands them.
    With `each_ballot`, each group also brings its ballots' random ids and channel (for the published
    files), and the ballots come in random-id order; otherwise only their number (what the rule needs).
    """
    initiatives = session.scalars(
        select(Initiative).where(Initiative.edition_id == edition.id, Initiative.status.in_(BALLOT_STATUSES))
        .order_by(Initiative.filed_at.is_(None), Initiative.filed_at, Initiative.id)
    ).all()
    on_ballot = np.array([initiative.id for initiative in initiatives], dtype=np.int64)
    per_ballot = (
        select(Ballot.public_id, Ballot.channel, func.count(BallotChoice.initiative_id).label("count"),
               func.aggregate_strings(cast(BallotChoice.initiative_id, String), ",").label("chosen"))
        # A choice of an initiative withdrawn since (abandoned) no longer counts.
        .outerjoin(BallotChoice, and_(BallotChoice.ballot_id == Ballot.id,
                                      BallotChoice.initiative_id.in_(on_ballot.tolist())))
        .where(Ballot.edition_id == edition.id, Ballot.voided_at.is_(None))
        .group_by(Ballot.id, Ballot.public_id, Ballot.channel)
    ).subquery()
    keys = [per_ballot.c.count, per_ballot.c.chosen] + ([per_ballot.c.channel] if each_ballot else [])
    columns = [*keys, func.count()]
    if each_ballot:
        columns.append(func.aggregate_strings(per_ballot.c.public_id, ","))
    groups = session.execute(select(*columns).group_by(*keys)).all()
    lengths = np.array([row[0] for row in groups], dtype=np.int64)
    repeats = np.array([row[-2 if each_ballot else -1] for row in groups], dtype=np.int64)
    ids = _chosen_ids([row[1] for row in groups])
    ballot_ids: list[str] = []
    channels: list[str] = []
    order = None
    if each_ballot:
        # Random ids hold no comma; sorted here rather than by the database, whose small sort memory
        # would spill 400,000 of them to disk.
        unsorted = ",".join(row[-1] for row in groups).split(",") if groups else []
        if len(unsorted) != int(repeats.sum()):
            raise DomainError("Identifiants de bulletins illisibles : la répartition ne peut être publiée.")
        order = np.argsort(np.array(unsorted), kind="stable")
        ballot_ids = [unsorted[n] for n in order.tolist()]
        channels = np.repeat(np.array([row[2] for row in groups], dtype=object), repeats)[order].tolist()
    ballots = _ballots(lengths, ids, on_ballot, repeats, order)
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
    instance = load_instance(session, edition, each_ballot=False)
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
    """One line per counted ballot: its random id, its channel and the ids of the initiatives approved.

    Written line by line from plain lists (no csv module, no numpy slice per ballot): no field can hold
    a semicolon, a quote or a line break (hexadecimal ids, two channel names, numbers and commas).
    """
    ids = [project.id for project in instance.projects]
    indptr, indices = instance.ballots.indptr.tolist(), instance.ballots.indices.tolist()
    names = {Channel.PAPER.value: "papier"}
    lines = ["bulletin;canal;initiatives"]
    for n, public_id in enumerate(instance.ballot_ids):
        chosen = ",".join([ids[j] for j in indices[indptr[n]:indptr[n + 1]]])
        lines.append(f"{public_id};{names.get(instance.ballot_channels[n], 'en ligne')};{chosen}")
    lines.append("")
    return "\n".join(lines).encode("utf-8")


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
    # Counted once, now that nothing can change them: the public pages read these and the charts.
    figures.freeze(session, edition, result, {"pb": len(pb), "csv": len(table)}, now)
    audit.record(session, actor=actor, action="allocation.published", object_type="edition",
                 object_id=edition.id, now=now,
                 summary=f"Résultats publiés : {sum(d.funded for d in result.decisions)} lauréats",
                 after={"pb_sha256": result.ballots_pb_sha256, "csv_sha256": result.ballots_csv_sha256})
    return result
