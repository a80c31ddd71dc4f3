"""Use cases of the comptoirs (workshops): the ESS service sets them up and marks attendance, people take and
give back a seat. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import require_phase
from budgetcitoyen.errors import Conflict, DomainError, NotAllowed, PhaseClosed
from budgetcitoyen.initiatives.models import Workshop, WorkshopRegistration
from budgetcitoyen.reference.models import Territory


@dataclass(frozen=True)
class WorkshopInput:
    """What the admin sets on a comptoir."""

    territory_id: int
    host_structure: str
    address: str
    starts_at: datetime
    ends_at: datetime
    capacity: int


def save_workshop(session: Session, actor: User, edition: Edition, data: WorkshopInput, now: datetime,
                  workshop: Workshop | None = None) -> Workshop:
    """Create or change a comptoir (audited). Capacity cannot drop below the seats already taken."""
    if data.ends_at <= data.starts_at:
        raise DomainError("L'atelier doit se terminer après son début.", field="ends_at")
    if session.get(Territory, data.territory_id) is None:
        raise DomainError("Territoire inconnu.", field="territory_id")
    if not 1 <= data.capacity <= 1000:
        raise DomainError("La capacité doit être comprise entre 1 et 1000 places.", field="capacity")
    before = None
    if workshop is None:
        workshop = Workshop(edition_id=edition.id, seats_taken=0, **data.__dict__)
        session.add(workshop)
    else:
        if data.capacity < workshop.seats_taken:
            raise DomainError(f"{workshop.seats_taken} personnes sont déjà inscrites : la capacité ne peut "
                              "pas être inférieure.", field="capacity")
        before = _workshop_snapshot(workshop)
        for name, value in data.__dict__.items():
            setattr(workshop, name, value)
    session.flush()
    after = _workshop_snapshot(workshop)
    if before is not None:
        before, after = audit.changed_fields(before, after)
        if not after:
            return workshop
    audit.record(session, actor=actor, action="workshop.create" if before is None else "workshop.update",
                 object_type="workshop", object_id=workshop.id, now=now,
                 summary=f"Comptoir {workshop.host_structure} ({edition.year})", before=before, after=after)
    return workshop


def _workshop_snapshot(workshop: Workshop) -> dict[str, object]:
    return {"territory_id": workshop.territory_id, "host_structure": workshop.host_structure,
            "address": workshop.address, "starts_at": workshop.starts_at, "ends_at": workshop.ends_at,
            "capacity": workshop.capacity}


def registration_of(session: Session, edition: Edition, user: User) -> WorkshopRegistration | None:
    """The person's comptoir sign-up for this edition, if any."""
    return session.scalar(select(WorkshopRegistration).where(
        WorkshopRegistration.edition_id == edition.id, WorkshopRegistration.user_id == user.id))


def register_for_workshop(session: Session, user: User, workshop: Workshop,
                          now: datetime) -> WorkshopRegistration:
    """Take a seat. The seat is taken by a conditional UPDATE, so two people can never get the last one."""
    edition = workshop.edition
    require_phase(edition, Phase.IDEAS, now)
    if workshop.ends_at <= now:
        raise PhaseClosed("Ce comptoir a déjà eu lieu.")
    if registration_of(session, edition, user) is not None:
        raise Conflict("Vous êtes déjà inscrit à un comptoir pour cette édition. Annulez d'abord cette "
                       "inscription.")
    try:
        with session.begin_nested():
            taken = session.execute(
                update(Workshop)
                .where(Workshop.id == workshop.id, Workshop.seats_taken < Workshop.capacity)
                .values(seats_taken=Workshop.seats_taken + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                raise Conflict("Ce comptoir est complet. Choisissez un autre comptoir ou une autre date.")
            registration = WorkshopRegistration(edition_id=edition.id, workshop_id=workshop.id,
                                                user_id=user.id, created_at=now)
            session.add(registration)
    except IntegrityError as exc:
        # The same person signing up twice at the same instant: the unique constraint decides.
        raise Conflict("Vous êtes déjà inscrit à un comptoir pour cette édition.") from exc
    session.refresh(workshop)
    return registration


def cancel_registration(session: Session, user: User, registration: WorkshopRegistration,
                        now: datetime) -> None:
    """Give the seat back (only one's own, only before the comptoir)."""
    if registration.user_id != user.id:
        raise NotAllowed("Cette inscription n'est pas la vôtre.")
    if registration.workshop.starts_at <= now:
        raise PhaseClosed("Le comptoir a commencé : l'inscription ne peut plus être annulée.")
    session.execute(update(Workshop).where(Workshop.id == registration.workshop_id)
                    .values(seats_taken=Workshop.seats_taken - 1)
                    .execution_options(synchronize_session=False))
    session.delete(registration)
    session.flush()


def mark_attendance(session: Session, agent: User, registration: WorkshopRegistration, attended: bool,
                    now: datetime) -> None:
    """An agent records whether the person came (audited)."""
    before = registration.attended
    registration.attended = attended
    registration.attendance_marked_at = now
    registration.attendance_marked_by_id = agent.id
    audit.record(session, actor=agent, action="workshop.attendance", object_type="workshop_registration",
                 object_id=registration.id, now=now,
                 summary=f"Présence au comptoir n° {registration.workshop_id}",
                 before={"attended": before}, after={"attended": attended})
    session.flush()
