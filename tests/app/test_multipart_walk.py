"""Every form of the app, every field: a text field sent as a file part is a 400, never a 500; a file
sent with a NUL byte in its name is a 400 too. The forms are found by walking the pages each role can
open (the access matrix's routes) and reading their <form method="post"> fields, so a form added later
is walked without being listed here."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from budgetcitoyen.accounts.models import College, Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Category
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.labelling import services as labelling
from budgetcitoyen.mail.outbox import RenderedMail, store
from budgetcitoyen.voting.identity import Identity, save_profile
from tests.app.test_access_matrix import (
    EXPECTED,
    GET_ROUTES,
    _convention_with_report,
    _initiative_with_attachment,
    _structure_of,
)
from tests.helpers import login

ROLES = ("anonymous", "resident", "holder_of_it", "committee", "agent", "admin")
# Access levels that depend on the role alone (not on the objects of this world): pages skipped where
# the matrix says the role is refused.
BY_ROLE_ONLY = {"public", "anonymous_only", "authenticated", "staff", "admin", "committee"}
# Forms found in each world when this test was written (246, 190 and 178 fields; 49 distinct forms).
MINIMUM_FORMS = {"dossiers": 61, "labelling": 38, "vote": 37}


@dataclass
class Form:
    page: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> value shown
    files: list[str] = field(default_factory=list)


class FormReader(HTMLParser):
    """The POST forms of a page: their action and the names (and values) of their fields."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.forms, self.current = page, [], None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.current = Form(self.page, urljoin(self.page, a.get("action") or self.page))
                self.forms.append(self.current)
            return
        form = self.current
        if form is None or not a.get("name") or tag not in ("input", "textarea", "select", "button"):
            return
        kind = a.get("type", "text").lower()
        if tag == "input" and kind == "file":
            form.files.append(a["name"])
        elif tag == "input" and kind in ("checkbox", "radio") and "checked" not in a:
            form.fields.setdefault(a["name"], a.get("value", "y"))
        else:
            form.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


# The matrix's world with the edition in each phase that opens more forms: the holder's dossier form and
# its uploads; the committee's sheet and the decision; the paper ballots and the closing of the vote.
# (Every form of the matrix's own world, and of the results phase, shows in one of these.)
PHASES = {
    "dossiers": (Phase.DOSSIERS, Status.DRAFT),
    "labelling": (Phase.LABELLING, Status.IN_REVIEW),
    "vote": (Phase.VOTE, Status.LABELLED),
}


@pytest.fixture(params=PHASES, ids=PHASES)
def clients(
    request: pytest.FixtureRequest, app: Flask, make_user: Callable, make_edition: Callable,
    make_committee_member: Callable,
) -> tuple[str, dict[str, tuple[FlaskClient, dict[str, str]]]]:
    """A signed-in client for each role, over the access matrix's world (an edition, a dossier with an
    attachment and a convention, a comptoir, a queued mail), the edition in the phase of the param."""
    phase, status = PHASES[request.param]
    edition = make_edition(year=2026, open_phase=phase, catalogue_published=phase is not None)
    target = make_user(email="cible@example.org")
    with app.extensions["db_sessionmaker"]() as session:
        message = b"To: x@example.org\r\nSubject: Essai\r\n\r\nBonjour\r\n"
        mail_id = store(session, [RenderedMail("x@example.org", "Essai", "test", message)], now_utc())[0].id
        session.commit()
    initiative_id, attachment_id, workshop_id = _initiative_with_attachment(app, edition.id, target.id)
    convention_id = _convention_with_report(app, initiative_id)
    params = {"edition": str(edition.id), "user": str(target.id), "mail": str(mail_id),
              "initiative": str(initiative_id), "attachment": str(attachment_id),
              "workshop": str(workshop_id), "convention": str(convention_id),
              "structure": str(_structure_of(app, initiative_id))}
    found = {}
    for role in ROLES:
        client = app.test_client()
        if role == "holder_of_it":
            login(client, target.email)
        elif role == "committee":
            make_committee_member(edition, College.AMBASSADOR, email="committee@example.org")
            login(client, "committee@example.org")
        elif role != "anonymous":
            roles = {"agent": (Role.AGENT,), "admin": (Role.ADMIN,)}.get(role, ())
            make_user(email=f"{role}@example.org", roles=roles)
            login(client, f"{role}@example.org")
        found[role] = (client, params)
    if status is not None:
        with app.extensions["db_sessionmaker"]() as session:
            initiative = session.get(Initiative, initiative_id)
            category = session.scalars(select(Category).where(Category.edition_id == edition.id)).first()
            initiative.status, initiative.category_id = status.value, category.id
            initiative.amount_asked, initiative.filed_at = Decimal("5000"), now_utc()
            if phase is Phase.VOTE:  # the resident has declared an identity: the ballot form shows
                resident = session.scalar(select(User).where(User.email == "resident@example.org"))
                identity = Identity("Camille", "Martin", date(1990, 5, 4), "62041")
                save_profile(session, resident, identity, app.config["SECRET_KEY"], None, now_utc())
            if status is Status.IN_REVIEW:
                admin = session.scalar(select(User).where(User.email == "admin@example.org"))
                member = session.scalar(select(User).where(User.email == "committee@example.org"))
                labelling.assign_by_hand(session, admin, initiative, member, now_utc())
            session.commit()
    return request.param, found


def forms_of(client: FlaskClient, role: str, params: dict[str, str]) -> list[Form]:
    found = []
    for url, level in GET_ROUTES.values():
        if level in BY_ROLE_ONLY and EXPECTED[level][role if role != "holder_of_it" else "resident"] != 200:
            continue  # a page this role cannot open (the access matrix checks that)
        page = url.format(**params)
        response = client.get(page)
        if response.status_code == 200 and response.mimetype == "text/html":
            reader = FormReader(page)
            reader.feed(response.get_data(as_text=True))
            found.extend(reader.forms)
    return found


def post(client: FlaskClient, form: Form, data: dict[str, object]) -> int:
    return client.post(urlsplit(form.action).path, data=data, content_type="multipart/form-data").status_code


def test_every_form_refuses_a_file_in_a_text_field_and_a_nul_byte_in_a_file_name(
    clients: tuple[str, dict[str, tuple[FlaskClient, dict[str, str]]]],
) -> None:
    world, by_role = clients
    walked: set[tuple[str, str]] = set()
    forms: set[str] = set()
    uploads = 0
    failures = []
    for role, (client, params) in by_role.items():
        for form in forms_of(client, role, params):
            forms.add(form.action)
            for name in [*form.fields, *form.files]:
                if name.endswith("csrf_token") or (form.action, name) in walked:
                    continue
                walked.add((form.action, name))
                data: dict[str, object] = dict(form.fields)
                if name in form.files:
                    uploads += 1
                    data[name] = (io.BytesIO(b"%PDF-1.4\n"), "bilan\x00.pdf")
                else:
                    data[name] = (io.BytesIO(b"x"), "champ.txt")
                status = post(client, form, data)
                if status != 400:
                    failures.append(f"{role} {form.action} [{name}]: {status}")
    assert failures == []
    # The walk really walks (the attack found 147 fields in 28 forms on today's main).
    assert len(forms) >= MINIMUM_FORMS[world] and uploads >= 2, (len(forms), len(walked), uploads)
