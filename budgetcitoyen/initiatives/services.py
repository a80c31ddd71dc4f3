"""Use cases of the submission phase: comptoirs, ideas, dossiers, status changes. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import Role, User, UserRole
from budgetcitoyen.accounts.permissions import is_staff
from budgetcitoyen.audit import services as audit
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import require_phase
from budgetcitoyen.errors import Conflict, DomainError, InvalidInput, NotAllowed, PhaseClosed
from budgetcitoyen.initiatives import rules, uploads
from budgetcitoyen.initiatives.models import (
    Attachment,
    BudgetLineRow,
    Initiative,
    InitiativeCommune,
    StatusChange,
    Workshop,
    WorkshopRegistration,
)
from budgetcitoyen.initiatives.workflow import (
    Actor,
    Status,
    TransitionRefused,
    check_transition,
    is_editable_by_holder,
)
from budgetcitoyen.reference.models import Commune, StructureType, Territory

# --- Comptoirs -------------------------------------------------------------------------------


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
            raise DomainError(
                f"{workshop.seats_taken} personnes sont déjà inscrites : la capacité ne peut pas être inférieure.",
                field="capacity")
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


def register_for_workshop(session: Session, user: User, workshop: Workshop, now: datetime) -> WorkshopRegistration:
    """Take a seat. The seat is taken by a conditional UPDATE, so two people can never get the last one."""
    edition = workshop.edition
    require_phase(edition, Phase.IDEAS, now)
    if workshop.ends_at <= now:
        raise PhaseClosed("Ce comptoir a déjà eu lieu.")
    if registration_of(session, edition, user) is not None:
        raise Conflict("Vous êtes déjà inscrit à un comptoir pour cette édition. Annulez d'abord cette inscription.")
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
            registration = WorkshopRegistration(edition_id=edition.id, workshop_id=workshop.id, user_id=user.id,
                                                created_at=now)
            session.add(registration)
    except IntegrityError as exc:
        # The same person signing up twice at the same instant: the unique constraint decides.
        raise Conflict("Vous êtes déjà inscrit à un comptoir pour cette édition.") from exc
    session.refresh(workshop)
    return registration


def cancel_registration(session: Session, user: User, registration: WorkshopRegistration, now: datetime) -> None:
    """Give the seat back (only one's own, only before the comptoir)."""
    if registration.user_id != user.id:
        raise NotAllowed("Cette inscription n'est pas la vôtre.")
    if registration.workshop.starts_at <= now:
        raise PhaseClosed("Le comptoir a commencé : l'inscription ne peut plus être annulée.")
    session.execute(update(Workshop).where(Workshop.id == registration.workshop_id)
                    .values(seats_taken=Workshop.seats_taken - 1).execution_options(synchronize_session=False))
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
                 object_id=registration.id, now=now, summary=f"Présence au comptoir n° {registration.workshop_id}",
                 before={"attended": before}, after={"attended": attended})
    session.flush()


# --- Ideas and dossiers ----------------------------------------------------------------------


def _record_status(session: Session, initiative: Initiative, source: Status | None, target: Status,
                   actor: User | None, reason: str, now: datetime) -> None:
    initiative.status = target.value
    initiative.history.append(StatusChange(from_status=source.value if source else None, to_status=target.value,
                                           actor_id=actor.id if actor else None, reason=reason, at=now))


def create_idea(session: Session, user: User, edition: Edition, title: str, summary: str, territory_id: int,
                commune_code: str | None, now: datetime) -> Initiative:
    """Deposit a short idea; its author becomes a project holder."""
    require_phase(edition, Phase.IDEAS, now)
    title, summary = title.strip(), summary.strip()
    if not title:
        raise DomainError("Donnez un titre à votre idée.", field="title")
    if not summary:
        raise DomainError("Résumez votre idée en quelques phrases.", field="summary")
    if len(summary) > rules.SUMMARY_MAX_LENGTH:
        raise DomainError(f"Le résumé ne doit pas dépasser {rules.SUMMARY_MAX_LENGTH} caractères.", field="summary")
    territory = session.get(Territory, territory_id)
    if territory is None:
        raise DomainError("Choisissez un territoire.", field="territory_id")
    if commune_code:
        commune = session.get(Commune, commune_code)
        if commune is None:
            raise DomainError("Commune inconnue.", field="commune")
        if commune.territory_id != territory.id:
            raise DomainError(f"{commune.name} n'est pas dans le territoire {territory.name}.", field="commune")
    initiative = Initiative(edition_id=edition.id, holder_id=user.id, title=title, summary=summary,
                            territory_id=territory.id, commune_code=commune_code or None, created_at=now,
                            updated_at=now)
    _record_status(session, initiative, None, Status.IDEA, user, "", now)
    session.add(initiative)
    if Role.HOLDER not in user.role_set:
        user.roles.append(UserRole(role=Role.HOLDER.value, granted_at=now))
    session.flush()
    return initiative


