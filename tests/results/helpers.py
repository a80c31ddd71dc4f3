"""The results' test data: an edition with four initiatives on the ballot and five counted ballots,
and a hand-made published result (rows written directly, so the pages are tested without the engine).

The instance: envelope 22 000 €; votes A 5, B 4, C 3, D 1; asked 8 000, 9 000, 6 000, 4 500 €.
With the greedy rule: A (8 000, 14 000 left), B (9 000, 5 000 left), C does not fit (6 000),
D (4 500, 500 left). Winners A, B, D; 21 500 € spent, 500 € left.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Category, Edition, EditionPhase
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.reference.models import StructureType, Territory
from budgetcitoyen.results.models import AllocationDecision, AllocationResult
from budgetcitoyen.results.services import CSV_NAME, PB_NAME, results_folder
from budgetcitoyen.voting import ballots as voting
from budgetcitoyen.voting import counts
from budgetcitoyen.voting.eligibility import voter_key
from budgetcitoyen.voting.models import Ballot, BallotChoice, Channel
from tests.helpers import text_of
from tests.voting.conftest import SECRET

YEAR = 2026
ENVELOPE = Decimal(22000)
# (key, title, territory, category, amount asked, structure type, structure name)
INITIATIVES = [
    ("A", "Ressourcerie d'Arras", "arrageois", "cooperation", "8000", "association", "Association Re-Faire"),
    ("B", "Café associatif de Lens", "lens-henin", "cooperation", "9000", "scic", "SCIC Le Comptoir"),
    (
        "C",
        "Jardin partagé de Calais",
        "calaisis",
        "innovation-societale",
        "6000",
        "association",
        "Les Jardins du Fort",
    ),
    ("D", "Atelier vélo d'Avion", "lens-henin", "pratique-ess", "4500", "collectif", "Famille Durand"),
]
# (choices, voter's territory, age band, channel)
BALLOTS = [
    ("ABC", "arrageois", "18-29", "online"),
    ("ABC", "arrageois", "30-44", "online"),
    ("ABC", "lens-henin", "30-44", "paper"),
    ("ABD", "lens-henin", "60-74", "online"),
    ("A", "arrageois", "11-17", "online"),
]
VOTES = {"A": 5, "B": 4, "C": 3, "D": 1}
PB_CONTENT = b"META\nkey;value\nbudget;22000\nPROJECTS\nproject_id;cost;votes\n"
CSV_CONTENT = b"bulletin;canal;initiatives\n"


def squeeze(text: str) -> str:
    """Spaces of any kind (French typography uses narrow no-break ones) as one plain space."""
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))


def visible(response: TestResponse) -> str:
    """The page's text without its tags, spaces squeezed."""
    return squeeze(re.sub(r"<[^>]+>", " ", text_of(response)))


@dataclass
class Scenario:
    edition: Edition
    ids: dict[str, int]
    holders: dict[str, str]


def set_vote_window(app: Flask, edition_id: int, *, open_: bool) -> None:
    """Put the vote around now (open) or in the past (closed, the results period running)."""
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        phases = {
            p.phase: p
            for p in session.scalars(select(EditionPhase).where(EditionPhase.edition_id == edition_id))
        }
        follow_up = phases[Phase.FOLLOW_UP.value]
        results = phases[Phase.RESULTS.value]
        vote = phases[Phase.VOTE.value]
        if open_:
            vote.starts_at, vote.ends_at = now - timedelta(days=5), now + timedelta(days=5)
            results.starts_at, results.ends_at = now + timedelta(days=20), now + timedelta(days=40)
        else:
            vote.starts_at, vote.ends_at = now - timedelta(days=30), now - timedelta(days=1)
            results.starts_at, results.ends_at = now - timedelta(hours=1), now + timedelta(days=30)
        follow_up.starts_at, follow_up.ends_at = results.ends_at, results.ends_at + timedelta(days=500)
        session.commit()


def make_scenario(
    app: Flask, make_edition: Callable[..., Edition], make_user: Callable[..., User]
) -> Scenario:
    """The scenario's rows (also used by the browser tests, which cannot use this folder's fixtures)."""
    edition = make_edition(
        year=YEAR,
        open_phase=Phase.VOTE,
        catalogue_published=True,
        envelope=ENVELOPE,
        payment_credits=Decimal(209285),
        credits_available=Decimal(120285),
    )
    set_vote_window(app, edition.id, open_=True)
    now = now_utc()
    ids: dict[str, int] = {}
    # Made before the session below opens: SQLite allows one writer at a time.
    holders = {key: make_user(email=f"porteur-{key.lower()}@example.org") for key, *_ in INITIATIVES}
    with app.extensions["db_sessionmaker"]() as session:
        territories = dict(session.execute(select(Territory.code, Territory.id)).all())
        categories = dict(
            session.execute(select(Category.code, Category.id).where(Category.edition_id == edition.id)).all()
        )
        kinds = dict(session.execute(select(StructureType.code, StructureType.id)).all())
        for n, (key, title, territory, category, amount, kind, structure) in enumerate(INITIATIVES):
            initiative = Initiative(
                edition_id=edition.id,
                holder_id=holders[key].id,
                title=title,
                summary="Résumé.",
                territory_id=territories[territory],
                category_id=categories[category],
                amount_asked=Decimal(amount),
                structure_type_id=kinds[kind],
                structure_name=structure,
                status=Status.LABELLED.value,
                created_at=now,
                updated_at=now,
                filed_at=now - timedelta(days=100 - n),
            )
            session.add(initiative)
            session.flush()
            ids[key] = initiative.id
        for n, (choices, territory, band, channel) in enumerate(BALLOTS):
            ballot = Ballot(
                edition_id=edition.id,
                public_id=f"bulletin{n:04d}",
                receipt_id=f"recu{n:04d}",
                voter_key=f"votant{n}",
                channel=channel,
                territory_id=territories[territory],
                age_band=band,
                cast_at=now - timedelta(days=2),
            )
            ballot.choices = [BallotChoice(initiative_id=ids[key]) for key in choices]
            session.add(ballot)
        session.flush()
        counts.rebuild(session, edition.id)  # written past store_ballot: the participation counts follow
        session.commit()
    return Scenario(edition, ids, {key: user.email for key, user in holders.items()})


