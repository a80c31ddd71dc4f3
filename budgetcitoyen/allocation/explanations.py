"""The outcome of an allocation, with a French explanation of every project's fate."""

from __future__ import annotations

from budgetcitoyen.allocation import french
from budgetcitoyen.allocation.context import Context, Fate
from budgetcitoyen.allocation.values import (
    BELOW_THRESHOLD,
    EXCEEDS_ENVELOPE,
    FUNDED,
    FUNDED_COMPLETION,
    FUNDED_EQUAL_SHARES,
    FUNDED_TERRITORY,
    NO_ROOM,
    NO_ROOM_SUB_ENVELOPE,
    NO_SUPPORT,
    SUPPORTERS_SHORT,
    ZERO_COST_IGNORED,
    Decision,
    Outcome,
)


def outcome(context: Context, rule: str) -> Outcome:
    money, projects = context.money, context.projects
    decisions = []
    for j, project in enumerate(projects):
        fate = context.fates.get(j) or Fate(NO_ROOM, remaining=context.remaining)
        if not context.eligible(j):
            fate = Fate(BELOW_THRESHOLD)
        elif fate.position is None and context.granted[j] > context.envelope:
            fate = Fate(EXCEEDS_ENVELOPE)  # the plainest reason, whatever the rule
        funded = fate.position is not None
        decisions.append(Decision(
            project_id=project.id, funded=funded, asked=project.cost,
            granted=money.decimal(context.granted[j]) if funded else money.decimal(0),
            votes=project.votes, rank=context.rank[j], position=fate.position, reason=fate.reason,
            explanation=explain(context, j, fate)))
    spent = context.envelope - context.remaining
    return Outcome(
        rule=rule, envelope=money.decimal(context.envelope), spent=money.decimal(spent),
        remaining=money.decimal(context.remaining), selected=tuple(projects[j].id for j in context.selected),
        decisions=tuple(decisions),
        sub_envelopes_remaining={c: money.decimal(v) for c, v in context.sub_remaining.items()},
        notes=tuple(context.notes))


def explain(context: Context, j: int, fate: Fate) -> str:
    project = context.projects[j]

    def amount(units: int) -> str:
        return french.amount(context.money.decimal(units), context.currency)

    place = f"{french.ordinal(context.rank[j])} en voix ({french.votes(project.votes)})"
    category = french.quoted(project.category) if project.category is not None else ""
    need = amount(context.granted[j])
    capped = f" (demande de {amount(context.asked[j])} plafonnée pour la catégorie {category})" \
        if context.capped[j] else ""
    asked = f"{need} retenus{capped}" if capped else f"{need} demandés"
    if fate.position is not None:
        sub = f" ; {amount(fate.sub_remaining)} restants dans la sous-enveloppe {category}" \
            if fate.sub_remaining is not None else ""
        head = {
            FUNDED: "Financé",
            FUNDED_COMPLETION: "Financé au complément glouton",
            FUNDED_TERRITORY: "Financé comme meilleur projet du territoire "
            + french.quoted(project.territory or ""),
            FUNDED_EQUAL_SHARES: "Financé par la méthode des parts égales"
            + (f" ({french.ordinal(fate.purchase)} achat)" if fate.purchase else " (coût nul)"),
        }[fate.reason]
        text = f"{head} : {place} ; {need} accordés{capped}, {amount(fate.remaining)} restants{sub}."
        if fate.reason == FUNDED_EQUAL_SHARES and fate.purchase:
            paid = french.amount(context.money.fraction_decimal(fate.level or 0.0), context.currency)
            text = text[:-1] + f" ; chaque soutien a payé au plus {paid}."
        return text
    if fate.reason == BELOW_THRESHOLD:
        return (f"Non financé : {french.votes(project.votes)}, "
                f"sous le seuil de {french.votes(context.threshold)}.")
    if fate.reason == EXCEEDS_ENVELOPE:
        return f"Non financé : {asked}, plus que l'enveloppe entière ({amount(context.envelope)})."
    if fate.reason == NO_ROOM_SUB_ENVELOPE:
        return f"Non financé : {place} ; {asked}, il ne restait que {amount(fate.sub_remaining or 0)} " \
               f"dans la sous-enveloppe {category}."
    if fate.reason == NO_SUPPORT:
        return "Non financé : aucun bulletin ne l'a choisi."
    if fate.reason == ZERO_COST_IGNORED:
        return ("Non financé : un projet à 0 € n'apporte aucune utilité « coût » "
                "à la méthode des parts égales.")
    if fate.reason == SUPPORTERS_SHORT:
        held = french.amount(context.money.fraction_decimal(fate.leftover or 0.0), context.currency)
        return f"Non financé : {place} ; ses soutiens ne disposaient plus que de {held} pour les {asked}."
    if fate.reason == NO_ROOM and fate.leftover is not None:
        held = french.amount(context.money.fraction_decimal(fate.leftover), context.currency)
        return (f"Non financé : {place} ; {asked}. Par la méthode des parts égales, ses soutiens ne "
                f"disposaient plus que de {held} à eux tous ; au complément glouton, il ne restait que "
                f"{amount(fate.remaining)}.")
    return f"Non financé : {place} ; {asked}, il ne restait que {amount(fate.remaining)}."