def can_edit(initiative: Initiative, user: User, now: datetime) -> bool:
    """The holder works on the dossier while the dossier phase is open, or until a reopening ends."""
    if initiative.holder_id != user.id or not is_editable_by_holder(initiative.status_enum):
        return False
    if initiative.reopened_until is not None and now < initiative.reopened_until:
        return True
    window = initiative.edition.window(Phase.DOSSIERS)
    return window is not None and window.is_open(now)


def _require_editable(initiative: Initiative, user: User, now: datetime) -> None:
    if initiative.holder_id != user.id:
        raise NotAllowed("Ce dossier n'est pas le vôtre.")
    if not is_editable_by_holder(initiative.status_enum):
        raise Conflict("Ce dossier a été déposé : il ne peut plus être modifié.")
    if not can_edit(initiative, user, now):
        raise PhaseClosed("La période de dépôt des dossiers est close : le dossier ne peut plus être modifié.")


@dataclass
class DossierInput:
    """Everything the holder can write on a dossier; a draft may leave any of it empty."""

    title: str = ""
    summary: str = ""
    territory_id: int | None = None
    commune_codes: list[str] = field(default_factory=list)
    structure_type_id: int | None = None
    structure_name: str = ""
    siret: str = ""
    structure_address: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    description: str = ""
    problem_addressed: str = ""
    public_addressed: str = ""
    category_id: int | None = None
    amount_asked: Decimal | None = None
    starts_on: date | None = None
    duration_months: int | None = None
    ess_practices: str = ""
    budget: list[rules.BudgetLine] = field(default_factory=list)


# The form field holding each required item, so a "missing" message links to the field to fill.
FORM_FIELD_OF = {"structure_type": "structure_type_id", "territory": "territory_id", "category": "category_id"}


class DossierInvalid(InvalidInput):
    """A dossier with several problems; each one is kept for the form."""


def _check_draft(session: Session, edition: Edition, data: DossierInput) -> list[tuple[str | None, str]]:
    """Checks that hold even for a draft: what is given must be well-formed and belong to this edition."""
    problems: list[tuple[str | None, str]] = []
    if len(data.summary) > rules.SUMMARY_MAX_LENGTH:
        problems.append(("summary", f"Le résumé ne doit pas dépasser {rules.SUMMARY_MAX_LENGTH} caractères."))
    if data.siret:
        problem = rules.siret_problem(data.siret)
        if problem:
            problems.append(("siret", problem))
    if data.territory_id is not None and session.get(Territory, data.territory_id) is None:
        problems.append(("territory_id", "Territoire inconnu."))
    if data.structure_type_id is not None and session.get(StructureType, data.structure_type_id) is None:
        problems.append(("structure_type_id", "Type de structure inconnu."))
    category = session.get(Category, data.category_id) if data.category_id is not None else None
    if data.category_id is not None and (category is None or category.edition_id != edition.id):
        problems.append(("category_id", "Catégorie inconnue pour cette édition."))
    if category is not None and data.amount_asked is not None:
        problem = rules.amount_problem(data.amount_asked, category.ceiling, category.name)
        if problem:
            problems.append(("amount_asked", problem))
    if data.commune_codes:
        known = set(session.scalars(select(Commune.insee_code).where(Commune.insee_code.in_(data.commune_codes))))
        unknown = [code for code in data.commune_codes if code not in known]
        if unknown:
            problems.append(("communes", "Commune inconnue : " + ", ".join(unknown) + "."))
    if data.duration_months is not None and not 1 <= data.duration_months <= 36:
        problems.append(("duration_months", "La durée doit être comprise entre 1 et 36 mois."))
    for number, line in enumerate(data.budget, start=1):
        if line.account not in rules.ACCOUNTS:
            problems.append(("budget", f"Ligne {number} du budget : compte « {line.account} » inconnu."))
        if line.amount < 0 or line.amount != line.amount.quantize(Decimal("0.01")):
            problems.append(("budget", f"Ligne {number} du budget : montant invalide."))
    return problems


