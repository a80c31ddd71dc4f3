"""Edition back-office: settings and budget line, calendar, categories, committee seats."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import func, select

from budgetcitoyen.accounts.models import CommitteeMembership, Role
from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.editions.dates import dates_of
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from tests.editions.helpers import EDITION_FORM, calendar_form
from tests.helpers import audit_entries, post_form, text_of


def test_create_edition_with_usual_calendar_and_categories(login_as: Callable, db_session) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
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
    [entry] = audit_entries(db_session, "edition.create")
    assert entry.after["year"] == 2027 and entry.actor.email == "admin@example.org"
    # One edition per year.
    again = post_form(admin, "/gestion/editions/nouvelle", EDITION_FORM)
    assert again.status_code == 422 and "Une édition 2027 existe déjà." in text_of(again)


def test_incoherent_settings_are_refused_in_french(login_as: Callable, db_session) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
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
    login_as: Callable, make_edition: Callable, db_session
) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    edition = make_edition(year=2027)
    form = {
        **EDITION_FORM,
        "title": "Budget citoyen test",
        "payment_credits": "1000000",
        "envelope": "500000",
        "voting_min_age": "12",
    }
    assert post_form(admin, f"/gestion/editions/{edition.id}", form).status_code == 302
    [entry] = audit_entries(db_session, "edition.update")
    assert entry.before == {"envelope": "400000.00", "voting_min_age": 11}
    assert entry.after == {"envelope": "500000.00", "voting_min_age": 12}
    # Saving the same values again records nothing.
    post_form(admin, f"/gestion/editions/{edition.id}", form)
    assert len(audit_entries(db_session, "edition.update")) == 1


def test_year_of_an_edition_cannot_change(login_as: Callable, make_edition: Callable) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    edition = make_edition(year=2027)
    response = post_form(admin, f"/gestion/editions/{edition.id}", {**EDITION_FORM, "year": "2030"})
    assert response.status_code == 422 and "ne peut pas être changée" in text_of(response)


def test_admin_moves_the_vote_dates(login_as: Callable, make_edition: Callable, db_session) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
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
    [entry] = audit_entries(db_session, "edition.calendar")
    assert entry.before == {"vote": ["2027-09-01", "2027-09-30"]}
    assert entry.after == {"vote": ["2027-09-06", "2027-10-04"]}


def test_incoherent_calendar_is_refused_and_nothing_changes(
    login_as: Callable, make_edition: Callable, db_session
) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
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
    assert audit_entries(db_session, "edition.calendar") == []


def test_categories_ceilings(login_as: Callable, make_edition: Callable, db_session) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
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
    [entry] = audit_entries(db_session, "category.update")
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


def test_allocation_settings(login_as: Callable, make_edition: Callable, db_session) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
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


def test_labelling_settings(login_as: Callable, make_edition: Callable, db_session) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
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
    [entry] = audit_entries(db_session, "edition.update")
    assert entry.after["score_aggregation"] == "median"
    for field, value in (
        ("reviewers_per_dossier", "0"),
        ("label_threshold", "5"),
        ("score_aggregation", "mode"),
    ):
        assert post_form(admin, f"/gestion/editions/{edition.id}", {**form, field: value}).status_code == 422


def test_ballot_rules_are_frozen_once_the_vote_opens(
    login_as: Callable, make_edition: Callable, db_session
) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    edition = make_edition(year=2026, open_phase=Phase.VOTE)
    url = f"/gestion/editions/{edition.id}"
    form = {**EDITION_FORM, "year": "2026"}
    refused = post_form(admin, url, {**form, "max_choices": "5"})
    assert refused.status_code == 422 and "Le vote a commencé" in text_of(refused)
    db_session.expire_all()
    assert db_session.get(Edition, edition.id).max_choices == 3
    # The rest of the settings (the envelope, the allocation rule) can still change.
    assert post_form(admin, url, {**form, "envelope": "500000"}).status_code == 302


def test_committee_members_are_added_and_removed(
    login_as: Callable, make_edition: Callable, make_user: Callable, db_session
) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
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
