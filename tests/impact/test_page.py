"""The impact page: the survey's figures per edition and per territory, computed from the answers, small
groups shown as « moins de 3 réponses », stories only with their author's consent, and the chart."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.helpers import text_of
from tests.impact.helpers import PastWinners, answer, make_past_winners, send


@pytest.fixture
def answered(app: Flask, make_edition: Callable[..., Any], make_initiative: Callable[..., Any],
             make_user: Callable[..., Any]) -> PastWinners:
    winners = make_past_winners(app, make_edition, make_initiative, make_user)
    send(app, winners.year)
    ids = winners.surveyed
    answer(app, ids["Initiative A0"], story="Récit public de A0.", story_public=True)
    answer(app, ids["Initiative A1"], volunteers_before=5, volunteers_after=5, employees_before=2,
           employees_after=1, story="Récit privé de A1.", story_public=False)
    answer(app, ids["Initiative A2"], still_active=False, volunteers_before=4, volunteers_after=0,
           employees_before=0, employees_after=0, other_funding=False, other_funding_amount=None, funders="",
           story="")
    answer(app, ids["Initiative A3"], volunteers_before=1, volunteers_after=2, employees_before=0,
           employees_after=0, story="")
    answer(app, ids["Ressourcerie du port"], story="")
    return winners


def row(page: str, label: str) -> str:
    """The text of the table line that starts with `label`, spaces normalised."""
    flat = re.sub(r"[\u00a0\u202f]", " ", page)
    match = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", flat, re.S)
    assert match, label
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_figures_per_edition_and_territory(app: Flask, answered: PastWinners, client: Any) -> None:
    page = text_of(client.get("/impact"))
    year = answered.year
    # 6 surveyed, 5 answers: 4 still active, 3 with more volunteers, 2 more employees, 4 other funding.
    assert row(page, f"Ensemble des lauréats interrogés en {year}") == "6 5 80 % 60 % 40 % 80 %"
    assert "Parmi les réponses, 80 % des initiatives sont toujours actives" in page.replace("\u202f", " ")
    # One answer, or one out of two: no percentages.
    assert row(page, f"Lauréats {year - 1}") == "1 1 moins de 3 réponses"
    assert row(page, "Artois") == "2 1 moins de 3 réponses"
    # Nor for the other group of each table, which with the whole would give the lone answer away.
    withheld = "non détaillé : avec les petits groupes, il les révélerait"
    assert row(page, f"Lauréats {year - 2}") == f"5 4 {withheld}"
    assert row(page, "Calaisis") == f"4 4 {withheld}"
    assert "75 %" not in page
    # Only the story its author agreed to publish.
    assert "Récit public de A0." in page and "Récit privé de A1." not in page
    assert 'src="/impact/' in page


def test_the_chart_and_other_campaigns(app: Flask, answered: PastWinners, client: Any) -> None:
    chart = client.get(f"/impact/{answered.year}/graphique.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    svg = chart.get_data(as_text=True)
    assert "<title" in svg and "5 réponses sur 6 lauréats interrogés" in svg
    # Each bar's value says it is a share (matplotlib keeps each text as a comment beside its glyphs).
    assert "<!-- 80\u202f% -->" in svg and "<!-- 40\u202f% -->" in svg
    assert client.get("/impact?enquete=1999").status_code == 404
    assert client.get("/impact?enquete=abc").status_code == 404
    assert client.get("/impact/1999/graphique.svg").status_code == 404


def test_too_few_answers_show_no_share_nor_chart(app: Flask, make_edition: Callable[..., Any],
                                                 make_initiative: Callable[..., Any],
                                                 make_user: Callable[..., Any], client: Any) -> None:
    assert "Aucune enquête n'a encore été menée" in text_of(client.get("/impact"))
    winners = make_past_winners(app, make_edition, make_initiative, make_user)
    send(app, winners.year)
    answer(app, winners.surveyed["Initiative A0"], story="Seul récit.", story_public=True)
    answer(app, winners.surveyed["Initiative A1"])
    page = text_of(client.get("/impact"))
    assert row(page, f"Ensemble des lauréats interrogés en {winners.year}") == "6 2 moins de 3 réponses"
    assert "Parmi les réponses" not in page and "graphique.svg" not in page
    assert client.get(f"/impact/{winners.year}/graphique.svg").status_code == 404
    assert "Seul récit." in page
