"""Use cases of the holder's work: deposit an idea, save a draft dossier, file it. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import Role, User, UserRole
from budgetcitoyen.config import collectivite_in, naming
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import require_phase
from budgetcitoyen.errors import Conflict, DomainError, InvalidInput, NotAllowed, PhaseClosed
from budgetcitoyen.initiatives import notifications, rules
from budgetcitoyen.initiatives.models import BudgetLineRow, Initiative, InitiativeCommune
from budgetcitoyen.initiatives.permissions import can_edit_dossier
from budgetcitoyen.initiatives.rules import Actor, Status, check_transition, is_editable_by_holder
from budgetcitoyen.initiatives.services import record_status
from budgetcitoyen.initiatives.workshops import registration_of
from budgetcitoyen.reference.lookup import CommuneIndex
from budgetcitoyen.reference.models import Commune, StructureType, Territory

# The form field holding each required item, so a "missing" message links to the field to fill.
FORM_FIELD_OF = {"structure_type": "structure_type_id", "territory": "territory_id",
                 "category": "category_id"}
Problems = list[tuple[str | None, str]]  # (form field or None, French message)


def unknown_commune() -> str:
    """« Commune inconnue dans le … », for the configured collectivité."""
    return f"Commune inconnue {collectivite_in()}"


class DossierInvalid(InvalidInput):
    """A dossier with several problems; each one is kept for the form."""


# --- The idea --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaInput:
    """A short idea, as typed: the commune is a name, a postal code or an INSEE code (optional)."""

    title: str
    summary: str
    territory_id: int | None
    commune: str = ""


def create_idea(session: Session, user: User, edition: Edition, data: IdeaInput, now: datetime) -> Initiative:
    """Deposit a short idea; its author becomes a project holder."""
    commune_code = None
    if data.commune.strip():
        index = CommuneIndex.load(session)
        commune_code = index.resolve(data.commune)
        if commune_code is None:
            shared = index.shared_postal_code(data.commune)
            raise DomainError(f"{shared}." if shared else f"{unknown_commune()} : vérifiez l'orthographe.",
                              field="commune")
    require_phase(edition, Phase.IDEAS, now)
    title, summary = data.title.strip(), data.summary.strip()
    if not title:
        raise DomainError("Donnez un titre à votre idée.", field="title")
    if not summary:
        raise DomainError("Résumez votre idée en quelques phrases.", field="summary")
    if len(summary) > rules.SUMMARY_MAX_LENGTH:
        raise DomainError(f"Le résumé ne doit pas dépasser {rules.SUMMARY_MAX_LENGTH} caractères.",
                          field="summary")
    territory = session.get(Territory, data.territory_id) if data.territory_id is not None else None
    if territory is None:
        raise DomainError("Choisissez un territoire.", field="territory_id")
    if commune_code:
        commune = session.get(Commune, commune_code)
        if commune is None:
            raise DomainError("Commune inconnue.", field="commune")
        if commune.territory_id != territory.id:
            raise DomainError(f"{commune.name} n'est pas dans le territoire {territory.name}.",
                              field="commune")
    initiative = Initiative(edition_id=edition.id, holder_id=user.id, title=title, summary=summary,
                            territory_id=territory.id, commune_code=commune_code, created_at=now,
                            updated_at=now)
    record_status(initiative, None, Status.IDEA, user, "", now)
    session.add(initiative)
    if Role.HOLDER not in user.role_set:
        user.roles.append(UserRole(role=Role.HOLDER.value, granted_at=now))
    session.flush()
    return initiative


# --- The dossier -----------------------------------------------------------------------------


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
    # Communes typed that matched none: the dossier is refused with them before anything else.
    unknown_communes: list[str] = field(default_factory=list)
    # Postal codes of several communes, each with its French explanation.
    ambiguous_communes: list[str] = field(default_factory=list)


def require_editable(initiative: Initiative, user: User, now: datetime) -> None:
    """Refuse, with the reason, any change to a dossier that is not the user's or no longer editable."""
    if initiative.holder_id != user.id:
        raise NotAllowed("Ce dossier n'est pas le vôtre.")
    if not is_editable_by_holder(initiative.status_enum):
        raise Conflict("Ce dossier a été déposé : il ne peut plus être modifié.")
    if not can_edit_dossier(user, initiative, now):
        raise PhaseClosed("La période de dépôt des dossiers est close : le dossier ne peut plus être "
                          "modifié.")


