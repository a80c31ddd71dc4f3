"""About sixty realistic demo initiatives over the collectivité's territories, the four categories and every
status."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import Role, User, UserRole
from budgetcitoyen.config import DEFAULT_PROFILE, read_profile
from budgetcitoyen.demo.collectivites import DemoSet, demo_set
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import (
    BudgetLineRow,
    Initiative,
    InitiativeCommune,
    StatusChange,
    Workshop,
    WorkshopRegistration,
)
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.reference.models import Commune, StructureType, Territory

# (title, what it does, for whom, structure type, structure name pattern)
PROJECTS = [
    ("Recyclerie solidaire", "collecte, répare et revend à petits prix meubles et objets du quotidien",
     "les familles aux revenus modestes et les jeunes qui s'installent", "association", "Re-Faire"),
    ("Jardin partagé et nourricier",
     "cultive des légumes en commun au pied des immeubles et partage les récoltes",
     "les habitants du quartier, les écoles voisines", "association", "Les Mains Vertes"),
    ("Café associatif", "ouvre un lieu convivial où l'on boit un café, joue, échange des savoirs",
     "les habitants isolés, les aînés, les nouveaux arrivants", "collectif", "Le Comptoir des voisins"),
    ("Épicerie solidaire", "vend des produits de qualité à prix réduit et accompagne les budgets serrés",
     "les ménages orientés par les travailleurs sociaux", "association", "Panier Commun"),
    ("Atelier vélo participatif",
     "apprend à réparer son vélo, récupère et remet en état des vélos abandonnés",
     "les jeunes, les salariés sans voiture, les étudiants", "association", "Cycl'Opale"),
    ("Repair café itinérant",
     "répare gratuitement petit électroménager, vêtements et jouets avec des bénévoles",
     "tous les habitants des villages du territoire", "collectif", "Répar'Ensemble"),
    ("Tiers-lieu rural", "ouvre un espace de travail partagé, un fab lab et une salle d'activités",
     "les indépendants, les associations et les jeunes du canton", "scic", "La Grange Commune"),
    ("Conserverie coopérative", "transforme les invendus des maraîchers en conserves vendues localement",
     "les producteurs locaux et les personnes en insertion", "scic", "Bocaux d'ici"),
    ("Mobilité solidaire", "organise du transport à la demande avec des chauffeurs bénévoles",
     "les personnes âgées et sans permis des communes rurales", "association", "Roulons Ensemble"),
    ("Ressourcerie du textile", "trie, répare et transforme les vêtements usagés en créations",
     "les femmes en parcours d'insertion", "association", "Fil à Fil"),
    ("Habitat participatif", "accompagne un groupe d'habitants qui conçoit son futur habitat partagé",
     "les familles et retraités du groupe projet", "cooperative", "Toit Partagé"),
    ("Cantine de quartier", "cuisine des repas à prix libre avec des produits locaux et de saison",
     "les habitants du quartier prioritaire, les étudiants", "association", "La Marmite"),
    ("Monnaie locale complémentaire",
     "développe une monnaie locale acceptée par les commerçants du territoire",
     "les commerçants indépendants et leurs clients", "association", "La Gaillette"),
    ("Accorderie", "organise l'échange de services entre habitants, une heure donnée valant une heure reçue",
     "tous les habitants, en particulier les plus isolés", "association", "L'Accorderie"),
    ("Ferme pédagogique", "accueille les écoles et les familles pour découvrir l'élevage et le maraîchage",
     "les enfants des écoles et centres de loisirs", "association", "Les Prés du Marais"),
    ("Boutique de créateurs", "vend en circuit court les créations d'artisans et d'artistes locaux",
     "les artisans du territoire", "scop", "L'Atelier Partagé"),
    ("Chantier d'insertion bois", "fabrique du mobilier urbain en bois de récupération",
     "les personnes éloignées de l'emploi", "esus", "Bois Debout"),
    ("Groupement d'achat paysan", "organise des achats groupés directement auprès des paysans",
     "les familles et les producteurs bio du secteur", "collectif", "Le Panier Paysan"),
    ("Bibliothèque d'objets", "prête perceuses, tentes, appareils à raclette plutôt que de les acheter",
     "tous les habitants", "association", "La Prêterie"),
    ("Radio associative", "forme les jeunes à la radio et donne la parole aux habitants",
     "les jeunes de 12 à 25 ans", "association", "Radio Terril"),
]

# Winners, not selected, under agreement and closed come from the real allocation of the demo vote
# (see demo.seed), not from here: they start on the ballot.
STATUS_PLAN = [
    (Status.IDEA, 5), (Status.DRAFT, 6), (Status.FILED, 6), (Status.IN_REVIEW, 5), (Status.LABELLED, 6),
    (Status.NOT_LABELLED, 4), (Status.ON_BALLOT, 26), (Status.ABANDONED, 2),
]
# The path each status is reached by, for a believable history.
PATHS = {
    Status.IDEA: [Status.IDEA],
    Status.DRAFT: [Status.IDEA, Status.DRAFT],
    Status.FILED: [Status.IDEA, Status.DRAFT, Status.FILED],
    Status.IN_REVIEW: [Status.IDEA, Status.DRAFT, Status.FILED, Status.IN_REVIEW],
    Status.LABELLED: [Status.IDEA, Status.DRAFT, Status.FILED, Status.IN_REVIEW, Status.LABELLED],
    Status.NOT_LABELLED: [Status.IDEA, Status.DRAFT, Status.FILED, Status.IN_REVIEW, Status.NOT_LABELLED],
    Status.ON_BALLOT: [Status.IDEA, Status.DRAFT, Status.FILED, Status.IN_REVIEW, Status.LABELLED,
                       Status.ON_BALLOT],
    Status.ABANDONED: [Status.IDEA, Status.DRAFT, Status.ABANDONED],
}
REASONS = {
    Status.LABELLED: "Le comité de labellisation relève de solides pratiques de l'ESS.",
    Status.NOT_LABELLED: "Le comité estime que la gouvernance et l'utilité sociale restent à construire.",
    Status.ABANDONED: "",
}
# A past edition's dossiers are all decided: lighter than the current one's (the seed runs in many tests),
# its ballot then counted and published by demo.seed.
PAST_STATUS_PLAN = [(Status.NOT_LABELLED, 3), (Status.ON_BALLOT, 18), (Status.ABANDONED, 1)]


def _siret(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(13)]
    digits[0] = rng.randint(1, 9)
    for check in range(10):
        candidate = "".join(map(str, digits)) + str(check)
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable: one check digit always fits")


def _budget(rng: random.Random, asked: Decimal, collectivite: str) -> list[BudgetLineRow]:
    cofinancing = Decimal(rng.choice([0, 1000, 2000, 3500]))
    sales = Decimal(rng.choice([0, 500, 1200]))
    total = asked + cofinancing + sales
    purchases = (total * Decimal("0.35")).quantize(Decimal("1"))
    services = (total * Decimal("0.20")).quantize(Decimal("1"))
    staff = total - purchases - services
    volunteers = Decimal(rng.choice([0, 1500, 3000]))
    lines = [("60", "Achats de matériel et fournitures", purchases, "", False),
             ("62", "Communication, déplacements, assurance", services, "", False),
             ("64", "Salaire et charges de l'animateur ou animatrice", staff, "", False)]
    if sales:
        lines.append(("70", "Participation des usagers et ventes", sales, "", False))
    lines.append(("74", "Budget citoyen", asked, collectivite, True))
    if cofinancing:
        funder = rng.choice(["Communauté d'agglomération", "Commune", "Caisse d'allocations familiales",
                             "Fondation de France"])
        lines.append(("74", f"Subvention {funder.lower()}", cofinancing, funder, False))
    if volunteers:
        lines.append(("864", "Personnel bénévole", volunteers, "", False))
        lines.append(("870", "Bénévolat", volunteers, "", False))
    return [BudgetLineRow(position=i, account=a, label=label, amount=amount, funder=f, is_departement=d)
            for i, (a, label, amount, f, d) in enumerate(lines)]


def _comptoirs(session: Session, edition: Edition, now: datetime, data: DemoSet) -> dict[int, Workshop]:
    ideas = edition.window(Phase.IDEAS)
    anchor = ideas.starts_at + timedelta(days=20) if ideas else now
    if ideas is not None and ideas.is_open(now):
        anchor = now + timedelta(days=5)  # still to come, so demo users can sign up
    workshops = {}
    territories = session.scalars(select(Territory).order_by(Territory.name)).all()
    for index, territory in enumerate(territories):
        host, address = data.hosts.get(territory.code, ("Maison des associations", territory.name))
        start = (anchor + timedelta(days=2 * index)).replace(hour=17, minute=0, second=0, microsecond=0)
        workshop = Workshop(edition_id=edition.id, territory_id=territory.id, host_structure=host,
                            address=address, starts_at=start, ends_at=start + timedelta(hours=3), capacity=25,
                            seats_taken=0)
        session.add(workshop)
        workshops[territory.id] = workshop
    session.flush()
    return workshops


# The phase in which each status is reached: its date falls in that phase's window (never a dossier
# modified before the ideas phase opened, as the demo once showed).
REACHED_IN = {Status.FILED: Phase.DOSSIERS, Status.IN_REVIEW: Phase.LABELLING,
              Status.LABELLED: Phase.LABELLING, Status.NOT_LABELLED: Phase.LABELLING,
              Status.ON_BALLOT: Phase.VOTE}


def _created_at(edition: Edition, index: int, count: int, now: datetime) -> datetime:
    """When the index-th idea was deposited: spread over the ideas phase (up to now), never before it."""
    ideas = edition.window(Phase.IDEAS)
    if ideas is None:
        return now - timedelta(days=count - index)
    span = max(min(ideas.ends_at, now) - ideas.starts_at, timedelta(hours=count))
    return ideas.starts_at + span * 0.8 * index / count + timedelta(hours=9)


def _reached_at(edition: Edition, reached: Status, previous: datetime, index: int, now: datetime) -> datetime:
    """When a status was reached: a few days after the previous one, and not before its phase opened."""
    at = previous + timedelta(days=3)
    window = edition.window(REACHED_IN[reached]) if reached in REACHED_IN else None
    if window is not None:
        at = max(at, window.starts_at + timedelta(hours=9 + index % 48))
    return min(at, now)


def seed_initiatives(session: Session, edition: Edition, main_holder: User, now: datetime,
                     collectivite: str = DEFAULT_PROFILE, past: bool = False) -> int:
    """Create the demo comptoirs and initiatives once per edition, with the data set of the collectivité
    (a profile's slug); returns how many initiatives were made. A `past` edition gets fewer initiatives,
    all decided, and other projects first (each edition's catalogue reads differently)."""
    made = select(func.count()).select_from(Initiative).where(Initiative.edition_id == edition.id)
    if session.scalar(made):
        return 0
    rng = random.Random(edition.year)
    data = demo_set(collectivite)
    name = read_profile(collectivite)["COLLECTIVITE"]
    workshops = _comptoirs(session, edition, now, data)
    territories = session.scalars(select(Territory).order_by(Territory.name)).all()
    communes_by_territory: dict[int, list[Commune]] = {t.id: [] for t in territories}
    for commune in session.scalars(select(Commune).order_by(Commune.insee_code)):
        communes_by_territory[commune.territory_id].append(commune)
    categories = session.scalars(select(Category).where(Category.edition_id == edition.id)
                                 .order_by(Category.position)).all()
    types = {t.code: t for t in session.scalars(select(StructureType))}
    holders = [main_holder]
    for n in range(1, 20):
        email = f"porteur{n:02d}@example.org"
        holder = session.scalar(select(User).where(User.email == email))
        if holder is None:
            # No password: these accounts exist to own demo dossiers, not to be logged into.
            holder = User(email=email, password_hash=None, created_at=now, email_confirmed_at=now)
            holder.roles.append(UserRole(role=Role.HOLDER.value, granted_at=now))
            session.add(holder)
        holders.append(holder)
    session.flush()

    statuses = [status for status, count in (PAST_STATUS_PLAN if past else STATUS_PLAN) for _ in range(count)]
    if not past:
        # The demo holder's own dashboard shows a little of everything.
        statuses[0], statuses[5], statuses[11] = Status.IDEA, Status.DRAFT, Status.FILED
    shift = (edition.year * 7) % len(PROJECTS) if past else 0
    registered: set[int] = set()
    for index, status in enumerate(statuses):
        title, action, public, type_code, structure = PROJECTS[(index + shift) % len(PROJECTS)]
        territory = territories[index % len(territories)]
        communes = communes_by_territory[territory.id]
        main_commune = communes[(index * 7) % len(communes)]
        own = index in (0, 5, 11) and not past  # the demo holder's dossiers are this edition's
        holder = main_holder if own else holders[1 + index % (len(holders) - 1)]
        category = categories[index % len(categories)]
        asked = min(category.ceiling, Decimal(rng.randrange(3000, 20001, 500)))
        created = _created_at(edition, index, len(statuses), now)
        initiative = Initiative(
            edition_id=edition.id, holder_id=holder.id, status=status.value,
            title=f"{title} à {main_commune.name}", territory_id=territory.id,
            commune_code=main_commune.insee_code,
            summary=f"Une initiative qui {action}, pour {public}.",
            created_at=created, updated_at=created + timedelta(days=20),
        )
        if status is not Status.IDEA:
            structure_type = types[type_code]
            initiative.structure_type_id = structure_type.id
            initiative.structure_name = f"{structure} ({main_commune.name})"
            initiative.siret = _siret(rng) if structure_type.can_receive_grant else ""
            postal_code = main_commune.postal_codes.split()[0]
            initiative.structure_address = (f"{rng.randint(1, 80)} rue de la République, {postal_code} "
                                            f"{main_commune.name}")
            first_name = rng.choice(["Claire", "Karim", "Sophie", "Jean-Marc", "Nadia", "Louis"])
            last_name = rng.choice(["Lefebvre", "Dubois", "Benali", "Martin", "Duhamel", "Vasseur"])
            initiative.contact_name = f"{first_name} {last_name}"
            initiative.contact_email = f"contact{index}@example.org"
            initiative.contact_phone = (f"{data.phone_prefix} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                                        f"{rng.randint(10, 99)}")
            initiative.description = (
                f"**{title}** {action}.\n\nConcrètement :\n\n- un lieu ouvert chaque semaine à "
                f"{main_commune.name} ;\n- des bénévoles et un animateur ou une animatrice à mi-temps ;\n"
                f"- des partenariats avec les structures voisines du {territory.name}.")
            initiative.problem_addressed = ("Le territoire manque de lieux et de services de proximité "
                                            "accessibles à tous.")
            initiative.public_addressed = public[0].upper() + public[1:] + "."
            initiative.ess_practices = ("Gouvernance collégiale où les usagers siègent au conseil "
                                        "d'administration ; excédents réinvestis dans le projet ; "
                                        "coopération avec les acteurs locaux.")
            initiative.category_id = category.id
            initiative.amount_asked = asked
            initiative.starts_on = date(edition.year, 10, 1) + timedelta(days=30 * (index % 4))
            initiative.duration_months = rng.choice([12, 18, 24])
            initiative.action_communes = [InitiativeCommune(insee_code=main_commune.insee_code)]
            extra = communes[(index * 11 + 3) % len(communes)]
            if extra.insee_code != main_commune.insee_code:
                initiative.action_communes.append(InitiativeCommune(insee_code=extra.insee_code))
            initiative.budget_lines = _budget(rng, asked, name)
            if holder.id not in registered:
                workshop = workshops[territory.id]
                session.add(WorkshopRegistration(edition_id=edition.id, workshop_id=workshop.id,
                                                 user_id=holder.id, created_at=created, attended=True))
                workshop.seats_taken += 1
                registered.add(holder.id)
        path = PATHS[status]
        at = created
        for step, reached in enumerate(path):
            if step:
                at = _reached_at(edition, reached, at, index, now)
            initiative.history.append(StatusChange(
                from_status=path[step - 1].value if step else None, to_status=reached.value,
                actor_id=holder.id if reached in (Status.IDEA, Status.DRAFT, Status.FILED) else None,
                reason=REASONS.get(reached, ""), at=at))
            if reached is Status.FILED:
                initiative.filed_at = at
        # The last change is the last modification the pages show.
        initiative.updated_at = at
        session.add(initiative)
    session.flush()
    return len(statuses)


def seed_labelling(session: Session, edition: Edition, admin: User, committee: list[User],
                   now: datetime) -> None:
    """Committee work for the demo: dossiers in review given to the three members (one recusal), and scores,
    decisions and radars for every dossier the committee has already decided on."""
    from budgetcitoyen.labelling import services as labelling
    from budgetcitoyen.labelling.models import Assignment, Decision, Evaluation, Interest, Score

    rng = random.Random(edition.year + 1)
    axes = labelling.questionnaire(session, edition)
    questions = [q for axis in axes for q in axis.questions]
    decided = (Status.LABELLED, Status.NOT_LABELLED, Status.ON_BALLOT)
    initiatives = session.scalars(select(Initiative).where(Initiative.edition_id == edition.id)
                                  .order_by(Initiative.id)).all()
    recused_once = False
    for initiative in initiatives:
        status = initiative.status_enum
        if status is Status.IN_REVIEW:
            members = committee
            if not recused_once and len(committee) >= 3:
                # The third member is linked to this structure: recused, as the deliberations record.
                session.add(Interest(initiative_id=initiative.id, member_id=committee[2].id,
                                     declared_at=now, declared_by_id=committee[2].id,
                                     note="Membre du conseil d'administration."))
                members = committee[:2]
                recused_once = True
            for member in members:
                session.add(Assignment(initiative_id=initiative.id, member_id=member.id, assigned_at=now))
        elif status in decided:
            good = status is not Status.NOT_LABELLED
            for member in committee:
                session.add(Assignment(initiative_id=initiative.id, member_id=member.id, assigned_at=now))
                evaluation = Evaluation(initiative_id=initiative.id, member_id=member.id, updated_at=now,
                                        submitted_at=now,
                                        comment="Dossier solide." if good else "À retravailler.")
                low, high = (2, 4) if good else (0, 2)
                evaluation.scores = [Score(question_id=q.id, value=rng.randint(low, high)) for q in questions]
                session.add(evaluation)
            category = initiative.category
            session.add(Decision(
                initiative_id=initiative.id, labelled=good,
                category_id=category.id if good and category else None,
                motivation=(REASONS[Status.LABELLED] if good else REASONS[Status.NOT_LABELLED]),
                decided_at=now, decided_by_id=admin.id))
    session.flush()
