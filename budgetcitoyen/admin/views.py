"""Back-office pages (/gestion): editions, categories, committee, territories, users, outbox, audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from budgetcitoyen.accounts import services as account_services
from budgetcitoyen.accounts.models import (
    COLLEGE_LABELS,
    ROLE_LABELS,
    College,
    CommitteeMembership,
    Role,
    User,
)
from budgetcitoyen.admin import forms
from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions import services as edition_services
from budgetcitoyen.editions.models import (
    ALLOCATION_RULE_LABELS,
    BALLOT_SCOPE_LABELS,
    AllocationRule,
    BallotScope,
    Edition,
)
from budgetcitoyen.editions.rules import PHASE_LABELS, Phase
from budgetcitoyen.errors import DomainError
from budgetcitoyen.money import euros_amount
from budgetcitoyen.public.views import calendar_rows
from budgetcitoyen.reference import services as reference_services
from budgetcitoyen.reference.models import Commune, Territory
from budgetcitoyen.voting.models import PaperClashPolicy
from budgetcitoyen.web import Access, access, current_actor, db, get_or_404, page_number

bp = Blueprint("admin", __name__, url_prefix="/gestion")
PAGE_SIZE = 50



@bp.route("/")
@access(Access.STAFF)
def dashboard() -> str:
    """Entry point of the back-office."""
    session = db()
    editions = session.scalars(select(Edition).order_by(Edition.year.desc())).all()
    counts = {
        "users": session.scalar(select(func.count()).select_from(User).where(User.deleted_at.is_(None))),
        "communes": session.scalar(select(func.count()).select_from(Commune)),
        "territories": session.scalar(select(func.count()).select_from(Territory)),
    }
    return render_template("admin/dashboard.html", editions=editions, counts=counts)


# --- Editions -------------------------------------------------------------------------------

def _edition_input(form: forms.EditionForm) -> edition_services.EditionInput:
    return edition_services.EditionInput(
        title=form.title.data.strip(),
        envelope=euros_amount(form.envelope.data),
        operation_code=(form.operation_code.data or "").strip(),
        imputation=(form.imputation.data or "").strip(),
        budget_label=(form.budget_label.data or "").strip(),
        payment_credits=euros_amount(form.payment_credits.data) if form.payment_credits.data is not None else None,
        credits_available=(euros_amount(form.credits_available.data)
                           if form.credits_available.data is not None else None),
        voting_min_age=form.voting_min_age.data,
        min_choices=form.min_choices.data,
        max_choices=form.max_choices.data,
        ballot_scope=BallotScope(form.ballot_scope.data),
        paper_clash_policy=PaperClashPolicy(form.paper_clash_policy.data),
        allocation_rule=AllocationRule(form.allocation_rule.data),
        vote_threshold=form.vote_threshold.data,
        mes_utility=form.mes_utility.data,
        is_published=bool(form.is_published.data),
        catalogue_published=bool(form.catalogue_published.data),
        reviewers_per_dossier=form.reviewers_per_dossier.data,
        score_aggregation=form.score_aggregation.data,
        label_threshold=euros_amount(form.label_threshold.data),
        forbid_zero_axis=bool(form.forbid_zero_axis.data),
        disagreement_spread=form.disagreement_spread.data,
    )


@bp.route("/editions")
@access(Access.ADMIN)
def editions() -> str:
    """All editions."""
    rows = db().scalars(select(Edition).order_by(Edition.year.desc())).all()
    return render_template("admin/editions.html", editions=rows)


@bp.route("/editions/nouvelle", methods=["GET", "POST"])
@access(Access.ADMIN)
def edition_new() -> Any:
    """Create an edition with the usual calendar and the four categories."""
    form = forms.EditionForm()
    if request.method == "GET":
        year = now_utc().year + 1
        form.process(data={
            "year": year, "title": f"Budget citoyen {year}", "envelope": Decimal("400000"),
            "operation_code": "C01-650A01", "imputation": "6568//9365", "budget_label": "Mission ESS",
            "voting_min_age": 11, "min_choices": 3, "max_choices": 3,
            "ballot_scope": BallotScope.DEPARTMENT.value, "allocation_rule": AllocationRule.GREEDY.value,
            "vote_threshold": 0, "mes_utility": "cost",
            "paper_clash_policy": PaperClashPolicy.ONLINE_WINS.value,
            "reviewers_per_dossier": 3, "score_aggregation": "mean", "label_threshold": Decimal("2.50"),
            "forbid_zero_axis": True, "disagreement_spread": 2,
        })
    elif form.validate_on_submit():
        session = db()
        try:
            edition = edition_services.create_edition(session, current_actor(), form.year.data, _edition_input(form), now_utc())
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            session.commit()
            flash(f"L'édition {edition.year} est créée avec le calendrier habituel ; vérifiez les dates.", "success")
            return redirect(url_for("admin.edition", edition_id=edition.id))
    return render_template("admin/edition_form.html", form=form, edition=None), 200 if not form.errors else 422


@bp.route("/editions/<int:edition_id>", methods=["GET", "POST"])
@access(Access.ADMIN)
def edition(edition_id: int) -> Any:
    """Settings and budget line of one edition."""
    edition = get_or_404(Edition, edition_id)
    form = forms.EditionForm(obj=edition)
    if form.validate_on_submit():
        session = db()
        if form.year.data != edition.year:
            form.add_error("year", "L'année d'une édition ne peut pas être changée.")
        else:
            try:
                changed = edition_services.update_edition(session, current_actor(), edition, _edition_input(form), now_utc())
            except DomainError as error:
                session.rollback()
                form.add_error(error.field, error.message)
            else:
                session.commit()
                flash("Paramètres enregistrés." if changed else "Aucune modification.", "success" if changed else "info")
                return redirect(url_for("admin.edition", edition_id=edition.id))
    return render_template(
        "admin/edition_form.html", form=form, edition=edition, rows=calendar_rows(edition),
        rule_labels=ALLOCATION_RULE_LABELS, scope_labels=BALLOT_SCOPE_LABELS,
    ), 200 if not form.errors else 422


@bp.route("/editions/<int:edition_id>/calendrier", methods=["GET", "POST"])
@access(Access.ADMIN)
def edition_calendar(edition_id: int) -> Any:
    """Edit the phase dates."""
    edition = get_or_404(Edition, edition_id)
    form = forms.CalendarForm()
    if request.method == "GET":
        dates = edition_services.dates_of(edition)
        form.process(data={p.value: {"first": d[0], "last": d[1]} for p, d in dates.items()})
    elif form.validate_on_submit():
        session = db()
        dates = {p: (getattr(form, p.value).first.data, getattr(form, p.value).last.data) for p in Phase}
        try:
            changed = edition_services.update_calendar(session, current_actor(), edition, dates, now_utc())
        except DomainError as error:
            session.rollback()
            form.add_error(None, error.message)
        else:
            session.commit()
            flash("Calendrier enregistré." if changed else "Aucune modification.", "success" if changed else "info")
            return redirect(url_for("admin.edition", edition_id=edition.id))
    return render_template("admin/calendar_form.html", form=form, edition=edition, phases=list(Phase),
                           labels=PHASE_LABELS), 200 if not form.errors else 422


@bp.route("/editions/<int:edition_id>/categories", methods=["GET", "POST"])
@access(Access.ADMIN)
def edition_categories(edition_id: int) -> Any:
    """Names and ceilings of the categories."""
    edition = get_or_404(Edition, edition_id)
    form = forms.CategoriesForm()
    if request.method == "GET":
        form.process(data={"categories": [
            {"category_id": c.id, "name": c.name, "ceiling": c.ceiling, "sub_envelope": c.sub_envelope,
             "description": c.description}
            for c in edition.categories
        ]})
    elif form.validate_on_submit():
        session = db()
        try:
            changes = [
                edition_services.CategoryInput(int(entry.category_id.data), entry.form.name.data.strip(),
                                               euros_amount(entry.form.ceiling.data), entry.form.description.data or "",
                                               euros_amount(entry.form.sub_envelope.data)
                                               if entry.form.sub_envelope.data is not None else None)
                for entry in form.categories
            ]
        except (TypeError, ValueError):
            abort(400)
        try:
            changed = edition_services.update_categories(session, current_actor(), edition, changes, now_utc())
        except DomainError as error:
            session.rollback()
            form.add_error(None, error.message)
        else:
            session.commit()
            flash("Catégories enregistrées." if changed else "Aucune modification.", "success" if changed else "info")
            return redirect(url_for("admin.edition_categories", edition_id=edition.id))
    return render_template("admin/categories.html", form=form, edition=edition), 200 if not form.errors else 422


@bp.route("/editions/<int:edition_id>/comite", methods=["GET", "POST"])
@access(Access.ADMIN)
def edition_committee(edition_id: int) -> Any:
    """The labelling committee of an edition."""
    edition = get_or_404(Edition, edition_id)
    session = db()
    form = forms.CommitteeAddForm()
    if form.validate_on_submit():
        member = account_services.find_by_email(session, form.email.data)
        if member is None:
            form.add_error("email", "Aucun compte n'utilise cette adresse : la personne doit d'abord créer son compte.")
        else:
            try:
                edition_services.add_committee_member(session, current_actor(), edition, member, College(form.college.data),
                                                      now_utc())
            except DomainError as error:
                session.rollback()
                form.add_error(error.field or "email", error.message)
            else:
                session.commit()
                flash(f"{member.email} siège désormais au comité {edition.year}.", "success")
                return redirect(url_for("admin.edition_committee", edition_id=edition.id))
    seats = session.scalars(
        select(CommitteeMembership).where(CommitteeMembership.edition_id == edition.id)
        .join(User).order_by(CommitteeMembership.college, User.email)
    ).all()
    return render_template("admin/committee.html", edition=edition, seats=seats, form=form,
                           college_labels=COLLEGE_LABELS, remove_form=forms.BaseForm()), \
        200 if not form.errors else 422


@bp.route("/editions/<int:edition_id>/comite/<int:seat_id>/retirer", methods=["POST"])
@access(Access.ADMIN)
def edition_committee_remove(edition_id: int, seat_id: int) -> Any:
    """Remove a committee seat."""
    seat = get_or_404(CommitteeMembership, seat_id)
    if seat.edition_id != edition_id or not forms.BaseForm().validate_on_submit():
        abort(400)
    session = db()
    edition_services.remove_committee_member(session, current_actor(), seat, now_utc())
    session.commit()
    flash("Le membre a été retiré du comité.", "success")
    return redirect(url_for("admin.edition_committee", edition_id=edition_id))


# --- Territories ----------------------------------------------------------------------------

@bp.route("/territoires")
@access(Access.STAFF)
def territories() -> str:
    """The territories with their number of communes."""
    rows = db().execute(
        select(Territory, func.count(Commune.insee_code))
        .outerjoin(Commune).group_by(Territory.id).order_by(Territory.name)
    ).all()
    return render_template("admin/territories.html", rows=rows)


@bp.route("/territoires/<code>", methods=["GET", "POST"])
@access(Access.STAFF)
def territory(code: str) -> Any:
    """One territory and its communes; admins can rename it."""
    session = db()
    territory = session.scalar(select(Territory).where(Territory.code == code))
    if territory is None:
        abort(404)
    form = forms.TerritoryForm(obj=territory)
    if request.method == "POST":
        if Role.ADMIN not in current_actor().role_set:
            abort(403)
        if form.validate_on_submit():
            changed = reference_services.rename_territory(session, current_actor(), territory, form.name.data, now_utc())
            session.commit()
            flash("Territoire renommé." if changed else "Aucune modification.", "success" if changed else "info")
            return redirect(url_for("admin.territory", code=code))
    communes = session.scalars(select(Commune).where(Commune.territory_id == territory.id).order_by(Commune.name)).all()
    return render_template("admin/territory.html", territory=territory, communes=communes, form=form), \
        200 if not form.errors else 422


# --- Users ----------------------------------------------------------------------------------

@bp.route("/utilisateurs")
@access(Access.ADMIN)
def users() -> str:
    """Accounts, searchable by e-mail, filterable by role."""
    session = db()
    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    stmt = select(User).where(User.deleted_at.is_(None))
    if query:
        stmt = stmt.where(User.email.contains(query.lower(), autoescape=True))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.roles.any(role=role))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = page_number()
    rows = session.scalars(stmt.order_by(User.email).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("admin/users.html", users=rows, q=query, role=role, page=page, total=total,
                           pages=max(1, -(-total // PAGE_SIZE)), role_labels=ROLE_LABELS)


@bp.route("/utilisateurs/<int:user_id>", methods=["GET", "POST"])
@access(Access.ADMIN)
def user(user_id: int) -> Any:
    """One account: its roles and committee seats."""
    session = db()
    target = get_or_404(User, user_id)
    form = forms.RolesForm()
    if request.method == "GET":
        form.process(data={r.value: r in target.role_set for r in Role})
    elif form.validate_on_submit():
        wanted = [r for r in Role if getattr(form, r.value).data]
        try:
            changed = account_services.set_roles(session, current_actor(), target, wanted, now_utc())
        except DomainError as error:
            session.rollback()
            form.add_error(None, error.message)
        else:
            session.commit()
            flash("Rôles enregistrés." if changed else "Aucune modification.", "success" if changed else "info")
            return redirect(url_for("admin.user", user_id=target.id))
    seats = session.scalars(select(CommitteeMembership).where(CommitteeMembership.user_id == target.id)).all()
    return render_template("admin/user.html", target=target, form=form, seats=seats,
                           college_labels=COLLEGE_LABELS), 200 if not form.errors else 422


# --- Outbox and audit log -------------------------------------------------------------------

@bp.route("/journal")
@access(Access.ADMIN)
def audit_log() -> str:
    """The append-only journal of administrative changes, newest first."""
    session = db()
    stmt = select(AuditEntry)
    object_type = request.args.get("objet", "")[:40]
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = page_number()
    entries = session.scalars(
        stmt.order_by(AuditEntry.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    types = session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).all()
    return render_template("admin/audit.html", entries=entries, page=page, total=total, types=types,
                           object_type=object_type, pages=max(1, -(-total // PAGE_SIZE)))

