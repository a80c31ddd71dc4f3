"""The rule simulator: the rules side by side on an edition's counted ballots or on a Pabulib file, and
the rule retained with its reason in the journal."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from tests.helpers import audit_entries, csrf_token, post_form, text_of
from tests.results.helpers import YEAR, Scenario, set_vote_window

DATA = Path(__file__).parents[1] / "allocation" / "data"
URL = f"/gestion/editions/{YEAR}/simulateur"


def test_the_ballots_of_an_open_vote_are_not_simulated(scenario: Scenario, login_as: Callable) -> None:
    admin = login_as(Role.ADMIN)
    page = text_of(admin.get(URL))
    assert "Aucune édition n'a encore de vote clos" in page
    refused = text_of(admin.get(f"{URL}?source={YEAR}", follow_redirects=True))
    assert "n'est pas clos" in refused and "Synthèse par règle" not in refused


def test_the_rules_side_by_side_on_the_counted_ballots(
    app: Flask, scenario: Scenario, login_as: Callable
) -> None:
    set_vote_window(app, scenario.edition.id, open_=False)
    admin = login_as(Role.ADMIN)
    page = text_of(admin.get(f"{URL}?source={YEAR}"))
    assert "Synthèse par règle" in page and "Montant attribué par territoire" in page
    for label in ("Par ordre des votes", "Méthode des parts égales"):
        assert label in page
    # Every initiative of the scenario is a row of the projects' table; nothing was stored by simulating.
    with app.extensions["db_sessionmaker"]() as session:
        query = select(Initiative.title).where(Initiative.edition_id == scenario.edition.id)
        titles = session.scalars(query).all()
        assert audit_entries(session, "edition.allocation_rule") == []
    assert titles and all(title in page for title in titles)


def test_a_pabulib_file_is_compared_and_a_bad_one_refused_in_french(
    scenario: Scenario, login_as: Callable
) -> None:
    admin = login_as(Role.ADMIN)
    data = (DATA / "Poland_Swiecie_2023.pb").read_bytes()
    page = admin.post(URL, data={"csrf_token": csrf_token(admin, URL),
                                 "pb_file": (io.BytesIO(data), "Poland_Swiecie_2023.pb")},
                      content_type="multipart/form-data")
    assert page.status_code == 200
    text = text_of(page)
    assert "fichier Poland_Swiecie_2023.pb" in text and "Synthèse par règle" in text
    bad = admin.post(URL, data={"csrf_token": csrf_token(admin, URL),
                                "pb_file": (io.BytesIO(b"META\nkey;value\nvote_type;ordinal\n"), "x.pb")},
                     content_type="multipart/form-data")
    assert bad.status_code == 422 and "Synthèse par règle" not in text_of(bad)
    missing = post_form(admin, URL, {})
    assert missing.status_code == 422 and "Choisissez un fichier .pb." in text_of(missing)


def test_the_rule_is_retained_with_its_reason_until_publication(
    app: Flask, scenario: Scenario, login_as: Callable, db_session
) -> None:
    admin = login_as(Role.ADMIN)
    no_reason = post_form(admin, f"{URL}/regle", {"rule": "mes"}, token_from=URL)
    assert no_reason.status_code == 422 and "Indiquez pourquoi" in text_of(no_reason)
    done = post_form(admin, f"{URL}/regle", {"rule": "mes", "reason": "Plus de votants satisfaits."},
                     token_from=URL)
    assert done.status_code == 302
    db_session.expire_all()
    assert db_session.get(Edition, scenario.edition.id).allocation_rule == "mes"
    [entry] = audit_entries(db_session, "edition.allocation_rule")
    assert "Plus de votants satisfaits." in entry.summary and entry.after == {"allocation_rule": "mes"}
    unknown = post_form(admin, f"{URL}/regle", {"rule": "unknown", "reason": "x"}, token_from=URL)
    assert unknown.status_code == 422


def test_the_rule_no_longer_changes_once_published(
    published: Scenario, login_as: Callable, db_session
) -> None:
    admin = login_as(Role.ADMIN)
    before = db_session.get(Edition, published.edition.id).allocation_rule
    other = "mes" if before != "mes" else "greedy"
    refused = post_form(admin, f"{URL}/regle", {"rule": other, "reason": "Trop tard."}, token_from=URL)
    assert refused.status_code == 422 and "sont publiés" in text_of(refused)
    db_session.expire_all()
    assert db_session.get(Edition, published.edition.id).allocation_rule == before
