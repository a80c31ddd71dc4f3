"""Back-office of labelling (/gestion): questionnaire, assignment, progress, reminders, decisions, exports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from budgetcitoyen.accounts.models import COLLEGE_LABELS, College, CommitteeMembership, Role, User
from budgetcitoyen.clock import now_utc, to_local
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.errors import DomainError
from budgetcitoyen.forms import AmountField, BaseForm, select_choices
from budgetcitoyen.french import euros
from budgetcitoyen.initiatives import rules as dossier_rules
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Status
from budgetcitoyen.labelling import radar, services
from budgetcitoyen.labelling.models import Assignment, Axis, Decision, Evaluation, Interest, Question, Score
from budgetcitoyen.labelling.rules import fmt
from budgetcitoyen.labelling.web_helpers import radar_response
from budgetcitoyen.mail import delivery as mail
from budgetcitoyen.web import Access, access, current_actor, db, external_url, get_or_404

bp = Blueprint("labelling_admin", __name__, url_prefix="/gestion")

RECUSAL_FORMULA = "a déclaré un intérêt et n'a pris part ni au débat ni au vote"



def _require_admin() -> None:
    """Agents of the Mission ESS look; only administrators change."""
    if Role.ADMIN not in current_actor().role_set:
        abort(403)


def _optional_int(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _college_label(college: str | None) -> str:
    if not college:
        return ""
    try:
        return COLLEGE_LABELS[College(college)]
    except ValueError:
        return college


# --- Forms -----------------------------------------------------------------------------------


class AssignForm(BaseForm):
    """Give a dossier to a member by hand."""

    initiative_id = SelectField("Dossier", coerce=_optional_int,
                                validators=[DataRequired("Choisissez un dossier.")],
                                invalid_choice_message="Choisissez un dossier de la liste.")
    member_id = SelectField("Membre du comité", coerce=_optional_int,
                            validators=[DataRequired("Choisissez un membre du comité.")],
                            invalid_choice_message="Choisissez un membre de la liste.")
    submit = SubmitField("Confier le dossier")


class InterestForm(BaseForm):
    """Record a member's interest in a dossier on their behalf."""

    initiative_id = SelectField("Dossier concerné", coerce=_optional_int,
                                validators=[DataRequired("Choisissez un dossier.")],
                                invalid_choice_message="Choisissez un dossier de la liste.")
    member_id = SelectField("Membre ayant un intérêt", coerce=_optional_int,
                            validators=[DataRequired("Choisissez un membre du comité.")],
                            invalid_choice_message="Choisissez un membre de la liste.")
    note = TextAreaField("Nature du lien (facultatif)", render_kw={"rows": 2},
                         validators=[Length(max=500, message="Au plus 500 caractères.")])
    submit = SubmitField("Enregistrer l'intérêt")


class DecisionForm(BaseForm):
    """The committee's outcome, as the Mission ESS records it."""

    labelled = RadioField("Décision du comité", choices=select_choices(
        (("yes", "Labellisée"), ("no", "Non labellisée")), blank=None),
        validators=[InputRequired("Indiquez si l'initiative est labellisée ou non.")],
        invalid_choice_message="Indiquez si l'initiative est labellisée ou non.")
    category_id = SelectField("Catégorie de labellisation", coerce=_optional_int, validators=[Optional()],
                              description="Obligatoire si l'initiative est labellisée.",
                              invalid_choice_message="Choisissez une catégorie de la liste.")
    motivation = TextAreaField("Motivation de la décision", render_kw={"rows": 5},
                               description="Elle est communiquée au porteur de l'initiative.",
                               validators=[DataRequired("Indiquez la motivation de la décision."),
                                           Length(max=1000, message="Au plus 1 000 caractères.")])
    submit = SubmitField("Enregistrer la décision")


