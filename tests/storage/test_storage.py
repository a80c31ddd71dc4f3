"""The storage interface, the same on both backends: files follow the transaction that writes them, bad keys
are refused, big files stream back whole; the app's settings choose the backend, and several-server settings
refuse a generated secret key; uploads and downloads through the views work on the shared backend."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen import create_app
from budgetcitoyen.errors import DomainError
from budgetcitoyen.initiatives.models import Attachment
from budgetcitoyen.storage import CHUNK, LocalStorage, Storage
from budgetcitoyen.storage.database import DatabaseStorage
from budgetcitoyen.storage.models import StoredChunk
from tests.helpers import post_form

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(params=["local", "database"])
def files(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage.for_instance(tmp_path)
    return DatabaseStorage(app.extensions["db_engine"])


def put(app: Flask, files: Storage, key: str, data: bytes, *, commit: bool = True, **options: bool) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        files.put(session, key, io.BytesIO(data), **options)
        if commit:
            session.commit()
        else:
            session.rollback()


def test_a_committed_file_reads_back_and_a_rolled_back_one_is_gone(app: Flask, files: Storage) -> None:
    put(app, files, "uploads/kept.pdf", PDF)
    put(app, files, "uploads/dropped.pdf", PDF, commit=False)
    assert files.read("uploads/kept.pdf") == PDF
    assert (files.size("uploads/kept.pdf"), files.exists("uploads/dropped.pdf")) == (len(PDF), False)
    assert list(files.keys("uploads")) == ["uploads/kept.pdf"]
    with pytest.raises(FileNotFoundError):
        files.open("uploads/dropped.pdf")


def test_a_deletion_happens_only_once_committed(app: Flask, files: Storage) -> None:
    put(app, files, "results/2026/a.pb", b"pb")
    with app.extensions["db_sessionmaker"]() as session:
        files.delete(session, "results/2026/a.pb")
        session.rollback()
    assert files.read("results/2026/a.pb") == b"pb"
    with app.extensions["db_sessionmaker"]() as session:
        files.delete(session, "results/2026/a.pb")
        session.commit()
    assert not files.exists("results/2026/a.pb")


def test_an_existing_key_is_replaced_only_when_asked(app: Flask, files: Storage) -> None:
    put(app, files, "results/2026/a.csv", b"first")
    with pytest.raises(FileExistsError):
        put(app, files, "results/2026/a.csv", b"second")
    put(app, files, "results/2026/a.csv", b"second", replace=True)
    assert files.read("results/2026/a.csv") == b"second"


def test_a_stream_that_fails_half_way_leaves_nothing_even_if_the_session_commits(
    app: Flask, files: Storage
) -> None:
    class Failing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > CHUNK:
                raise DomainError("Le fichier dépasse 10 Mo.")
            return super().read(size)

    with app.extensions["db_sessionmaker"]() as session:
        with pytest.raises(DomainError):
            files.put(session, "uploads/big.pdf", Failing(b"x" * (3 * CHUNK)))
        session.commit()
    assert not files.exists("uploads/big.pdf")
    with app.extensions["db_sessionmaker"]() as session:
        assert session.scalar(select(func.count()).select_from(StoredChunk)) == 0


def test_a_file_of_several_chunks_streams_back_whole(app: Flask, files: Storage) -> None:
    data = bytes(range(256)) * (CHUNK * 2 // 256) + b"tail"
    put(app, files, "uploads/long.png", data)
    handle = files.open("uploads/long.png")
    assert handle.size == len(data)
    pieces = []
    while piece := handle.read(8192):
        assert len(piece) <= 8192
        pieces.append(piece)
    handle.close()
    assert b"".join(pieces) == data


@pytest.mark.parametrize("key", ["../secret_key", "uploads/../x", "uploads/.hidden", "other/x.pdf", "uploads",
                                 "uploads/a\\b", "uploads/x.pdf.part", "uploads/"])
def test_keys_outside_the_roots_are_refused(app: Flask, files: Storage, key: str) -> None:
    with pytest.raises(FileNotFoundError):
        put(app, files, key, b"x")
    with pytest.raises(FileNotFoundError):
        files.open(key)
    assert files.size(key) is None


def test_the_local_backend_keeps_todays_layout(app: Flask, tmp_path: Path) -> None:
    files = LocalStorage.for_instance(tmp_path / "instance", upload_folder=tmp_path / "up")
    put(app, files, "uploads/a.pdf", PDF)
    put(app, files, "results/2026/b.pb", b"pb")
    assert (tmp_path / "up" / "a.pdf").read_bytes() == PDF
    assert (tmp_path / "instance" / "results" / "2026" / "b.pb").read_bytes() == b"pb"
    assert sorted(p.name for p in (tmp_path / "up").iterdir()) == ["a.pdf"]  # no partial file left


def test_settings_choose_the_backend_and_several_servers_need_the_secret_from_outside(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BUDGETCITOYEN_SECRET_KEY", raising=False)
    base = {"INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": app.config["DATABASE_URL"]}
    assert isinstance(create_app(base).extensions["storage"], LocalStorage)
    with pytest.raises(RuntimeError, match="BUDGETCITOYEN_SECRET_KEY"):
        create_app({**base, "INSTANCE_PATH": str(tmp_path / "j"), "STORAGE": "database"})
    assert not (tmp_path / "j" / "secret_key").exists()
    monkeypatch.setenv("BUDGETCITOYEN_SECRET_KEY", "a-secret-shared-by-every-server")
    shared = create_app({**base, "INSTANCE_PATH": str(tmp_path / "j"), "STORAGE": "database"})
    assert isinstance(shared.extensions["storage"], DatabaseStorage)
    assert shared.config["SECRET_KEY"] == "a-secret-shared-by-every-server"
    with pytest.raises(RuntimeError, match="choose one of local, database"):
        create_app({**base, "STORAGE": "s3"})
    for application in (shared,):
        application.extensions["db_engine"].dispose()


@pytest.fixture
def shared_storage(app: Flask) -> Iterator[None]:
    local = app.extensions["storage"]
    app.extensions["storage"] = DatabaseStorage(app.extensions["db_engine"])
    yield
    app.extensions["storage"] = local


def test_an_attachment_goes_to_the_database_and_comes_back_through_the_views(
    app: Flask, shared_storage: None, login_as: Callable[..., FlaskClient], make_edition: Callable,
    make_initiative: Callable, db_session
) -> None:
    from budgetcitoyen.editions.rules import Phase
    from budgetcitoyen.initiatives.rules import Status

    holder = login_as()
    initiative = make_initiative(make_edition(open_phase=Phase.DOSSIERS), status=Status.DRAFT,
                                 holder=holder.user)  # type: ignore[attr-defined]
    url = f"/dossiers/{initiative.id}"
    post_form(holder, f"{url}/pieces", {"file": (io.BytesIO(PDF), "statuts.pdf")}, token_from=url,
              content_type="multipart/form-data")
    attachment = db_session.scalar(select(Attachment))
    assert attachment is not None
    response = holder.get(f"{url}/pieces/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Length"] == str(len(PDF))
    assert "attachment" in response.headers["Content-Disposition"]
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or list(folder.iterdir()) == []  # nothing on this server's disk
    post_form(holder, f"{url}/pieces/{attachment.id}/supprimer", {}, token_from=url)
    assert db_session.scalar(select(func.count()).select_from(StoredChunk)) == 0
    assert holder.get(f"{url}/pieces/{attachment.id}").status_code == 404


def test_storage_copy_moves_one_servers_files_to_the_database_and_can_run_again(
    app: Flask, shared_storage: None
) -> None:
    # The instance folder is the whole session's: results published by earlier tests are not ours.
    shutil.rmtree(Path(app.instance_path) / "results", ignore_errors=True)
    local = LocalStorage.for_instance(app.instance_path, app.config["UPLOAD_FOLDER"])
    put(app, local, "uploads/old.pdf", PDF)
    put(app, local, "results/2025/old.pb", b"pb")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["storage", "copy"])
    assert first.exit_code == 0, first.output
    assert "2 fichier(s) copié(s)" in first.output
    shared = app.extensions["storage"]
    assert (shared.read("uploads/old.pdf"), shared.read("results/2025/old.pb")) == (PDF, b"pb")
    again = runner.invoke(args=["storage", "copy"])
    assert "0 fichier(s) copié(s) vers le stockage « database », 2 déjà présent(s)" in again.output
    with app.extensions["db_sessionmaker"]() as session:  # leave the shared instance folder clean
        for key in ("uploads/old.pdf", "results/2025/old.pb"):
            local.delete(session, key)
        session.commit()
