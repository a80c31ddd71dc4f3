"""Pure rules of an initiative: its status machine (every allowed transition and who may make it), SIRET,
provisional budget, amount ceiling, completeness before filing. Stdlib only: no Flask, no database."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from budgetcitoyen.initiatives.models import Initiative

SUMMARY_MAX_LENGTH = 500
NARROW_NBSP = "\u202f"  # the thousands separator of French typography
# La Poste's establishments share one SIREN whose SIRETs follow another checksum (INSEE rule).
LA_POSTE_SIREN = "356000000"


# --- The status machine -----------------------------------------------------------------------


class Status(enum.StrEnum):
    """Where an initiative stands, from idea to closed convention."""

    IDEA = "idea"
    DRAFT = "draft"
    FILED = "filed"
    IN_REVIEW = "in_review"
    LABELLED = "labelled"
    NOT_LABELLED = "not_labelled"
    ON_BALLOT = "on_ballot"
    WINNER = "winner"
    NOT_SELECTED = "not_selected"
    UNDER_AGREEMENT = "under_agreement"
    CLOSED = "closed"
    ABANDONED = "abandoned"


STATUS_LABELS = {
    Status.IDEA: "Idée",
    Status.DRAFT: "Brouillon",
    Status.FILED: "Déposé",
    Status.IN_REVIEW: "En instruction",
    Status.LABELLED: "Labellisé",
    Status.NOT_LABELLED: "Non labellisé",
    Status.ON_BALLOT: "Soumis au vote",
    Status.WINNER: "Lauréate",
    Status.NOT_SELECTED: "Non retenu",
    Status.UNDER_AGREEMENT: "Conventionné",
    Status.CLOSED: "Soldé",
    Status.ABANDONED: "Abandonné",
}


class Actor(enum.StrEnum):
    """Who asks for the transition."""

    HOLDER = "holder"
    STAFF = "staff"  # the ESS service (admin)


@dataclass(frozen=True)
class Transition:
    """One allowed move, who may make it, and whether a reason must be given."""

    source: Status
    target: Status
    actor: Actor
    needs_reason: bool = False


# Statuses from which the holder may still withdraw: once the grant is agreed, stopping is a
# matter for the convention (reduction, claim back), handled by the ESS service.
_WITHDRAWABLE = (Status.IDEA, Status.DRAFT, Status.FILED, Status.IN_REVIEW, Status.LABELLED, Status.ON_BALLOT)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Status.IDEA, Status.DRAFT, Actor.HOLDER),
    Transition(Status.DRAFT, Status.FILED, Actor.HOLDER),
    Transition(Status.FILED, Status.DRAFT, Actor.STAFF, needs_reason=True),  # reopened for corrections
    Transition(Status.FILED, Status.IN_REVIEW, Actor.STAFF),
    Transition(Status.IN_REVIEW, Status.DRAFT, Actor.STAFF, needs_reason=True),
    Transition(Status.IN_REVIEW, Status.LABELLED, Actor.STAFF, needs_reason=True),
    Transition(Status.IN_REVIEW, Status.NOT_LABELLED, Actor.STAFF, needs_reason=True),
    Transition(Status.LABELLED, Status.ON_BALLOT, Actor.STAFF),
    Transition(Status.ON_BALLOT, Status.WINNER, Actor.STAFF),
    Transition(Status.ON_BALLOT, Status.NOT_SELECTED, Actor.STAFF),
    Transition(Status.WINNER, Status.UNDER_AGREEMENT, Actor.STAFF),
    Transition(Status.UNDER_AGREEMENT, Status.CLOSED, Actor.STAFF),
    *(Transition(source, Status.ABANDONED, Actor.HOLDER) for source in _WITHDRAWABLE),
    *(Transition(source, Status.ABANDONED, Actor.STAFF, needs_reason=True)
      for source in (*_WITHDRAWABLE, Status.WINNER, Status.UNDER_AGREEMENT)),
)

_BY_KEY = {(t.source, t.target, t.actor): t for t in TRANSITIONS}


class TransitionRefused(ValueError):
    """A move the workflow does not allow; the message is French."""


def allowed_targets(source: Status, actor: Actor) -> list[Status]:
    """The statuses `actor` may move an initiative to from `source`, in workflow order."""
    targets = {t.target for t in TRANSITIONS if t.source == source and t.actor == actor}
    return [s for s in Status if s in targets]


def staff_moves(source: Status) -> list[Status]:
    """Where the ESS service may move a dossier from its page: labelled and not labelled are recorded with
    their category and motivation on the committee's decision page instead."""
    decided_elsewhere = (Status.LABELLED, Status.NOT_LABELLED)
    return [t for t in allowed_targets(source, Actor.STAFF) if t not in decided_elsewhere]


def check_transition(source: Status, target: Status, actor: Actor, reason: str = "") -> Transition:
    """The transition if allowed (with its reason when one is required), else TransitionRefused."""
    transition = _BY_KEY.get((source, target, actor))
    if transition is None:
        raise TransitionRefused(
            f"Impossible de passer de « {STATUS_LABELS[source]} » à « {STATUS_LABELS[target]} »."
        )
    if transition.needs_reason and not reason.strip():
        raise TransitionRefused("Indiquez le motif de ce changement de statut.")
    return transition