def _questionnaire_form(axes: list[Axis]) -> BaseForm:
    """One name and one weight per axis, one text per question (fields built from the edition's questionnaire)."""

    class QuestionnaireForm(BaseForm):
        submit = SubmitField("Enregistrer le questionnaire")

    for number, axis in enumerate(axes, start=1):
        setattr(QuestionnaireForm, f"axis_{axis.id}_name", StringField(
            f"Axe {number} : nom", validators=[DataRequired("Chaque axe doit avoir un nom."),
                                              Length(max=120, message="Au plus 120 caractères.")]))
        setattr(QuestionnaireForm, f"axis_{axis.id}_weight", AmountField(
            f"Axe {number} : poids", places=2, description="De 0,1 à 10 ; 1 par défaut.",
            render_kw={"inputmode": "decimal"},
            validators=[InputRequired("Indiquez le poids de l'axe."),
                        NumberRange(min=Decimal("0.1"), max=Decimal("10"),
                                    message="Le poids d'un axe doit être compris entre 0,1 et 10.")]))
        for index, question in enumerate(axis.questions, start=1):
            setattr(QuestionnaireForm, f"question_{question.id}", TextAreaField(
                f"Axe {number} : question {index}", render_kw={"rows": 2},
                validators=[DataRequired("Chaque question doit avoir un texte."),
                            Length(max=300, message="Au plus 300 caractères.")]))
    return QuestionnaireForm()


# --- Progress, assignment, interests, reminders -----------------------------------------------


@dataclass
class DossierProgress:
    """Where one reviewable dossier stands."""

    initiative: Initiative
    assignments: list[tuple[Assignment, str]] = field(default_factory=list)  # (row, "submitted"|"draft"|"todo")
    recused: list[User] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(1 for _, state in self.assignments if state == "submitted")


@dataclass
class MemberProgress:
    """Where one member stands."""

    member: User
    college: str
    assigned: int = 0
    submitted: int = 0

    @property
    def late(self) -> int:
        return self.assigned - self.submitted


def _sheet_states(session: Any, initiative_ids: list[int]) -> dict[tuple[int, int], str]:
    """(dossier, member) -> "submitted" or "draft" for the sheets started on these dossiers."""
    if not initiative_ids:
        return {}
    rows = session.execute(select(Evaluation.initiative_id, Evaluation.member_id, Evaluation.submitted_at)
                           .where(Evaluation.initiative_id.in_(initiative_ids)))
    return {(i, m): "submitted" if at is not None else "draft" for i, m, at in rows}


def _colleges(session: Any, edition_id: int) -> dict[int, str]:
    return {user_id: college for user_id, college in session.execute(
        select(CommitteeMembership.user_id, CommitteeMembership.college)
        .where(CommitteeMembership.edition_id == edition_id))}


def _progress(session: Any, edition: Edition) -> tuple[list[DossierProgress], list[MemberProgress]]:
    dossiers = services.reviewable_dossiers(session, edition)
    ids = [d.id for d in dossiers]
    by_dossier = {d.id: DossierProgress(d) for d in dossiers}
    colleges = _colleges(session, edition.id)
    by_member = {m.id: MemberProgress(m, _college_label(colleges.get(m.id)))
                 for m in services.members_of(session, edition)}
    states = _sheet_states(session, ids)
    if ids:
        for row in session.scalars(select(Assignment).where(Assignment.initiative_id.in_(ids))
                                   .options(selectinload(Assignment.member)).order_by(Assignment.id)):
            state = states.get((row.initiative_id, row.member_id), "todo")
            by_dossier[row.initiative_id].assignments.append((row, state))
            progress = by_member.get(row.member_id)
            if progress is not None:
                progress.assigned += 1
                progress.submitted += state == "submitted"
        for interest in session.scalars(select(Interest).where(Interest.initiative_id.in_(ids))
                                        .options(selectinload(Interest.member)).order_by(Interest.id)):
            by_dossier[interest.initiative_id].recused.append(interest.member)
    for progress in by_dossier.values():
        progress.assignments.sort(key=lambda pair: pair[0].member.email)
    return list(by_dossier.values()), list(by_member.values())


def _dossier_choices(dossiers: list[Initiative]) -> Any:
    return select_choices((d.id, f"n° {d.id} — {d.title}") for d in dossiers)


def _member_choices(members: list[User], colleges: dict[int, str]) -> Any:
    return select_choices((m.id, f"{m.email} ({_college_label(colleges.get(m.id))})") for m in members)


