"""Run the allocation on an edition's counted ballots, store it, publish it with the files to recompute it.

The rule itself lives in the pure `budgetcitoyen.allocation` package; this module only reads the
edition from the database, hands plain values to it and stores what comes back.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from budgetcitoyen import allocation
from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.conventions.services import create_convention
from budgetcitoyen.editions.models import Edition, EditionPhase
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.errors import Conflict, DomainError, PhaseClosed
from budgetcitoyen.initiatives import notifications
from budgetcitoyen.initiatives.models import Initiative, StatusChange
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.initiatives.services import change_status
from budgetcitoyen.money import euros_amount
from budgetcitoyen.results import figures

# The counted ballots as the engine's values, and the published files, live in their own modules; the
# names stay reachable here for the callers of the results' use cases.
from budgetcitoyen.results.counted import EditionInstance as EditionInstance
from budgetcitoyen.results.counted import load_instance as load_instance
from budgetcitoyen.results.figures import decisions_of as decisions_of  # the pages' import
from budgetcitoyen.results.files import CSV_NAME as CSV_NAME
from budgetcitoyen.results.files import PB_NAME as PB_NAME
from budgetcitoyen.results.files import ballots_csv as ballots_csv
from budgetcitoyen.results.files import ballots_pb as ballots_pb
from budgetcitoyen.results.files import votes as ballot_votes
from budgetcitoyen.results.models import AllocationDecision, AllocationResult
from budgetcitoyen.results.steps import step
from budgetcitoyen.storage import Storage
from budgetcitoyen.voting import ballots as voting_ballots


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


@dataclass(frozen=True)
class PublishedEdition:
    """One line of the archives: an edition whose results are published, with its figures."""

    year: int
    title: str
    envelope: Decimal
    voters: int
    on_ballot: int
    winners: int
    granted: Decimal
    rule: str
    filed: int = 0  # dossiers filed (whatever became of them)
    labelled: int = 0  # initiatives the committee labelled (on the ballot or not, funded or not)


# Where an initiative labelled by the committee can be afterwards.
LABELLED_SINCE = (Status.LABELLED.value, Status.ON_BALLOT.value, Status.WINNER.value,
                  Status.NOT_SELECTED.value, Status.UNDER_AGREEMENT.value, Status.CLOSED.value)


def published_editions(session: Session) -> list[PublishedEdition]:
    """Every edition whose results are published, the latest first (four queries, whatever their number)."""
    results = session.execute(
        select(Edition, AllocationResult).join(AllocationResult, AllocationResult.edition_id == Edition.id)
        .where(Edition.is_published.is_(True), AllocationResult.published_at.is_not(None))
        .order_by(Edition.year.desc())
    ).all()
    counts = dict(session.execute(
        select(AllocationDecision.result_id, func.count()).group_by(AllocationDecision.result_id)).all())
    funded = dict(session.execute(
        select(AllocationDecision.result_id, func.count()).where(AllocationDecision.funded.is_(True))
        .group_by(AllocationDecision.result_id)).all())
    # Labelled once, whatever came after: a winner that gave up (abandoned) was labelled all the same.
    # The history says so; the current status covers initiatives written without one (imports).
    labelled_once = select(StatusChange.id).where(StatusChange.initiative_id == Initiative.id,
                                                  StatusChange.to_status == Status.LABELLED.value).exists()
    dossiers = {edition_id: (filed, labelled) for edition_id, filed, labelled in session.execute(
        select(Initiative.edition_id, func.count(Initiative.filed_at),
               func.count(case((or_(Initiative.status.in_(LABELLED_SINCE), labelled_once), 1))))
        .where(Initiative.edition_id.in_([edition.id for edition, _ in results]))
        .group_by(Initiative.edition_id))}
    return [PublishedEdition(edition.year, edition.title, result.envelope, result.voters,
                             counts.get(result.id, 0), funded.get(result.id, 0), result.spent, result.rule,
                             *dossiers.get(edition.id, (0, 0)))
            for edition, result in results]


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
    with step("read ballots"):
        instance = load_instance(session, edition, for_files=False)
    if not instance.projects:
        raise DomainError("Aucune initiative n'est soumise au vote dans cette édition.")
    with step("rule"):
        outcome = run_rule(edition, instance)
    with step("store result"):
        result = _store(session, edition, actor, instance, outcome, existing, now)
    return result


def _store(session: Session, edition: Edition, actor: User, instance: EditionInstance,
           outcome: allocation.Outcome, existing: AllocationResult | None, now: datetime) -> AllocationResult:
    if existing is not None:
        session.delete(existing)
        session.flush()
    result = AllocationResult(
        edition_id=edition.id,
        rule=edition.allocation_rule,
        settings=rule_settings(edition, instance),
        # In cents, as the columns keep them: figures and open data frozen in this same transaction (the
        # demo computes and publishes at once) then write "4500.00", as amounts read back do, not "4500".
        envelope=euros_amount(outcome.envelope),
        spent=euros_amount(outcome.spent),
        remaining=euros_amount(outcome.remaining),
        voters=instance.ballots.num_voters,
        computed_at=now,
        computed_by_id=actor.id,
    )
    for decision in outcome.decisions:
        result.decisions.append(AllocationDecision(
            initiative_id=int(decision.project_id),
            rank=decision.rank,
            votes=decision.votes,
            asked=euros_amount(decision.asked),
            granted=euros_amount(decision.granted),
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


def draw_charts(session: Session, edition: Edition, files: Storage) -> dict[str, str]:
    """Draw the published result's charts still missing (see `publish`); their digests by name."""
    result = published_result_of(session, edition)
    return figures.draw_charts(session, edition, result, files) if result is not None else {}


