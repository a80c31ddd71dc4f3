"""The report to the Commission permanente: the département's table with its running balance, and its CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.results.admin_presenters import running_balance
from tests.results.helpers import YEAR, Scenario, set_vote_window, visible, write_result

REPORT = f"/gestion/editions/{YEAR}/commission-permanente"
# The report is for the staff: the tests read it as an agent of the Mission ESS, not only as an administrator.


def set_credits(app: Flask, edition_id: int, cp: Decimal | None, available: Decimal | None) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        session.execute(
            update(Edition)
            .where(Edition.id == edition_id)
            .values(payment_credits=cp, credits_available=available)
        )
        session.commit()


def report_lines(page: str) -> list[str]:
    """The body rows of the budget table, as text."""
    table = page.split("Imputation budgétaire, une ligne par lauréate", 1)[1].split("Total proposé", 1)[0]
    return re.findall(r"C01-650A01 6568//9365 Mission ESS — [^€]+€ [^€]+€ [^€]+€ [^€]+€", table)


def test_running_balance() -> None:
    assert running_balance(Decimal(120285), [Decimal(35830), Decimal(35400)]) == [
        (Decimal(120285), Decimal(84455)),
        (Decimal(84455), Decimal(49055)),
    ]  # the 2023 deliberations
    assert running_balance(None, [Decimal(1)]) == [(None, None)]
    assert running_balance(Decimal(10), []) == []


def test_the_report_has_one_line_per_winner_with_the_running_balance(
    login_as: Callable[..., FlaskClient], published: Scenario
) -> None:
    agent = login_as(Role.AGENT)
    response = agent.get(REPORT)
    assert response.status_code == 200
    page = visible(response)
    assert "Rapport à la Commission permanente — Budget citoyen 2026" in page
    line = "C01-650A01 6568//9365 Mission ESS — "
    assert report_lines(page) == [
        line + "Ressourcerie d'Arras 209 285,00 € 120 285,00 € 8 000,00 € 112 285,00 €",
        line + "Café associatif de Lens 209 285,00 € 112 285,00 € 9 000,00 € 103 285,00 €",
        line + "Atelier vélo d'Avion 209 285,00 € 103 285,00 € 4 500,00 € 98 785,00 €",
    ]
    assert "Total proposé 21 500,00 € 98 785,00 €" in page
    # The winners with their structure as published: an informal collective's name is a person's.
    assert "1 Association Re-Faire Ressourcerie d'Arras Arrageois 5 8 000,00 €" in page
    assert "2 SCIC Le Comptoir Café associatif de Lens Lens-Hénin 4 9 000,00 €" in page
    assert "4 Collectif d'habitants (nom non publié) Atelier vélo d'Avion Lens-Hénin 1 4 500,00 €" in page
    assert "Famille Durand" not in page
    assert "Jardin partagé de Calais" not in page
    assert "Total (3 lauréates) 21 500,00 €" in page
    assert "dépasse" not in page and "pas encore publiée" not in page
    # Printable: the menus sit in elements the print style sheet hides.
    html = response.get_data(as_text=True)
    assert re.search(r'<div class="no-print">\s*<nav class="subnav"', html)


def test_without_credits_available_the_first_line_starts_from_the_cp(
    app: Flask, login_as: Callable[..., FlaskClient], published: Scenario
) -> None:
    agent = login_as(Role.AGENT)
    set_credits(app, published.edition.id, Decimal(209285), None)
    lines = report_lines(visible(agent.get(REPORT)))
    assert lines[0].endswith("209 285,00 € 209 285,00 € 8 000,00 € 201 285,00 €")
    assert lines[2].endswith("192 285,00 € 4 500,00 € 187 785,00 €")


def test_a_total_above_what_is_available_is_flagged(
    app: Flask, login_as: Callable[..., FlaskClient], published: Scenario
) -> None:
    agent = login_as(Role.AGENT)
    set_credits(app, published.edition.id, Decimal(209285), Decimal(10000))
    page = visible(agent.get(REPORT))
    assert (
        "Attention : le total proposé (21 500,00 €) dépasse le disponible de la ligne (10 000,00 €) "
        "de 11 500,00 €."
    ) in page
    assert report_lines(page)[1].endswith("2 000,00 € 9 000,00 € -7 000,00 €")
    assert "-7 000,00 € (dépassement)" in page


def test_without_any_credits_the_balance_is_not_invented(
    app: Flask, login_as: Callable[..., FlaskClient], published: Scenario
) -> None:
    agent = login_as(Role.AGENT)
    set_credits(app, published.edition.id, None, None)
    page = visible(agent.get(REPORT))
    assert "Les crédits de paiement (CP) de la ligne budgétaire ne sont pas renseignés" in page
    assert "Total proposé 21 500,00 € —" in page


def test_a_result_not_yet_published_is_marked_as_such(
    app: Flask, login_as: Callable[..., FlaskClient], scenario: Scenario
) -> None:
    agent = login_as(Role.AGENT)
    page = visible(agent.get(REPORT))
    assert "La répartition de l'enveloppe n'est pas encore calculée pour cette édition." in page
    assert agent.get(f"{REPORT}.csv").status_code == 404
    set_vote_window(app, scenario.edition.id, open_=False)
    write_result(app, scenario, published=False)
    page = visible(agent.get(REPORT))
    assert "pas encore publiée : ce tableau peut encore changer." in page
    assert len(report_lines(page)) == 3


def test_the_csv_has_the_same_lines(login_as: Callable[..., FlaskClient], published: Scenario) -> None:
    agent = login_as(Role.AGENT)
    response = agent.get(f"{REPORT}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="commission-permanente-2026.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Rang",
        "Code opération",
        "Imputation budgétaire",
        "Libellé opération",
        "CP",
        "Disponible",
        "Proposition",
        "Solde",
        "N° initiative",
        "Initiative",
        "Structure",
        "Territoire",
    ]
    assert rows[1:] == [
        [
            "1",
            "C01-650A01",
            "6568//9365",
            "Mission ESS",
            "209285,00",
            "120285,00",
            "8000,00",
            "112285,00",
            str(published.ids["A"]),
            "Ressourcerie d'Arras",
            "Association Re-Faire",
            "Arrageois",
        ],
        [
            "2",
            "C01-650A01",
            "6568//9365",
            "Mission ESS",
            "209285,00",
            "112285,00",
            "9000,00",
            "103285,00",
            str(published.ids["B"]),
            "Café associatif de Lens",
            "SCIC Le Comptoir",
            "Lens-Hénin",
        ],
        [
            "4",
            "C01-650A01",
            "6568//9365",
            "Mission ESS",
            "209285,00",
            "103285,00",
            "4500,00",
            "98785,00",
            str(published.ids["D"]),
            "Atelier vélo d'Avion",
            "",
            "Lens-Hénin",
        ],
    ]
