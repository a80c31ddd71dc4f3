"""Import a Pabulib file as a new, unpublished edition: its projects as initiatives on the ballot and its
votes as counted ballots (the use case behind `budgetcitoyen pb-import`).

All or nothing: everything happens in the caller's transaction, and any problem is a DomainError
with a French message naming what is wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.allocation.pabulib import PbElection
from budgetcitoyen.config import collectivite_in
from budgetcitoyen.editions import services as editions
from budgetcitoyen.editions.models import AllocationRule, BallotScope, Category, Edition
from budgetcitoyen.editions.rules import Phase, calendar_around
from budgetcitoyen.errors import Conflict, DomainError
from budgetcitoyen.initiatives.models import Initiative, StatusChange
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.reference.lookup import fold
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.voting import counts
from budgetcitoyen.voting.ballots import cast_day
from budgetcitoyen.voting.eligibility import age_band
from budgetcitoyen.voting.models import Ballot, BallotChoice, Channel

# Imported initiatives need an owner: this account holds them, and nobody can log into it.
IMPORT_HOLDER = "donnees-importees@budget-citoyen.invalid"
UNKNOWN_AGE = "inconnu"
_BATCH = 5_000
# Amounts are stored as NUMERIC(12, 2).
MAX_AMOUNT = Decimal("9999999999.99")


def year_of(election: PbElection, given: int | None) -> int:
    """The edition's year: the one given, else the first four digits of META year, date_begin, date_end
    or instance."""
    if given is not None:
        return given
    for key in ("year", "date_begin", "date_end", "instance"):
        value = election.meta.get(key, "")
        if len(value) >= 4 and value[:4].isascii() and value[:4].isdigit():
            return int(value[:4])
    raise DomainError("Impossible de déduire l'année du fichier (META year, date_begin ou instance) : "
                      "indiquez --year.")


def _match(index: dict[str, int], value: str | None, fallback: int) -> tuple[int, bool]:
    if value:
        found = index.get(fold(value))
        if found is not None:
            return found, True
    return fallback, False


def _age_band(text: str | None) -> str:
    if text and text.strip().isascii() and text.strip().isdigit() and len(text.strip()) <= 3:
        return age_band(int(text.strip()))
    return UNKNOWN_AGE


def check_importable(election: PbElection) -> None:
    """What the Pabulib format allows but an edition cannot hold, refused before anything is written."""
    if not Decimal(0) < election.budget <= MAX_AMOUNT:
        raise DomainError(f"META budget : {election.budget} n'est pas un montant possible (entre 0 et "
                          f"{MAX_AMOUNT} €, exclu 0).")
    for project in election.projects:
        if not Decimal(0) < project.cost <= MAX_AMOUNT:
            raise DomainError(f"PROJECTS, projet {project.id} : coût {project.cost} impossible (une "
                              f"initiative demande plus de 0 € et au plus {MAX_AMOUNT} €).")
    seen: set[str] = set()
    for voter_id in election.voter_ids:
        if voter_id in seen:
            raise DomainError(f"VOTES : le votant {voter_id} apparaît deux fois (un bulletin par votant).")
        seen.add(voter_id)


def import_election(session: Session, election: PbElection, year: int, secret: str, now: datetime,
                    show: Any = None) -> tuple[Edition, list[str]]:
    """Create an edition from a Pabulib election: initiatives on the ballot and their counted ballots.

    Everything happens in the caller's transaction: on any error nothing is left. Returns the
    edition and warnings (territories that could not be matched...).
    """
    if session.scalar(select(Edition.id).where(Edition.year == year)) is not None:
        raise Conflict(f"L'édition {year} existe déjà : l'import ne remplace jamais une édition.")
    check_importable(election)
    longest = int(max((len(b) for b in election.ballots), default=1)) if election.ballots.num_voters else 1
    rule = election.meta.get("rule", "greedy")
    data = editions.EditionInput(
        title=(election.meta.get("description") or f"Import Pabulib {year}")[:200],
        envelope=election.budget, operation_code="", imputation="", budget_label="", payment_credits=None,
        voting_min_age=0, min_choices=1, max_choices=min(50, max(1, longest)),
        ballot_scope=BallotScope.DEPARTMENT,
        allocation_rule=AllocationRule(rule) if rule in set(AllocationRule) else AllocationRule.GREEDY,
        is_published=False,
    )
    edition = editions.create_edition(session, None, year, data, now)
    holder = session.scalar(select(User).where(User.email == IMPORT_HOLDER))
    if holder is None:
        holder = User(email=IMPORT_HOLDER, password_hash=None, created_at=now)
        session.add(holder)
        session.flush()
    territories = session.scalars(select(Territory).order_by(Territory.name)).all()
    territory_index = {fold(t.code): t.id for t in territories} | {fold(t.name): t.id for t in territories}
    fallback = territories[0]
    categories = {fold(c.code): c.id
                  for c in session.scalars(select(Category).where(Category.edition_id == edition.id))}
    unmatched = 0
    initiative_ids: list[int] = []
    for project in election.projects:
        territory_id, matched = _match(territory_index, project.territory, fallback.id)
        unmatched += not matched
        initiative = Initiative(
            edition_id=edition.id, holder_id=holder.id, status=Status.ON_BALLOT.value,
            title=(project.name or f"Projet {project.id}")[:150],
            summary=f"Projet {project.id} importé d'un fichier Pabulib."[:500],
            territory_id=territory_id, category_id=categories.get(fold(project.category or "")),
            amount_asked=project.cost, created_at=now, updated_at=now, filed_at=now,
        )
        initiative.history.append(StatusChange(to_status=Status.ON_BALLOT.value, at=now,
                                               reason="Import d'un fichier Pabulib"))
        session.add(initiative)
        session.flush()
        initiative_ids.append(initiative.id)

    ballots = election.ballots
    methods = election.voter_extra.get("voting_method") or []
    ages = election.voter_extra.get("age") or []
    key = hmac.new(secret.encode(), f"pabulib-import:{year}".encode(), hashlib.sha256).digest()
    for start in range(0, ballots.num_voters, _BATCH):
        stop = min(start + _BATCH, ballots.num_voters)
        rows = [{
            "edition_id": edition.id,
            "public_id": secrets.token_hex(16),
            "receipt_id": secrets.token_hex(16),
            "voter_key": hmac.new(key, election.voter_ids[v].encode(), hashlib.sha256).hexdigest(),
            "channel": (Channel.PAPER.value if v < len(methods) and methods[v] == "paper"
                        else Channel.ONLINE.value),
            "territory_id": fallback.id,
            "age_band": _age_band(ages[v] if v < len(ages) else None),
            "version": 1,
            "cast_at": cast_day(now),
        } for v in range(start, stop)]
        ids = session.scalars(insert(Ballot).returning(Ballot.id, sort_by_parameter_order=True), rows).all()
        choices = [{"ballot_id": ballot_id, "initiative_id": initiative_ids[j]}
                   for ballot_id, v in zip(ids, range(start, stop), strict=True)
                   for j in ballots.ballot(v).tolist()]
        if choices:
            session.execute(insert(BallotChoice), choices)
        if show is not None:
            show(stop - start)
    # Written in bulk, past store_ballot: the participation counts are taken from the ballots at once.
    counts.rebuild(session, edition.id)
    # The imported vote has taken place: this year's usual calendar, whose vote may not be over, is
    # moved so that results open today and the allocation can run at once. (A later year keeps its
    # usual calendar: the edition's dates must lie around its year.)
    vote = next(p for p in edition.phases if p.phase == Phase.VOTE.value)
    if vote.ends_at > now and year == now.year:
        editions.update_calendar(session, None, edition, calendar_around(now.date(), Phase.RESULTS), now)
    warnings = []
    if unmatched:
        warnings.append(f"{unmatched} projet(s) sans territoire reconnu {collectivite_in()} : rattachés à "
                        f"« {fallback.name} ».")
    if ballots.num_voters:
        warnings.append(f"Les territoires et âges des votants ne sont pas repris : bulletins rattachés à "
                        f"« {fallback.name} », âge « {UNKNOWN_AGE} » sauf colonne age.")
    return edition, warnings
