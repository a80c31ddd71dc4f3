"""Back-office of labelling: assignment, interests, reminders, questionnaire, review and decision, exports,
fiche."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import College, Role, User
from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Axis, Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import BudgetLineRow, Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.labelling import services
from budgetcitoyen.labelling.models import Assignment, Decision, Interest
from tests.conftest import SmtpServer, body_of
from tests.helpers import csrf_token, post_form, text_of

MEMBERS = ("membre0@example.org", "membre1@example.org", "membre2@example.org", "membre3@example.org")


@dataclass
class Setting:
    edition_id: int
    member_ids: list[int]
    dossier_ids: list[int]  # in review, then the last one only filed
    admin: FlaskClient
    agent: FlaskClient

    @property
    def progress_url(self) -> str:
        return f"/gestion/editions/{self.edition_id}/labellisation"


@pytest.fixture
def setting(
    make_edition: Callable, make_committee_member: Callable, make_user: Callable, make_initiative: Callable,
    login_as: Callable,
) -> Setting:
    edition = make_edition(open_phase=Phase.LABELLING)
    colleges = (College.AMBASSADOR, College.FINANCE, College.QUALIFIED, College.MISSION_ESS)
    members = [
        make_committee_member(edition, college, email=email)
        for college, email in zip(colleges, MEMBERS, strict=True)
    ]
    holder = make_user(email="porteur@example.org")
    ids = []
    for n, (title, status) in enumerate(
        (
            ("Tiers-lieu rural", Status.IN_REVIEW),
            ("Ressourcerie", Status.IN_REVIEW),
            ("Café associatif", Status.FILED),
        )
    ):
        budget = [
            BudgetLineRow(position=0, account="60", label=f"Achats {n}", amount=Decimal("8000")),
            BudgetLineRow(
                position=1,
                account="74",
                label="Subvention",
                amount=Decimal("8000"),
                funder="Département",
                is_departement=True,
            ),
        ]
        initiative = make_initiative(
            edition,
            status,
            title=title,
            territory="ternois",
            holder=holder,
            summary="Un lieu.",
            structure_name="Association des Sept Vallées",
            amount_asked=Decimal("8000"),
            budget_lines=budget,
        )
        ids.append(initiative.id)
    admin = login_as(Role.ADMIN, email="admin@example.org")
    agent = login_as(Role.AGENT, email="agent@example.org")
    return Setting(edition.id, [m.id for m in members], ids, admin, agent)


def assign_and_score(
    app: Flask,
    setting: Setting,
    dossier_id: int,
    values: dict[int, int],
    comments: dict[int, str] | None = None,
) -> None:
    """Give the dossier to these members (by index) and submit their sheets (every question at the given
    value)."""
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.get(Edition, setting.edition_id)
        initiative = session.get(Initiative, dossier_id)
        actor = session.scalar(select(User).where(User.email == "admin@example.org"))
        questions = [q.id for axis in services.questionnaire(session, edition) for q in axis.questions]
        for index, value in values.items():
            member = session.get(User, setting.member_ids[index])
            if not services.is_assigned(session, dossier_id, member.id):
                services.assign_by_hand(session, actor, initiative, member, now)
            services.save_evaluation(
                session,
                member,
                initiative,
                dict.fromkeys(questions, value),
                (comments or {}).get(index, ""),
                submit=True,
                now=now,
            )
        session.commit()


def prefixed(client: FlaskClient, url: str, prefix: str, data: dict[str, object]) -> dict[str, object]:
    """The fields of a prefixed form of the progress page, its CSRF token included."""
    return {f"{prefix}-csrf_token": csrf_token(client, url), **{f"{prefix}-{k}": v for k, v in data.items()}}


def test_auto_assignment_through_the_page(setting: Setting, db_session) -> None:
    page = text_of(setting.admin.get(setting.progress_url))
    assert "Avancement par dossier" in page and "Répartir automatiquement" in page
    response = post_form(
        setting.admin, f"{setting.progress_url}/repartition", {}, token_from=setting.progress_url
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(setting.progress_url)
    per_dossier = dict(
        db_session.execute(
            select(Assignment.initiative_id, func.count()).group_by(Assignment.initiative_id)
        ).all()
    )
    assert per_dossier == dict.fromkeys(setting.dossier_ids, 3)  # filed dossiers are reviewable too
    page = text_of(setting.admin.get(setting.progress_url))
    assert "9 affectations créées" in page
    assert page.count("0 / 3") == 3
    # Loads are balanced: 9 assignments over 4 members, 2 or 3 each.
    loads = db_session.execute(
        select(func.count()).select_from(Assignment).group_by(Assignment.member_id)
    ).scalars()
    assert sorted(loads) == [2, 2, 2, 3]
    # Running it again creates nothing.
    again = post_form(
        setting.admin,
        f"{setting.progress_url}/repartition",
        {},
        token_from=setting.progress_url,
        follow_redirects=True,
    )
    assert "Aucune nouvelle affectation" in text_of(again)
    assert (
        db_session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "labelling.auto_assign")
        )
        == 2
    )


def test_manual_assignment_and_removal(app: Flask, setting: Setting, db_session) -> None:
    url = f"{setting.progress_url}/affecter"
    data = {"initiative_id": setting.dossier_ids[0], "member_id": setting.member_ids[1]}
    response = setting.admin.post(url, data=prefixed(setting.admin, setting.progress_url, "affecter", data))
    assert response.status_code == 302
    row = db_session.scalar(select(Assignment))
    assert (row.initiative_id, row.member_id, row.by_hand) == (
        setting.dossier_ids[0],
        setting.member_ids[1],
        True,
    )
    # Twice the same pair: refused in French, with the error summary.
    twice = setting.admin.post(url, data=prefixed(setting.admin, setting.progress_url, "affecter", data))
    assert twice.status_code == 422
    assert "Le formulaire contient 1 erreur" in text_of(twice) and "évalue déjà ce dossier" in text_of(twice)
    # Someone outside the committee, or nothing chosen: the form says so, no 500.
    outsider = db_session.scalar(select(User.id).where(User.email == "porteur@example.org"))
    for bad in (
        {"initiative_id": setting.dossier_ids[0], "member_id": outsider},
        {"initiative_id": "abc", "member_id": ""},
        {"initiative_id": 99999, "member_id": setting.member_ids[0]},
    ):
        refused = setting.admin.post(url, data=prefixed(setting.admin, setting.progress_url, "affecter", bad))
        assert refused.status_code == 422 and "Le formulaire contient" in text_of(refused)
    # Removing the assignment.
    remove = f"/gestion/affectations/{row.id}/retirer"
    assert post_form(setting.admin, remove, {}, token_from=setting.progress_url).status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Assignment)) == 0
    assert post_form(setting.admin, remove, {}, token_from=setting.progress_url).status_code == 404
    # A submitted sheet cannot be taken back.
    assign_and_score(app, setting, setting.dossier_ids[1], {0: 3})
    submitted = db_session.scalar(
        select(Assignment).where(Assignment.initiative_id == setting.dossier_ids[1])
    )
    refused = post_form(
        setting.admin,
        f"/gestion/affectations/{submitted.id}/retirer",
        {},
        token_from=setting.progress_url,
        follow_redirects=True,
    )
    assert "a déjà soumis son évaluation" in text_of(refused)
    assert db_session.get(Assignment, submitted.id) is not None


def test_interest_recorded_by_the_admin_removes_the_assignment(setting: Setting, db_session) -> None:
    dossier, member = setting.dossier_ids[0], setting.member_ids[2]
    assign = {"initiative_id": dossier, "member_id": member}
    setting.admin.post(
        f"{setting.progress_url}/affecter",
        data=prefixed(setting.admin, setting.progress_url, "affecter", assign),
    )
    assert db_session.scalar(select(func.count()).select_from(Assignment)) == 1
    response = setting.admin.post(
        f"{setting.progress_url}/interet",
        data=prefixed(
            setting.admin, setting.progress_url, "interet", {**assign, "note": "Trésorier de l'association"}
        ),
        follow_redirects=True,
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "ne prendra part ni au débat ni au vote" in page
    assert db_session.scalar(select(func.count()).select_from(Assignment)) == 0
    interest = db_session.scalar(select(Interest))
    admin_id = db_session.scalar(select(User.id).where(User.email == "admin@example.org"))
    assert (interest.member_id, interest.declared_by_id, interest.note) == (
        member,
        admin_id,
        "Trésorier de l'association",
    )
    # The dossier can no longer be given to this member, and the interest is not recorded twice.
    again = setting.admin.post(
        f"{setting.progress_url}/affecter",
        data=prefixed(setting.admin, setting.progress_url, "affecter", assign),
    )
    assert again.status_code == 422 and "déclaré un intérêt" in text_of(again)
    twice = setting.admin.post(
        f"{setting.progress_url}/interet",
        data=prefixed(setting.admin, setting.progress_url, "interet", assign),
    )
    assert twice.status_code == 422 and "déjà enregistré" in text_of(twice)


def test_reminders_reach_late_members(app: Flask, setting: Setting, smtp: SmtpServer) -> None:
    post_form(setting.admin, f"{setting.progress_url}/repartition", {}, token_from=setting.progress_url)
    # Member 0 submits every dossier given to them: they get no reminder.
    with app.extensions["db_sessionmaker"]() as session:
        mine = list(
            session.scalars(
                select(Assignment.initiative_id).where(Assignment.member_id == setting.member_ids[0])
            )
        )
    for dossier in mine:
        assign_and_score(app, setting, dossier, {0: 2})
    page = text_of(setting.admin.get(setting.progress_url))
    assert "En retard (non soumises)" in page
    response = post_form(
        setting.admin,
        f"{setting.progress_url}/relancer",
        {},
        token_from=setting.progress_url,
        follow_redirects=True,
    )
    assert "3 rappels envoyés" in text_of(response)
    recipients = sorted(str(m["To"]) for m in smtp.messages)
    assert recipients == sorted(MEMBERS[1:])
    with app.extensions["db_sessionmaker"]() as session:
        pending = list(
            session.scalars(
                select(Assignment.initiative_id).where(Assignment.member_id == setting.member_ids[1])
            )
        )
    mail = smtp.last_to(MEMBERS[1])
    body = body_of(mail)
    assert "à évaluer" in mail["Subject"]
    for dossier in pending:
        assert f"/comite/dossiers/{dossier}" in body
    assert "La labellisation se termine le" in body


def test_questionnaire_edits_until_frozen(
    app: Flask, setting: Setting, make_edition: Callable, db_session
) -> None:
    frozen_url = f"/gestion/editions/{setting.edition_id}/questionnaire"
    page = text_of(setting.admin.get(frozen_url))
    assert "Questionnaire figé" in page and "La labellisation a commencé le" in page
    assert "Enregistrer le questionnaire" not in page and "Utilité sociale" in page
    refused = post_form(setting.admin, frozen_url, {"submit": "1"})
    assert refused.status_code == 409 and "Il ne peut plus être modifié" in text_of(refused)
    # Another edition, still collecting dossiers: the questionnaire can change.
    open_edition = make_edition(year=2027, open_phase=Phase.DOSSIERS)
    url = f"/gestion/editions/{open_edition.id}/questionnaire"
    page = text_of(setting.admin.get(url))
    assert "Enregistrer le questionnaire" in page and "figé" not in page
    axes = db_session.scalars(
        select(Axis).where(Axis.edition_id == open_edition.id).order_by(Axis.position)
    ).all()
    assert len(axes) == 7
    form: dict[str, object] = {"submit": "1"}
    for axis in axes:
        form[f"axis_{axis.id}_name"] = axis.name
        form[f"axis_{axis.id}_weight"] = "1"
        form.update({f"question_{q.id}": q.text for q in axis.questions})
    first = axes[0]
    form[f"axis_{first.id}_name"] = "Utilité sociale et solidaire"
    form[f"axis_{first.id}_weight"] = "1,5"
    form[f"question_{first.questions[0].id}"] = "Le besoin social est-il avéré ?"
    # Bad input first: French messages, 422, nothing saved.
    for field, value, message in (
        (f"axis_{first.id}_weight", "beaucoup", "Indiquez un montant en chiffres"),
        (f"axis_{first.id}_weight", "20", "compris entre 0,1 et 10"),
        (f"axis_{first.id}_name", " ", "Chaque axe doit avoir un nom"),
    ):
        bad = post_form(setting.admin, url, {**form, field: value})
        assert bad.status_code == 422 and message in text_of(bad), field
    assert post_form(setting.admin, url, form).status_code == 302
    db_session.expire_all()
    saved = db_session.get(Axis, first.id)
    assert (saved.name, saved.weight, saved.questions[0].text) == (
        "Utilité sociale et solidaire",
        Decimal("1.50"),
        "Le besoin social est-il avéré ?",
    )
    assert (
        db_session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "questionnaire.update")
        )
        == 1
    )
    # Agents read it but cannot change it.
    assert "Enregistrer le questionnaire" not in text_of(setting.agent.get(url))
    assert post_form(setting.agent, url, form).status_code == 403


def test_decision_flow_end_to_end(app: Flask, setting: Setting, smtp: SmtpServer, db_session) -> None:
    dossier = setting.dossier_ids[0]
    assign_and_score(app, setting, dossier, {0: 4, 1: 3, 2: 2}, {1: "Gouvernance à préciser"})
    url = f"/gestion/dossiers/{dossier}/decision"
    page = text_of(setting.admin.get(url))
    assert f'src="/gestion/dossiers/{dossier}/radar.png"' in page and 'alt="Radar des marqueurs' in page
    assert "Données du radar" in page and "Membre 3" in page and "Écart type" in page
    assert "Total pondéré" in page and "3,00 / 4" in page and "Labellisable" in page
    assert "Oui : écart de 2,00" in page  # 4 against 2: every axis is to be discussed
    assert "Gouvernance à préciser" in page and "membre1@example.org" in page
    radar = setting.admin.get(f"/gestion/dossiers/{dossier}/radar.png")
    assert radar.status_code == 200 and radar.data.startswith(b"\x89PNG")
    assert "no-store" in radar.headers["Cache-Control"]
    assert setting.admin.get(f"/gestion/dossiers/{dossier}/radar.svg").data.lstrip().startswith(b"<?xml")
    assert setting.admin.get(f"/gestion/dossiers/{dossier}/radar.gif").status_code == 404
    category = db_session.scalars(
        select(Category).where(Category.edition_id == setting.edition_id).order_by(Category.position)
    ).all()[1]
    # Missing motivation, missing category, an unknown category: the form says so in French.
    for data, message in (
        ({"labelled": "yes", "category_id": category.id, "motivation": " "}, "Indiquez la motivation"),
        (
            {"labelled": "yes", "category_id": "", "motivation": "Très bon dossier."},
            "Choisissez la catégorie",
        ),
        (
            {"labelled": "yes", "category_id": 99999, "motivation": "x"},
            "Choisissez une catégorie de la liste",
        ),
        (
            {"labelled": "peut-être", "category_id": "", "motivation": "x"},
            "Indiquez si l'initiative est labellisée",
        ),
    ):
        refused = post_form(setting.admin, url, data)
        assert refused.status_code == 422 and message in text_of(refused), data
        assert "Le formulaire contient" in text_of(refused)
    smtp.clear()
    motivation = "Une réponse solide à un besoin du territoire ; gouvernance à ouvrir aux usagers."
    response = post_form(
        setting.admin,
        url,
        {"labelled": "yes", "category_id": category.id, "motivation": motivation},
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "Décision enregistrée" in page and "radar joint" in page and motivation in page
    initiative = db_session.get(Initiative, dossier)
    assert initiative.status == Status.LABELLED.value and initiative.category_id == category.id
    decision = db_session.scalar(select(Decision).where(Decision.initiative_id == dossier))
    assert decision.labelled and decision.motivation == motivation
    # One mail to the holder, with the outcome, the motivation, the axes in text and the radar attached.
    to_holder = [m for m in smtp.messages if "porteur@example.org" in str(m["To"])]
    assert len(to_holder) == 1
    mail = to_holder[0]
    assert "labellisée" in mail["Subject"]
    body = body_of(mail)
    assert motivation in body and category.name in body
    assert "Utilité sociale : 3,00 / 4" in body and "Total pondéré : 3,00 / 4" in body
    attachments = list(mail.iter_attachments())
    assert len(attachments) == 1 and attachments[0].get_content_type() == "image/png"
    assert attachments[0].get_content().startswith(b"\x89PNG")
    # Decided once: no second decision, and the form is gone.
    assert "Enregistrer la décision" not in page
    again = post_form(setting.admin, url, {"labelled": "no", "category_id": "", "motivation": "Non."})
    assert again.status_code == 422
    assert db_session.get(Initiative, dossier).status == Status.LABELLED.value


def test_not_labelled_decision_without_scores(
    app: Flask, setting: Setting, smtp: SmtpServer, db_session
) -> None:
    dossier = setting.dossier_ids[1]
    url = f"/gestion/dossiers/{dossier}/decision"
    page = text_of(setting.admin.get(url))
    assert "Aucune évaluation soumise" in page and "radar.png" not in page
    assert setting.admin.get(f"/gestion/dossiers/{dossier}/radar.png").status_code == 404
    assert "Je confirme cette décision sans évaluation soumise par le comité" in page
    # Without the confirmation the decision is refused, and nothing changes.
    data = {"labelled": "no", "category_id": "", "motivation": "Hors du champ de l'ESS."}
    refused = post_form(setting.admin, url, data)
    assert refused.status_code == 422 and "cochez la case pour confirmer" in text_of(refused)
    assert db_session.get(Initiative, dossier).status == Status.IN_REVIEW.value
    assert post_form(setting.admin, url, {**data, "without_evaluations": "y"}).status_code == 302
    assert db_session.get(Initiative, dossier).status == Status.NOT_LABELLED.value
    mail = smtp.last_to("porteur@example.org")
    assert "non labellisée" in mail["Subject"] and "Hors du champ de l'ESS." in body_of(mail)
    assert "sans évaluation notée par le comité" in body_of(mail)
    assert list(mail.iter_attachments()) == []
    # A filed dossier is not yet under review: no decision form.
    filed = f"/gestion/dossiers/{setting.dossier_ids[2]}/decision"
    assert "Enregistrer la décision" not in text_of(setting.admin.get(filed))
    assert post_form(setting.admin, filed, {"labelled": "no", "motivation": "x"}).status_code == 422


def test_agents_look_but_do_not_change(app: Flask, setting: Setting, db_session) -> None:
    assign_and_score(app, setting, setting.dossier_ids[0], {0: 3})
    row = db_session.scalar(select(Assignment))
    page = text_of(setting.agent.get(setting.progress_url))
    assert "Avancement par membre du comité" in page and "Répartir automatiquement" not in page
    decision_url = f"/gestion/dossiers/{setting.dossier_ids[0]}/decision"
    assert "Le regard du comité" in text_of(setting.agent.get(decision_url))
    assert "Enregistrer la décision" not in text_of(setting.agent.get(decision_url))
    token = setting.progress_url
    posts = {
        f"{setting.progress_url}/repartition": {},
        f"{setting.progress_url}/affecter": {
            "affecter-initiative_id": setting.dossier_ids[1],
            "affecter-member_id": setting.member_ids[0],
        },
        f"{setting.progress_url}/interet": {
            "interet-initiative_id": setting.dossier_ids[1],
            "interet-member_id": setting.member_ids[0],
        },
        f"{setting.progress_url}/relancer": {},
        f"/gestion/affectations/{row.id}/retirer": {},
        decision_url: {"labelled": "no", "motivation": "Non."},
        f"/gestion/editions/{setting.edition_id}/questionnaire": {"submit": "1"},
    }
    for url, data in posts.items():
        assert post_form(setting.agent, url, data, token_from=token).status_code == 403, url
    assert db_session.scalar(select(func.count()).select_from(Assignment)) == 1
    assert db_session.scalar(select(func.count()).select_from(Decision)) == 0


def test_unknown_ids_answer_404(setting: Setting) -> None:
    for url in (
        "/gestion/editions/99999/labellisation",
        "/gestion/editions/99999/questionnaire",
        "/gestion/editions/99999/notes.csv",
        "/gestion/dossiers/99999/decision",
        "/gestion/dossiers/99999/fiche",
        "/gestion/dossiers/99999/radar.png",
    ):
        assert setting.admin.get(url).status_code == 404, url
    for url in (
        "/gestion/editions/99999/labellisation/repartition",
        "/gestion/editions/99999/labellisation/affecter",
        "/gestion/affectations/99999/retirer",
        "/gestion/dossiers/99999/decision",
    ):
        assert post_form(setting.admin, url, {}, token_from=setting.progress_url).status_code == 404, url


def recuse_after_scoring(app: Flask, setting: Setting, dossier: int) -> None:
    """Four members score; the fourth then turns out to be linked to the dossier (recorded by the admin)."""
    assign_and_score(app, setting, dossier, {0: 4, 1: 3, 2: 2, 3: 0})
    data = {"initiative_id": dossier, "member_id": setting.member_ids[3], "note": "Salariée de la structure"}
    response = setting.admin.post(
        f"{setting.progress_url}/interet", data=prefixed(setting.admin, setting.progress_url, "interet", data)
    )
    assert response.status_code == 302


def test_scores_csv(app: Flask, setting: Setting) -> None:
    dossier = setting.dossier_ids[0]
    recuse_after_scoring(app, setting, dossier)
    response = setting.agent.get(f"/gestion/editions/{setting.edition_id}/notes.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "notes-labellisation-" in response.headers["Content-Disposition"]
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == [
        "N° du dossier",
        "Titre",
        "E-mail du membre",
        "Collège",
        "Axe",
        "Question",
        "Note (0 à 4)",
        "Soumise le",
        "Intérêt déclaré (hors agrégat)",
    ]
    data = rows[1:]
    assert len(data) == 4 * 14  # four members, fourteen questions
    assert {row[0] for row in data} == {str(dossier)} and {row[1] for row in data} == {"Tiers-lieu rural"}
    by_member = {email: [row for row in data if row[2] == email] for email in MEMBERS}
    assert {row[6] for row in by_member[MEMBERS[0]]} == {"4"}
    assert {row[8] for row in by_member[MEMBERS[3]]} == {"oui"}
    assert {row[8] for row in by_member[MEMBERS[1]]} == {"non"}
    assert by_member[MEMBERS[1]][0][3] == "Partenaire financier"
    assert by_member[MEMBERS[0]][0][4] == "Utilité sociale"
    assert all(row[7] for row in data)


def test_fiche_shows_the_recusal_formula(app: Flask, setting: Setting) -> None:
    dossier = setting.dossier_ids[0]
    recuse_after_scoring(app, setting, dossier)
    # The recused member's zeros are left out of the aggregate: 4, 3, 2 give 3.
    review = text_of(setting.admin.get(f"/gestion/dossiers/{dossier}/decision"))
    assert "3,00 / 4" in review and "Membre 4" not in review
    post_form(
        setting.admin,
        f"/gestion/dossiers/{dossier}/decision",
        {"labelled": "no", "category_id": "", "motivation": "Modèle économique trop fragile."},
    )
    response = setting.agent.get(f"/gestion/dossiers/{dossier}/fiche")
    assert response.status_code == 200
    page = text_of(response)
    assert "Fiche d'instruction — dossier n°" in page and "Tiers-lieu rural" in page
    assert (
        "membre3@example.org (Service de la collectivité) a déclaré un intérêt et n'a pris part ni au débat "
        "ni au vote"
        in page
    )
    assert "Budget prévisionnel (2 lignes)" in page and "Achats 0" in page
    assert f'src="/gestion/dossiers/{dossier}/radar.png"' in page and "Données du radar" in page
    assert "Non labellisée" in page and "Modèle économique trop fragile." in page
    assert 'class="no-print"' in page


def test_questionnaire_structure_edits(make_edition: Callable, login_as: Callable, db_session) -> None:
    from budgetcitoyen.editions.models import Axis as AxisRow
    from budgetcitoyen.editions.models import Question as QuestionRow

    edition = make_edition(open_phase=Phase.DOSSIERS)
    client = login_as(Role.ADMIN, email="chef@example.org")
    page_url = f"/gestion/editions/{edition.id}/questionnaire"
    assert client.get(page_url).status_code == 200  # the default markers came with the edition
    axes = db_session.scalars(
        select(AxisRow).where(AxisRow.edition_id == edition.id).order_by(AxisRow.position)
    ).all()
    assert len(axes) == 7
    added = post_form(
        client,
        f"{page_url}/axes",
        {"name": "Égalité femmes-hommes", "question": "Parité ?"},
        token_from=page_url,
        follow_redirects=True,
    )
    assert "Questionnaire modifié." in text_of(added)
    first = axes[0]
    for text in ("Troisième ?", "Quatrième ?"):
        post_form(
            client, f"{page_url}/questions", {"axis_id": str(first.id), "text": text}, token_from=page_url
        )
    too_many = post_form(
        client,
        f"{page_url}/questions",
        {"axis_id": str(first.id), "text": "Cinquième ?"},
        token_from=page_url,
        follow_redirects=True,
    )
    assert "au plus 4 questions" in text_of(too_many)
    questions = db_session.scalars(select(QuestionRow).where(QuestionRow.axis_id == axes[1].id)).all()
    post_form(client, f"/gestion/questions/{questions[0].id}/supprimer", {}, token_from=page_url)
    last = post_form(
        client,
        f"/gestion/questions/{questions[1].id}/supprimer",
        {},
        token_from=page_url,
        follow_redirects=True,
    )
    assert "garde au moins une question" in text_of(last)
    for axis in axes[:5]:
        post_form(client, f"/gestion/axes/{axis.id}/supprimer", {}, token_from=page_url)
    refused = post_form(
        client, f"/gestion/axes/{axes[5].id}/supprimer", {}, token_from=page_url, follow_redirects=True
    )
    assert "au moins 3 axes" in text_of(refused)
    db_session.expire_all()
    assert len(db_session.scalars(select(AxisRow).where(AxisRow.edition_id == edition.id)).all()) == 3