def _assignment_forms(session: Any, edition: Edition) -> tuple[AssignForm, InterestForm]:
    """Both forms with their choices: the edition's reviewable dossiers and its committee."""
    dossiers = services.reviewable_dossiers(session, edition)
    members = services.members_of(session, edition)
    colleges = _colleges(session, edition.id)
    assign_form, interest_form = AssignForm(prefix="affecter"), InterestForm(prefix="interet")
    for form in (assign_form, interest_form):
        form.initiative_id.choices = _dossier_choices(dossiers)
        form.member_id.choices = _member_choices(members, colleges)
    return assign_form, interest_form


def _render_progress(edition: Edition, assign_form: AssignForm, interest_form: InterestForm,
                     status: int = 200) -> Any:
    session = db()
    dossiers, members = _progress(session, edition)
    decided = session.execute(select(Initiative, Decision).join(Decision, Decision.initiative_id == Initiative.id)
                              .where(Initiative.edition_id == edition.id).order_by(Initiative.id)).all()
    window = edition.window(Phase.LABELLING)
    return render_template(
        "labelling/admin_progress.html", edition=edition, dossiers=dossiers, members=members, decided=decided,
        assign_form=assign_form, interest_form=interest_form, window=window,
        labels=STATUS_LABELS, can_change=Role.ADMIN in current_actor().role_set,
    ), status


@bp.route("/editions/<int:edition_id>/labellisation")
@access(Access.STAFF)
def progress(edition_id: int) -> Any:
    """Progress of the labelling per dossier and per member; admins assign, record interests, remind."""
    edition = get_or_404(Edition, edition_id)
    assign_form, interest_form = _assignment_forms(db(), edition)
    return _render_progress(edition, assign_form, interest_form)


def _back_to_progress(edition_id: int) -> Any:
    return redirect(url_for("labelling_admin.progress", edition_id=edition_id))


@bp.route("/editions/<int:edition_id>/labellisation/repartition", methods=["POST"])
@access(Access.STAFF)
def auto_assign(edition_id: int) -> Any:
    """Give each reviewable dossier its reviewers, loads balanced and conflicts avoided."""
    edition = get_or_404(Edition, edition_id)
    _require_admin()
    if not BaseForm().validate_on_submit():
        abort(400)
    session = db()
    try:
        created = services.auto_assign(session, current_actor(), edition, now_utc())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return _back_to_progress(edition.id)
    session.commit()
    if created:
        flash(f"Répartition faite : {created} affectation{'s' if created > 1 else ''} "
              f"créée{'s' if created > 1 else ''}.", "success")
    else:
        flash("Aucune nouvelle affectation : chaque dossier a déjà ses évaluateurs (ou aucun membre disponible).",
              "info")
    return _back_to_progress(edition.id)


@bp.route("/editions/<int:edition_id>/labellisation/affecter", methods=["POST"])
@access(Access.STAFF)
def assign(edition_id: int) -> Any:
    """Give one dossier to one member by hand."""
    edition = get_or_404(Edition, edition_id)
    _require_admin()
    session = db()
    assign_form, interest_form = _assignment_forms(session, edition)
    if assign_form.validate_on_submit():
        initiative = session.get(Initiative, assign_form.initiative_id.data)
        member = session.get(User, assign_form.member_id.data)
        try:
            services.assign_by_hand(session, current_actor(), initiative, member, now_utc())
        except DomainError as error:
            session.rollback()
            assign_form.add_error(error.field, error.message)
        else:
            session.commit()
            flash(f"Dossier « {initiative.title} » confié à {member.email}.", "success")
            return _back_to_progress(edition.id)
    return _render_progress(edition, assign_form, interest_form, 422)


@bp.route("/affectations/<int:assignment_id>/retirer", methods=["POST"])
@access(Access.STAFF)
def unassign(assignment_id: int) -> Any:
    """Take a dossier back from a member who has not submitted."""
    row = get_or_404(Assignment, assignment_id)
    _require_admin()
    if not BaseForm().validate_on_submit():
        abort(400)
    session = db()
    edition_id, title, email = row.initiative.edition_id, row.initiative.title, row.member.email
    try:
        services.unassign(session, current_actor(), row, now_utc())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return _back_to_progress(edition_id)
    session.commit()
    flash(f"Dossier « {title} » retiré à {email}.", "success")
    return _back_to_progress(edition_id)


