"""The ambassadors' directory at the département's scale (300 labelled structures, two editions each).

Prints, in one run: the cost of linking dossiers to their structures at flush time (600 filed dossiers
flushed with the listener against the same without it), and the median time of the directory's pages
against the public catalogue's first page (the baseline, measured in the same run on the same data).
SQLite in a temporary folder, Flask's test client (no network).
Run: .venv/bin/python benchmarks/ambassadors.py
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STRUCTURES = 300
REPEAT = 15
PASSWORD = "Benchmark-Ambassadeurs-62"


def setup(folder: Path):  # type: ignore[no-untyped-def]
    from alembic import command
    from werkzeug.security import generate_password_hash

    from budgetcitoyen import create_app
    from budgetcitoyen.accounts.models import Role, User, UserRole
    from budgetcitoyen.clock import now_utc
    from budgetcitoyen.migrate import alembic_config
    from budgetcitoyen.reference.services import load_reference

    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-secret-key-0123456789",
                      "INSTANCE_PATH": str(folder), "SESSION_COOKIE_SECURE": False})
    with app.extensions["db_sessionmaker"]() as session:
        load_reference(session)
        now = now_utc()
        admin = User(email="admin@example.org", password_hash=generate_password_hash(PASSWORD),
                     created_at=now, email_confirmed_at=now)
        admin.roles.append(UserRole(role=Role.ADMIN.value, granted_at=now))
        session.add(admin)
        session.commit()
    return app


def make_edition(session, year: int):  # type: ignore[no-untyped-def]
    from budgetcitoyen.clock import now_utc
    from budgetcitoyen.editions import services as editions
    from budgetcitoyen.editions.models import AllocationRule, BallotScope

    data = editions.EditionInput(
        title=f"Budget citoyen {year}", envelope=Decimal(400000), operation_code="C01", imputation="6568",
        budget_label="Mission ESS", payment_credits=Decimal(1000000), voting_min_age=11, min_choices=3,
        max_choices=3, ballot_scope=BallotScope.DEPARTMENT, allocation_rule=AllocationRule.GREEDY,
        is_published=True, catalogue_published=True)
    return editions.create_edition(session, None, year, data, now_utc())


def flush_dossiers(app, year: int, holders: list[int], sirets: list[str]) -> float:  # type: ignore[no-untyped-def]
    """Seconds to add and flush one filed, labelled dossier per holder in a new edition."""
    from sqlalchemy import select

    from budgetcitoyen.clock import now_utc
    from budgetcitoyen.editions.models import Category
    from budgetcitoyen.initiatives.models import Initiative
    from budgetcitoyen.reference.models import Commune

    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        edition = make_edition(session, year)
        categories = session.scalars(select(Category.id).where(Category.edition_id == edition.id)).all()
        communes = session.execute(select(Commune.insee_code, Commune.territory_id).limit(200)).all()
        session.commit()
        now = now_utc()
        rows = []
        for n, (holder, siret) in enumerate(zip(holders, sirets, strict=True)):
            code, territory = communes[n % len(communes)]
            rows.append(Initiative(
                edition_id=edition.id, holder_id=holder, status="labelled", title=f"Initiative {n} {year}",
                summary="Une initiative de l'économie sociale et solidaire.", territory_id=territory,
                commune_code=code, category_id=categories[n % len(categories)],
                structure_name=f"Structure {n}" if siret else "", siret=siret, contact_name="Camille Martin",
                contact_email=f"c{n}@example.org",
                created_at=now, updated_at=now, filed_at=now))
        start = time.perf_counter()
        session.add_all(rows)
        session.flush()
        seconds = time.perf_counter() - start
        session.commit()
    return seconds


def touch_all(app, status: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds to flush a status change of every dossier (as publishing results does)."""
    from sqlalchemy import select

    from budgetcitoyen.initiatives.models import Initiative

    with app.extensions["db_sessionmaker"]() as session:
        rows = session.scalars(select(Initiative)).all()
        for row in rows:
            row.status = status
        start = time.perf_counter()
        session.flush()
        seconds = time.perf_counter() - start
        session.commit()
    return seconds


