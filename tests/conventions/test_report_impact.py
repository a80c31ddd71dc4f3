"""The final report's impact indicators: checked with clear French messages, saved with the file or not at
all, shown to the Mission ESS, optional (but whole) for a paper report recorded by an administrator."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.conventions.indicators import Indicators, cleaned_or_problems, more, problems
from budgetcitoyen.conventions.models import ReportImpact
from tests.conventions.helpers import IMPACT, IMPACT_FORM, PDF, load
from tests.conventions.test_views import _paid_for_holder, upload
from tests.helpers import csrf_token, text_of


def test_indicators_rules() -> None:
    assert problems(IMPACT) == []
    missing = dict(problems(Indicators()))
    assert missing["still_active"] == "Indiquez si l'initiative est toujours active."
    assert set(missing) == {"still_active", "volunteers_before", "volunteers_after", "employees_before",
                            "employees_after", "other_funding"}
    wrong = dict(problems(Indicators(still_active=True, volunteers_before=-1, volunteers_after=200_000,
                                     employees_before=0, employees_after=0, other_funding=False,
                                     other_funding_amount=Decimal("10"), funders="X", story="x" * 4001)))
    assert wrong["volunteers_before"] == wrong["volunteers_after"] == \
        "Indiquez un nombre entier entre 0 et 100 000."
    assert "laissez le montant vide" in wrong["other_funding_amount"]
    assert "laissez les financeurs vides" in wrong["funders"]
    assert "4 000 caractères" in wrong["story"]
    assert Indicators().is_blank() and not IMPACT.is_blank()
    # Consent without a story publishes nothing.
    assert not cleaned_or_problems(Indicators(**{**IMPACT.__dict__, "story": " "}))[0].story_public
    assert more(2, 3) and not more(3, 3) and not more(None, 3)


def _impacts(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(ReportImpact))


def test_a_report_without_its_indicators_saves_nothing(
    app: Flask, people: dict[str, Any], db_session: Any, login_as: Callable[..., FlaskClient],
    add_winner: Callable[..., int],
) -> None:
    initiative_id, convention_id = _paid_for_holder(app, people, add_winner)
    holder = login_as(people["holder"])
    folder = Path(app.config["UPLOAD_FOLDER"])

    refused = upload(holder, initiative_id, convention_id, PDF, "bilan.pdf", still_active="",
                     volunteers_after="", other_funding="non")
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Indiquez si l'initiative est toujours active." in page
    assert "Indiquez le nombre de bénévoles aujourd'hui (0 s'il n'y en a pas)." in page
    assert "aucun autre financement n'a été obtenu : laissez le montant vide" in page
    assert "Le formulaire contient 4 erreurs" in page
    assert not folder.exists() or list(folder.iterdir()) == []
    assert load(app, convention_id).status == "paid" and _impacts(db_session) == 0

    not_a_number = upload(holder, initiative_id, convention_id, PDF, "bilan.pdf", employees_after="deux")
    assert not_a_number.status_code == 422 and _impacts(db_session) == 0

    assert upload(holder, initiative_id, convention_id, PDF, "bilan.pdf").status_code == 302
    saved = load(app, convention_id)
    assert saved.status == "report_received"
    impact = db_session.scalar(select(ReportImpact).where(ReportImpact.convention_id == convention_id))
    assert (impact.still_active, impact.volunteers_before, impact.volunteers_after) == (True, 3, 8)
    assert (impact.employees_after, impact.other_funding_amount) == (1, Decimal("2500.00"))
    assert impact.story_public and impact.funders == "Fondation locale"

    # A corrected report replaces the figures too; its form starts from the figures given.
    form = text_of(holder.get(f"/dossiers/{initiative_id}/convention/bilan/envoyer"))
    assert "Fondation locale" in form
    assert upload(holder, initiative_id, convention_id, PDF, "v2.pdf", volunteers_after="12",
                  other_funding="non", other_funding_amount="", funders="").status_code == 302
    db_session.expire_all()
    assert _impacts(db_session) == 1
    impact = db_session.scalar(select(ReportImpact).where(ReportImpact.convention_id == convention_id))
    assert (impact.volunteers_after, impact.other_funding, impact.other_funding_amount) == (12, False, None)

    admin_page = text_of(login_as(people["admin"]).get(f"/gestion/conventions/{convention_id}"))
    assert "Impact déclaré avec le bilan final" in admin_page and "3 au début, 12 aujourd'hui" in admin_page


def test_a_paper_report_may_come_without_figures_but_not_half_filled(
    app: Flask, people: dict[str, Any], db_session: Any, login_as: Callable[..., FlaskClient],
    add_winner: Callable[..., int],
) -> None:
    _, convention_id = _paid_for_holder(app, people, add_winner)
    admin = login_as(people["admin"])

    def post(**fields: str) -> Any:
        return admin.post(f"/gestion/conventions/{convention_id}/bilan", data={
            "bilan-csrf_token": csrf_token(admin, "/compte"),
            "bilan-file": (io.BytesIO(PDF), "papier.pdf"),
            **{f"bilan-{k}": v for k, v in fields.items()}}, content_type="multipart/form-data")

    half = post(still_active="oui")
    assert half.status_code == 422 and "Indiquez le nombre de salariés au début du projet" in text_of(half)
    assert load(app, convention_id).status == "paid"
    assert post().status_code == 302
    assert load(app, convention_id).status == "report_received" and _impacts(db_session) == 0
    assert post(**IMPACT_FORM).status_code == 302 and _impacts(db_session) == 1