def write_result(app: Flask, scenario: Scenario, *, published: bool = True) -> AllocationResult:
    """The greedy outcome of the scenario stored by hand, and (published) its two files on disk."""
    edition = scenario.edition
    now = now_utc()
    outcome = [  # key, rank, granted, funded, position, explanation
        ("A", 1, "8000", True, 1, "financé : 1er en voix ; 8 000 € accordés, 14 000 € restants"),
        ("B", 2, "9000", True, 2, "financé : 2e en voix ; 9 000 € accordés, 5 000 € restants"),
        ("C", 3, "0", False, None, "non financé : 6 000 € demandés, 5 000 € restants"),
        ("D", 4, "4500", True, 3, "financé : 4e en voix ; 4 500 € accordés, 500 € restants"),
    ]
    asked = {key: Decimal(amount) for key, _, _, _, amount, _, _ in INITIATIVES}
    with app.extensions["db_sessionmaker"]() as session:
        admin = session.scalar(select(User).where(User.email == "lead-admin@example.org"))
        if admin is None:
            admin = User(
                email="lead-admin@example.org", password_hash="x", created_at=now, email_confirmed_at=now
            )
            session.add(admin)
            session.flush()
        result = AllocationResult(
            edition_id=edition.id,
            rule="greedy",
            settings={
                "rule": "greedy",
                "threshold": 0,
                "utility": "cost",
                "tie_break": "edition",
                "ceilings": {"cooperation": "15000.00", "pratique-ess": "4500.00"},
                "sub_envelopes": {},
            },
            envelope=ENVELOPE,
            spent=Decimal(21500),
            remaining=Decimal(500),
            voters=len(BALLOTS),
            computed_at=now,
            computed_by_id=admin.id,
        )
        for key, rank, granted, funded, position, explanation in outcome:
            result.decisions.append(
                AllocationDecision(
                    initiative_id=scenario.ids[key],
                    rank=rank,
                    votes=VOTES[key],
                    asked=asked[key],
                    granted=Decimal(granted),
                    funded=funded,
                    position=position,
                    reason="funded" if funded else "no_room",
                    explanation=explanation,
                )
            )
        if published:
            folder = results_folder(app.instance_path, edition.year)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / PB_NAME.format(year=edition.year)).write_bytes(PB_CONTENT)
            (folder / CSV_NAME.format(year=edition.year)).write_bytes(CSV_CONTENT)
            result.ballots_pb_sha256 = hashlib.sha256(PB_CONTENT).hexdigest()
            result.ballots_csv_sha256 = hashlib.sha256(CSV_CONTENT).hexdigest()
            result.published_at = now
            result.published_by_id = admin.id
            for (
                key,
                _,
                _,
                funded,
                _,
                _,
            ) in outcome:
                initiative = session.get(Initiative, scenario.ids[key])
                initiative.status = (Status.WINNER if funded else Status.NOT_SELECTED).value
        session.add(result)
        session.commit()
        session.refresh(result)
        return result


def seed(
    app: Flask,
    edition: Edition,
    make_initiative: Callable[..., Initiative],
    ballots: list[list[int]],
    amounts: list[int],
) -> list[Initiative]:
    """Labelled initiatives with these amounts, and online ballots given as positions in that list."""
    initiatives = [
        make_initiative(edition, Status.LABELLED, f"Initiative {n}", territory="arrageois",
                        amount_asked=Decimal(amount))
        for n, amount in enumerate(amounts)
    ]
    with app.extensions["db_sessionmaker"]() as session:
        window = session.get(Edition, edition.id).window(Phase.VOTE)
        for n, positions in enumerate(ballots):
            voting.store_ballot(
                session,
                session.get(Edition, edition.id),
                voter_key(SECRET, user_id=10_000 + n),
                Channel.ONLINE,
                initiatives[0].territory_id,
                "30-44",
                [initiatives[p].id for p in positions],
                window.starts_at + timedelta(hours=1),
            )
        session.commit()
    return initiatives
