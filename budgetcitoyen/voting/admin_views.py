"""The ESS service's pages of the vote (/gestion/vote): participation, paper ballots, duplicates, export.

Secrecy: a page shows either people (accounts, attendance lines) or ballots (random ids and choices),
never both. The duplicates report and the attendance list say who voted, never under which ballot
id nor for what; the export has ballot ids and choices, and nothing about the person.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import BALLOT_SCOPE_LABELS, BallotScope, Edition
from budgetcitoyen.editions.rules import PhaseStatus
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.textsearch import alphabetical
from budgetcitoyen.voting import ballots, figures, permissions
from budgetcitoyen.voting.duplicates import group_of, likely_duplicates, void_duplicate_ballot
from budgetcitoyen.voting.eligibility import AGE_BAND_LABELS, AGE_BANDS
from budgetcitoyen.voting.forms import (
    LiveResultsForm,
    PaperIdentityForm,
    VoidForm,
    commune_options,
    declared_identity,
)
from budgetcitoyen.voting.models import CHANNEL_LABELS, PAPER_CLASH_LABELS, PaperClashPolicy
from budgetcitoyen.voting.paper import attendance_page, record_paper
from budgetcitoyen.voting.rules import ballot_is_public, paper_entry_closed, vote_calendar, vote_window_status
from budgetcitoyen.web import (
    Access,
    access,
    current_actor,
    db,
    get_or_404,
    or_404,
    page_number,
    perform,
    secret_key,
)

bp = Blueprint("voting_admin", __name__, url_prefix="/gestion/vote")
PAGE_SIZE = 50
STATE_LABELS = {"counted": "A voté", "voided": "Bulletin annulé", "none": "N'a pas voté"}


def _default_edition() -> Edition | None:
    """The edition the public site presents, else the latest one being prepared."""
    session = db()
    return current_edition(session) or session.scalar(select(Edition).order_by(Edition.year.desc()).limit(1))


def _edition(edition_id: int | None) -> Edition:
    """The edition in the URL; the short URLs (/gestion/vote/papier…) mean the default one."""
    return get_or_404(Edition, edition_id) if edition_id is not None else or_404(_default_edition())


def _clash_label(edition: Edition) -> str:
    return PAPER_CLASH_LABELS[PaperClashPolicy(edition.paper_clash_policy)]


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
    calendar = vote_calendar(edition, now_utc())
    return render_template(
        "voting/admin/dashboard.html", edition=edition, editions=editions,
        figures=figures.participation(session, edition),
        channels=[(c.value, label) for c, label in CHANNEL_LABELS.items()],
        age_bands=[(name, AGE_BAND_LABELS[name]) for _, _, name in AGE_BANDS],
        tally_rows=figures.full_tally(session, edition, vote_over=calendar["vote_status"] == "closed")
        if permissions.staff_sees_tally(edition, calendar["vote_status"]) else None,
        ballot_public=ballot_is_public(edition),
        scope_label=BALLOT_SCOPE_LABELS[BallotScope(edition.ballot_scope)], clash_label=_clash_label(edition),
        live_form=LiveResultsForm(), **calendar,
    )


@bp.route("/<int:edition_id>/resultats-provisoires", methods=["POST"])
@access(Access.ADMIN, load={"edition_id": Edition})
def live_results(edition: Edition) -> Any:
    """Show or hide the running tally on the public participation page (audited)."""
    wanted = request.form.get("live")
    if not LiveResultsForm().validate_on_submit() or wanted not in ("0", "1"):
        abort(400)
    show = wanted == "1"
    outcome = perform(figures.set_live_results, edition, current_actor(), show, now_utc())
    if outcome.ok and not outcome.value:
        flash("Aucune modification.", "info")
    elif outcome.ok:
        flash("Les résultats provisoires sont affichés sur la page publique de participation." if show
              else "Les résultats provisoires ne sont plus affichés.", "success")
    return redirect(url_for(".dashboard", edition_id=edition.id))


# --- Paper ballots ---------------------------------------------------------------------------


def _render_paper(edition: Edition, form: PaperIdentityForm, chosen: set[int], status: int = 200) -> Any:
    session = db()
    initiatives = sorted(ballots.ballot_initiatives(session, edition),
                         key=lambda i: (alphabetical(i.territory.name), alphabetical(i.title)))
    territory_scope = edition.ballot_scope == BallotScope.TERRITORY.value
    groups: list[tuple[str | None, list[Initiative]]] = []
    for initiative in initiatives:
        name = initiative.territory.name if territory_scope else None
        if not groups or groups[-1][0] != name:
            groups.append((name, []))
        groups[-1][1].append(initiative)
    page = page_number()
    listed = attendance_page(session, edition, page, PAGE_SIZE)
    return render_template(
        "voting/admin/paper.html", edition=edition, form=form, groups=groups, chosen=chosen,
        closed_reason=paper_entry_closed(edition, now_utc()), lines=listed.lines, agents=listed.agents,
        total=listed.total, page=page, pages=max(1, -(-listed.total // PAGE_SIZE)),
        pager_args={"edition_id": edition.id}, communes=commune_options(session),
        territory_scope=territory_scope, clash_label=_clash_label(edition),
    ), status


@bp.route("/papier", defaults={"edition_id": None}, methods=["GET", "POST"])
@bp.route("/<int:edition_id>/papier", methods=["GET", "POST"])
@access(Access.STAFF)
def paper(edition_id: int | None) -> Any:
    """Type in a ballot collected in a town hall with its line of the attendance list; the list below."""
    edition = _edition(edition_id)
    form = PaperIdentityForm()
    if request.method == "GET":
        return _render_paper(edition, form, set())
    raw = request.form.getlist("choix")
    status = 400
    if form.validate_on_submit() and (declared := declared_identity(db(), form)) is not None:
        outcome = perform(record_paper, edition, current_actor(), declared,
                          form.polling_place.data, raw, secret_key(), now_utc(), form=form)
        if outcome.ok:
            result = outcome.value
            flash(result.message, "success" if result.counted and not result.clash else "warning")
            return redirect(url_for(".paper", edition_id=edition.id))
        status = outcome.error.status_code
    return _render_paper(edition, form, {int(r) for r in raw if r.isascii() and r.isdigit() and len(r) <= 9},
                         status)


# --- Likely duplicates -----------------------------------------------------------------------


def _void_form(user_id: int) -> VoidForm:
    # One form per account on the page: the prefix keeps field ids unique and routes errors back.
    return VoidForm(prefix=f"compte-{user_id}")


def _render_duplicates(
    edition: Edition, failed: tuple[int, VoidForm] | None = None, status: int = 200
) -> Any:
    groups = likely_duplicates(db(), edition, secret_key())
    forms = {entry.user.id: _void_form(entry.user.id) for group in groups for entry in group.entries
             if entry.kind == "account" and entry.user is not None and entry.ballot_state == "counted"}
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


@bp.route("/<int:edition_id>/doublons/<int:user_id>/annuler", methods=["POST"])
@access(Access.ADMIN, load={"edition_id": Edition, "user_id": User})
def void_account_ballot(edition: Edition, user: User) -> Any:
    """Void the ballot of one account of a group of likely duplicates, with a reason (audited)."""
    form = _void_form(user.id)
    # Voiding is a remedy for duplicates only: any other account's ballot is out of reach here.
    group = or_404(group_of(db(), edition, user, secret_key()))
    if not form.validate_on_submit():
        return _render_duplicates(edition, (user.id, form), 400)
    outcome = perform(void_duplicate_ballot, edition, user, group, current_actor(), form.reason.data,
                      secret_key(), now_utc(), flash_error=False)
    if not outcome.ok:
        form.add_error(outcome.error.field or "reason", outcome.error.message)
        return _render_duplicates(edition, (user.id, form), outcome.error.status_code)
    flash(f"Le bulletin du compte {user.email} est annulé ; il n'est plus compté.", "success")
    return redirect(url_for(".duplicates", edition_id=edition.id))


# --- Export for a recount --------------------------------------------------------------------


@bp.route("/bulletins.csv", defaults={"edition_id": None})
@bp.route("/<int:edition_id>/bulletins.csv")
@access(Access.ADMIN)
def ballots_csv(edition_id: int | None) -> Any:
    """The counted ballots, by random id: channel and choices, nothing about the voter.

    Only once the vote is closed: during it, two downloads compared would show who changed what when.
    """
    edition = _edition(edition_id)
    if vote_window_status(edition, now_utc()) is not PhaseStatus.CLOSED:
        flash("L'export des bulletins sera disponible à la clôture du vote.", "warning")
        return redirect(url_for(".dashboard", edition_id=edition.id))
    return csv_response(f"bulletins-{edition.year}.csv", figures.RECOUNT_COLUMNS,
                        figures.recount_rows(db(), edition))