@bp.route("/editions/<int:edition_id>/labellisation/interet", methods=["POST"])
@access(Access.STAFF)
def record_interest(edition_id: int) -> Any:
    """Record, on a member's behalf, an interest in a dossier: the member leaves it."""
    edition = get_or_404(Edition, edition_id)
    _require_admin()
    session = db()
    assign_form, interest_form = _assignment_forms(session, edition)
    if interest_form.validate_on_submit():
        initiative = session.get(Initiative, interest_form.initiative_id.data)
        member = session.get(User, interest_form.member_id.data)
        try:
            services.declare_interest(session, current_actor(), initiative, member, interest_form.note.data or "", now_utc())
        except DomainError as error:
            session.rollback()
            interest_form.add_error(error.field, error.message)
        else:
            session.commit()
            flash(f"Intérêt enregistré : {member.email} ne prendra part ni au débat ni au vote sur "
                  f"« {initiative.title} ».", "success")
            return _back_to_progress(edition.id)
    return _render_progress(edition, assign_form, interest_form, 422)


@bp.route("/editions/<int:edition_id>/labellisation/relancer", methods=["POST"])
@access(Access.STAFF)
def remind(edition_id: int) -> Any:
    """Mail each member who still has dossiers to score, with the list and the links."""
    edition = get_or_404(Edition, edition_id)
    _require_admin()
    if not BaseForm().validate_on_submit():
        abort(400)
    session = db()
    dossiers, members = _progress(session, edition)
    pending: dict[int, list[Initiative]] = defaultdict(list)
    for progress_row in dossiers:
        for row, state in progress_row.assignments:
            if state != "submitted":
                pending[row.member_id].append(progress_row.initiative)
    window = edition.window(Phase.LABELLING)
    sent = failed = 0
    for member_progress in members:
        todo = pending.get(member_progress.member.id)
        if not todo:
            continue
        items = [(i, external_url("labelling.dossier", initiative_id=i.id)) for i in todo]
        count = len(items)
        subject = f"Labellisation {edition.year} : {count} dossier{'s' if count > 1 else ''} à évaluer"
        if mail.send(member_progress.member.email, subject, "labelling_reminder", edition=edition, items=items,
                     deadline=window.ends_at if window else None, home=external_url("labelling.index")):
            sent += 1
        else:
            failed += 1
    if not sent and not failed:
        flash("Aucun membre en retard : toutes les évaluations confiées sont soumises.", "info")
    else:
        message = f"{sent} rappel{'s' if sent > 1 else ''} envoyé{'s' if sent > 1 else ''}."
        if failed:
            message += f" {failed} n'{'ont' if failed > 1 else 'a'} pas pu partir : réessayez plus tard."
        flash(message, "success" if not failed else "warning")
    return _back_to_progress(edition.id)


# --- Questionnaire ---------------------------------------------------------------------------


def _frozen_reason(session: Any, edition: Edition, now: datetime) -> str | None:
    """Why the questionnaire can no longer change, in French (None while it can)."""
    if not services.is_frozen(session, edition, now):
        return None
    window = edition.window(Phase.LABELLING)
    if window is not None and now >= window.starts_at:
        when = to_local(window.starts_at).strftime("%d/%m/%Y à %H:%M")
        return (f"La labellisation a commencé le {when} : le questionnaire est figé, pour que les notes gardent "
                "le même sens pour tous les membres.")
    return ("Des notes ont déjà été saisies : le questionnaire est figé, pour que les notes gardent le même sens "
            "pour tous les membres.")


