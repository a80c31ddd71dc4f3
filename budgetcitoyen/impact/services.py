"""Use cases of the impact follow-up: send a year's survey to past winners, read a survey link, record its
single answer; and the figures of the impact page.

Flush, never commit. A survey link is an itsdangerous token (accounts.tokens) signed with the app's secret
for this purpose only, bound to the invitation, its campaign and its convention, and expiring after
rules.LINK_DAYS; it is single use because an invitation has at most one answer (a unique key, so two
browsers sending at once cannot both be recorded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.accounts import tokens
from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.clock import to_local
from budgetcitoyen.config import naming
from budgetcitoyen.conventions import indicators
from budgetcitoyen.conventions.indicators import Indicators
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.conventions.notifications import recipient_of
from budgetcitoyen.conventions.services import INDICATOR_FIELDS
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import Conflict, DomainError, InvalidInput
from budgetcitoyen.impact import notifications, rules
from budgetcitoyen.impact.models import SurveyAnswer, SurveyCampaign, SurveyInvitation
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.textsearch import alphabetical

PURPOSE = "impact-survey"


class AlreadyAnswered(Conflict):
    """The link's survey has its answer: a link serves once."""

    def __init__(self) -> None:
        super().__init__("Ce questionnaire a déjà reçu une réponse : merci ! Le lien ne sert qu'une fois. "
                         f"Pour corriger une réponse, écrivez {naming().service.au}.")


class SurveyLinkInvalid(DomainError):
    """A link that was altered, cut, or not made by this site for a survey."""

    def __init__(self) -> None:
        super().__init__("Ce lien de questionnaire n'est pas valide : il a peut-être été coupé ou modifié. "
                         f"Copiez-le en entier depuis le courriel reçu, ou écrivez {naming().service.au}.")


class SurveyLinkExpired(DomainError):
    """A genuine link past its lifetime."""

    def __init__(self) -> None:
        super().__init__(f"Ce lien de questionnaire a expiré : il était valable {rules.LINK_DAYS} jours. "
                         f"Écrivez {naming().service.au} pour en recevoir un nouveau.")


# --- Sending ---------------------------------------------------------------------------------


@dataclass
class Sent:
    """What a send did: mails queued now, winners already asked in this campaign, winners without address."""

    campaign: SurveyCampaign
    queued: int = 0
    already: int = 0
    without_address: list[str] = field(default_factory=list)


def campaigns(session: Session) -> list[SurveyCampaign]:
    """Every campaign, the latest first."""
    return list(session.scalars(select(SurveyCampaign).order_by(SurveyCampaign.year.desc())))


def campaign_of(session: Session, year: int | None) -> SurveyCampaign | None:
    """The campaign of that year, or the latest one when year is None."""
    if year is None:
        return session.scalar(select(SurveyCampaign).order_by(SurveyCampaign.year.desc()).limit(1))
    return session.scalar(select(SurveyCampaign).where(SurveyCampaign.year == year))


def surveyed_conventions(session: Session, year: int) -> list[Convention]:
    """The conventions of the winners of every edition before `year` that were at least signed."""
    return list(session.scalars(
        select(Convention).join(Edition, Convention.edition_id == Edition.id)
        .where(Edition.year < year, Convention.status.in_(rules.SURVEYED_STATUSES))
        .options(selectinload(Convention.initiative).selectinload(Initiative.holder),
                 selectinload(Convention.edition))
        .order_by(Edition.year, Convention.id)))


def _campaign(session: Session, actor: User | None, year: int, now: datetime) -> SurveyCampaign:
    existing = campaign_of(session, year)
    if existing is not None:
        return existing
    campaign = SurveyCampaign(year=year, created_at=now, created_by=actor)
    try:
        with session.begin_nested():
            session.add(campaign)
            session.flush()
    except IntegrityError:
        # Another send created it at the same moment: use theirs.
        return session.scalars(select(SurveyCampaign).where(SurveyCampaign.year == year)).one()
    return campaign


