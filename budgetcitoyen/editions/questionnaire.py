"""The default ESS markers questionnaire (domain.md), created with every edition: seven axes, two
questions each, scored 0 to 4. The ESS service may then reword, re-weight, add or remove axes and
questions until labelling opens (budgetcitoyen.labelling)."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib import resources

from sqlalchemy.orm import Session

from budgetcitoyen.config import collectivite_setting
from budgetcitoyen.editions.models import Axis, Edition, Question

LEVELS = ("Absent", "Émergent", "Partiel", "Affirmé", "Exemplaire")

DEFAULT_QUESTIONNAIRE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Utilité sociale", (
        "L'initiative répond à un besoin social identifié et mal satisfait sur le territoire.",
        "Elle bénéficie à des publics fragiles ou éloignés des services.",
    )),
    ("Gouvernance démocratique et implication des usagers", (
        "Les décisions sont prises collectivement, selon le principe une personne, une voix.",
        "Les usagers et bénévoles participent à la conception et à la conduite du projet.",
    )),
    ("Coopération et partenariats", (
        "Le projet coopère avec d'autres acteurs du territoire plutôt que de les concurrencer.",
        "Il mutualise des moyens (lieux, matériel, compétences).",
    )),
    ("Ancrage territorial", (
        "Le projet s'appuie sur les ressources et les acteurs locaux.",
        "Il crée ou maintient des activités et des emplois non délocalisables.",
    )),
    ("Lucrativité limitée et modèle économique", (
        "Les excédents sont réinvestis dans le projet ; la lucrativité est encadrée.",
        "Le modèle économique est crédible et diversifie ses ressources.",
    )),
    ("Innovation sociale", (
        "Le projet propose une réponse nouvelle ou adaptée au territoire.",
        "Il peut essaimer ou inspirer d'autres territoires.",
    )),
    ("Transition environnementale", (
        "Le projet réduit son impact environnemental (déchets, énergie, mobilités).",
        "Il sensibilise ses publics à la transition écologique.",
    )),
)


def new_question(position: int, text: str) -> Question:
    """A question with the usual labels of its five levels."""
    return Question(position=position, text=text, level_labels=list(LEVELS))


def default_questionnaire() -> list[tuple[str, Decimal, tuple[str, ...]]]:
    """(axis, weight, questions) of a new edition: the configured collectivité's own questionnaire
    (reference/collectivites/<profile>/questionnaire.toml, `[[axis]]` tables with name, weight and
    questions) when its profile has one, else the markers above."""
    own = resources.files("budgetcitoyen.reference").joinpath(
        f"collectivites/{collectivite_setting('COLLECTIVITE_PROFILE')}/questionnaire.toml")
    if not own.is_file():
        return [(name, Decimal("1"), questions) for name, questions in DEFAULT_QUESTIONNAIRE]
    data = tomllib.loads(own.read_text(encoding="utf-8"))
    return [(str(axis["name"]), Decimal(str(axis.get("weight", 1))), tuple(map(str, axis["questions"])))
            for axis in data["axis"]]


def add_default_questionnaire(session: Session, edition: Edition) -> list[Axis]:
    """Give a new edition the default markers (flushed, so their ids are stable from the start)."""
    axes = []
    for position, (name, weight, questions) in enumerate(default_questionnaire()):
        axis = Axis(edition_id=edition.id, position=position, name=name, weight=weight)
        axis.questions = [new_question(index, text) for index, text in enumerate(questions)]
        session.add(axis)
        axes.append(axis)
    session.flush()
    return axes