@bp.route("/editions/<int:edition_id>/questionnaire", methods=["GET", "POST"])
@access(Access.STAFF)
def questionnaire(edition_id: int) -> Any:
    """The ESS markers of an edition: admins rename axes, weight them and reword questions until it is frozen."""
    edition = get_or_404(Edition, edition_id)
    session = db()
    axes = services.questionnaire(session, edition)
    session.commit()  # the default markers, created on first use, keep their ids between GET and POST
    now = now_utc()
    frozen = _frozen_reason(session, edition, now)
    form = _questionnaire_form(axes)
    status = 200
    if request.method == "POST":
        _require_admin()
        if frozen:
            form.add_error(None, "Le questionnaire est figé : la labellisation a commencé ou des notes existent "
                                 "déjà. Il ne peut plus être modifié.")
            status = 409
        elif form.validate_on_submit():
            edits = [services.AxisEdit(
                axis.id, form[f"axis_{axis.id}_name"].data.strip(),
                form[f"axis_{axis.id}_weight"].data.quantize(Decimal("0.01")),
                {q.id: form[f"question_{q.id}"].data.strip() for q in axis.questions}) for axis in axes]
            try:
                services.update_questionnaire(session, current_actor(), edition, edits, now)
            except DomainError as error:
                session.rollback()
                form.add_error(error.field, error.message)
                status = 422
            else:
                session.commit()
                flash("Questionnaire enregistré.", "success")
                return redirect(url_for("labelling_admin.questionnaire", edition_id=edition.id))
        else:
            status = 422
    elif not frozen:
        data: dict[str, Any] = {}
        for axis in axes:
            data[f"axis_{axis.id}_name"] = axis.name
            data[f"axis_{axis.id}_weight"] = axis.weight
            data.update({f"question_{q.id}": q.text for q in axis.questions})
        form.process(data=data)
    question_form = QuestionAddForm()
    question_form.axis_id.choices = select_choices(((a.id, a.name) for a in axes), blank=None)
    return render_template("labelling/admin_questionnaire.html", edition=edition, axes=axes, form=form,
                           frozen=frozen, can_change=Role.ADMIN in current_actor().role_set, axis_form=AxisAddForm(),
                           question_form=question_form, action_form=BaseForm(),
                           max_questions=services.MAX_QUESTIONS_PER_AXIS, min_axes=services.MIN_AXES), status


# --- Review, decision, radar, fiche -----------------------------------------------------------


@dataclass(frozen=True)
class MemberSheet:
    """A submitted sheet as the committee reads it: who, when, the scores, the comment."""

    number: int  # "Membre n" on the radar
    member: User
    college: str
    submitted_at: datetime | None
    comment: str
    scores: dict[int, int]


def _review_context(session: Any, initiative: Initiative) -> dict[str, Any]:
    """What the decision page and the fiche show: the review, the members' sheets, the recusals, the decision."""
    edition = initiative.edition
    review = services.review(session, initiative)
    colleges = _colleges(session, edition.id)
    evaluations = {e.member_id: e for e in session.scalars(
        select(Evaluation).where(Evaluation.initiative_id == initiative.id, Evaluation.submitted_at.is_not(None)))}
    sheets = [MemberSheet(number, review.members[member_id], _college_label(colleges.get(member_id)),
                          evaluations[member_id].submitted_at if member_id in evaluations else None,
                          evaluations[member_id].comment if member_id in evaluations else "",
                          review.sheets[member_id])
              for number, member_id in enumerate(review.result.members, start=1)]
    recusals = [(user, _college_label(colleges.get(user.id))) for user in review.recused]
    decision = session.scalar(select(Decision).where(Decision.initiative_id == initiative.id)
                              .options(selectinload(Decision.category), selectinload(Decision.decided_by)))
    return {
        "initiative": initiative, "edition": edition, "review": review, "sheets": sheets, "recusals": recusals,
        "decision": decision, "fmt": fmt, "spread": edition.disagreement_spread,
        "disagreements": review.result.disagreements(edition.disagreement_spread),
        "threshold": edition.label_threshold, "labels": STATUS_LABELS, "formula": RECUSAL_FORMULA,
        "aggregation": "médiane" if edition.score_aggregation == "median" else "moyenne",
    }


def _decision_mail(initiative: Initiative, decision: Decision) -> tuple[bool | None, bool]:
    """Tell the holder the outcome, with the motivation, the aggregate per axis and the radar (after the commit).

    Returns whether the mail left (None: no holder to tell any more) and whether the radar was attached.
    """
    holder = initiative.holder
    if holder.is_deleted:
        return None, False
    session = db()
    review = services.review(session, initiative)
    attachments: tuple[mail.MailAttachment, ...] = ()
    if review.result.members:
        try:
            png = radar.render(services.radar_data(review, initiative.title, with_members=False), "png")
        except ValueError:
            current_app.logger.exception("radar of initiative %s could not be drawn", initiative.id)
        else:
            attachments = (mail.MailAttachment(f"radar-initiative-{initiative.id}.png", png, "image", "png"),)
    outcome = "labellisée" if decision.labelled else "non labellisée"
    sent = mail.send(holder.email, f"Votre initiative « {initiative.title[:60]} » : {outcome}", "labelling_decision",
                     attachments, initiative=initiative, decision=decision, review=review, fmt=fmt,
                     has_radar=bool(attachments), link=external_url("initiatives.dossier", initiative_id=initiative.id))
    return sent, bool(attachments)


