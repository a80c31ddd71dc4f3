"""Attachments follow the transaction that records them: a rolled-back upload leaves no file, a removal
deletes the file only once it is committed."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.errors import DomainError
from budgetcitoyen.initiatives import attachments
from budgetcitoyen.initiatives.models import Attachment, Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.storage import LocalStorage
from budgetcitoyen.web import run_use_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def draft(make_edition: Callable, make_initiative: Callable) -> Initiative:
    return make_initiative(make_edition(open_phase=Phase.DOSSIERS), status=Status.DRAFT)


def local(folder: Path) -> LocalStorage:
    """The local storage with its uploads in `folder`."""
    return LocalStorage.for_instance(folder / "instance", upload_folder=folder)


def _add(session, draft: Initiative, folder: Path) -> Attachment:  # type: ignore[no-untyped-def]
    holder = session.get(User, draft.holder_id)
    return attachments.add_attachment(
        session, holder, session.get(Initiative, draft.id), io.BytesIO(PDF), "statuts.pdf", local(folder),
        now_utc(),
    )


def test_a_rolled_back_upload_leaves_no_file(app: Flask, draft: Initiative, tmp_path: Path) -> None:
    def add_then_fail(session) -> None:  # type: ignore[no-untyped-def]
        _add(session, draft, tmp_path)
        assert len(list(tmp_path.iterdir())) == 1  # written before the commit
        raise DomainError("Refusé après l'enregistrement du fichier.")

    with app.extensions["db_sessionmaker"]() as session, pytest.raises(DomainError):
        run_use_case(session, add_then_fail)
    assert list(tmp_path.iterdir()) == []


def test_a_committed_upload_stays_and_a_removal_deletes_it_once_committed(
    app: Flask, draft: Initiative, tmp_path: Path
) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        attachment_id = run_use_case(session, lambda s: _add(s, draft, tmp_path).id)
    [stored] = list(tmp_path.iterdir())
    with app.extensions["db_sessionmaker"]() as session:
        holder, attachment = session.get(User, draft.holder_id), session.get(Attachment, attachment_id)
        attachments.remove_attachment(session, holder, attachment, local(tmp_path), now_utc())
        session.rollback()
    assert stored.is_file()  # the removal did not happen: the file is kept
    with app.extensions["db_sessionmaker"]() as session:
        holder, attachment = session.get(User, draft.holder_id), session.get(Attachment, attachment_id)
        run_use_case(session, attachments.remove_attachment, holder, attachment, local(tmp_path), now_utc())
    assert not stored.exists()
