"""The default ESS markers questionnaire (domain.md): seven axes, two questions each, scored 0 to 4."""

from __future__ import annotations

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
