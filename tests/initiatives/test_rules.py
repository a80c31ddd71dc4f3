"""SIRET, provisional budget, ceiling and completeness rules (pure)."""

from decimal import Decimal

import pytest

from budgetcitoyen.initiatives.rules import (
    REQUIRED_FOR_FILING,
    BudgetLine,
    amount_problem,
    budget_problems,
    budget_totals,
    luhn_valid,
    missing_for_filing,
    siret_problem,
)

D = Decimal


@pytest.mark.parametrize("siret", ["44067202000037", "440 672 020 00037", "73282932000074", "35600000000010"])
def test_valid_sirets(siret: str) -> None:
    assert siret_problem(siret) is None


@pytest.mark.parametrize(
    ("siret", "fragment"),
    [
        ("44067202000038", "n'est pas valide"),
        ("4406720200003", "14 chiffres"),
        ("4406720200003A", "14 chiffres"),
        ("", "14 chiffres"),
        ("35600000000011", "n'est pas valide"),  # La Poste: digit sum must be a multiple of 5
    ],
)
def test_invalid_sirets(siret: str, fragment: str) -> None:
    problem = siret_problem(siret)
    assert problem is not None and fragment in problem


def test_luhn() -> None:
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


def balanced(amount_asked: str = "8000") -> list[BudgetLine]:
    """A budget shaped like the seeds' conventions: charges, the département's grant, a co-financer,
    volunteers."""
    return [
        BudgetLine("60", "Matériel et fournitures", D("3500")),
        BudgetLine("62", "Communication, déplacements", D("1500")),
        BudgetLine("64", "Salaire de l'animatrice (mi-temps)", D("7000")),
        BudgetLine("70", "Participation des usagers", D("1000")),
        BudgetLine(
            "74", "Budget citoyen", D(amount_asked), "Département du Pas-de-Calais", is_departement=True
        ),
        BudgetLine("74", "Contrat de ville", D("3000"), "Communauté d'agglomération"),
        BudgetLine("864", "Bénévoles", D("2400")),
        BudgetLine("870", "Bénévolat (160 h)", D("2400")),
    ]


def test_a_balanced_budget_passes() -> None:
    assert budget_problems(balanced(), D("8000")) == []
    totals = budget_totals(balanced())
    assert (totals.total_charges, totals.total_products) == (D("14400"), D("14400"))


def test_unbalanced_budget_is_explained() -> None:
    lines = [*balanced(), BudgetLine("61", "Location de salle", D("250.50"))]
    [problem] = budget_problems(lines, D("8000"))
    assert problem == "Le budget n'est pas équilibré : charges 12\u202f250,50 €, produits 12\u202f000,00 €."


def test_departement_line_must_equal_the_amount_asked() -> None:
    problems = budget_problems(balanced("8000"), D("9000"))
    assert any("doit être égale au montant demandé (9\u202f000,00 €)" in p for p in problems)


def test_exactly_one_departement_line() -> None:
    lines = [line for line in balanced() if not line.is_departement]
    lines.append(BudgetLine("70", "Ventes", D("8000")))
    assert any("une et une seule ligne" in p for p in budget_problems(lines, D("8000")))


def test_in_kind_contributions_must_balance() -> None:
    lines = [*balanced()[:-1], BudgetLine("870", "Bénévolat", D("2000"))]
    assert any(
        "contributions volontaires en nature doivent s'équilibrer" in p
        for p in budget_problems(lines, D("8000"))
    )


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        (BudgetLine("99", "Divers", D("10")), "compte « 99 » inconnu"),
        (BudgetLine("60", "Achats", D("0")), "doit être positif"),
        (BudgetLine("60", "Achats", D("-5")), "doit être positif"),
        (BudgetLine("60", "Achats", D("10.005")), "plus de deux décimales"),
        (BudgetLine("60", " ", D("10")), "libellé"),
        (BudgetLine("74", "Subvention", D("10")), "nommez le financeur"),
    ],
)
def test_bad_lines_are_reported_with_their_number(line: BudgetLine, fragment: str) -> None:
    problems = budget_problems([*balanced(), line], D("8000"))
    assert any(p.startswith("Ligne 9 :") and fragment in p for p in problems), problems


def test_departement_line_must_be_a_subsidy() -> None:
    lines = [*balanced()]
    lines[4] = BudgetLine("70", "Budget citoyen", D("8000"), "Département", is_departement=True)
    assert any("compte 74" in p for p in budget_problems(lines, D("8000")))


def test_amount_within_ceiling() -> None:
    assert amount_problem(D("4500"), D("4500"), "Pratique de l'ESS") is None
    assert "dépasse le plafond" in amount_problem(D("4500.01"), D("4500"), "Pratique de l'ESS")
    assert "positif" in amount_problem(D("0"), D("4500"), "Pratique de l'ESS")


def test_missing_fields_for_filing() -> None:
    complete = dict.fromkeys(REQUIRED_FOR_FILING, "x")
    assert missing_for_filing(complete) == []
    incomplete = {**complete, "title": "  ", "communes": [], "amount_asked": None}
    assert missing_for_filing(incomplete) == [
        "le titre de l'initiative",
        "au moins une commune d'action",
        "le montant demandé",
    ]
