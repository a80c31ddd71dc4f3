"""Demo voters and ballots, so the participation page and the results have something to show."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import local_zone
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.reference.models import Commune
from budgetcitoyen.voting.ballots import ballot_initiatives, store_ballot
from budgetcitoyen.voting.eligibility import age_band, age_on, voter_key
from budgetcitoyen.voting.identity import Identity, save_profile
from budgetcitoyen.voting.models import Ballot, Channel, VoterProfile
from budgetcitoyen.voting.rules import last_vote_day

FIRST_NAMES = ["Camille", "Léa", "Hugo", "Inès", "Lucas", "Chloé", "Nathan", "Manon", "Louis", "Emma",
               "Jules", "Sarah", "Gabriel", "Zoé", "Arthur", "Louise", "Théo", "Jade", "Noah", "Lina"]
LAST_NAMES = ["Martin", "Lefebvre", "Dubois", "Lemaire", "Dupont", "Leroy", "Caron", "Fontaine", "Delattre",
              "Lefèvre", "Roussel", "Dumont", "Lecomte", "Deprez", "Vasseur", "Carpentier"]


def seed_votes(session: Session, edition: Edition, secret: str, now: datetime, voters: int = 400) -> int:
    """Demo residents with a declared identity and a ballot cast during the vote; returns how many ballots.

    Popularity is skewed (a few initiatives draw most votes) so rankings and the allocation look like a
    real vote. Runs once per edition.
    """
    window = edition.window(Phase.VOTE)
    if window is None or now < window.starts_at:
        return 0
    if session.scalar(select(func.count()).select_from(Ballot).where(Ballot.edition_id == edition.id)):
        return 0
    initiatives = ballot_initiatives(session, edition)
    if len(initiatives) < edition.max_choices:
        return 0
    rng = random.Random(edition.year * 7919)
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(initiatives))]
    rng.shuffle(weights)
    communes = session.execute(
        select(Commune.insee_code, Commune.territory_id).order_by(Commune.insee_code)).all()
    # No one logs into these accounts: a single hash keeps seeding fast.
    password_hash = generate_password_hash("compte-de-demonstration-sans-connexion")
    last_day = last_vote_day(window.ends_at, local_zone())
    span = max(1, int((min(now, window.ends_at) - window.starts_at).total_seconds()))
    cast = 0
    for n in range(1, voters + 1):
        email = f"votant{n:04d}@example.org"
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, password_hash=password_hash, created_at=window.starts_at,
                        email_confirmed_at=window.starts_at)
            session.add(user)
            session.flush()
        code, territory_id = communes[rng.randrange(len(communes))]
        born = date(rng.randint(1940, last_day.year - 11), rng.randint(1, 12), rng.randint(1, 28))
        if session.scalar(select(VoterProfile.id).where(VoterProfile.user_id == user.id)) is None:
            identity = Identity(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), born, code)
            save_profile(session, user, identity, secret, None, window.starts_at)
        choices: set[int] = set()
        while len(choices) < edition.max_choices:
            choices.add(rng.choices(initiatives, weights)[0].id)
        at = window.starts_at + timedelta(seconds=rng.randrange(span))
        store_ballot(session, edition, voter_key(secret, user_id=user.id), Channel.ONLINE,
                              territory_id, age_band(age_on(born, last_day)), sorted(choices), at)
        cast += 1
    return cast
