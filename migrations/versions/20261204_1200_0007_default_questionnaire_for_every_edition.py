"""default questionnaire for every edition

The questionnaire is now created with its edition; it used to be created when first read. Editions
created before then, whose questionnaire was never read, get the default one here. The data is
frozen as it stood when this revision was written (budgetcitoyen.editions.questionnaire).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 12:00:00
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LEVELS = ["Absent", "Émergent", "Partiel", "Affirmé", "Exemplaire"]
DEFAULT_QUESTIONNAIRE = (
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

editions = sa.table("editions", sa.column("id", sa.Integer()))
axes = sa.Table(  # a Table, not a table(): the new axis's id is read back after each insert
    "labelling_axes",
    sa.MetaData(),
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("edition_id", sa.Integer()),
    sa.Column("position", sa.Integer()),
    sa.Column("name", sa.String()),
    sa.Column("weight", sa.Numeric(4, 2)),
)
questions = sa.table(
    "labelling_questions",
    sa.column("axis_id", sa.Integer()),
    sa.column("position", sa.Integer()),
    sa.column("text", sa.String()),
    sa.column("level_labels", sa.JSON()),
)


def upgrade() -> None:
    bind = op.get_bind()
    without = bind.execute(
        sa.select(editions.c.id)
        .where(~sa.exists().where(axes.c.edition_id == editions.c.id))
        .order_by(editions.c.id)
    ).scalars().all()
    for edition_id in without:
        for position, (name, texts) in enumerate(DEFAULT_QUESTIONNAIRE):
            inserted = bind.execute(
                axes.insert().values(edition_id=edition_id, position=position, name=name, weight=Decimal("1"))
            )
            axis_id = inserted.inserted_primary_key[0]
            bind.execute(questions.insert(), [
                {"axis_id": axis_id, "position": index, "text": text, "level_labels": LEVELS}
                for index, text in enumerate(texts)
            ])


def downgrade() -> None:
    # The questionnaires stay: from here on they are the editions' own, possibly edited since.
    pass