@bp.route("/dossiers/<int:initiative_id>/decision", methods=["GET", "POST"])
@access(Access.STAFF)
def decision(initiative_id: int) -> Any:
    """The committee's review of a dossier; admins record the decision, and the holder is told."""
    initiative = get_or_404(Initiative, initiative_id)
    session = db()
    form = DecisionForm()
    form.category_id.choices = select_choices((c.id, f"{c.name} (plafond {euros(c.ceiling)})")
                                              for c in initiative.edition.categories)
    status = 200
    if request.method == "POST":
        _require_admin()
        if form.validate_on_submit():
            labelled = form.labelled.data == "yes"
            category = session.get(Category, form.category_id.data) if form.category_id.data else None
            try:
                outcome = services.decide(session, current_actor(), initiative, labelled, category,
                                          form.motivation.data or "", now_utc())
            except DomainError as error:
                session.rollback()
                form.add_error(error.field, error.message)
            else:
                session.commit()
                sent, with_radar = _decision_mail(initiative, outcome)
                verdict = "labellisée" if labelled else "non labellisée"
                message = f"Décision enregistrée : « {initiative.title} » est {verdict}."
                if sent:
                    message += " Le porteur a été prévenu par e-mail" + (", radar joint." if with_radar else ".")
                elif sent is False:
                    message += " L'e-mail au porteur n'a pas pu partir : prévenez-le autrement."
                flash(message, "success" if sent is not False else "warning")
                return redirect(url_for("labelling_admin.decision", initiative_id=initiative.id))
        status = 422
    context = _review_context(session, initiative)
    can_decide = initiative.status == Status.IN_REVIEW.value and context["decision"] is None
    return render_template("labelling/admin_decision.html", form=form, can_decide=can_decide,
                           can_change=Role.ADMIN in current_actor().role_set, **context), status


@bp.route("/dossiers/<int:initiative_id>/radar.<fmt>")
@access(Access.STAFF)
def radar_image(initiative_id: int, fmt: str) -> Any:
    """The committee's radar of a dossier, members' polygons included (never cached by a shared cache)."""
    initiative = get_or_404(Initiative, initiative_id)
    review = services.review(db(), initiative)
    if not review.result.members:
        abort(404)
    return radar_response(services.radar_data(review, initiative.title, with_members=True), fmt, public=False)


@bp.route("/dossiers/<int:initiative_id>/fiche")
@access(Access.STAFF)
def fiche(initiative_id: int) -> Any:
    """The printable "fiche d'instruction" of a dossier."""
    initiative = get_or_404(Initiative, initiative_id)
    session = db()
    lines = [dossier_rules.BudgetLine(b.account, b.label, b.amount, b.funder, b.is_departement)
             for b in initiative.budget_lines]
    return render_template("labelling/admin_fiche.html", totals=dossier_rules.budget_totals(lines),
                           accounts=dossier_rules.ACCOUNTS, printed_at=now_utc(),
                           **_review_context(session, initiative))


# --- Export ----------------------------------------------------------------------------------


@bp.route("/editions/<int:edition_id>/notes.csv")
@access(Access.STAFF)
def scores_csv(edition_id: int) -> Any:
    """Every submitted score of an edition: one row per dossier, member and question."""
    edition = get_or_404(Edition, edition_id)
    rows = db().execute(
        select(Initiative.id, Initiative.title, User.email, CommitteeMembership.college, Axis.name, Question.text,
               Score.value, Evaluation.submitted_at, Interest.id)
        .select_from(Score)
        .join(Evaluation, Score.evaluation_id == Evaluation.id)
        .join(Initiative, Evaluation.initiative_id == Initiative.id)
        .join(User, Evaluation.member_id == User.id)
        .join(Question, Score.question_id == Question.id)
        .join(Axis, Question.axis_id == Axis.id)
        .outerjoin(CommitteeMembership, and_(CommitteeMembership.user_id == User.id,
                                             CommitteeMembership.edition_id == Initiative.edition_id))
        .outerjoin(Interest, and_(Interest.initiative_id == Initiative.id, Interest.member_id == User.id))
        .where(Initiative.edition_id == edition.id, Evaluation.submitted_at.is_not(None))
        .order_by(Initiative.id, User.email, Axis.position, Question.position))
    return csv_response(
        f"notes-labellisation-{edition.year}.csv",
        ["N° du dossier", "Titre", "E-mail du membre", "Collège", "Axe", "Question", "Note (0 à 4)", "Soumise le",
         "Intérêt déclaré (hors agrégat)"],
        ([i, title, email, _college_label(college), axis, question, value,
          to_local(at).strftime("%d/%m/%Y %H:%M") if at else "", "oui" if interest else "non"]
         for i, title, email, college, axis, question, value, at, interest in rows))