def send_survey(session: Session, actor: User | None, year: int | None, secret: str, now: datetime) -> Sent:
    """Mail the survey of `year` to every winner of the editions before it, once: a winner already asked in
    this campaign is not asked again, so sending twice (or after new conventions were signed) only
    reaches those not yet asked. Each mail goes through the mail queue with its own signed link."""
    if problem := rules.year_problem(year, to_local(now).year):
        raise DomainError(problem, field="year")
    assert year is not None  # year_problem refuses None
    conventions = surveyed_conventions(session, year)
    if not conventions:
        raise DomainError(f"Aucun lauréat d'une édition antérieure à {year} n'a de convention signée : "
                          "personne à interroger.", field="year")
    campaign = _campaign(session, actor, year, now)
    sent = Sent(campaign)
    asked = set(session.scalars(select(SurveyInvitation.convention_id)
                                .where(SurveyInvitation.campaign_id == campaign.id)))
    for convention in conventions:
        if convention.id in asked:
            sent.already += 1
            continue
        to = recipient_of(convention)
        if to is None:
            sent.without_address.append(convention.initiative.title)
            continue
        # By ids, not relationships: a refused row must not linger in the campaign's collection.
        invitation = SurveyInvitation(campaign_id=campaign.id, convention_id=convention.id, recipient=to,
                                      queued_at=now)
        try:
            with session.begin_nested():
                session.add(invitation)
                session.flush()
        except IntegrityError:
            sent.already += 1  # a send running at the same moment asked this one
            continue
        token = tokens.make_token(secret, PURPOSE, {"i": invitation.id, "c": campaign.id,
                                                    "v": convention.id})
        notifications.survey_invitation(session, invitation, token)
        sent.queued += 1
    audit.record(session, actor=actor, action="impact.send_survey", object_type="impact_campaign",
                 object_id=campaign.id, now=now, summary=f"Enquête d'impact {year}",
                 after={"queued": sent.queued, "already": sent.already,
                        "without_address": len(sent.without_address)})
    session.flush()
    return sent


# --- Answering -------------------------------------------------------------------------------


def invitation_for(session: Session, secret: str, token: str) -> SurveyInvitation:
    """The invitation a link stands for; SurveyLinkInvalid (tampered, or not bound to an existing
    invitation of its campaign and convention), SurveyLinkExpired, or AlreadyAnswered."""
    try:
        payload = tokens.read_token(secret, PURPOSE, token, rules.LINK_DAYS * 86400)
    except tokens.ExpiredToken as exc:
        raise SurveyLinkExpired() from exc
    except tokens.InvalidToken as exc:
        raise SurveyLinkInvalid() from exc
    ids = (payload.get("i"), payload.get("c"), payload.get("v"))
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in ids):
        raise SurveyLinkInvalid()
    invitation = session.get(SurveyInvitation, ids[0])
    if invitation is None or (invitation.campaign_id, invitation.convention_id) != ids[1:]:
        raise SurveyLinkInvalid()
    if invitation.answer is not None:
        raise AlreadyAnswered()
    return invitation


def answer_survey(session: Session, secret: str, token: str, answers: Indicators,
                  now: datetime) -> SurveyAnswer:
    """Record the answer a link's holder gives (no account needed: the link is the proof); all of it or,
    with any problem, nothing."""
    invitation = invitation_for(session, secret, token)
    if found := indicators.problems(answers):
        raise InvalidInput(found)
    cleaned = answers.cleaned()
    answer = SurveyAnswer(invitation_id=invitation.id, answered_at=now,
                          **{name: getattr(cleaned, name) for name in INDICATOR_FIELDS})
    try:
        with session.begin_nested():
            session.add(answer)
            session.flush()
    except IntegrityError as exc:
        raise AlreadyAnswered() from exc
    audit.record(session, actor=None, action="impact.answer", object_type="impact_campaign",
                 object_id=invitation.campaign_id, now=now,
                 summary=f"Réponse à l'enquête {invitation.campaign.year} : "
                         f"« {invitation.convention.initiative.title[:80]} »")
    session.flush()
    return answer


# --- Figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """A story its author agreed to publish."""

    title: str
    edition_year: int
    text: str


@dataclass(frozen=True)
class CampaignFigures:
    """The impact page of a campaign: all, per edition, per territory; and the stories to publish."""

    campaign: SurveyCampaign
    overall: rules.GroupFigures
    by_edition: list[rules.GroupFigures]
    by_territory: list[rules.GroupFigures]
    stories: list[Story]


def invitations_of(session: Session, campaign: SurveyCampaign) -> list[SurveyInvitation]:
    """The campaign's invitations with what the figures and the admin list read, in one go."""
    return list(session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.campaign_id == campaign.id)
        .options(selectinload(SurveyInvitation.answer),
                 selectinload(SurveyInvitation.convention).selectinload(Convention.edition),
                 selectinload(SurveyInvitation.convention).selectinload(Convention.initiative)
                 .selectinload(Initiative.territory))
        .order_by(SurveyInvitation.id)))


def campaign_figures(session: Session, campaign: SurveyCampaign) -> CampaignFigures:
    """Count the campaign's invitations and answers per edition and per territory."""
    invitations = invitations_of(session, campaign)
    per_edition = [rules.Response.of(f"Lauréats {i.convention.edition.year}", i.answer) for i in invitations]
    per_territory = [rules.Response.of(i.convention.initiative.territory.name, i.answer) for i in invitations]
    stories = [Story(i.convention.initiative.title, i.convention.edition.year, i.answer.story)
               for i in invitations if i.answer is not None and i.answer.story_public and i.answer.story]
    return CampaignFigures(
        campaign=campaign,
        overall=rules.figures(f"Ensemble des lauréats interrogés en {campaign.year}", per_edition),
        by_edition=rules.by_group(per_edition), by_territory=rules.by_group(per_territory),
        stories=sorted(stories, key=lambda s: (s.edition_year, alphabetical(s.title))))