def save_draft(session: Session, user: User, initiative: Initiative, data: DossierInput, now: datetime) -> None:
    """Save whatever is given; a draft may be incomplete but not malformed. All or nothing."""
    _require_editable(initiative, user, now)
    problems = _check_draft(session, initiative.edition, data)
    if problems:
        raise DossierInvalid(problems)
    if initiative.status_enum is Status.IDEA:
        check_transition(Status.IDEA, Status.DRAFT, Actor.HOLDER)
        _record_status(session, initiative, Status.IDEA, Status.DRAFT, user, "", now)
    for name in ("title", "summary", "structure_name", "structure_address", "contact_name", "contact_email",
                 "contact_phone", "description", "problem_addressed", "public_addressed", "ess_practices"):
        setattr(initiative, name, getattr(data, name).strip())
    initiative.siret = rules.normalize_siret(data.siret)
    if data.territory_id is not None:
        initiative.territory_id = data.territory_id
    initiative.structure_type_id = data.structure_type_id
    initiative.category_id = data.category_id
    initiative.amount_asked = data.amount_asked
    initiative.starts_on = data.starts_on
    initiative.duration_months = data.duration_months
    # Old rows go first: the unit of work inserts before it deletes orphans, and positions are unique.
    initiative.action_communes.clear()
    initiative.budget_lines.clear()
    session.flush()
    initiative.action_communes = [InitiativeCommune(insee_code=code) for code in dict.fromkeys(data.commune_codes)]
    initiative.budget_lines = [
        BudgetLineRow(position=i, account=line.account, label=line.label.strip(), amount=line.amount,
                      funder=line.funder.strip(), is_departement=line.is_departement)
        for i, line in enumerate(data.budget)
    ]
    initiative.updated_at = now
    session.flush()


def dossier_input_of(initiative: Initiative) -> DossierInput:
    """The saved dossier as an input (for filing what was saved)."""
    return DossierInput(
        title=initiative.title, summary=initiative.summary, territory_id=initiative.territory_id,
        commune_codes=[c.insee_code for c in initiative.action_communes],
        structure_type_id=initiative.structure_type_id, structure_name=initiative.structure_name,
        siret=initiative.siret, structure_address=initiative.structure_address,
        contact_name=initiative.contact_name, contact_email=initiative.contact_email,
        contact_phone=initiative.contact_phone, description=initiative.description,
        problem_addressed=initiative.problem_addressed, public_addressed=initiative.public_addressed,
        category_id=initiative.category_id, amount_asked=initiative.amount_asked, starts_on=initiative.starts_on,
        duration_months=initiative.duration_months, ess_practices=initiative.ess_practices,
        budget=[rules.BudgetLine(b.account, b.label, b.amount, b.funder, b.is_departement)
                for b in initiative.budget_lines],
    )


def filing_problems(session: Session, initiative: Initiative, data: DossierInput) -> list[tuple[str | None, str]]:
    """Everything that stops a dossier from being filed, as (field, French message)."""
    problems = _check_draft(session, initiative.edition, data)
    values = {**data.__dict__, "territory": data.territory_id, "communes": data.commune_codes,
              "structure_type": data.structure_type_id, "category": data.category_id}
    labels_to_fields = {label: FORM_FIELD_OF.get(key, key) for key, label in rules.REQUIRED_FOR_FILING.items()}
    for label in rules.missing_for_filing(values):
        problems.append((labels_to_fields[label], f"Il manque {label}."))
    structure_type = session.get(StructureType, data.structure_type_id) if data.structure_type_id else None
    if structure_type is not None and structure_type.can_receive_grant and not data.siret:
        problems.append(("siret", "Le numéro SIRET est nécessaire pour qu'une structure reçoive la subvention."))
    for message in rules.budget_problems(data.budget, data.amount_asked):
        problems.append(("budget", message))
    if registration_of(session, initiative.edition, initiative.holder) is None:
        problems.append((None, "Inscrivez-vous à un comptoir à initiatives citoyennes avant de déposer votre dossier."))
    return problems


