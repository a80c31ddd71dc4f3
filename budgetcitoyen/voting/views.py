"""The voter's pages: identity, ballot, receipt, and the public participation counter."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from budgetcitoyen.accounts import services as accounts_services
from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import BallotScope, Edition
from budgetcitoyen.editions.rules import PhaseStatus
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.ratelimit.web import counted
from budgetcitoyen.voting import ballots, figures, permissions, personal_data, receipts, review
from budgetcitoyen.voting.eligibility import AGE_BAND_LABELS, AGE_BANDS
from budgetcitoyen.voting.forms import (
    BallotForm,
    CommuneForm,
    IdentityForm,
    commune_options,
    declared_identity,
    resolve_commune,
)
from budgetcitoyen.voting.identity import declare_identity, find_online_ballot, profile_of
from budgetcitoyen.voting.rules import ballot_is_public, vote_calendar, vote_window_status
from budgetcitoyen.voting.verification import IdentityPolicy, save_verified_commune, verified_identity_of
from budgetcitoyen.web import Access, access, current_actor, db, perform, secret_key

bp = Blueprint("voting", __name__)


def _export_voter_data(session: Session, user: User) -> dict[str, object]:
    # The account's export runs within a request: the secret that finds the person's ballots is the app's.
    return personal_data.export_voter_data(session, user, secret_key())


accounts_services.PERSONAL_DATA_EXPORTERS.append(_export_voter_data)
accounts_services.PERSONAL_DATA_ERASERS.append(personal_data.erase_voter_data)


def _vote_context(edition: Edition | None) -> dict[str, Any]:
    """Where the vote stands, for every page of the vote."""
    if edition is None:
        return {"edition": None, "vote_status": None, "window": None, "last_day": None,
                "ballot_public": False}
    return {"edition": edition, "ballot_public": ballot_is_public(edition),
            **vote_calendar(edition, now_utc())}


def _render_ballot(edition: Edition | None, form: BallotForm, chosen: set[int] | None = None,
                   status: int = 200, suggested: set[int] | None = None) -> tuple[str, int]:
    user = current_actor()
    mine = ballots.VoterBallot(None, None, [])
    if edition is not None and user is not None:
        mine = ballots.ballot_of_voter(db(), edition, user, secret_key())
        if chosen is None and mine.ballot is not None:
            chosen = {c.initiative_id for c in mine.ballot.choices}
        elif chosen is None and suggested:
            # « Voter pour cette initiative » on its page: ticked in advance when on this voter's ballot
            # and no ballot was cast yet (a cast ballot is shown as it is); nothing is recorded.
            chosen = suggested & {i.id for i in mine.initiatives}
    elif edition is not None:
        mine = ballots.VoterBallot(None, None, ballots.ballot_initiatives(db(), edition))
    return render_template(
        "voting/ballot.html", form=form, profile=mine.profile, ballot=mine.ballot,
        initiatives=mine.initiatives, chosen=chosen or set(),
        territory_scope=edition is not None and edition.ballot_scope == BallotScope.TERRITORY.value,
        **_vote_context(edition),
    ), status


def _kept_choices(raw: list[str]) -> set[int]:
    """What the voter had ticked, shown ticked again on a refused ballot."""
    return {int(r) for r in raw if r.isascii() and r.isdigit() and len(r) <= 9}


@bp.route("/vote")
@access(Access.PUBLIC)
def ballot() -> Any:
    """The ballot, or what to do before it: log in, declare one's identity, wait for the opening."""
    suggested = _kept_choices(request.args.getlist("choix")[:5])
    return _render_ballot(current_edition(db()), BallotForm(), suggested=suggested)


def _render_review(edition: Edition, form: BallotForm, raw: list[str]) -> tuple[str, int]:
    """The first sending of a ballot: the choices shown back to be confirmed; nothing is recorded."""
    user = current_actor()
    try:
        chosen = review.review_choices(db(), edition, user, raw, now_utc())
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_ballot(edition, form, chosen=_kept_choices(raw), status=error.status_code)
    mine = find_online_ballot(db(), edition, user, secret_key())
    return render_template(
        "voting/review.html", form=form, chosen=chosen, ballot=mine,
        token=review.review_token(secret_key(), edition, user, [i.id for i in chosen]),
        **_vote_context(edition),
    ), 200


