"""Back-office: editions, calendar, categories, committee, roles, outbox and the audit journal."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from budgetcitoyen.accounts.models import CommitteeMembership, Role, User
from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import dates_of
from budgetcitoyen.mail.models import OutboxMail
from budgetcitoyen.reference.models import Territory
from tests.web.helpers import login, post_form, text_of

EDITION_FORM = {
    "year": "2027",
    "title": "Budget citoyen 2027",
    "envelope": "450000",
    "operation_code": "C01-650A01",
    "imputation": "6568//9365",
    "budget_label": "Mission ESS",
    "payment_credits": "",
    "voting_min_age": "11",
    "min_choices": "3",
    "max_choices": "3",
    "ballot_scope": "department",
    "allocation_rule": "greedy",
    "vote_threshold": "0",
    "mes_utility": "cost",
    "is_published": "y",
    "reviewers_per_dossier": "3",
    "score_aggregation": "mean",
    "label_threshold": "2.5",
    "forbid_zero_axis": "y",
    "disagreement_spread": "2",
}


@pytest.fixture
def admin(app: Flask, make_user: Callable) -> FlaskClient:
    make_user(email="admin@example.org", roles=(Role.ADMIN,))
    client = app.test_client()
    login(client, "admin@example.org")
    return client


def entries(db_session, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    return list(
        db_session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


def test_create_edition_with_usual_calendar_and_categories(admin: FlaskClient, db_session) -> None:
    response = post_form(admin, "/gestion/editions/nouvelle", EDITION_FORM)
    assert response.status_code == 302
    edition = db_session.scalar(select(Edition).where(Edition.year == 2027))
    assert edition.envelope == Decimal("450000.00") and edition.is_published
    assert [c.code for c in edition.categories] == [
        "pratique-ess",
        "innovation-societale",
        "cooperation",
        "transformation",
    ]
    vote = dates_of(edition)[Phase.VOTE]
    assert (vote[0].isoformat(), vote[1].isoformat()) == ("2027-09-01", "2027-09-30")
    [entry] = entries(db_session, "edition.create")
    assert entry.after["year"] == 2027 and entry.actor.email == "admin@example.org"
    # One edition per year.
    again = post_form(admin, "/gestion/editions/nouvelle", EDITION_FORM)
    assert again.status_code == 422 and "Une édition 2027 existe déjà." in text_of(again)


def test_incoherent_settings_are_refused_in_french(admin: FlaskClient, db_session) -> None:
    response = post_form(
        admin, "/gestion/editions/nouvelle", {**EDITION_FORM, "min_choices": "4", "max_choices": "3"}
    )
    assert response.status_code == 422
    assert "ne peut pas être inférieur au nombre minimal" in text_of(response)
    response = post_form(
        admin, "/gestion/editions/nouvelle", {**EDITION_FORM, "envelope": "beaucoup", "title": ""}
    )
    assert response.status_code == 422
    assert "Indiquez un titre." in text_of(response)
    assert db_session.scalar(select(func.count()).select_from(Edition)) == 0


def test_update_settings_records_before_and_after(
    admin: FlaskClient, make_edition: Callable, db_session
) -> None:
    edition = make_edition(year=2027)
    form = {
        **EDITION_FORM,
        "title": "Budget citoyen test",
        "payment_credits": "1000000",
        "envelope": "500000",
        "voting_min_age": "12",
    }
    assert post_form(admin, f"/gestion/editions/{edition.id}", form).status_code == 302
    [entry] = entries(db_session, "edition.update")
    assert entry.before == {"envelope": "400000.00", "voting_min_age": 11}
    assert entry.after == {"envelope": "500000.00", "voting_min_age": 12}
    # Saving the same values again records nothing.
    post_form(admin, f"/gestion/editions/{edition.id}", form)
    assert len(entries(db_session, "edition.update")) == 1


def test_year_of_an_edition_cannot_change(admin: FlaskClient, make_edition: Callable) -> None:
    edition = make_edition(year=2027)
    response = post_form(admin, f"/gestion/editions/{edition.id}", {**EDITION_FORM, "year": "2030"})
    assert response.status_code == 422 and "ne peut pas être changée" in text_of(response)


def calendar_form(edition_year: int, **overrides: tuple[str, str]) -> dict[str, str]:
    y = edition_year
    dates = {
        "ideas": (f"{y}-01-15", f"{y}-04-05"),
        "dossiers": (f"{y}-03-01", f"{y}-05-31"),
        "labelling": (f"{y}-07-01", f"{y}-08-31"),
        "vote": (f"{y}-09-01", f"{y}-09-30"),
        "results": (f"{y}-11-01", f"{y}-11-30"),
        "follow_up": (f"{y}-12-01", f"{y + 2}-12-31"),
    }
    dates.update(overrides)
    form = {}
    for phase, (first, last) in dates.items():
        form[f"{phase}-first"], form[f"{phase}-last"] = first, last
    return form


def test_admin_moves_the_vote_dates(admin: FlaskClient, make_edition: Callable, db_session) -> None:
    edition = make_edition(year=2027)
    response = post_form(
        admin,
        f"/gestion/editions/{edition.id}/calendrier",
        calendar_form(2027, vote=("2027-09-06", "2027-10-04")),
    )
    assert response.status_code == 302
    db_session.expire_all()
    vote = dates_of(db_session.get(Edition, edition.id))[Phase.VOTE]
    assert (vote[0].isoformat(), vote[1].isoformat()) == ("2027-09-06", "2027-10-04")
    [entry] = entries(db_session, "edition.calendar")
    assert entry.before == {"vote": ["2027-09-01", "2027-09-30"]}
    assert entry.after == {"vote": ["2027-09-06", "2027-10-04"]}


def test_incoherent_calendar_is_refused_and_nothing_changes(
    admin: FlaskClient, make_edition: Callable, db_session
) -> None:
    edition = make_edition(year=2027)
    response = post_form(
        admin,
        f"/gestion/editions/{edition.id}/calendrier",
        calendar_form(2027, vote=("2027-08-20", "2027-09-30")),
    )
    assert response.status_code == 422
    assert "doit commencer après la fin de « Labellisation »" in text_of(response)
    response = post_form(
        admin,
        f"/gestion/editions/{edition.id}/calendrier",
        calendar_form(2027, vote=("2027-09-30", "2027-09-01")),
    )
    assert "doit se terminer après son ouverture" in text_of(response)
    response = post_form(
        admin,
        f"/gestion/editions/{edition.id}/calendrier",
        {**calendar_form(2027), "vote-first": "pas une date"},
    )
    assert response.status_code == 422
    db_session.expire_all()
    assert dates_of(db_session.get(Edition, edition.id))[Phase.VOTE][0].isoformat() == "2027-09-01"
    assert entries(db_session, "edition.calendar") == []


def test_categories_ceilings(admin: FlaskClient, make_edition: Callable, db_session) -> None:
    edition = make_edition(year=2027)
    categories = db_session.scalars(
        select(Category).where(Category.edition_id == edition.id).order_by(Category.position)
    ).all()
    form = {}
    for i, category in enumerate(categories):
        form.update(
            {
                f"categories-{i}-category_id": str(category.id),
                f"categories-{i}-name": category.name,
                f"categories-{i}-ceiling": str(category.ceiling),
                f"categories-{i}-description": category.description,
            }
        )
    form["categories-0-ceiling"] = "5000"
    assert post_form(admin, f"/gestion/editions/{edition.id}/categories", form).status_code == 302
    db_session.expire_all()
    assert db_session.get(Category, categories[0].id).ceiling == Decimal("5000.00")
    [entry] = entries(db_session, "category.update")
    assert entry.before == {"ceiling": "4500.00"} and entry.after == {"ceiling": "5000.00"}
    refused = post_form(
        admin, f"/gestion/editions/{edition.id}/categories", {**form, "categories-1-ceiling": "0"}
    )
    assert refused.status_code == 422 and "doit être positif" in text_of(refused)
    # A sub-envelope caps what a category's winners get together; empty means none.
    assert (
        post_form(
            admin,
            f"/gestion/editions/{edition.id}/categories",
            {**form, "categories-0-ceiling": "5000", "categories-2-sub_envelope": "60 000"},
        ).status_code
        == 302
    )
    db_session.expire_all()
    assert db_session.get(Category, categories[2].id).sub_envelope == Decimal("60000.00")
    assert db_session.get(Category, categories[0].id).sub_envelope is None
    negative = post_form(
        admin,
        f"/gestion/editions/{edition.id}/categories",
        {**form, "categories-0-ceiling": "5000", "categories-2-sub_envelope": "-1"},
    )
    assert negative.status_code == 422


def test_allocation_settings(admin: FlaskClient, make_edition: Callable, db_session) -> None:
    edition = make_edition(year=2027)
    url = f"/gestion/editions/{edition.id}"
    saved = post_form(
        admin,
        url,
        {
            **EDITION_FORM,
            "allocation_rule": "mes",
            "vote_threshold": "100",
            "mes_utility": "card",
            "credits_available": "120 285,00",
        },
    )
    assert saved.status_code == 302
    db_session.expire_all()
    stored = db_session.get(Edition, edition.id)
    assert (stored.allocation_rule, stored.vote_threshold, stored.mes_utility, stored.credits_available) == (
        "mes",
        100,
        "card",
        Decimal("120285.00"),
    )
    for bad in ({"vote_threshold": "-1"}, {"mes_utility": "euros"}, {"allocation_rule": "greedy_stop"}):
        assert post_form(admin, url, {**EDITION_FORM, **bad}).status_code == 422


def test_committee_members_are_added_and_removed(
    admin: FlaskClient, make_edition: Callable, make_user: Callable, db_session
) -> None:
    edition = make_edition(year=2027)
    make_user(email="ambassadrice@example.org")
    url = f"/gestion/editions/{edition.id}/comite"
    assert (
        post_form(admin, url, {"email": "ambassadrice@example.org", "college": "ambassador"}).status_code
        == 302
    )
    again = post_form(admin, url, {"email": "ambassadrice@example.org", "college": "finance"})
    assert "fait déjà partie du comité 2027" in text_of(again)
    unknown = post_form(admin, url, {"email": "inconnue@example.org", "college": "finance"})
    assert "Aucun compte n'utilise cette adresse" in text_of(unknown)
    bad_college = post_form(admin, url, {"email": "ambassadrice@example.org", "college": "président"})
    assert bad_college.status_code == 422
    seat = db_session.scalar(select(CommitteeMembership))
    assert seat.college == "ambassador"
    assert post_form(admin, f"{url}/{seat.id}/retirer", {}, token_from=url).status_code == 302
    assert db_session.scalar(select(func.count()).select_from(CommitteeMembership)) == 0
    assert [
        e.action
        for e in db_session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "committee_membership")
        )
    ] == ["committee.add", "committee.remove"]


def test_roles_are_granted_and_audited(admin: FlaskClient, make_user: Callable, db_session) -> None:
    target = make_user(email="agent@example.org")
    response = post_form(admin, f"/gestion/utilisateurs/{target.id}", {"agent": "y", "holder": "y"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(User, target.id).role_set == {Role.AGENT, Role.HOLDER}
    [entry] = entries(db_session, "user.roles")
    assert entry.before == {"roles": []} and entry.after == {"roles": ["agent", "holder"]}


def test_an_admin_cannot_remove_their_own_admin_role(admin: FlaskClient, db_session) -> None:
    me = db_session.scalar(select(User).where(User.email == "admin@example.org"))
    response = post_form(admin, f"/gestion/utilisateurs/{me.id}", {"agent": "y"})
    assert response.status_code == 422
    assert "propre rôle d'administrateur" in text_of(response)
    db_session.expire_all()
    assert Role.ADMIN in db_session.get(User, me.id).role_set


def test_users_search_and_role_filter(admin: FlaskClient, make_user: Callable) -> None:
    make_user(email="porteuse@example.org", roles=(Role.HOLDER,))
    make_user(email="voisin@example.org")
    page = text_of(admin.get("/gestion/utilisateurs?role=holder"))
    assert "porteuse@example.org" in page and "voisin@example.org" not in page
    page = text_of(admin.get("/gestion/utilisateurs?q=VOISIN"))
    assert "voisin@example.org" in page and "porteuse@example.org" not in page
    # LIKE wildcards typed in the search box are taken literally.
    assert "voisin@example.org" not in text_of(admin.get("/gestion/utilisateurs?q=%25"))


def test_territory_pages_list_communes(admin: FlaskClient, db_session) -> None:
    page = text_of(admin.get("/gestion/territoires"))
    assert all(
        name in page
        for name in (
            "Arrageois",
            "Artois",
            "Audomarois",
            "Boulonnais",
            "Calaisis",
            "Lens-Hénin",
            "Montreuillois",
            "Ternois",
        )
    )
    page = text_of(admin.get("/gestion/territoires/calaisis"))
    assert "Calais" in page and "62193" in page
    assert admin.get("/gestion/territoires/inconnu").status_code == 404
    assert (
        post_form(admin, "/gestion/territoires/ternois", {"name": "Ternois (7 Vallées)"}).status_code == 302
    )
    db_session.expire_all()
    assert (
        db_session.scalar(select(Territory.name).where(Territory.code == "ternois")) == "Ternois (7 Vallées)"
    )
    assert entries(db_session, "territory.rename")[0].after == {"name": "Ternois (7 Vallées)"}


def test_the_mail_queue_shows_every_mail_and_its_state(
    app: Flask, admin: FlaskClient, make_user: Callable, monkeypatch, smtp
) -> None:
    monkeypatch.setitem(app.config, "MAIL_HOST", None)  # the demo: nothing leaves the machine
    make_user(email="oubli@example.org")
    post_form(app.test_client(), "/mot-de-passe-oublie", {"email": "oubli@example.org"})
    page = text_of(admin.get("/gestion/courriels"))
    assert "oubli@example.org" in page and "Réinitialisation de votre mot de passe" in page
    assert "En attente" in page
    assert smtp.messages == []  # the worker ran: nothing went to SMTP
    page = text_of(admin.get("/gestion/courriels?etat=sent"))
    assert "oubli@example.org" in page
    import re

    mail_id = re.search(r"/gestion/courriels/(\d+)\"", page).group(1)
    mail_page = text_of(admin.get(f"/gestion/courriels/{mail_id}"))
    assert '<a href="http://localhost/mot-de-passe/' in mail_page and "Envoyé" in mail_page


def test_a_failed_mail_is_retried_from_its_page(
    app: Flask, admin: FlaskClient, make_user: Callable, monkeypatch, smtp, db_session
) -> None:
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
    make_user(email="oubli@example.org")
    post_form(app.test_client(), "/mot-de-passe-oublie", {"email": "oubli@example.org"})
    with app.extensions["db_sessionmaker"]() as session:  # as if every retry had failed
        session.execute(update(OutboxMail).values(status="failed", attempts=12, last_error="Connexion refusée"))
        session.commit()
    mail_id = db_session.scalar(select(OutboxMail.id))
    page = text_of(admin.get(f"/gestion/courriels/{mail_id}"))
    assert "En échec" in page and "Connexion refusée" in page
    monkeypatch.undo()
    page_url = f"/gestion/courriels/{mail_id}"
    response = post_form(admin, f"{page_url}/relancer", {}, token_from=page_url)
    assert response.status_code == 302
    assert smtp.last_to("oubli@example.org")["Subject"] == "Réinitialisation de votre mot de passe"
    db_session.expire_all()
    assert db_session.get(OutboxMail, int(mail_id)).status == "sent"


def test_audit_page_shows_who_and_what(admin: FlaskClient, make_edition: Callable) -> None:
    edition = make_edition(year=2027)
    post_form(admin, f"/gestion/editions/{edition.id}", {**EDITION_FORM, "envelope": "500000"})
    page = text_of(admin.get("/gestion/journal"))
    assert "admin@example.org" in page and "edition.update" in page and "500000.00" in page
    filtered = text_of(admin.get("/gestion/journal?objet=user"))
    assert "edition.update" not in filtered


def test_labelling_settings(admin: FlaskClient, make_edition: Callable, db_session) -> None:
    edition = make_edition(year=2027)
    form = {
        **EDITION_FORM,
        "title": "Budget citoyen test",
        "payment_credits": "1000000",
        "envelope": "400000",
        "reviewers_per_dossier": "4",
        "score_aggregation": "median",
        "label_threshold": "2,75",
        "disagreement_spread": "3",
    }
    form.pop("forbid_zero_axis")
    assert post_form(admin, f"/gestion/editions/{edition.id}", form).status_code == 302
    db_session.expire_all()
    saved = db_session.get(Edition, edition.id)
    assert (
        saved.reviewers_per_dossier,
        saved.score_aggregation,
        str(saved.label_threshold),
        saved.forbid_zero_axis,
        saved.disagreement_spread,
    ) == (4, "median", "2.75", False, 3)
    [entry] = entries(db_session, "edition.update")
    assert entry.after["score_aggregation"] == "median"
    for field, value in (
        ("reviewers_per_dossier", "0"),
        ("label_threshold", "5"),
        ("score_aggregation", "mode"),
    ):
        assert post_form(admin, f"/gestion/editions/{edition.id}", {**form, field: value}).status_code == 422


def test_ballot_rules_are_frozen_once_the_vote_opens(
    admin: FlaskClient, make_edition: Callable, db_session
) -> None:
    edition = make_edition(year=2026, open_phase=Phase.VOTE)
    url = f"/gestion/editions/{edition.id}"
    form = {**EDITION_FORM, "year": "2026"}
    refused = post_form(admin, url, {**form, "max_choices": "5"})
    assert refused.status_code == 422 and "Le vote a commencé" in text_of(refused)
    db_session.expire_all()
    assert db_session.get(Edition, edition.id).max_choices == 3
    # The rest of the settings (the envelope, the allocation rule) can still change.
    assert post_form(admin, url, {**form, "envelope": "500000"}).status_code == 302
