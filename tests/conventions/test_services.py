"""Conventions through their services: creation, signature, payment, final report, closing, termination."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.clock import now_utc
from budgetcitoyen.conventions import services
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import Conflict, DomainError, NotAllowed
from budgetcitoyen.initiatives import uploads
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.web import run_use_case
from tests.conftest import SmtpServer
from tests.conventions.helpers import IMPACT, PDF, PNG, at_noon, load, make_convention


@pytest.fixture
def setting(
    make_user: Callable[..., User], make_edition: Callable[..., Edition]
) -> tuple[Edition, User, User]:
    return make_edition(year=2026), make_user(roles=(Role.ADMIN,)), make_user(email="porteuse@example.org")


def test_create_once_for_a_winner_and_a_second_time_is_a_conflict(
    app: Flask, setting, db_session, add_winner: Callable[..., int]
) -> None:
    edition, _, holder = setting
    initiative_id = add_winner(edition, holder)
    with app.extensions["db_sessionmaker"]() as session:
        initiative = session.get(Initiative, initiative_id)
        convention = services.create_convention(session, initiative, Decimal("7500"), now_utc())
        session.commit()
        assert convention.status == "to_sign" and convention.duration_months == 18
        assert convention.amount_granted == Decimal("7500.00") and convention.edition_id == edition.id
        with pytest.raises(Conflict, match="a déjà une convention"):
            services.create_convention(session, initiative, Decimal("7500"), now_utc())
        session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Convention)) == 1
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "convention.create"))
    assert entry is not None and entry.after == {"initiative_id": initiative_id, "amount_granted": "7500.00"}


def test_the_database_refuses_a_duplicate_that_slips_past_the_check(
    app: Flask, setting, monkeypatch: pytest.MonkeyPatch, add_winner: Callable[..., int]
) -> None:
    edition, _, holder = setting
    initiative_id = add_winner(edition, holder)
    with app.extensions["db_sessionmaker"]() as session:
        services.create_convention(session, session.get(Initiative, initiative_id), Decimal("100"), now_utc())
        session.commit()
        # Two publications at once: both checks see no convention; the unique key decides.
        monkeypatch.setattr(services, "convention_of", lambda *_: None)
        with pytest.raises(Conflict, match="a déjà une convention"):
            services.create_convention(
                session, session.get(Initiative, initiative_id), Decimal("100"), now_utc()
            )


@pytest.mark.parametrize(
    ("status", "amount", "message"),
    [
        (Status.ON_BALLOT, Decimal("100"), "Seule une initiative lauréate"),
        (Status.NOT_SELECTED, Decimal("100"), "Seule une initiative lauréate"),
        (Status.WINNER, Decimal("0"), "montant positif"),
        (Status.WINNER, Decimal("-5"), "montant positif"),
        (Status.WINNER, Decimal("12.345"), "au centime près"),
        (Status.WINNER, Decimal("NaN"), "montant positif"),
    ],
)
def test_creation_refusals(
    app: Flask, setting, status: Status, amount: Decimal, message: str, add_winner: Callable[..., int]
) -> None:
    edition, _, holder = setting
    initiative_id = add_winner(edition, holder, status=status)
    with app.extensions["db_sessionmaker"]() as session, pytest.raises(DomainError, match=message):
        services.create_convention(session, session.get(Initiative, initiative_id), amount, now_utc())


def test_signature_sets_the_dates_and_puts_the_initiative_under_agreement(
    app: Flask, setting, db_session, add_winner: Callable[..., int]
) -> None:
    edition, admin, holder = setting
    convention_id = make_convention(app, add_winner(edition, holder), admin, signed_on=date(2026, 8, 31))
    convention = load(app, convention_id)
    assert convention.status == "signed"
    assert (convention.signed_on, convention.end_on, convention.report_due_on) == (
        date(2026, 8, 31),
        date(2028, 2, 29),
        date(2028, 8, 29),
    )
    assert convention.initiative.status == Status.UNDER_AGREEMENT.value
    assert convention.initiative.history[-1].reason == "Convention signée."
    actions = db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.action != "edition.create").order_by(AuditEntry.id)
    ).all()
    assert actions == ["convention.create", "initiative.status", "convention.sign"]


def test_signature_refusals(app: Flask, setting, add_winner: Callable[..., int]) -> None:
    edition, admin, holder = setting
    convention_id = make_convention(app, add_winner(edition, holder), admin)
    with app.extensions["db_sessionmaker"]() as session:
        actor, convention = session.get(User, admin.id), session.get(Convention, convention_id)
        now = at_noon(date(2026, 12, 1))
        with pytest.raises(DomainError, match="dans le futur") as error:
            services.sign(session, actor, convention, date(2026, 12, 2), 18, now)
        assert error.value.field == "signed_on"
        with pytest.raises(DomainError, match="ne peut pas précéder l'année de l'édition"):
            services.sign(session, actor, convention, date(2025, 12, 31), 18, now)
        with pytest.raises(DomainError, match="entre 1 et 36 mois"):
            services.sign(session, actor, convention, date(2026, 11, 1), 40, now)
        with pytest.raises(DomainError, match="Indiquez la date de signature"):
            services.sign(session, actor, convention, None, 18, now)
        session.rollback()
        services.sign(session, actor, convention, date(2026, 11, 1), 18, now)
        with pytest.raises(Conflict, match="« Signée » ne peut pas passer à « Signée »"):
            services.sign(session, actor, convention, date(2026, 11, 1), 18, now)


def test_a_winner_who_withdrew_cannot_sign(app: Flask, setting, add_winner: Callable[..., int]) -> None:
    edition, admin, holder = setting
    initiative_id = add_winner(edition, holder)
    convention_id = make_convention(app, initiative_id, admin)
    with app.extensions["db_sessionmaker"]() as session:
        session.get(Initiative, initiative_id).status = Status.ABANDONED.value
        session.commit()
        with pytest.raises(DomainError, match="Impossible de passer de « Abandonné » à « Conventionné »"):
            services.sign(
                session,
                session.get(User, admin.id),
                session.get(Convention, convention_id),
                date(2026, 11, 1),
                18,
                at_noon(date(2026, 11, 2)),
            )


def test_payment_is_capped_by_the_grant_and_dated_after_the_signature(
    app: Flask, setting, add_winner: Callable[..., int]
) -> None:
    edition, admin, holder = setting
    convention_id = make_convention(app, add_winner(edition, holder), admin, signed_on=date(2026, 11, 2))
    now = at_noon(date(2026, 11, 20))
    with app.extensions["db_sessionmaker"]() as session:
        actor, convention = session.get(User, admin.id), session.get(Convention, convention_id)
        for paid_on, amount, message in [
            (date(2026, 11, 3), Decimal("8000.01"), "ne peut pas dépasser le montant accordé"),
            (date(2026, 11, 3), Decimal("0"), "montant positif"),
            (date(2026, 11, 3), None, "Indiquez le montant versé"),
            (date(2026, 11, 1), Decimal("8000"), "ne peut pas précéder la signature"),
            (date(2026, 11, 21), Decimal("8000"), "dans le futur"),
        ]:
            with pytest.raises(DomainError, match=message):
                services.record_payment(session, actor, convention, paid_on, amount, now)
            session.rollback()
        services.record_payment(session, actor, convention, date(2026, 11, 3), Decimal("7999.50"), now)
        session.commit()
    assert load(app, convention_id).amount_paid == Decimal("7999.50")


def _paid(app: Flask, setting, add_winner: Callable[..., int]) -> tuple[int, User, User]:
    edition, admin, holder = setting
    return (
        make_convention(app, add_winner(edition, holder), admin, signed_on=date(2026, 11, 2), paid=True),
        admin,
        holder,
    )


def _store(app: Flask, content: bytes, session: Session) -> uploads.StoredFile:
    return uploads.store(session, app.extensions["storage"], io.BytesIO(content))


def test_final_report_upload_with_real_files_replaces_the_previous_one(
    app: Flask, setting, add_winner: Callable[..., int]
) -> None:
    convention_id, _, holder = _paid(app, setting, add_winner)
    folder = Path(app.config["UPLOAD_FOLDER"])
    with app.extensions["db_sessionmaker"]() as session:
        user, convention = session.get(User, holder.id), session.get(Convention, convention_id)
        first = _store(app, PDF, session)
        assert (
            services.record_report(
                session, user, convention, first, "C:\\Docs\\bilan 2027.pdf", now_utc(), as_staff=False
            )
            is None
        )
        session.commit()
        assert convention.status == "report_received" and convention.report_original_name == "bilan 2027.pdf"
        assert (folder / first.stored_name).read_bytes() == PDF
        # A corrected report replaces the first; the caller deletes the old file once committed.
        second = _store(app, PNG, session)
        replaced = services.record_report(
            session, user, convention, second, "bilan.png", now_utc(), as_staff=False
        )
        session.commit()
    assert replaced == first.stored_name
    saved = load(app, convention_id)
    assert (saved.report_stored_name, saved.report_content_type, saved.report_size) == (
        second.stored_name,
        "image/png",
        len(PNG),
    )


def test_a_refused_file_leaves_nothing_on_disk(app: Flask, setting) -> None:
    folder = Path(app.config["UPLOAD_FOLDER"])
    with app.extensions["db_sessionmaker"]() as session:
        with pytest.raises(DomainError, match="Seuls les fichiers PDF, PNG et JPEG"):
            _store(app, b"<html><script>alert(1)</script></html>", session)
        big = io.BytesIO(b"%PDF-" + b"0" * (uploads.MAX_FILE_BYTES + 10))
        with pytest.raises(DomainError, match="10 Mo"):
            uploads.store(session, app.extensions["storage"], big)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_report_whose_use_case_fails_leaves_no_file_and_keeps_the_previous_one(
    app: Flask, setting, add_winner: Callable[..., int], monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer
) -> None:
    convention_id, _, holder = _paid(app, setting, add_winner)
    folder = Path(app.config["UPLOAD_FOLDER"])
    with app.test_request_context(), app.extensions["db_sessionmaker"]() as session:
        user, convention = session.get(User, holder.id), session.get(Convention, convention_id)
        run_use_case(session, services.send_report, user, convention, io.BytesIO(PDF), "bilan.pdf",
                     app.extensions["storage"], now_utc(), as_staff=False, answers=IMPACT)
        first = convention.report_stored_name
    assert sorted(p.name for p in folder.iterdir()) == [first]
    assert "bilan final reçu" in str(smtp.last_to("porteuse@example.org")["Subject"])

    # Refused after the file was stored: the new file goes, the first report stays.
    def refuse(*args: object, **kwargs: object) -> None:
        raise Conflict("Refusé après l'enregistrement du fichier.", field="file")

    with app.extensions["db_sessionmaker"]() as session, monkeypatch.context() as patch:
        patch.setattr(services, "record_report", refuse)
        user, convention = session.get(User, holder.id), session.get(Convention, convention_id)
        with pytest.raises(Conflict):
            run_use_case(session, services.send_report, user, convention, io.BytesIO(PNG), "bilan.png",
                         app.extensions["storage"], now_utc(), as_staff=False, answers=IMPACT)
    assert sorted(p.name for p in folder.iterdir()) == [first]

    # The commit itself fails: the same.
    with app.extensions["db_sessionmaker"]() as session:
        user, convention = session.get(User, holder.id), session.get(Convention, convention_id)

        def broken_commit() -> None:
            raise OSError("disque plein")

        monkeypatch.setattr(session, "commit", broken_commit)
        with pytest.raises(OSError, match="disque plein"):
            run_use_case(session, services.send_report, user, convention, io.BytesIO(PNG), "bilan.png",
                         app.extensions["storage"], now_utc(), as_staff=False, answers=IMPACT)
    assert sorted(p.name for p in folder.iterdir()) == [first]
    assert load(app, convention_id).report_stored_name == first


def test_who_may_send_the_report_and_when(
    app: Flask, setting, make_user: Callable[..., User], add_winner: Callable[..., int]
) -> None:
    edition, admin, holder = setting
    unsigned_id = make_convention(app, add_winner(edition, holder, title="Café associatif"), admin)
    convention_id, _, _ = _paid(app, setting, add_winner)
    stranger = make_user()
    agent = make_user(roles=(Role.AGENT,))
    with app.extensions["db_sessionmaker"]() as session:
        convention = session.get(Convention, convention_id)
        with pytest.raises(NotAllowed, match="n'est pas la vôtre"):
            services.check_can_send_report(convention, session.get(User, stranger.id), as_staff=False)
        with pytest.raises(NotAllowed, match="administrateurs"):
            services.check_can_send_report(convention, session.get(User, agent.id), as_staff=True)
        services.check_can_send_report(convention, session.get(User, admin.id), as_staff=True)
        with pytest.raises(Conflict, match="une fois la subvention versée"):
            services.check_can_send_report(
                session.get(Convention, unsigned_id), session.get(User, holder.id), as_staff=False
            )


def test_termination_amount_between_zero_and_what_was_paid(
    app: Flask, setting, db_session, add_winner: Callable[..., int]
) -> None:
    convention_id, admin, _ = _paid(app, setting, add_winner)
    now = at_noon(date(2027, 3, 1))
    with app.extensions["db_sessionmaker"]() as session:
        actor, convention = session.get(User, admin.id), session.get(Convention, convention_id)
        for amount, reason, message in [
            (Decimal("8000.01"), "Abandon", "ne peut pas dépasser le montant versé"),
            (Decimal("-1"), "Abandon", "positif ou nul"),
            (None, "Abandon", "Indiquez le montant à reverser"),
            (Decimal("100"), "   ", "Indiquez le motif"),
        ]:
            with pytest.raises(DomainError, match=message):
                services.terminate(session, actor, convention, date(2027, 2, 1), reason, amount, now)
            session.rollback()
        services.terminate(
            session,
            actor,
            convention,
            date(2027, 2, 1),
            "Projet abandonné faute de local.",
            Decimal("8000"),
            now,
        )
        session.commit()
    saved = load(app, convention_id)
    assert (saved.status, saved.amount_to_repay, saved.terminated_on) == (
        "terminated",
        Decimal("8000.00"),
        date(2027, 2, 1),
    )
    assert saved.initiative.status == Status.ABANDONED.value
    assert saved.initiative.history[-1].reason == "Convention résiliée : Projet abandonné faute de local."
    assert (
        db_session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "convention.terminate")
        )
        == 1
    )


def test_an_unpaid_convention_is_terminated_with_nothing_to_pay_back(
    app: Flask, setting, add_winner: Callable[..., int]
) -> None:
    edition, admin, holder = setting
    convention_id = make_convention(app, add_winner(edition, holder), admin, signed_on=date(2026, 11, 2))
    with app.extensions["db_sessionmaker"]() as session:
        actor, convention = session.get(User, admin.id), session.get(Convention, convention_id)
        with pytest.raises(DomainError, match="ne peut pas dépasser le montant versé"):
            services.terminate(
                session, actor, convention, date(2026, 11, 3), "Abandon", Decimal("0.01"), now_utc()
            )
        session.rollback()
        services.terminate(session, actor, convention, date(2026, 11, 3), "Abandon", Decimal("0"), now_utc())


def test_closing_needs_the_report_and_records_a_reduction(
    app: Flask, setting, add_winner: Callable[..., int]
) -> None:
    convention_id, admin, holder = _paid(app, setting, add_winner)
    with app.extensions["db_sessionmaker"]() as session:
        actor, convention = session.get(User, admin.id), session.get(Convention, convention_id)
        with pytest.raises(Conflict, match="« Versée » ne peut pas passer à « Soldée »"):
            services.close(session, actor, convention, date(2026, 12, 1), None, "", now_utc())
        session.rollback()
        services.record_report(
            session,
            session.get(User, holder.id),
            convention,
            _store(app, PDF, session),
            "bilan.pdf",
            at_noon(date(2028, 6, 1)),
            as_staff=False,
        )
        with pytest.raises(DomainError, match="ne peut pas précéder la réception du bilan"):
            services.close(session, actor, convention, date(2028, 5, 31), None, "", at_noon(date(2028, 7, 1)))
        services.close(
            session,
            actor,
            convention,
            date(2028, 6, 15),
            Decimal("1200"),
            "Dépenses moindres.",
            at_noon(date(2028, 7, 1)),
        )
        session.commit()
    saved = load(app, convention_id)
    assert (saved.status, saved.amount_to_repay, saved.closing_note) == (
        "closed",
        Decimal("1200.00"),
        "Dépenses moindres.",
    )
    assert saved.initiative.status == Status.CLOSED.value
    with app.extensions["db_sessionmaker"]() as session, pytest.raises(Conflict):
        services.terminate(
            session,
            session.get(User, admin.id),
            session.get(Convention, convention_id),
            date(2028, 6, 20),
            "Trop tard",
            Decimal("0"),
            now_utc(),
        )


def test_late_reports_and_holder_lists(app: Flask, setting, add_winner: Callable[..., int]) -> None:
    edition, admin, holder = setting
    late_id = make_convention(
        app, add_winner(edition, holder), admin, signed_on=date(2026, 1, 31), paid=True
    )
    on_time_id = make_convention(
        app, add_winner(edition, holder, title="Café"), admin, signed_on=date(2026, 6, 1), paid=True
    )
    with app.extensions["db_sessionmaker"]() as session:
        assert [c.id for c in services.late_reports(session, edition.id, date(2028, 1, 31))] == []
        assert [c.id for c in services.late_reports(session, edition.id, date(2028, 2, 1))] == [late_id]
        assert [c.id for c in services.late_reports(session, None, date(2028, 6, 2))] == [late_id, on_time_id]
        assert {c.id for c in services.conventions_for_holder(session, session.get(User, holder.id))} == {
            late_id,
            on_time_id,
        }
        assert services.conventions_for_holder(session, session.get(User, admin.id)) == []
