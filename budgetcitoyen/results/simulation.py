"""The rule simulator's use cases: the rules side by side on an edition's counted ballots (once its vote
is over: this edition's, or a past one's), or on a Pabulib file, and the rule the ESS service then
chooses, with its reason, in the journal.

Nothing here stores a simulation: it is recomputed from the ballots each time, with exactly the engine
the publication uses (`budgetcitoyen.allocation.comparison`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.allocation import AllocationError, AllocationRule, Project
from budgetcitoyen.allocation.comparison import RuleComparison, compare_rules
from budgetcitoyen.allocation.pabulib import DEFAULT_MAX_BYTES, parse_pb_bytes
from budgetcitoyen.audit import services as audit
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import Conflict, InvalidInput
from budgetcitoyen.results.models import AllocationResult
from budgetcitoyen.results.services import load_instance, vote_is_over
from budgetcitoyen.textsearch import alphabetical


@dataclass(frozen=True)
class Simulation:
    """The rules compared on one set of ballots, and what the page needs to name things."""

    source: str
    envelope: Decimal
    voters: int
    projects: list[Project]
    comparisons: list[RuleComparison]

    @property
    def territories(self) -> list[str]:
        return sorted({name for c in self.comparisons for name in c.by_territory}, key=alphabetical)

    @property
    def categories(self) -> list[str]:
        return sorted({name for c in self.comparisons for name in c.by_category}, key=alphabetical)


def sources(session: Session, now: datetime) -> list[Edition]:
    """The editions whose counted ballots may be simulated: those whose vote is over, newest first."""
    editions = session.scalars(select(Edition).order_by(Edition.year.desc())).all()
    return [edition for edition in editions if vote_is_over(edition, now)]


def simulate_edition(session: Session, edition: Edition, now: datetime) -> Simulation:
    """The rules on an edition's counted ballots, with its own envelope and settings."""
    if not vote_is_over(edition, now):
        raise Conflict(f"Le vote de l'édition {edition.year} n'est pas clos : ses bulletins ne se "
                       "simulent qu'une fois le vote terminé.")
    instance = load_instance(session, edition, for_files=False)
    comparisons = compare_rules(
        instance.projects, instance.ballots, edition.envelope, threshold=edition.vote_threshold,
        ceilings=instance.ceilings, sub_envelopes=instance.sub_envelopes or None,
        utility=edition.mes_utility)
    return Simulation(f"bulletins de l'édition {edition.year}", edition.envelope, instance.ballots.num_voters,
                      instance.projects, comparisons)


def simulate_file(data: bytes, name: str, edition: Edition) -> Simulation:
    """The rules on a Pabulib file's ballots and projects, with this edition's envelope and settings (a
    file's categories match the edition's ceilings by code)."""
    if len(data) > DEFAULT_MAX_BYTES:
        raise InvalidInput([("pb_file", "Fichier trop volumineux.")])
    try:
        election = parse_pb_bytes(data)
        projects = election.allocation_projects()
        ceilings = {c.code: c.ceiling for c in edition.categories if c.ceiling is not None}
        comparisons = compare_rules(projects, election.ballots, edition.envelope,
                                    threshold=edition.vote_threshold, ceilings=ceilings,
                                    utility=edition.mes_utility, tie_break="id")
    except AllocationError as error:  # a PabulibError is one too: the file's own fault, in French
        raise InvalidInput([("pb_file", str(error))]) from None
    return Simulation(f"fichier {name}", edition.envelope, election.ballots.num_voters, projects, comparisons)


def choose_rule(session: Session, actor: User, edition: Edition, rule: AllocationRule, reason: str,
                now: datetime) -> bool:
    """Record the edition's rule and why; refused once its results are published. False when unchanged."""
    published = session.scalar(select(AllocationResult.published_at).where(
        AllocationResult.edition_id == edition.id))
    if published is not None:
        raise Conflict("Les résultats de cette édition sont publiés : sa règle ne change plus.")
    if edition.allocation_rule == rule.value:
        return False
    audit.record(session, actor=actor, action="edition.allocation_rule", object_type="edition",
                 object_id=edition.id, now=now, summary=f"Règle choisie : {rule.label}. Motif : {reason}",
                 before={"allocation_rule": edition.allocation_rule}, after={"allocation_rule": rule.value})
    edition.allocation_rule = rule.value
    session.flush()
    return True
