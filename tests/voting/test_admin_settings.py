"""The edition setting that settles a clash between a paper and an online ballot of one person."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.voting.models import PAPER_CLASH_LABELS, PaperClashPolicy
from tests.editions.helpers import EDITION_FORM
from tests.helpers import post_form, text_of


def test_admin_chooses_which_ballot_wins_a_paper_online_clash(
    admin: FlaskClient, make_edition: Callable, db_session
) -> None:
    edition = make_edition(year=2027)
    url = f"/gestion/editions/{edition.id}"
    page = text_of(admin.get(url))
    assert "Si une personne vote en ligne et sur papier" in page
    assert all(label in page for label in PAPER_CLASH_LABELS.values())
    assert db_session.get(Edition, edition.id).paper_clash_policy == PaperClashPolicy.ONLINE_WINS.value

    form = {
        **EDITION_FORM,
        "title": "Budget citoyen test",
        "payment_credits": "1000000",
        "envelope": "400000",
    }
    refused = post_form(admin, url, {**form, "paper_clash_policy": "les_deux"})
    assert refused.status_code == 422 and "Choisissez une des règles proposées." in text_of(refused)

    assert post_form(admin, url, {**form, "paper_clash_policy": "paper_wins"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Edition, edition.id).paper_clash_policy == PaperClashPolicy.PAPER_WINS.value
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "edition.update"))
    assert entry.before == {"paper_clash_policy": "online_wins"} and entry.after == {
        "paper_clash_policy": "paper_wins"
    }
    assert '<option selected value="paper_wins">' in admin.get(url).get_data(as_text=True)
    # A form that does not send the setting (an older page) keeps it.
    assert post_form(admin, url, {**form, "title": "Budget citoyen 2027"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Edition, edition.id).paper_clash_policy == PaperClashPolicy.PAPER_WINS.value


def test_a_new_edition_lets_the_online_ballot_win_by_default(admin: FlaskClient, db_session) -> None:
    assert '<option selected value="online_wins">' in admin.get("/gestion/editions/nouvelle").get_data(
        as_text=True
    )
    assert post_form(admin, "/gestion/editions/nouvelle", EDITION_FORM).status_code == 302
    assert db_session.scalar(select(Edition.paper_clash_policy)) == PaperClashPolicy.ONLINE_WINS.value