# --- Questionnaire structure -----------------------------------------------------------------


class AxisAddForm(BaseForm):
    """A new axis and its first question."""

    name = StringField("Nom du nouvel axe", validators=[DataRequired("Indiquez le nom de l'axe."), Length(max=120)])
    question = StringField("Première question", validators=[DataRequired("Indiquez une question."), Length(max=300)])
    submit = SubmitField("Ajouter l'axe")


class QuestionAddForm(BaseForm):
    """A new question on an axis."""

    axis_id = SelectField("Axe")
    text = StringField("Question", validators=[DataRequired("Indiquez le texte de la question."), Length(max=300)])
    submit = SubmitField("Ajouter la question")


def _structure_change(edition_id: int, change: Any) -> Any:
    """Run one structural change of the questionnaire, admin only, then go back to the page."""
    edition = get_or_404(Edition, edition_id)
    _require_admin()
    session = db()
    try:
        change(session, edition)
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        flash("Questionnaire modifié.", "success")
    return redirect(url_for("labelling_admin.questionnaire", edition_id=edition.id, _anchor="structure"))


@bp.route("/editions/<int:edition_id>/questionnaire/axes", methods=["POST"])
@access(Access.STAFF)
def axis_add(edition_id: int) -> Any:
    """Add an axis."""
    form = AxisAddForm()
    if not form.validate_on_submit():
        flash("Indiquez le nom de l'axe et sa première question (120 et 300 caractères au plus).", "error")
        return redirect(url_for("labelling_admin.questionnaire", edition_id=edition_id, _anchor="structure"))
    return _structure_change(edition_id, lambda session, edition: services.add_axis(
        session, current_actor(), edition, form.name.data, form.question.data, now_utc()))


@bp.route("/editions/<int:edition_id>/questionnaire/questions", methods=["POST"])
@access(Access.STAFF)
def question_add(edition_id: int) -> Any:
    """Add a question to an axis of this edition."""
    edition = get_or_404(Edition, edition_id)
    form = QuestionAddForm()
    form.axis_id.choices = select_choices(((a.id, a.name) for a in services.questionnaire(db(), edition)),
                                          blank=None)
    if not form.validate_on_submit():
        flash("Choisissez un axe et indiquez la question (300 caractères au plus).", "error")
        return redirect(url_for("labelling_admin.questionnaire", edition_id=edition_id, _anchor="structure"))
    axis = db().get(Axis, int(form.axis_id.data))
    if axis is None or axis.edition_id != edition.id:
        abort(404)
    return _structure_change(edition_id, lambda session, _edition: services.add_question(
        session, current_actor(), axis, form.text.data, now_utc()))


@bp.route("/axes/<int:axis_id>/supprimer", methods=["POST"])
@access(Access.STAFF)
def axis_remove(axis_id: int) -> Any:
    """Remove an axis."""
    axis = get_or_404(Axis, axis_id)
    if not BaseForm().validate_on_submit():
        abort(400)
    return _structure_change(axis.edition_id, lambda session, _edition: services.remove_axis(
        session, current_actor(), axis, now_utc()))


@bp.route("/questions/<int:question_id>/supprimer", methods=["POST"])
@access(Access.STAFF)
def question_remove(question_id: int) -> Any:
    """Remove a question."""
    question = get_or_404(Question, question_id)
    if not BaseForm().validate_on_submit():
        abort(400)
    return _structure_change(question.axis.edition_id, lambda session, _edition: services.remove_question(
        session, current_actor(), question, now_utc()))
