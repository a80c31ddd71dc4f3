"""Backups that restore: a published campaign saved with `budgetcitoyen backup`, restored with `budgetcitoyen
restore` into an empty database and instance, gives back the same public pages, the same published files
(same SHA-256) and the same recount. On SQLite and on PostgreSQL (a second database on the same server)."""

from __future__ import annotations

import hashlib
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url

from budgetcitoyen import create_app
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.results.models import AllocationResult
from budgetcitoyen.results.services import load_instance, run_rule
from tests.helpers import scratch_postgres_database, text_of

YEAR = 2025


@pytest.fixture(params=["same engine", "sqlite"])
def empty_database(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database: on the suite's engine, or a SQLite file (on PostgreSQL this
    restores a production archive into the embedded default, and the archive format is the same)."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and request.param == "sqlite":
        pytest.skip("on SQLite, the same case as 'same engine'")
    if url.get_backend_name() == "sqlite" or request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    with scratch_postgres_database(app.config["DATABASE_URL"], "restore") as scratch:
        yield scratch


def _public_pages(app: Flask) -> dict[str, str]:
    client = app.test_client()
    pages = {}
    for path in ("/", "/initiatives", f"/resultats/{YEAR}", f"/api/editions/{YEAR}/results.json",
                 f"/api/editions/{YEAR}/initiatives.json", "/vote/participation"):
        response = client.get(path)
        assert response.status_code == 200, path
        # The CSP nonce and the CSRF token change with every response; the rest must be identical.
        pages[path] = re.sub(r'(nonce|value)="[^"]{20,}"', "", text_of(response))
    return pages


def _recount(app: Flask) -> tuple[list[tuple[str, int, bool]], str, str]:
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.scalar(select(Edition).where(Edition.year == YEAR))
        result = session.scalar(select(AllocationResult).where(AllocationResult.edition_id == edition.id))
        outcome = run_rule(edition, load_instance(session, edition))
        decisions = [(d.project_id, d.votes, d.funded) for d in outcome.decisions]
        return decisions, result.ballots_pb_sha256, result.ballots_csv_sha256


def _published_files(app: Flask) -> dict[str, bytes]:
    client = app.test_client()
    page = text_of(client.get(f"/resultats/{YEAR}"))
    names = sorted(set(re.findall(rf'/resultats/{YEAR}/([\w.-]+\.(?:pb|csv))"', page)))
    assert names, "the results page links its published files"
    return {name: client.get(f"/resultats/{YEAR}/{name}").get_data() for name in names}


@pytest.mark.parametrize("storage", ["local", "database"])
def test_backup_then_restore_gives_the_same_campaign(
    app: Flask, tmp_path: Path, empty_database: str, storage: str
) -> None:
    """Restored into the embedded default, or into the storage of several servers (the archive's files
    then go to the database)."""
    seeded = app.test_cli_runner().invoke(args=["seed-demo", "--year", str(YEAR), "--phase", "follow_up"])
    assert seeded.exit_code == 0, seeded.output
    before_pages, before_recount, before_files = _public_pages(app), _recount(app), _published_files(app)

    archive = tmp_path / "sauvegarde.tar.gz"
    saved = app.test_cli_runner().invoke(args=["backup", "--output", str(archive)])
    assert saved.exit_code == 0, saved.output
    digest = re.search(r"SHA-256 : ([0-9a-f]{64})", saved.output).group(1)
    assert (tmp_path / "sauvegarde.tar.gz.sha256").read_text().split()[0] == digest
    with tarfile.open(archive) as members:
        names = members.getnames()
    assert "manifest.json" in names and "tables/ballots.jsonl" in names
    assert any(name.startswith("files/results/") for name in names)
    assert not any("secret_key" in name or "cache" in name for name in names)

    restored = create_app({"INSTANCE_PATH": str(tmp_path / "autre-instance"), "DATABASE_URL": empty_database,
                           "SECRET_KEY": app.config["SECRET_KEY"], "TESTING": True, "STORAGE": storage})
    try:
        done = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert done.exit_code == 0, done.output
        assert _public_pages(restored) == before_pages
        assert _recount(restored) == before_recount
        after_files = _published_files(restored)
        assert after_files == before_files
        pb = next(data for name, data in after_files.items() if name.endswith(".pb"))
        assert hashlib.sha256(pb).hexdigest() == before_recount[1]
        if storage == "database":
            keys = list(restored.extensions["storage"].keys("results"))
            # The suite's instance folder may hold other tests' published files: the archive carries them
            # too; this edition's are there.
            assert set(after_files) <= {key.rsplit("/", 1)[1] for key in keys}

        # A second restore into the now full database is refused, and nothing changes.
        again = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert again.exit_code != 0 and "n'est pas vide" in again.output
        assert _public_pages(restored) == before_pages
    finally:
        restored.extensions["db_engine"].dispose()


def test_a_damaged_archive_is_refused(app: Flask, tmp_path: Path, empty_database: str) -> None:
    archive = tmp_path / "sauvegarde.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    sidecar = tmp_path / "sauvegarde.tar.gz.sha256"
    sidecar.write_text("0" * 64 + "  sauvegarde.tar.gz\n")
    restored = create_app({"INSTANCE_PATH": str(tmp_path / "autre"), "DATABASE_URL": empty_database,
                           "SECRET_KEY": app.config["SECRET_KEY"], "TESTING": True})
    try:
        refused = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert refused.exit_code != 0 and "SHA-256" in refused.output
        other = tmp_path / "pas-une-sauvegarde.tar.gz"
        with tarfile.open(other, "w:gz"):
            pass
        refused = restored.test_cli_runner().invoke(args=["restore", str(other)])
        assert refused.exit_code != 0 and "pas une sauvegarde" in refused.output
    finally:
        restored.extensions["db_engine"].dispose()