def _refuse_unknown_communes(data: DossierInput) -> None:
    problems = [("communes", f"{message}.") for message in data.ambiguous_communes]
    if data.unknown_communes:
        problems.append(("communes", f"{unknown_commune()} : " + ", ".join(data.unknown_communes) + "."))
    if problems:
        raise DossierInvalid(problems)


def _check_draft(session: Session, edition: Edition, data: DossierInput) -> Problems:
    """Checks that hold even for a draft: what is given must be well-formed and belong to this edition."""
    problems: Problems = []
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
        known = set(session.scalars(select(Commune.insee_code)
                                    .where(Commune.insee_code.in_(data.commune_codes))))
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


def _write_draft(session: Session, user: User, initiative: Initiative, data: DossierInput,
                 now: datetime) -> bool:
    """Write whatever is given (checked, all or nothing); True when an idea thereby became a draft."""
    problems = _check_draft(session, initiative.edition, data)
    if problems:
        raise DossierInvalid(problems)
    became_draft = initiative.status_enum is Status.IDEA
    if became_draft:
        check_transition(Status.IDEA, Status.DRAFT, Actor.HOLDER)
        record_status(initiative, Status.IDEA, Status.DRAFT, user, "", now)
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
    initiative.action_communes = [InitiativeCommune(insee_code=code)
                                  for code in dict.fromkeys(data.commune_codes)]
    initiative.budget_lines = [
        BudgetLineRow(position=i, account=line.account, label=line.label.strip(), amount=line.amount,
                      funder=line.funder.strip(), is_departement=line.is_departement)
        for i, line in enumerate(data.budget)
    ]
    initiative.updated_at = now
    session.flush()
    return became_draft


def save_draft(session: Session, user: User, initiative: Initiative, data: DossierInput,
               now: datetime) -> None:
    """Save whatever is given; a draft may be incomplete but not malformed. An idea becoming a draft tells
    its holder."""
    _refuse_unknown_communes(data)
    require_editable(initiative, user, now)
    if _write_draft(session, user, initiative, data, now):
        notifications.status_changed(session, initiative, initiative.history[-1])


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
        category_id=initiative.category_id, amount_asked=initiative.amount_asked,
        starts_on=initiative.starts_on, duration_months=initiative.duration_months,
        ess_practices=initiative.ess_practices,
        budget=rules.budget_of(initiative.budget_lines),
    )


def filing_problems(session: Session, initiative: Initiative, data: DossierInput) -> Problems:
    """Everything that stops a dossier from being filed, as (field, French message)."""
    problems = _check_draft(session, initiative.edition, data)
    values = {**data.__dict__, "territory": data.territory_id, "communes": data.commune_codes,
              "structure_type": data.structure_type_id, "category": data.category_id}
    labels_to_fields = {label: FORM_FIELD_OF.get(key, key)
                        for key, label in rules.REQUIRED_FOR_FILING.items()}
    for label in rules.missing_for_filing(values):
        problems.append((labels_to_fields[label], f"Il manque {label}."))
    structure_type = session.get(StructureType, data.structure_type_id) if data.structure_type_id else None
    if structure_type is not None and structure_type.can_receive_grant and not data.siret:
        problems.append(("siret",
                         "Le numéro SIRET est nécessaire pour qu'une structure reçoive la subvention."))
    for message in rules.budget_problems(data.budget, data.amount_asked, naming().au):
        problems.append(("budget", message))
    if registration_of(session, initiative.edition, initiative.holder) is None:
        problems.append((None, "Inscrivez-vous à un comptoir à initiatives citoyennes avant de déposer "
                               "votre dossier."))
    return problems


def file_dossier(session: Session, user: User, initiative: Initiative, data: DossierInput,
                 now: datetime) -> None:
    """Save and file the dossier in one go, or change nothing at all; the holder is told it is filed."""
    _refuse_unknown_communes(data)
    require_editable(initiative, user, now)
    problems = filing_problems(session, initiative, data)
    if problems:
        raise DossierInvalid(problems)
    _write_draft(session, user, initiative, data, now)
    check_transition(Status.DRAFT, Status.FILED, Actor.HOLDER)
    record_status(initiative, Status.DRAFT, Status.FILED, user, "", now)
    initiative.filed_at = now
    initiative.reopened_until = None
    session.flush()
    notifications.status_changed(session, initiative, initiative.history[-1])


def submit_dossier(session: Session, user: User, initiative: Initiative, data: DossierInput, now: datetime, *,
                   file: bool) -> None:
    """What the dossier page's buttons ask: file the dossier, or save it as a draft."""
    (file_dossier if file else save_draft)(session, user, initiative, data, now)
