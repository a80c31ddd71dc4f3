"""The voter's pages: identity, ballot, receipt, and the public participation counter."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from budgetcitoyen.clock import local_zone, now_utc, to_local
from budgetcitoyen.editions.models import BallotScope, Edition
from budgetcitoyen.editions.rules import Phase, PhaseStatus
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.ratelimit.web import limit
from budgetcitoyen.reference.models import Commune
from budgetcitoyen.voting import services
from budgetcitoyen.voting.eligibility import AGE_BAND_LABELS, AGE_BANDS, voter_key
from budgetcitoyen.voting.forms import BallotForm, IdentityForm, resolve_commune
from budgetcitoyen.voting.models import VoterProfile
from budgetcitoyen.voting.rules import last_vote_day, shuffled_for
from budgetcitoyen.web import Access, access, current_actor, db, perform

bp = Blueprint("voting", __name__)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _vote_context(edition: Edition | None) -> dict[str, Any]:
    """Where the vote stands, for every page of the vote."""
    if edition is None:
        return {"edition": None, "vote_status": None, "window": None, "last_day": None, "ballot_public": False}
    now = now_utc()
    window = edition.window(Phase.VOTE)
    return {
        "edition": edition,
        "vote_status": services.vote_window_status(edition, now),
        "window": window,
        "last_day": last_vote_day(window.ends_at, local_zone()) if window else None,
        "ballot_public": services.ballot_is_public(edition),
    }


def _ordered_for_voter(initiatives: list[Initiative], seed: str) -> list[Initiative]:
    by_id = {i.id: i for i in initiatives}
    return [by_id[i] for i in shuffled_for(seed, list(by_id))]


def _render_ballot(edition: Edition | None, form: BallotForm, chosen: set[int] | None = None,
                   status: int = 200) -> tuple[str, int]:
    context = _vote_context(edition)
    session = db()
    profile = ballot = None
    initiatives: list[Initiative] = []
    if edition is not None and current_user.is_authenticated:
        user = current_actor()
        profile = services.profile_of(session, user)
        ballot = services.find_online_ballot(session, edition, user, _secret())
        if profile is not None:
            territory_id = session.scalar(select(Commune.territory_id).where(Commune.insee_code == profile.commune_code))
            seed = f"{edition.id}:{voter_key(_secret(), user_id=user.id)}"
            initiatives = _ordered_for_voter(services.ballot_initiatives(session, edition, territory_id), seed)
        if chosen is None and ballot is not None:
            chosen = {c.initiative_id for c in ballot.choices}
    elif edition is not None:
        initiatives = services.ballot_initiatives(session, edition)
    return render_template(
        "voting/ballot.html",
        form=form,
        profile=profile,
        ballot=ballot,
        initiatives=initiatives,
        chosen=chosen or set(),
        territory_scope=edition is not None and edition.ballot_scope == BallotScope.TERRITORY.value,
        **context,
    ), status


@bp.route("/vote")
@access(Access.PUBLIC)
def ballot() -> Any:
    """The ballot, or what to do before it: log in, declare one's identity, wait for the opening."""
    return _render_ballot(current_edition(db()), BallotForm())


def _kept_choices(raw: list[str]) -> set[int]:
    return {int(r) for r in raw if r.isascii() and r.isdigit() and len(r) <= 9}


@bp.route("/vote/bulletin", methods=["POST"])
@access(Access.AUTHENTICATED)
def cast() -> Any:
    """Cast or change the ballot; the last one sent before the close counts."""
    session = db()
    edition = current_edition(session)
    form = BallotForm()
    raw = request.form.getlist("choix")
    if edition is None or not form.validate_on_submit():
        return _render_ballot(edition, form, status=400)
    user = current_actor()
    try:
        limit("ballot", account=str(user.id))
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_ballot(edition, form, chosen=_kept_choices(raw), status=error.status_code)
    outcome = perform(services.cast_online, edition, user, raw, _secret(), now_utc(), form=form)
    if not outcome.ok:
        return _render_ballot(edition, form, chosen=_kept_choices(raw), status=outcome.error.status_code)
    version = outcome.value.version
    flash("Votre vote est enregistré." if version == 1 else "Votre vote est modifié : c'est ce dernier qui compte.",
          "success")
    return redirect(url_for("voting.thanks"))