def publish_all(app) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from budgetcitoyen.clock import now_utc
    from budgetcitoyen.structures.models import Structure

    with app.extensions["db_sessionmaker"]() as session:
        structures = session.scalars(select(Structure)).all()
        for n, structure in enumerate(structures):
            latest = structure.links[0].initiative
            structure.profile_published, structure.profile_published_at = True, now_utc()
            structure.profile_name = structure.name
            structure.profile_territory_id = latest.territory_id
            structure.profile_commune_code = latest.commune_code
            structure.profile_description = f"Présentation de la structure {n}, ses actions et ses publics."
            structure.profile_website = f"https://structure-{n}.example.org"
            structure.collective_member = n % 3 == 0
        session.commit()
        return len(structures)


def median_ms(client, path: str) -> float:  # type: ignore[no-untyped-def]
    first = client.get(path)
    assert first.status_code == 200, (path, first.status_code)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from budgetcitoyen.accounts.models import User
    from budgetcitoyen.clock import now_utc
    from budgetcitoyen.structures import linking

    with tempfile.TemporaryDirectory(prefix="ambassadors-") as folder:
        app = setup(Path(folder))
        with app.app_context(), app.extensions["db_sessionmaker"]() as session:
            users = [User(email=f"porteur{n}@example.org", password_hash=None, created_at=now_utc())
                     for n in range(STRUCTURES)]
            session.add_all(users)
            session.commit()
            holders = [u.id for u in users]
        sirets = [f"{n:014d}" for n in range(10**13, 10**13 + STRUCTURES)]
        # Unlinked first (the listener removed), then linked: both on an edition of the same size.
        event.remove(Session, "before_flush", linking._link_filed_dossiers)
        # The same rows without a structure: the listener, put back for the status change, skips them.
        without = flush_dossiers(app, 2023, holders, [""] * STRUCTURES)
        event.listen(Session, "before_flush", linking._link_filed_dossiers)
        first = flush_dossiers(app, 2024, holders, sirets)  # creates the structures
        second = flush_dossiers(app, 2025, holders, sirets)  # finds them by SIRET
        restatus = {}
        for label, listening in (("without", False), ("with", True)):
            if not listening:
                event.remove(Session, "before_flush", linking._link_filed_dossiers)
            restatus[label] = touch_all(app, "on_ballot" if listening else "labelled")
            if not listening:
                event.listen(Session, "before_flush", linking._link_filed_dossiers)
        listed = publish_all(app)
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
              f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; SQLite; {listed} structures listed")
        print(f"flush of {STRUCTURES} filed dossiers: without linking {without * 1000:.0f} ms; "
              f"creating structures {first * 1000:.0f} ms (x{first / without:.2f}); "
              f"finding them {second * 1000:.0f} ms (x{second / without:.2f})")
        print(f"flush of a status change of {3 * STRUCTURES} dossiers, {2 * STRUCTURES} linked: "
              f"without the listener "
              f"{restatus['without'] * 1000:.0f} ms, with it {restatus['with'] * 1000:.0f} ms "
              f"(x{restatus['with'] / restatus['without']:.2f})")
        client = app.test_client()
        baseline = median_ms(client, "/initiatives?edition=2025")
        print(f"baseline /initiatives?edition=2025 (24 cards): {baseline:.1f} ms median of {REPEAT}")
        for path in ("/ambassadeurs", "/ambassadeurs?q=structure+12&categorie=cooperation",
                     "/ambassadeurs?page=13", "/ambassadeurs/5", "/ambassadeurs/carte.svg",
                     "/api/ambassadeurs.json"):
            ms = median_ms(client, path)
            print(f"  {path:<52} {ms:7.1f} ms  x{ms / baseline:.2f}")
        page = client.get("/connexion").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post("/connexion", data={"csrf_token": token, "email": "admin@example.org",
                                        "password": PASSWORD})
        for path in ("/gestion/ambassadeurs", "/gestion/ambassadeurs.csv"):
            ms = median_ms(client, path)
            print(f"  {path:<52} {ms:7.1f} ms  x{ms / baseline:.2f}")
        app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
