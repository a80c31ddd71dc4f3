"""Demo conventions: every status on the winners, a late final report with its reminders, idempotent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.conventions import rules
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.conventions.reminders import pending_reminders
from budgetcitoyen.conventions.services import late_reports, local_today
from budgetcitoyen.demo.conventions import seed_conventions
from budgetcitoyen.demo.initiatives import seed_initiatives
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.storage import LocalStorage
from tests.conventions.helpers import make_convention

# The initiative's status each convention status goes with.
EXPECTED = {
    "to_sign": Status.WINNER,
    "signed": Status.UNDER_AGREEMENT,
    "paid": Status.UNDER_AGREEMENT,
    "report_received": Status.UNDER_AGREEMENT,
    "closed": Status.CLOSED,
    "terminated": Status.ABANDONED,
}


def local(folder: Path) -> LocalStorage:
    return LocalStorage.for_instance(folder / "instance", upload_folder=folder)


def test_demo_conventions_in_every_status(
    app: Flask,
    tmp_path: Path,
    make_edition: Callable[..., Edition],
    make_user: Callable[..., User],
    add_winner: Callable[..., int],
) -> None:
    now = now_utc()
    edition, holder = make_edition(year=now.year), make_user()
    admin = make_user(roles=(Role.ADMIN,))
    winners = [add_winner(edition, holder, title=f"Lauréat {n:02d}") for n in range(11)]
    # The allocation's publication already made the first winner's convention, for 6 543,21 €.
    published = make_convention(app, winners[0], admin, amount=Decimal("6543.21"))
    add_winner(edition, holder, title="Déjà conventionné", status=Status.UNDER_AGREEMENT)
    add_winner(edition, holder, title="Déjà soldé", status=Status.CLOSED)
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        touched = seed_conventions(session, session.get(Edition, edition.id), now, files=local(tmp_path))
        session.commit()
        conventions = session.scalars(select(Convention).where(Convention.edition_id == edition.id)).all()
        assert len(conventions) == 13 and touched == 12  # the published one stays to sign, untouched
        statuses = Counter(c.status for c in conventions)
        assert set(statuses) == {s.value for s in rules.ConventionStatus}
        assert statuses["terminated"] == 1
        first = session.get(Convention, published)
        assert (first.status, first.amount_granted) == ("to_sign", Decimal("6543.21"))
        today = local_today(now)
        [late] = late_reports(session, edition.id, today)
        assert late.initiative.title == "Lauréat 01"  # the second winner: there even with few winners
        assert {r.kind for r in late.reminders} == {"extension_window", "report_due_soon", "report_overdue"}
        for convention in conventions:
            initiative = convention.initiative
            assert initiative.status == EXPECTED[convention.status].value, (
                convention.status,
                initiative.title,
            )
            assert [h.to_status for h in initiative.history][-1] == initiative.status
            if convention.report_stored_name:
                assert (tmp_path / convention.report_stored_name).read_bytes().startswith(b"%PDF-1.4")
            if convention.amount_to_repay is not None:
                assert 0 <= convention.amount_to_repay <= (convention.amount_paid or 0)
        # The reminders already recorded are not due again today.
        assert [p.reminder.kind for p in pending_reminders(session, today)] == []
        # Running it again changes nothing.
        assert seed_conventions(session, session.get(Edition, edition.id), now, files=local(tmp_path)) == 0


def test_no_winner_no_convention(
    app: Flask, make_edition: Callable[..., Edition], make_user: Callable[..., User], tmp_path: Path
) -> None:
    edition, holder = make_edition(year=2026), make_user()
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        assert (
            seed_conventions(session, session.get(Edition, edition.id), now_utc(), files=local(tmp_path))
            == 0
        )
        # The demo's initiatives before the vote is counted: none has won yet.
        seed_initiatives(session, session.get(Edition, edition.id), session.get(User, holder.id), now_utc())
        if not session.scalar(select(Initiative.id).where(Initiative.status == Status.WINNER.value).limit(1)):
            assert (
                seed_conventions(session, session.get(Edition, edition.id), now_utc(), files=local(tmp_path))
                == 0
            )
        session.rollback()