def is_editable_by_holder(status: Status) -> bool:
    """The holder edits an idea or a draft; a filed dossier is frozen unless the ESS service reopens it."""
    return status in (Status.IDEA, Status.DRAFT)


def is_public(status: Status) -> bool:
    """Statuses shown in the public catalogue (once the edition's catalogue is published)."""
    return status in (Status.LABELLED, Status.ON_BALLOT, Status.WINNER, Status.NOT_SELECTED,
                      Status.UNDER_AGREEMENT, Status.CLOSED)


def public_structure_name(initiative: Initiative) -> str | None:
    """The holder structure's name, published only for legal structures: for an individual or an informal
    collective, the "structure name" is in practice a person's name."""
    kind = initiative.structure_type
    if kind is None or not kind.can_receive_grant:
        return None
    return initiative.structure_name or None


# --- The dossier ------------------------------------------------------------------------------


def siret_problem(raw: str) -> str | None:
    """None when the SIRET is valid (14 digits, Luhn checksum), else a French explanation."""
    siret = "".join(raw.split())
    if not re.fullmatch(r"[0-9]{14}", siret):  # ASCII digits only: isdigit() accepts ² or ١
        return "Le numéro SIRET doit comporter exactement 14 chiffres."
    valid = sum(int(d) for d in siret) % 5 == 0 if siret.startswith(LA_POSTE_SIREN) else luhn_valid(siret)
    if valid:
        return None
    return "Ce numéro SIRET n'est pas valide : vérifiez-le sur votre avis de situation INSEE."


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum (used by SIREN and SIRET)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_siret(raw: str) -> str:
    """Digits only (people type spaces)."""
    return "".join(raw.split())


class Side(enum.StrEnum):
    """Which column of the provisional budget a line belongs to."""

    CHARGE = "charge"
    PRODUCT = "product"
    IN_KIND_USE = "in_kind_use"  # 86: emplois des contributions volontaires en nature
    IN_KIND_SOURCE = "in_kind_source"  # 87: contributions volontaires en nature


# The French associative chart of accounts, as in the CERFA n° 12156 provisional budget.
ACCOUNTS: dict[str, tuple[Side, str]] = {
    "60": (Side.CHARGE, "60 – Achats"),
    "61": (Side.CHARGE, "61 – Services extérieurs"),
    "62": (Side.CHARGE, "62 – Autres services extérieurs"),
    "63": (Side.CHARGE, "63 – Impôts et taxes"),
    "64": (Side.CHARGE, "64 – Charges de personnel"),
    "65": (Side.CHARGE, "65 – Autres charges de gestion courante"),
    "66": (Side.CHARGE, "66 – Charges financières"),
    "67": (Side.CHARGE, "67 – Charges exceptionnelles"),
    "68": (Side.CHARGE, "68 – Dotations aux amortissements"),
    "70": (Side.PRODUCT, "70 – Ventes de produits finis, prestations de services"),
    "74": (Side.PRODUCT, "74 – Subventions d'exploitation"),
    "75": (Side.PRODUCT, "75 – Autres produits de gestion courante"),
    "76": (Side.PRODUCT, "76 – Produits financiers"),
    "77": (Side.PRODUCT, "77 – Produits exceptionnels"),
    "78": (Side.PRODUCT, "78 – Reprises sur amortissements et provisions"),
    "860": (Side.IN_KIND_USE, "860 – Secours en nature"),
    "861": (Side.IN_KIND_USE, "861 – Mise à disposition gratuite de biens et services"),
    "862": (Side.IN_KIND_USE, "862 – Prestations"),
    "864": (Side.IN_KIND_USE, "864 – Personnel bénévole"),
    "870": (Side.IN_KIND_SOURCE, "870 – Bénévolat"),
    "871": (Side.IN_KIND_SOURCE, "871 – Prestations en nature"),
    "875": (Side.IN_KIND_SOURCE, "875 – Dons en nature"),
}
SUBSIDY_ACCOUNT = "74"


@dataclass(frozen=True)
class BudgetLine:
    """One line of the provisional budget."""

    account: str
    label: str
    amount: Decimal
    funder: str = ""  # for 74 lines: the co-financer named
    is_departement: bool = False  # the line asking the département for this grant


class SavedBudgetLine(Protocol):
    """A budget line as the dossier stores it (the ORM row): its attributes are read, nothing more."""

    account: str
    label: str
    amount: Decimal
    funder: str
    is_departement: bool


def budget_of(rows: Iterable[SavedBudgetLine]) -> list[BudgetLine]:
    """A saved budget as the rules' values, in its order (`budget_of(initiative.budget_lines)`)."""
    return [BudgetLine(r.account, r.label, r.amount, r.funder, r.is_departement) for r in rows]


