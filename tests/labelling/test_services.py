"""Labelling services on a real database: assignment, interests, scoring rules, aggregation, decision."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from budgetcitoyen.accounts.models import College, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.errors import Conflict, DomainError, NotAllowed, PhaseClosed
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.labelling import services
from budgetcitoyen.labelling.models import Assignment


@pytest.fixture
def setup(make_edition: Callable, make_user: Callable, make_committee_member: Callable,  # type: ignore[no-untyped-def]
          make_initiative: Callable):
    edition = make_edition(open_phase=Phase.LABELLING)
    members = [
        make_committee_member(edition, college)
        for college in (College.AMBASSADOR, College.FINANCE, College.QUALIFIED, College.MISSION_ESS)
    ]
    admin = make_user()
    holder = make_user()
    ids = [
        make_initiative(
            edition, Status.IN_REVIEW, title=f"Dossier {n}", territory="ternois", holder=holder, summary="."
        ).id
        for n in range(6)
    ]
    return edition, members, admin, ids


def full_sheet(session, edition: Edition, value: int = 3) -> dict[int, int]:  # type: ignore[no-untyped-def]
    return {q.id: value for axis in services.questionnaire(session, edition) for q in axis.questions}


def test_assign_score_recuse_and_decide(app: Flask, setup) -> None:  # type: ignore[no-untyped-def]
    edition, members, admin, ids = setup
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.get(Edition, edition.id)
        first = session.get(Initiative, ids[0])
        # Member 4 declares an interest in dossier 0 before the assignment.
        services.declare_interest(
            session,
            session.get(User, members[3].id),
            first,
            session.get(User, members[3].id),
            "Je suis administratrice de l'association.",
            now,
        )
        created = services.auto_assign(session, session.get(User, admin.id), edition, now)
        session.commit()
        assert created == 6 * 3
        assigned = set(
            session.scalars(select(Assignment.member_id).where(Assignment.initiative_id == ids[0]))
        )
        assert members[3].id not in assigned and len(assigned) == 3
        # Each of the three scores dossier 0.
        values = {members[0].id: 4, members[1].id: 3, members[2].id: 2}
        for member_id in assigned:
            member = session.get(User, member_id)
            services.save_evaluation(
                session,
                member,
                first,
                full_sheet(session, edition, values[member_id]),
                "Bon dossier",
                submit=True,
                now=now,
            )
        session.commit()
        review = services.review(session, first)
        assert [float(r.value) for r in review.result.axes] == [3.0] * 7
        assert float(review.result.total) == 3.0 and review.suggestion.labelled
        assert [u.id for u in review.recused] == [members[3].id]
        assert [r.axis.name for r in review.result.disagreements(edition.disagreement_spread)] == [
            r.axis.name for r in review.result.axes
        ]  # 4 vs 2 everywhere: spread 2
        category = session.scalar(select(Category).where(Category.edition_id == edition.id))
        services.decide(
            session, session.get(User, admin.id), first, True, category, "Labellisé à l'unanimité.", now
        )
        session.commit()
        assert session.get(Initiative, ids[0]).status == "labelled"
        with pytest.raises(Conflict):
            services.decide(session, session.get(User, admin.id), first, True, category, "Encore", now)


def test_scoring_refusals(app: Flask, setup) -> None:  # type: ignore[no-untyped-def]
    edition, members, admin, ids = setup
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.get(Edition, edition.id)
        initiative = session.get(Initiative, ids[1])
        member = session.get(User, members[0].id)
        with pytest.raises(NotAllowed, match="ne vous a pas été confié"):
            services.save_evaluation(session, member, initiative, {}, "", submit=False, now=now)
        services.assign_by_hand(session, session.get(User, admin.id), initiative, member, now)
        sheet = full_sheet(session, edition)
        with pytest.raises(DomainError, match="entier de 0 à 4"):
            services.save_evaluation(
                session, member, initiative, {**sheet, next(iter(sheet)): 7}, "", submit=False, now=now
            )
        partial = dict(list(sheet.items())[:3])
        services.save_evaluation(session, member, initiative, partial, "brouillon", submit=False, now=now)
        with pytest.raises(DomainError, match="Notez toutes les questions"):
            services.save_evaluation(session, member, initiative, partial, "", submit=True, now=now)
        services.save_evaluation(session, member, initiative, sheet, "", submit=True, now=now)
        with pytest.raises(Conflict, match="déjà soumise"):
            services.save_evaluation(session, member, initiative, sheet, "", submit=True, now=now)
        # The questionnaire is frozen under existing scores.
        assert services.is_frozen(session, edition, now)
        other = session.get(Initiative, ids[2])
        services.assign_by_hand(session, session.get(User, admin.id), other, member, now)
        services.declare_interest(session, member, other, member, "", now)
        with pytest.raises(NotAllowed, match="déclaré un intérêt"):
            services.save_evaluation(session, member, other, sheet, "", submit=False, now=now)
        with pytest.raises(Conflict, match="déclaré un intérêt"):
            services.assign_by_hand(session, session.get(User, admin.id), other, member, now)


def test_scoring_needs_the_labelling_phase(
    app: Flask, make_edition: Callable, make_committee_member: Callable, make_user: Callable,
    make_initiative: Callable,
) -> None:
    edition = make_edition(open_phase=Phase.VOTE)
    member = make_committee_member(edition)
    holder, admin = make_user(), make_user()
    late = make_initiative(
        edition, Status.IN_REVIEW, title="Tard", territory="ternois", holder=holder, summary="."
    )
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        initiative = session.get(Initiative, late.id)
        services.assign_by_hand(
            session, session.get(User, admin.id), initiative, session.get(User, member.id), now
        )
        with pytest.raises(PhaseClosed):
            services.save_evaluation(
                session,
                session.get(User, member.id),
                initiative,
                full_sheet(session, session.get(Edition, edition.id)),
                "",
                submit=True,
                now=now,
            )


def test_questionnaire_edits_until_frozen(app: Flask, make_edition: Callable, make_user: Callable) -> None:
    edition = make_edition(open_phase=Phase.DOSSIERS)
    admin = make_user()
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        row = session.get(Edition, edition.id)
        axes = services.questionnaire(session, row)
        assert len(axes) == 7 and all(len(a.questions) == 2 for a in axes)
        edit = services.AxisEdit(
            axes[0].id,
            "Utilité sociale et solidaire",
            axes[0].weight * 2,
            {axes[0].questions[0].id: "Besoin social avéré ?"},
        )
        services.update_questionnaire(session, session.get(User, admin.id), row, [edit], now)
        session.commit()
        assert services.questionnaire(session, row)[0].name == "Utilité sociale et solidaire"
    labelling = make_edition(year=2027, open_phase=Phase.LABELLING)
    with app.extensions["db_sessionmaker"]() as session:
        row = session.get(Edition, labelling.id)
        axes = services.questionnaire(session, row)
        with pytest.raises(Conflict, match="figé"):
            services.update_questionnaire(
                session,
                session.get(User, admin.id),
                row,
                [services.AxisEdit(axes[0].id, "X", axes[0].weight, {})],
                now,
            )


def test_a_member_never_scores_their_own_dossier(app: Flask, setup, make_committee_member: Callable) -> None:  # type: ignore[no-untyped-def]
    edition, members, admin, ids = setup
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        own = session.get(Initiative, ids[0])
        own.holder_id = members[0].id  # member 0 also holds dossier 0
        session.commit()
        services.auto_assign(session, session.get(User, admin.id), session.get(Edition, edition.id), now)
        session.commit()
        assert members[0].id not in set(
            session.scalars(select(Assignment.member_id).where(Assignment.initiative_id == ids[0]))
        )
        with pytest.raises(Conflict, match="porte ce dossier"):
            services.assign_by_hand(
                session, session.get(User, admin.id), own, session.get(User, members[0].id), now
            )


def test_interest_cannot_rewrite_a_submitted_or_decided_review(app: Flask, setup) -> None:  # type: ignore[no-untyped-def]
    edition, members, admin, ids = setup
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        initiative = session.get(Initiative, ids[0])
        member = session.get(User, members[0].id)
        services.assign_by_hand(session, session.get(User, admin.id), initiative, member, now)
        services.save_evaluation(
            session,
            member,
            initiative,
            full_sheet(session, session.get(Edition, edition.id)),
            "",
            submit=True,
            now=now,
        )
        with pytest.raises(Conflict, match="signalez ce lien à la Mission ESS"):
            services.declare_interest(session, member, initiative, member, "", now)
        # The Mission ESS may still record it while the dossier is under review.
        services.declare_interest(
            session, session.get(User, admin.id), initiative, member, "Lien découvert", now
        )
        draft = session.get(Initiative, ids[1])
        draft.status = Status.DRAFT.value
        session.flush()
        with pytest.raises(Conflict, match="plus en instruction"):
            services.declare_interest(
                session, session.get(User, members[1].id), draft, session.get(User, members[1].id), "", now
            )


def test_a_removed_member_no_longer_counts(app: Flask, setup) -> None:  # type: ignore[no-untyped-def]
    from budgetcitoyen.accounts.models import CommitteeMembership
    from budgetcitoyen.editions import services as edition_services

    edition, members, admin, ids = setup
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        initiative = session.get(Initiative, ids[0])
        row = session.get(Edition, edition.id)
        for value, member in ((0, members[0]), (4, members[1])):
            services.assign_by_hand(
                session, session.get(User, admin.id), initiative, session.get(User, member.id), now
            )
            services.save_evaluation(
                session,
                session.get(User, member.id),
                initiative,
                full_sheet(session, row, value),
                "",
                submit=True,
                now=now,
            )
        seat = session.scalar(select(CommitteeMembership).where(CommitteeMembership.user_id == members[0].id))
        edition_services.remove_committee_member(session, session.get(User, admin.id), seat, now)
        review = services.review(session, initiative)
        assert review.result.members == (members[1].id,) and float(review.result.total) == 4.0
        assert not services.can_score(session, initiative, session.get(User, members[0].id))


def test_labelling_into_a_category_below_the_amount_is_refused(app: Flask, setup) -> None:  # type: ignore[no-untyped-def]
    edition, _, admin, ids = setup
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        initiative = session.get(Initiative, ids[0])
        initiative.amount_asked = 20000
        small = session.scalar(
            select(Category).where(Category.edition_id == edition.id, Category.code == "pratique-ess")
        )
        with pytest.raises(DomainError, match="dépasse le plafond"):
            services.decide(session, session.get(User, admin.id), initiative, True, small, "Bien.", now)


def test_the_default_questionnaire_comes_with_the_edition(make_edition: Callable, db_session) -> None:  # type: ignore[no-untyped-def]
    """Created with the edition, not when first read: no page has to write it on a GET."""
    from budgetcitoyen.editions.models import Axis

    edition = make_edition()
    axes = db_session.scalars(select(Axis).where(Axis.edition_id == edition.id).order_by(Axis.position)).all()
    assert [len(axis.questions) for axis in axes] == [2] * 7 and axes[0].name == "Utilité sociale"
    assert axes[0].questions[0].level_labels == ["Absent", "Émergent", "Partiel", "Affirmé", "Exemplaire"]