def file_dossier(session: Session, user: User, initiative: Initiative, data: DossierInput, now: datetime) -> None:
    """Save and file the dossier in one go, or change nothing at all."""
    _require_editable(initiative, user, now)
    problems = filing_problems(session, initiative, data)
    if problems:
        raise DossierInvalid(problems)
    save_draft(session, user, initiative, data, now)
    check_transition(Status.DRAFT, Status.FILED, Actor.HOLDER)
    _record_status(session, initiative, Status.DRAFT, Status.FILED, user, "", now)
    initiative.filed_at = now
    initiative.reopened_until = None
    session.flush()


def change_status(session: Session, actor: User, initiative: Initiative, target: Status, reason: str,
                  now: datetime, *, as_staff: bool, reopen_until: datetime | None = None) -> StatusChange:
    """Move an initiative along the workflow (staff changes are audited); the caller mails the holder."""
    # Locked and re-read: a holder withdrawing while an admin moves the dossier must not both succeed.
    # Pending changes are flushed first, since a refresh would discard them.
    session.flush()
    session.refresh(initiative, with_for_update=True)
    source = initiative.status_enum
    kind = Actor.STAFF if as_staff else Actor.HOLDER
    if kind is Actor.HOLDER and initiative.holder_id != actor.id:
        raise NotAllowed("Ce dossier n'est pas le vôtre.")
    try:
        check_transition(source, target, kind, reason)
    except TransitionRefused as exc:
        raise DomainError(str(exc), field="reason" if "motif" in str(exc) else None) from exc
    _record_status(session, initiative, source, target, actor, reason.strip(), now)
    if target is Status.DRAFT and source is not Status.IDEA:
        initiative.reopened_until = reopen_until
        initiative.filed_at = None
    initiative.updated_at = now
    if as_staff:
        audit.record(session, actor=actor, action="initiative.status", object_type="initiative",
                     object_id=initiative.id, now=now, summary=f"Dossier « {initiative.title[:80]} »",
                     before={"status": source.value}, after={"status": target.value, "reason": reason.strip()})
    session.flush()
    return initiative.history[-1]


# --- Attachments -----------------------------------------------------------------------------


def check_can_attach(initiative: Initiative, user: User, now: datetime, session: Session | None = None) -> None:
    """Refuse before anything is written: not editable, or already at the file limit."""
    if session is not None:
        # Locked and re-read, so two uploads at once cannot both pass the count.
        session.flush()
        session.refresh(initiative, with_for_update=True)
    _require_editable(initiative, user, now)
    if len(initiative.attachments) >= uploads.MAX_FILES_PER_DOSSIER:
        raise DomainError(f"Un dossier comporte au plus {uploads.MAX_FILES_PER_DOSSIER} pièces jointes : "
                          "supprimez-en une pour en ajouter une autre.", field="file")


def add_attachment(session: Session, user: User, initiative: Initiative, stored: uploads.StoredFile,
                   original_name: str, now: datetime) -> Attachment:
    """Record a stored file on the dossier."""
    check_can_attach(initiative, user, now, session)
    name = original_name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "piece-jointe"
    attachment = Attachment(original_name=name, stored_name=stored.stored_name, content_type=stored.content_type,
                            size=stored.size, sha256=stored.sha256, uploaded_at=now)
    initiative.attachments.append(attachment)
    initiative.updated_at = now
    session.flush()
    return attachment


def remove_attachment(session: Session, user: User, attachment: Attachment, now: datetime) -> str:
    """Remove an attachment from an editable dossier; returns the stored name for the caller to delete."""
    _require_editable(attachment.initiative, user, now)
    stored_name = attachment.stored_name
    session.delete(attachment)
    session.flush()
    return stored_name


def can_view_dossier(initiative: Initiative, user: User) -> bool:
    """The holder and the Mission ESS see a dossier and its attachments (the committee comes with labelling)."""
    return initiative.holder_id == user.id or is_staff(user.role_set)


def is_staff_admin(user: User) -> bool:
    """Administrators change dossiers and comptoirs; agents only look and mark attendance."""
    return Role.ADMIN in user.role_set
