"""The Mission ESS's pages of the vote (/gestion/vote): participation, paper ballots, duplicates, export.

Secrecy: a page shows either people (accounts, attendance lines) or ballots (random ids and choices),
never both. The duplicates report and the attendance list say who voted, never under which ballot
id nor for what; the export has ballot ids and choices, and nothing about the person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.clock import local_zone, now_utc
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import BALLOT_SCOPE_LABELS, BallotScope, Edition
from budgetcitoyen.editions.rules import Phase, PhaseStatus
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.reference.models import Commune
from budgetcitoyen.voting import services
from budgetcitoyen.voting.eligibility import AGE_BAND_LABELS, AGE_BANDS, normalise_name
from budgetcitoyen.voting.forms import LiveResultsForm, PaperIdentityForm, VoidForm, resolve_commune
from budgetcitoyen.voting.models import (
    CHANNEL_LABELS,
    PAPER_CLASH_LABELS,
    Ballot,
    Channel,
    PaperAttendance,
    PaperClashPolicy,
)
from budgetcitoyen.voting.rules import last_vote_day
from budgetcitoyen.web import Access, access, current_actor, db, get_or_404, page_number

bp = Blueprint("voting_admin", __name__, url_prefix="/gestion/vote")
PAGE_SIZE = 50
STATE_LABELS = {"counted": "A voté", "voided": "Bulletin annulé", "none": "N'a pas voté"}


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _default_edition() -> Edition | None:
    """The edition the public site presents, else the latest one being prepared."""
    session = db()
    return current_edition(session) or session.scalar(select(Edition).order_by(Edition.year.desc()).limit(1))


def _edition(edition_id: int | None) -> Edition:
    """The edition in the URL; the short URLs (/gestion/vote/papier…) mean the default one."""
    if edition_id is not None:
        return get_or_404(Edition, edition_id)
    edition = _default_edition()
    if edition is None:
        abort(404)
    return edition


def _window_context(edition: Edition, now: datetime) -> dict[str, Any]:
    window = edition.window(Phase.VOTE)
    return {
        "window": window,
        "vote_status": services.vote_window_status(edition, now),
        "last_day": last_vote_day(window.ends_at, local_zone()) if window else None,
    }


def _tally_rows(edition: Edition) -> list[tuple[Initiative, int]]:
    """Votes per initiative, those without any vote included, most voted first."""
    session = db()
    counts = services.tally(session, edition)
    initiatives = session.scalars(
        select(Initiative)
        .where(Initiative.edition_id == edition.id,
               or_(Initiative.status.in_(services.BALLOT_STATUSES), Initiative.id.in_(list(counts))))
        .options(selectinload(Initiative.territory))
    ).all()
    return sorted(((i, counts.get(i.id, 0)) for i in initiatives), key=lambda row: (-row[1], row[0].title))


def _tally_visible(edition: Edition, status: PhaseStatus | None) -> bool:
    """The Mission ESS sees running results only when it shows them to the public too."""
    return status is PhaseStatus.CLOSED or (status is PhaseStatus.OPEN and edition.live_results)


# --- Dashboard -------------------------------------------------------------------------------


@bp.route("", defaults={"edition_id": None})
@bp.route("/<int:edition_id>")
@access(Access.STAFF)
def dashboard(edition_id: int | None) -> Any:
    """Where the vote stands: window, participation, live results setting, and the tally when allowed."""
    session = db()
    edition = get_or_404(Edition, edition_id) if edition_id is not None else _default_edition()
    editions = session.scalars(select(Edition).order_by(Edition.year.desc())).all()
    if edition is None:
        return render_template("voting/admin/dashboard.html", edition=None, editions=editions)
    context = _window_context(edition, now_utc())
    status = context["vote_status"]
    return render_template(
        "voting/admin/dashboard.html",
        edition=edition,
        editions=editions,
        figures=services.participation(session, edition),
        channels=[(c.value, label) for c, label in CHANNEL_LABELS.items()],
        age_bands=[(name, AGE_BAND_LABELS[name]) for _, _, name in AGE_BANDS],
        tally_rows=_tally_rows(edition) if _tally_visible(edition, status) else None,
        ballot_public=services.ballot_is_public(edition),
        scope_label=BALLOT_SCOPE_LABELS[BallotScope(edition.ballot_scope)],
        clash_label=PAPER_CLASH_LABELS[PaperClashPolicy(edition.paper_clash_policy)],
        live_form=LiveResultsForm(),
        **context,
    )


@bp.route("/<int:edition_id>/resultats-provisoires", methods=["POST"])
@access(Access.ADMIN)
def live_results(edition_id: int) -> Any:
    """Show or hide the running tally on the public participation page (audited)."""
    session = db()
    edition = get_or_404(Edition, edition_id)
    form = LiveResultsForm()
    wanted = request.form.get("live")
    if not form.validate_on_submit() or wanted not in ("0", "1"):
        abort(400)
    show = wanted == "1"
    if edition.live_results == show:
        flash("Aucune modification.", "info")
    else:
        audit.record(
            session, actor=current_actor(), action="edition.live_results", object_type="edition",
            object_id=edition.id, now=now_utc(),
            summary=f"Résultats provisoires du vote {edition.year} {'affichés' if show else 'masqués'}",
            before={"live_results": edition.live_results}, after={"live_results": show},
        )
        edition.live_results = show
        session.commit()
        flash("Les résultats provisoires sont affichés sur la page publique de participation." if show
              else "Les résultats provisoires ne sont plus affichés.", "success")
    return redirect(url_for(".dashboard", edition_id=edition.id))


# --- Paper ballots ---------------------------------------------------------------------------


def _paper_entry_closed(edition: Edition, now: datetime) -> str | None:
    """Why paper ballots cannot be typed in now (the service refuses them too), or None."""
    window = edition.window(Phase.VOTE)
    if window is None:
        return "Le vote de cette édition n'a pas de dates : la saisie des bulletins papier n'est pas possible."
    if now < window.starts_at:
        return "La saisie des bulletins papier ouvrira avec le vote."
    results = edition.window(Phase.RESULTS)
    if results is not None and now >= results.ends_at:
        return "La période des résultats est close : les bulletins papier ne peuvent plus être saisis."
    return None


def _render_paper(edition: Edition, form: PaperIdentityForm, chosen: set[int], status: int = 200) -> Any:
    session = db()
    initiatives = sorted(services.ballot_initiatives(session, edition), key=lambda i: (i.territory.name, i.title))
    groups: list[tuple[str | None, list[Initiative]]] = []
    if edition.ballot_scope == BallotScope.TERRITORY.value:
        for initiative in initiatives:
            if not groups or groups[-1][0] != initiative.territory.name:
                groups.append((initiative.territory.name, []))
            groups[-1][1].append(initiative)
    elif initiatives:
        groups.append((None, initiatives))
    query = select(PaperAttendance).where(PaperAttendance.edition_id == edition.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = page_number()
    # Newest first: the agent checks the line just typed. The ballot of each line is never looked up.
    lines = session.scalars(
        query.options(selectinload(PaperAttendance.commune))
        .order_by(PaperAttendance.entered_at.desc(), PaperAttendance.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    agent_ids = {line.entered_by_id for line in lines if line.entered_by_id is not None}
    agents = dict(session.execute(select(User.id, User.email).where(User.id.in_(agent_ids))).all()) \
        if agent_ids else {}
    communes = session.execute(select(Commune.name, Commune.insee_code).order_by(Commune.name)).all()
    return render_template(
        "voting/admin/paper.html", edition=edition, form=form, groups=groups, chosen=chosen,
        closed_reason=_paper_entry_closed(edition, now_utc()), lines=lines, agents=agents, total=total,
        page=page, pages=max(1, -(-total // PAGE_SIZE)), pager_args={"edition_id": edition.id},
        communes=communes, territory_scope=edition.ballot_scope == BallotScope.TERRITORY.value,
        clash_label=PAPER_CLASH_LABELS[PaperClashPolicy(edition.paper_clash_policy)],
    ), status


@bp.route("/papier", defaults={"edition_id": None}, methods=["GET", "POST"])
@bp.route("/<int:edition_id>/papier", methods=["GET", "POST"])
@access(Access.STAFF)
def paper(edition_id: int | None) -> Any:
    """Type in a ballot collected in a town hall with its line of the attendance list; the list below."""
    session = db()
    edition = _edition(edition_id)
    form = PaperIdentityForm()
    raw = request.form.getlist("choix") if request.method == "POST" else []
    chosen = {int(r) for r in raw if r.isascii() and r.isdigit() and len(r) <= 9}
    if request.method == "GET":
        return _render_paper(edition, form, chosen)
    status = 400
    if form.validate_on_submit():
        commune_code = resolve_commune(db(), form)
        if commune_code is not None:
            identity = services.Identity(form.first_name.data, form.last_name.data, form.birth_date.data,
                                         commune_code)
            try:
                result = services.record_paper(session, edition, current_actor(), identity,
                                               form.polling_place.data, raw, _secret(), now_utc())
            except DomainError as error:
                session.rollback()
                form.add_error(error.field, error.message)
                status = error.status_code
            else:
                session.commit()
                flash(result.message, "success" if result.counted and not result.clash else "warning")
                return redirect(url_for(".paper", edition_id=edition.id))
    return _render_paper(edition, form, chosen, status)


# --- Likely duplicates -----------------------------------------------------------------------


def _void_form(user_id: int) -> VoidForm:
    # One form per account on the page: the prefix keeps field ids unique and routes errors back.
    return VoidForm(prefix=f"compte-{user_id}")


def _render_duplicates(edition: Edition, failed: tuple[int, VoidForm] | None = None, status: int = 200) -> Any:
    groups = services.likely_duplicates(db(), edition, _secret())
    forms: dict[int, VoidForm] = {}
    for group in groups:
        for entry in group:
            if entry.kind == "account" and entry.user is not None and entry.ballot_state == "counted":
                forms[entry.user.id] = _void_form(entry.user.id)
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template("voting/admin/duplicates.html", edition=edition, groups=groups, forms=forms,
                           failed_form=failed[1] if failed else None, states=STATE_LABELS), status


@bp.route("/doublons", defaults={"edition_id": None})
@bp.route("/<int:edition_id>/doublons")
@access(Access.ADMIN)
def duplicates(edition_id: int | None) -> Any:
    """Accounts (and attendance lines) declaring the same person: the admin decides, nothing is automatic."""
    return _render_duplicates(_edition(edition_id))


def _names_in(reason: str, entries: list[services.DuplicateEntry]) -> bool:
    """Whether the reason names the person: it is kept next to the choices in the ballots export."""
    words = f" {normalise_name(reason)} "
    lowered = reason.casefold()
    for entry in entries:
        person = entry.profile or entry.attendance
        if person is not None and normalise_name(person.last_name) and f" {normalise_name(person.last_name)} " in words:
            return True
        if entry.user is not None and entry.user.email.casefold() in lowered:
            return True
    return False


@bp.route("/<int:edition_id>/doublons/<int:user_id>/annuler", methods=["POST"])
@access(Access.ADMIN)
def void_account_ballot(edition_id: int, user_id: int) -> Any:
    """Void the ballot of one account of a group of likely duplicates, with a reason (audited)."""
    session = db()
    edition = get_or_404(Edition, edition_id)
    user = get_or_404(User, user_id)
    form = _void_form(user.id)
    group = next((g for g in services.likely_duplicates(session, edition, _secret())
                  if any(e.user is not None and e.user.id == user.id for e in g)), None)
    if group is None:
        # Voiding is a remedy for duplicates only: any other account's ballot is out of reach here.
        abort(404)
    if form.validate_on_submit():
        if _names_in(form.reason.data, group):
            form.add_error("reason", "N'écrivez ni le nom ni l'adresse électronique de la personne dans le motif : "
                           "il figure dans l'export des bulletins, à côté des choix, qui doivent rester secrets.")
        else:
            try:
                services.void_online_ballot_of(session, edition, user, current_actor(), form.reason.data,
                                               _secret(), now_utc())
            except DomainError as error:
                session.rollback()
                form.add_error(error.field or "reason", error.message)
                return _render_duplicates(edition, (user.id, form), error.status_code)
            session.commit()
            flash(f"Le bulletin du compte {user.email} est annulé ; il n'est plus compté.", "success")
            return redirect(url_for(".duplicates", edition_id=edition.id))
    return _render_duplicates(edition, (user.id, form), 400)


# --- Export for a recount --------------------------------------------------------------------


@bp.route("/bulletins.csv", defaults={"edition_id": None})
@bp.route("/<int:edition_id>/bulletins.csv")
@access(Access.ADMIN)
def ballots_csv(edition_id: int | None) -> Any:
    """The counted ballots, by random id: channel and choices, nothing about the voter.

    Only once the vote is closed (during it, two downloads compared would show who changed what
    when), and without voided ballots: the admin voids a ballot knowing whose it is, so a voided
    row's choices would be that person's vote.
    """
    session = db()
    edition = _edition(edition_id)
    if services.vote_window_status(edition, now_utc()) is not PhaseStatus.CLOSED:
        flash("L'export des bulletins sera disponible à la clôture du vote.", "warning")
        return redirect(url_for(".dashboard", edition_id=edition.id))
    titles = dict(session.execute(
        select(Initiative.id, Initiative.title).where(Initiative.edition_id == edition.id)).all())
    # Ordered by the random public id: the casting order (row id, time) could be matched with who
    # was seen voting when.
    ballots = session.scalars(
        select(Ballot).where(Ballot.edition_id == edition.id, Ballot.voided_at.is_(None))
        .options(selectinload(Ballot.choices)).order_by(Ballot.public_id)
    )

    def rows() -> Any:
        for ballot in ballots:
            ids = sorted(c.initiative_id for c in ballot.choices)
            yield [
                ballot.public_id,
                "papier" if ballot.channel == Channel.PAPER.value else "en ligne",
                len(ids),
                " ".join(str(i) for i in ids),
                " | ".join(titles.get(i, f"n° {i}") for i in ids),
            ]

    return csv_response(f"bulletins-{edition.year}.csv", [
        "Bulletin", "Canal", "Nombre de choix", "Initiatives choisies (n°)", "Initiatives choisies (titres)"], rows())
