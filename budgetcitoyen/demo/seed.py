"""A realistic demo edition and one account per role (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts import services as accounts
from budgetcitoyen.accounts.models import College, CommitteeMembership, Role, User, UserRole
from budgetcitoyen.clock import to_local
from budgetcitoyen.config import DEFAULT_PROFILE, read_profile
from budgetcitoyen.demo.ambassadors import seed_ambassadors
from budgetcitoyen.demo.conventions import plans_since, seed_conventions
from budgetcitoyen.demo.impact import seed_impact
from budgetcitoyen.demo.initiatives import seed_initiatives, seed_labelling
from budgetcitoyen.demo.photos import seed_photos
from budgetcitoyen.demo.votes import seed_votes
from budgetcitoyen.editions import services as editions
from budgetcitoyen.editions.models import AllocationRule, BallotScope, Edition
from budgetcitoyen.editions.rules import Phase, calendar_around
from budgetcitoyen.errors import DomainError
from budgetcitoyen.mail import take_pending
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.reference.services import load_reference, territory_codes
from budgetcitoyen.results import services as results
from budgetcitoyen.storage import Storage


@dataclass(frozen=True)
class DemoAccount:
    """A demo account, its password and what it shows."""

    email: str
    password: str
    roles: tuple[Role, ...]
    college: College | None
    description: str


# Fixed on purpose: the README documents them. They only ever exist in a demo database.
DEMO_ACCOUNTS = (
    DemoAccount("admin@example.org", "Enveloppe-ESS-2026", (Role.ADMIN,), None,
                "administrateur (service ESS)"),
    DemoAccount("agent@example.org", "Comptoir-Arras-62", (Role.AGENT,), None, "agent du service ESS"),
    DemoAccount("porteur@example.org", "Initiative-Locale-62", (Role.HOLDER,), None, "porteur d'initiative"),
    DemoAccount("comite1@example.org", "Radar-Marqueurs-ESS1", (), College.AMBASSADOR,
                "membre du comité (ambassadeurs)"),
    DemoAccount("comite2@example.org", "Radar-Marqueurs-ESS2", (), College.FINANCE,
                "membre du comité (finance)"),
    DemoAccount("comite3@example.org", "Radar-Marqueurs-ESS3", (), College.QUALIFIED,
                "membre du comité (qualifié)"),
    DemoAccount("habitant@example.org", "Vote-Septembre-62", (), None, "habitant (électeur)"),
)

def collectivite_service(collectivite: str) -> str:
    """The service that runs the Budget citoyen, as its profile names it (the budget line's label)."""
    return str(read_profile(collectivite)["COLLECTIVITE_SERVICE"])


class OtherCollectivite(DomainError):
    """The database already holds another collectivité's territories."""


def seed_demo(session: Session, now: datetime, year: int, open_phase: Phase | None, secret: str,
              files: Storage, collectivite: str = DEFAULT_PROFILE) -> Edition:
    """Load reference data, the demo accounts and the demo edition; running it again changes nothing.

    `collectivite` is the profile whose territories, communes and name the demo uses (another one's
    data already in the database is refused: the demo would mix both). Opened after the vote, the demo's
    allocation is computed and published through the real services (winners, files, conventions), then
    some conventions are moved along.
    """
    foreign = sorted(set(session.scalars(select(Territory.code))) - set(territory_codes(collectivite)))
    if foreign:
        raise OtherCollectivite(f"La base contient déjà les territoires d'une autre collectivité "
                                f"({', '.join(foreign[:4])}…) : la démonstration « {collectivite} » se "
                                "construit sur une base vide (seed-demo --reset en mode démonstration).")
    load_reference(session, collectivite)
    admin = None
    users: dict[str, User] = {}
    for account in DEMO_ACCOUNTS:
        user = accounts.find_by_email(session, account.email)
        if user is None:
            user = accounts.register(session, account.email, account.password, now)
            user.email_confirmed_at = now
            for role in account.roles:
                user.roles.append(UserRole(role=role.value, granted_at=now))
        users[account.email] = user
        if Role.ADMIN in account.roles:
            admin = user
    session.flush()

    holder = users["porteur@example.org"]
    if admin is not None:
        # The archives: earlier editions published before this one (their voters vote again in it).
        for age, envelope, voters in PAST_EDITIONS:
            if year - age >= to_local(now).year:
                continue  # a demo dated ahead: that edition's vote is not over yet
            seed_past_edition(session, admin, holder, year - age, now, files, collectivite,
                              envelope=Decimal(envelope), voters=voters, secret=secret)
    edition = session.scalar(select(Edition).where(Edition.year == year))
    if edition is None:
        data = editions.EditionInput(
            title=f"Budget citoyen {year}",
            # Smaller than the real 400 000 € so that the demo shows projects the envelope cannot fund.
            envelope=Decimal("150000.00"),
            operation_code="C01-650A01",
            imputation="6568//9365",
            budget_label=collectivite_service(collectivite),
            payment_credits=Decimal("1000000.00"),
            voting_min_age=11,
            min_choices=3,
            max_choices=3,
            ballot_scope=BallotScope.DEPARTMENT,
            allocation_rule=AllocationRule.GREEDY,
            is_published=True,
            catalogue_published=True,
        )
        edition = editions.create_edition(session, admin, year, data, now)
        if open_phase is not None and admin is not None:
            editions.update_calendar(session, admin, edition, calendar_around(now.date(), open_phase), now)
    committee = []
    for account in DEMO_ACCOUNTS:
        if account.college is None:
            continue
        member = users[account.email]
        committee.append(member)
        seated = session.scalar(select(CommitteeMembership.id).where(
            CommitteeMembership.edition_id == edition.id, CommitteeMembership.user_id == member.id))
        if seated is None and admin is not None:
            editions.add_committee_member(session, admin, edition, member, account.college, now)
    if seed_initiatives(session, edition, holder, now, collectivite) and admin is not None:
        seed_labelling(session, edition, admin, committee, now)
        seed_photos(session, edition, files, now)
    session.flush()
    seed_votes(session, edition, secret, now)
    session.flush()
    after_vote = open_phase in (Phase.RESULTS, Phase.FOLLOW_UP)
    if admin is not None and after_vote and results.result_of(session, edition) is None:
        results.compute(session, edition, admin, now)
        results.publish(session, edition, admin, files, now)
        take_pending(session)  # the demo's holders are not mailed about its results
        if open_phase is Phase.FOLLOW_UP:
            # This edition's winners were announced today: to sign, or signed since. The conventions
            # further along (paid, late final report, closed…) are those of an earlier edition.
            seed_conventions(session, edition, now, files=files,
                             not_before=to_local(now).date())
        session.flush()
    seed_impact(session, year, secret, now)  # the survey of whatever past winners the demo has
    seed_ambassadors(session, now)  # last: over every edition seeded above
    return edition


# The archives' editions: (years before the demo's, envelope, voters). Lighter than the current edition
# (fewer initiatives and voters): the seed runs in many tests. Conventions last up to 36 months, and the
# demo shows some closed 30 months after signing: only the oldest edition, three years old, has its
# conventions in every status; the others' are signed since their results.
PAST_EDITIONS = ((3, "90000.00", 60), (2, "100000.00", 90), (1, "115000.00", 120))
OLDEST = max(age for age, _, _ in PAST_EDITIONS)


def seed_past_edition(session: Session, admin: User, holder: User, year: int, now: datetime,
                      files: Storage, collectivite: str = DEFAULT_PROFILE, *,
                      envelope: Decimal = Decimal("100000.00"), voters: int = 60,
                      secret: str = "") -> Edition:
    """An earlier edition on the public site, at its usual calendar long past: its initiatives (all
    decided), its voters' ballots, its allocation computed and published through the real services on the
    day its results were announced, then its winners' conventions moved along (seed_conventions)."""
    edition = session.scalar(select(Edition).where(Edition.year == year))
    if edition is not None:
        return edition
    data = editions.EditionInput(
        title=f"Budget citoyen {year}", envelope=envelope, operation_code="C01-650A01",
        imputation="6568//9365", budget_label=collectivite_service(collectivite),
        payment_credits=Decimal("1000000.00"), voting_min_age=11, min_choices=3, max_choices=3,
        ballot_scope=BallotScope.DEPARTMENT, allocation_rule=AllocationRule.GREEDY, is_published=True,
        catalogue_published=True)
    edition = editions.create_edition(session, admin, year, data, now)
    seed_initiatives(session, edition, holder, now, collectivite, past=True)
    session.flush()
    seed_votes(session, edition, secret, now, voters=voters)
    session.flush()
    results_window = edition.window(Phase.RESULTS)
    announced = results_window.starts_at + timedelta(hours=10) if results_window else now
    results.compute(session, edition, admin, announced)
    results.publish(session, edition, admin, files, announced)
    take_pending(session)  # the demo's holders are not mailed about its results
    today = to_local(now).date()
    if today.year - year >= OLDEST:
        seed_conventions(session, edition, now, files=files)
    else:
        published_on = to_local(announced).date()
        seed_conventions(session, edition, now, files=files, not_before=published_on,
                         plans=plans_since(published_on, today))
    return edition
