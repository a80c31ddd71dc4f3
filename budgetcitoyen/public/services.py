"""The editable pages: their current text (the default until the ESS service saves one) and saving a
new version, journaled with the text before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from budgetcitoyen.audit import services as journal
from budgetcitoyen.config import collectivite_setting, naming
from budgetcitoyen.errors import DomainError
from budgetcitoyen.french import NounPhrase
from budgetcitoyen.public import defaults
from budgetcitoyen.public.models import SitePage
from budgetcitoyen.reference.services import territory_names

if TYPE_CHECKING:
    from budgetcitoyen.accounts.models import User

MAX_LENGTH = 30_000


@dataclass(frozen=True)
class PageSpec:
    """An editable page: its name in the back-office, the public endpoint showing it, its default text."""

    slug: str
    title: str
    endpoint: str
    default: str


PAGES = {
    spec.slug: spec
    for spec in (
        PageSpec("accueil", "Introduction de la page d'accueil", "public.home", defaults.HOME_INTRO),
        PageSpec("comment-ca-marche", "Comment ça marche", "public.how_it_works", defaults.HOW_IT_WORKS),
        PageSpec("questions-frequentes", "Questions fréquentes", "public.faq", defaults.FAQ),
        PageSpec("mentions-legales", "Mentions légales", "public.legal", defaults.LEGAL),
        PageSpec("donnees-personnelles", "Données personnelles", "public.privacy", defaults.PRIVACY),
        PageSpec("accessibilite", "Déclaration d'accessibilité", "public.accessibility",
                 defaults.ACCESSIBILITY),
    )
}


def default_text(slug: str, collectivite: str, session: Session | None = None) -> str:
    """The shipped text, filled with the configured collectivité (and its territories, from the data)."""
    org = naming()
    full = NounPhrase(collectivite, org.body.feminine)  # its name starts with its body's noun
    words = {"{le_collectivite}": full.le, "{Le_collectivite}": full.Le, "{collectivite}": collectivite,
             "{collectivite_of}": collectivite_setting("COLLECTIVITE_OF"), "{body_le}": org.le,
             "{body_du}": org.du, "{service_le}": org.service.le, "{service}": org.service.noun,
             "{adjective}": org.adjective}
    text = PAGES[slug].default
    for placeholder, value in words.items():
        text = text.replace(placeholder, value)
    if "{territoires}" in text:
        names = [name for _, name in territory_names(session)] if session is not None else []
        text = text.replace("{territoires}", ", ".join(names) or "voir la page des comptoirs")
    return text


def stored(session: Session, slug: str) -> SitePage | None:
    return session.get(SitePage, slug)


def text_of(session: Session, slug: str, collectivite: str) -> str:
    """The page's current Markdown: the saved version, else the default."""
    page = stored(session, slug)
    return page.body if page is not None else default_text(slug, collectivite, session)


def save_page(session: Session, actor: User, slug: str, body: str, collectivite: str, now: datetime) -> bool:
    """Save a new version of a page; False when nothing changed. The journal keeps every version."""
    if slug not in PAGES:
        raise DomainError("Cette page n'existe pas.")
    body = body.replace("\r\n", "\n").strip() + "\n"
    if not body.strip():
        raise DomainError("Le texte de la page ne peut pas être vide.", field="body")
    if len(body) > MAX_LENGTH:
        raise DomainError(f"Le texte ne peut pas dépasser {MAX_LENGTH} caractères.", field="body")
    before = text_of(session, slug, collectivite)
    if before.strip() == body.strip():
        return False
    page = stored(session, slug)
    if page is None:
        page = SitePage(slug=slug, body=body, updated_at=now, updated_by_id=actor.id)
        session.add(page)
    else:
        page.body, page.updated_at, page.updated_by_id = body, now, actor.id
    session.flush()
    journal.record(session, actor=actor, action="page.updated", object_type="page", object_id=slug, now=now,
                   summary=f"Texte de la page « {PAGES[slug].title} » modifié", before={"texte": before},
                   after={"texte": body})
    return True