@bp.route("/vote/merci")
@access(Access.AUTHENTICATED)
def thanks() -> Any:
    """The receipt of the voter's current ballot."""
    session = db()
    edition = current_edition(session)
    ballot = services.find_online_ballot(session, edition, current_actor(), _secret()) if edition else None
    if ballot is None:
        return render_template("voting/thanks.html", edition=edition, ballot=None)
    return render_template(
        "voting/thanks.html",
        edition=edition,
        ballot=ballot,
        code=services.receipt_code(_secret(), ballot),
        choices=session.scalars(
            select(Initiative).where(Initiative.id.in_([c.initiative_id for c in ballot.choices]))
            .order_by(Initiative.title)
        ).all(),
        vote_open=services.vote_window_status(edition, now_utc()) is PhaseStatus.OPEN,
    )


@bp.route("/vote/identite", methods=["GET", "POST"])
@access(Access.AUTHENTICATED)
def identity() -> Any:
    """Declare (or correct, before voting) the identity one votes with."""
    session = db()
    edition = current_edition(session)
    user = current_actor()
    profile: VoterProfile | None = services.profile_of(session, user)
    form = IdentityForm()
    if request.method == "GET" and profile is not None:
        form.first_name.data = profile.first_name
        form.last_name.data = profile.last_name
        form.birth_date.data = profile.birth_date
        form.commune.data = f"{profile.commune.name} ({profile.commune_code})"
    status = 200
    if form.validate_on_submit():
        commune_code = resolve_commune(session, form)
        if not form.errors:
            identity_data = services.Identity(form.first_name.data, form.last_name.data, form.birth_date.data,
                                              commune_code)
            try:
                services.save_profile(session, user, identity_data, _secret(), edition, now_utc())
                if edition is not None and services.vote_window_status(edition, now_utc()) is not None:
                    services.check_person(edition, identity_data, email_confirmed=user.is_confirmed,
                                          today=to_local(now_utc()).date())
            except DomainError as error:
                session.rollback()
                form.add_error(error.field, error.message)
            else:
                session.commit()
                flash("Vos informations sont enregistrées.", "success")
                return redirect(url_for("voting.ballot"))
        status = 400
    elif request.method == "POST":
        status = 400
    communes = session.execute(select(Commune.name, Commune.insee_code).order_by(Commune.name)).all()
    return render_template("voting/identity.html", form=form, profile=profile, communes=communes,
                           **_vote_context(edition)), status


@bp.route("/vote/recu")
@access(Access.PUBLIC)
def receipt() -> Any:
    """Check a receipt code: says whether the ballot counts, never what it holds."""
    code = (request.args.get("code") or "").strip()[:200]
    check = error = None
    if code:
        try:
            check = services.check_receipt(db(), _secret(), code)
        except DomainError as exc:
            error = exc.message
    return render_template("voting/receipt.html", code=code, check=check, error=error), (400 if error else 200)


@bp.route("/vote/participation")
@access(Access.PUBLIC)
def participation() -> Any:
    """Voters so far, in total and by territory; the running tally only if the Mission ESS shows it."""
    session = db()
    edition = current_edition(session)
    figures = services.participation(session, edition) if edition else None
    tally_rows: list[tuple[Initiative, int]] = []
    if edition is not None and edition.live_results and services.ballot_is_public(edition):
        counts = services.tally(session, edition)
        tally_rows = sorted(
            ((i, counts.get(i.id, 0)) for i in services.ballot_initiatives(session, edition)),
            key=lambda row: (-row[1], row[0].title),
        )
    return render_template(
        "voting/participation.html",
        figures=figures,
        tally_rows=tally_rows,
        age_bands=[(name, AGE_BAND_LABELS[name]) for _, _, name in AGE_BANDS],
        **_vote_context(edition),
    )