def results_folder(instance_path: str, year: int) -> Path:
    """Where the local storage keeps an edition's published files (tests look there)."""
    return Path(instance_path) / "results" / str(year)


def file_key(year: int, name: str) -> str:
    """The storage key of a published file (`results/<year>/<name>`)."""
    return f"results/{year}/{name}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publish(session: Session, edition: Edition, actor: User, files: Storage,
            now: datetime, *, with_charts: bool = True) -> AllocationResult:
    """Publish the computed allocation: statuses, conventions for the winners, and the files, once.

    Each holder's mail is queued with the publication (sent once it is committed). The files are stored
    with it (`results/<year>/…` in the app's storage): kept only if the publication commits.

    Refused if nothing is computed, if already published, or if a ballot changed since the
    computation (the published files must give back exactly the published outcome).

    Without `with_charts`, the charts are left to `figures.draw_charts`, once the publication is
    committed (the admin's page draws them after answering).
    """
    _require_vote_over(edition, now)
    result = session.scalar(
        select(AllocationResult).where(AllocationResult.edition_id == edition.id).with_for_update()
    )
    if result is None:
        raise Conflict("Calculez d'abord la répartition.")
    if result.published_at is not None:
        raise Conflict("Les résultats de cette édition sont déjà publiés.")
    with step("read ballots"):
        instance = load_instance(session, edition)
    with step("rule"):
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
    with step("votes column"):
        chosen = ballot_votes(instance)  # the column both files carry, joined once
    with step(".pb file"):
        pb = ballots_pb(edition, instance, result.settings, chosen)
    with step(".csv file"):
        table = ballots_csv(edition, instance, chosen)
    with step("store files"):
        for name, data in ((PB_NAME, pb), (CSV_NAME, table)):
            # Replaced: a file left by a publication that was rolled back is not the published one.
            files.put(session, file_key(edition.year, name.format(year=edition.year)), io.BytesIO(data),
                      replace=True)
    result.ballots_pb_sha256 = sha256(pb)
    result.ballots_csv_sha256 = sha256(table)
    result.published_at = now
    result.published_by_id = actor.id
    with step("statuses, conventions, mail"):
        _announce(session, actor, result, now)
    # Counted once, now that nothing can change them: the public pages read these and the charts.
    figures.freeze(session, edition, result, files, {"pb": len(pb), "csv": len(table)}, now,
                   with_charts=with_charts)
    audit.record(session, actor=actor, action="allocation.published", object_type="edition",
                 object_id=edition.id, now=now,
                 summary=f"Résultats publiés : {sum(d.funded for d in result.decisions)} lauréats",
                 after={"pb_sha256": result.ballots_pb_sha256, "csv_sha256": result.ballots_csv_sha256})
    return result


def _announce(session: Session, actor: User, result: AllocationResult, now: datetime) -> None:
    """Each initiative's new status (winner or not selected), its holder told, a convention per winner."""
    # The holders (and their roles) read at once, and held (the session keeps only weak references):
    # each one's mail then finds its holder in the session.
    holder_ids = {decision.initiative.holder_id for decision in result.decisions}
    holders = session.scalars(select(User).where(User.id.in_(holder_ids))).all()
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
    del holders
