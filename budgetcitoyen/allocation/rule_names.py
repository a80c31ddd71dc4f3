"""The allocation rules as an enum, with the words that describe each one (the one place they are written).

Apart from `values` (which holds only the codes, `RULES`): the start of `budgetcitoyen allocate` imports
neither enum nor functools (see records.py), and the pages and forms that name a rule import this module.
"""

from __future__ import annotations

import enum


class AllocationRule(enum.StrEnum):
    """The allocation rules: the code an edition stores and `budgetcitoyen allocate --rule` takes, and the
    words that describe each rule (the one place they are written)."""

    GREEDY = "greedy"
    TERRITORIAL = "territorial"
    MES = "mes"
    MES_RAW = "mes-raw"

    @property
    def label(self) -> str:
        """What the settings form and the results page call the rule."""
        return _RULE_WORDS[self][0]

    @property
    def summary(self) -> str:
        """A short description, in lower case (the heading of `budgetcitoyen allocate`)."""
        return _RULE_WORDS[self][1]

    @property
    def details(self) -> str:
        """What the rule does, in a few sentences for residents (the results page)."""
        return _RULE_WORDS[self][2]


_RULE_WORDS = {
    AllocationRule.GREEDY: (
        "Par ordre des votes, en passant les projets qui ne tiennent plus dans l'enveloppe",
        "glouton (par voix décroissantes)",
        "Les initiatives sont classées par nombre de voix. En descendant le classement, chacune reçoit le "
        "montant demandé (dans la limite du plafond de sa catégorie) tant que l'enveloppe le permet ; une "
        "initiative qui ne tient plus dans ce qui reste est passée, et l'examen continue jusqu'à la fin du "
        "classement.",
    ),
    AllocationRule.TERRITORIAL: (
        "D'abord le projet le mieux voté de chaque territoire, puis par ordre des votes",
        "équité territoriale puis glouton",
        "D'abord, l'initiative la mieux votée de chaque territoire est financée si elle tient dans "
        "l'enveloppe ; ensuite, les autres initiatives sont examinées par ordre de voix, chacune financée si "
        "elle tient dans ce qui reste.",
    ),
    AllocationRule.MES: (
        "Méthode des parts égales, complétée (comme Wieliczka, Świecie, Assen)",
        "méthode des parts égales, complétée (+1 par votant, puis glouton)",
        "Méthode des parts égales : chaque votant dispose d'une part égale de l'enveloppe ; on finance tour "
        "à tour l'initiative que ses soutiens peuvent payer avec la plus petite contribution maximale. Comme "
        "à Wieliczka, Świecie ou Assen, la part de chaque votant est ensuite augmentée d'un euro à la fois "
        "tant que le total financé tient dans l'enveloppe ; ce qui reste va aux initiatives suivantes par "
        "ordre de voix.",
    ),
    AllocationRule.MES_RAW: (
        "Méthode des parts égales, sans complément",
        "méthode des parts égales (sans complément)",
        "Méthode des parts égales : chaque votant dispose d'une part égale de l'enveloppe. À chaque étape, "
        "on finance l'initiative que ses soutiens peuvent payer en demandant à chacun la plus petite "
        "contribution maximale ; on s'arrête quand plus aucune initiative ne peut être payée par ses "
        "soutiens.",
    ),
}
