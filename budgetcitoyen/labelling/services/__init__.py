"""Labelling use cases, one module per concern; every name other domains and the views call is here.

- questionnaire: read the edition's questionnaire, freeze it, edit it (axes, weights, questions);
- committee: who sits on the committee, a member's record for the permission predicates;
- assignments: give dossiers to members, take them back, interests, reminders;
- scoring: a member's sheet, draft then submitted;
- decisions: the committee's review of a dossier and the decision the holder is told of.

They take the session first, flush and never commit; refusals are DomainErrors in French.
"""

from __future__ import annotations

from budgetcitoyen.labelling.radar import radar_data
from budgetcitoyen.labelling.services.assignments import (
    assign_by_hand,
    auto_assign,
    declare_interest,
    remind_late_members,
    unassign,
)
from budgetcitoyen.labelling.services.committee import (
    can_score,
    colleges_of,
    committee_record,
    evaluation_of,
    has_interest,
    is_assigned,
    is_member,
    members_of,
    reviewable_dossiers,
)
from budgetcitoyen.labelling.services.decisions import DecisionRecorded, DossierReview, decide, review
from budgetcitoyen.labelling.services.questionnaire import (
    AxisEdit,
    add_axis,
    add_question,
    is_frozen,
    questionnaire,
    remove_axis,
    remove_question,
    rule_axes,
    update_questionnaire,
)
from budgetcitoyen.labelling.services.scoring import save_evaluation

__all__ = [
    "AxisEdit",
    "DecisionRecorded",
    "DossierReview",
    "add_axis",
    "add_question",
    "assign_by_hand",
    "auto_assign",
    "can_score",
    "colleges_of",
    "committee_record",
    "decide",
    "declare_interest",
    "evaluation_of",
    "has_interest",
    "is_assigned",
    "is_frozen",
    "is_member",
    "members_of",
    "questionnaire",
    "radar_data",
    "remind_late_members",
    "remove_axis",
    "remove_question",
    "review",
    "reviewable_dossiers",
    "rule_axes",
    "save_evaluation",
    "unassign",
    "update_questionnaire",
]