@bp.route("/vote/bulletin", methods=["POST"])
@access(Access.AUTHENTICATED)
def cast() -> Any:
    """Review, then cast or change the ballot; the last one confirmed before the close counts."""
    edition = current_edition(db())
    form = BallotForm()
    raw = request.form.getlist("choix")
    if edition is None or not form.validate_on_submit():
        return _render_ballot(edition, form, chosen=_kept_choices(raw), status=400)
    if "modifier" in request.form:  # back from the review, the choices kept
        return _render_ballot(edition, form, chosen=_kept_choices(raw))
    if "relu" not in request.form:
        return _render_review(edition, form, raw)
    user = current_actor()
    try:
        review.check_review_token(secret_key(), edition, user, raw, request.form["relu"])
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_ballot(edition, form, chosen=_kept_choices(raw), status=error.status_code)
    # Counted last in the ballot's own transaction (issue #14: no connection or commit of its own): a
    # refused ballot writes nothing and is not counted; past the limit, the ballot is rolled back (429).
    outcome = perform(counted("ballot", ballots.cast_online, account=str(user.id)), edition, user, raw,
                      secret_key(), now_utc(), IdentityPolicy(edition.identity_policy), form=form)
    if not outcome.ok:
        return _render_ballot(edition, form, chosen=_kept_choices(raw), status=outcome.error.status_code)
    # Said by the receipt page from the ballot's version, not flashed: a flash rewrites the session cookie
    # in the ballot's answer and again when shown (issue #14: the ballot's answer does nothing else).
    return redirect(url_for("voting.thanks", confirme=1))


@bp.route("/vote/merci")
@access(Access.AUTHENTICATED)
def thanks() -> Any:
    """The receipt of the voter's current ballot."""
    session = db()
    edition = current_edition(session)
    ballot = find_online_ballot(session, edition, current_actor(), secret_key()) if edition else None
    if ballot is None:
        return render_template("voting/thanks.html", edition=edition, ballot=None)
    confirmed = None
    if request.args.get("confirme") == "1":  # just cast or changed (see `cast`)
        confirmed = ("Votre vote est enregistré." if ballot.version == 1
                     else "Votre vote est modifié : c'est ce dernier qui compte.")
    return render_template(
        "voting/thanks.html",
        edition=edition,
        ballot=ballot,
        confirmed=confirmed,
        code=receipts.receipt_code(secret_key(), ballot),
        choices=ballots.chosen_initiatives(session, ballot),
        vote_open=vote_window_status(edition, now_utc()) is PhaseStatus.OPEN,
    )


@bp.route("/vote/identite", methods=["GET", "POST"])
@access(Access.AUTHENTICATED)
def identity() -> Any:
    """Declare (or correct, before voting) the identity one votes with; with a verified identity, only
    the commune (names and birth date come from the provider and cannot be edited)."""
    session = db()
    edition = current_edition(session)
    user = current_actor()
    profile = profile_of(session, user)
    verified = verified_identity_of(session, user)
    policy = IdentityPolicy(edition.identity_policy) if edition is not None else IdentityPolicy.EITHER
    form: IdentityForm | CommuneForm = CommuneForm() if verified is not None else IdentityForm()
    if request.method == "GET" and profile is not None:
        form.fill_from(profile)
    if verified is not None and form.validate_on_submit() \
            and (code := resolve_commune(session, form)) is not None:
        outcome = perform(save_verified_commune, user, verified, code, secret_key(), edition, now_utc(),
                          form=form)
        if outcome.ok:
            flash("Vos informations sont enregistrées.", "success")
            return redirect(url_for("voting.ballot"))
    elif verified is None and policy != IdentityPolicy.VERIFIED and form.validate_on_submit() \
            and (declared := declared_identity(session, form)) is not None:
        outcome = perform(declare_identity, user, declared, secret_key(), edition, now_utc(), form=form)
        if outcome.ok:
            flash("Vos informations sont enregistrées.", "success")
            return redirect(url_for("voting.ballot"))
    return render_template("voting/identity.html", form=form, profile=profile, verified=verified,
                           verified_required=policy == IdentityPolicy.VERIFIED,
                           declared_only=policy == IdentityPolicy.DECLARED,
                           communes=commune_options(session), **_vote_context(edition)), \
        (400 if request.method == "POST" else 200)


@bp.route("/vote/recu")
@access(Access.PUBLIC)
def receipt() -> Any:
    """Check a receipt code: says whether the ballot counts, never what it holds."""
    code = (request.args.get("code") or "").strip()[:200]
    check = error = None
    if code:
        try:
            check = receipts.check_receipt(db(), secret_key(), code)
        except DomainError as exc:
            error = exc.message
    status = 400 if error else 200
    return render_template("voting/receipt.html", code=code, check=check, error=error), status


@bp.route("/vote/participation")
@access(Access.PUBLIC)
def participation() -> Any:
    """Voters so far, in total and by territory; the running tally only if the ESS service shows it."""
    session = db()
    edition = current_edition(session)
    shown = edition is not None and permissions.public_sees_tally(edition)
    return render_template(
        "voting/participation.html",
        figures=figures.participation(session, edition) if edition else None,
        tally_rows=figures.public_tally(session, edition) if shown else [],
        age_bands=[(name, AGE_BAND_LABELS[name]) for _, _, name in AGE_BANDS],
        **_vote_context(edition),
    )