@dataclass(frozen=True)
class BudgetTotals:
    """Totals per side."""

    charges: Decimal
    products: Decimal
    in_kind_uses: Decimal
    in_kind_sources: Decimal

    @property
    def total_charges(self) -> Decimal:
        """Charges including the use of contributions in kind (the CERFA's bottom line)."""
        return self.charges + self.in_kind_uses

    @property
    def total_products(self) -> Decimal:
        """Products including contributions in kind."""
        return self.products + self.in_kind_sources


def budget_totals(lines: Iterable[BudgetLine]) -> BudgetTotals:
    """Sum each side (unknown accounts are left out; budget_problems reports them)."""
    sums = dict.fromkeys(Side, Decimal("0"))
    for line in lines:
        if line.account in ACCOUNTS:
            sums[ACCOUNTS[line.account][0]] += line.amount
    return BudgetTotals(sums[Side.CHARGE], sums[Side.PRODUCT], sums[Side.IN_KIND_USE],
                        sums[Side.IN_KIND_SOURCE])


def budget_problems(lines: list[BudgetLine], amount_asked: Decimal | None,
                    au: str = "à la collectivité") -> list[str]:
    """French reasons why the budget cannot be filed; empty when it balances and asks the right amount.
    `au` names who the grant is asked of (« au Département »: config.naming().au)."""
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.account not in ACCOUNTS:
            problems.append(f"Ligne {number} : compte « {line.account} » inconnu.")
        if line.amount <= 0:
            problems.append(f"Ligne {number} : le montant doit être positif.")
        if line.amount != line.amount.quantize(Decimal("0.01")):
            problems.append(f"Ligne {number} : le montant a plus de deux décimales.")
        if not line.label.strip():
            problems.append(f"Ligne {number} : indiquez un libellé.")
        if line.account == SUBSIDY_ACCOUNT and not line.funder.strip():
            problems.append(f"Ligne {number} : nommez le financeur de cette subvention.")
        if line.is_departement and line.account != SUBSIDY_ACCOUNT:
            problems.append(f"Ligne {number} : la demande {au} est une subvention (compte 74).")
    totals = budget_totals(lines)
    if totals.charges == 0:
        problems.append("Le budget doit comporter au moins une charge.")
    if totals.charges != totals.products:
        problems.append(
            f"Le budget n'est pas équilibré : charges {_fr(totals.charges)} €, "
            f"produits {_fr(totals.products)} €."
        )
    if totals.in_kind_uses != totals.in_kind_sources:
        problems.append(
            "Les contributions volontaires en nature doivent s'équilibrer : "
            f"emplois (86) {_fr(totals.in_kind_uses)} €, ressources (87) {_fr(totals.in_kind_sources)} €."
        )
    departement_lines = [line for line in lines if line.is_departement]
    if len(departement_lines) != 1:
        problems.append(f"Le budget doit comporter une et une seule ligne de subvention demandée {au}.")
    elif amount_asked is not None and departement_lines[0].amount != amount_asked:
        problems.append(
            f"La subvention demandée {au} dans le budget ({_fr(departement_lines[0].amount)} €) "
            f"doit être égale au montant demandé ({_fr(amount_asked)} €)."
        )
    return problems


def amount_problem(amount_asked: Decimal, ceiling: Decimal, category_name: str) -> str | None:
    """The amount asked must be positive and within the category's ceiling."""
    if amount_asked <= 0:
        return "Le montant demandé doit être positif."
    if amount_asked > ceiling:
        return (f"Le montant demandé ({_fr(amount_asked)} €) dépasse le plafond de la catégorie "
                f"« {category_name} » ({_fr(ceiling)} €).")
    return None


# Fields a dossier needs before filing, with the French name used in messages.
REQUIRED_FOR_FILING: Mapping[str, str] = {
    "structure_type": "le type de structure",
    "structure_name": "le nom de la structure",
    "structure_address": "l'adresse de la structure",
    "contact_name": "le nom du contact",
    "contact_email": "l'e-mail du contact",
    "contact_phone": "le téléphone du contact",
    "title": "le titre de l'initiative",
    "summary": "le résumé",
    "description": "la description",
    "problem_addressed": "le problème auquel l'initiative répond",
    "public_addressed": "le public concerné",
    "territory": "le territoire",
    "communes": "au moins une commune d'action",
    "category": "la catégorie demandée",
    "amount_asked": "le montant demandé",
    "starts_on": "la date de début",
    "duration_months": "la durée",
    "ess_practices": "les pratiques d'économie sociale et solidaire",
}


def missing_for_filing(values: Mapping[str, object]) -> list[str]:
    """French names of the required fields that are empty."""
    missing = []
    for field, label in REQUIRED_FOR_FILING.items():
        value = values.get(field)
        if value is None or (isinstance(value, str | list | tuple | set | frozenset) and not value) or (
            isinstance(value, str) and not value.strip()
        ):
            missing.append(label)
    return missing


def _fr(amount: Decimal) -> str:
    """12 500,00 in French notation (no Babel here: this module stays stdlib-only)."""
    whole, _, cents = f"{amount:.2f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sign + NARROW_NBSP.join(groups) + "," + cents
