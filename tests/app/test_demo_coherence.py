"""The demo data agrees with its own calendar (issue #13): no dossier changed before the ideas phase
opened or after now, nothing filed before the dossiers phase, no convention signed before its edition's
results were published, no structure named after the coast placed inland."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from budgetcitoyen.clock import now_utc, to_local
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative, InitiativePhoto
from budgetcitoyen.results.models import AllocationResult


def test_follow_up_demo_agrees_with_its_calendar(app: Flask, db_session) -> None:
    seeded = app.test_cli_runner().invoke(args=["seed-demo", "--year", "2026", "--phase", "follow_up"])
    assert seeded.exit_code == 0, seeded.output
    now = now_utc()
    editions = {e.id: e for e in db_session.scalars(select(Edition))}
    # Three past editions, published, each with its own results (the archives), and the current one.
    assert sorted(e.year for e in editions.values()) == [2023, 2024, 2025, 2026]
    for initiative in db_session.scalars(select(Initiative)):
        edition = editions[initiative.edition_id]
        ideas, dossiers = edition.window(Phase.IDEAS), edition.window(Phase.DOSSIERS)
        assert ideas.starts_at <= initiative.created_at <= initiative.updated_at <= now, initiative.title
        for change in initiative.history:
            assert ideas.starts_at <= change.at <= now, (initiative.title, change.to_status)
        if initiative.filed_at is not None:
            assert initiative.filed_at >= dossiers.starts_at, initiative.title
        assert "Littoral" not in (initiative.structure_name or "")
        if initiative.photo is not None:  # drawn at seed time, added with the dossier
            assert initiative.photo.uploaded_at <= initiative.updated_at, initiative.title
    assert len(db_session.scalars(select(InitiativePhoto)).all()) > 10
    published = {r.edition_id: r.published_at for r in db_session.scalars(select(AllocationResult))}
    conventions = db_session.scalars(select(Convention)).all()
    assert {c.status for c in conventions} >= {"to_sign", "signed", "paid", "closed", "terminated"}
    for convention in conventions:
        if convention.signed_on is None:
            continue
        edition = editions[convention.edition_id]
        results = edition.window(Phase.RESULTS)
        announced = published.get(edition.id, results.starts_at if results else None)
        assert convention.signed_on >= to_local(announced).date(), (edition.year, convention.signed_on)
        assert convention.signed_on.year >= edition.year
    for edition in editions.values():
        assert edition.is_published and edition.catalogue_published and edition.id in published
        results = edition.window(Phase.RESULTS)
        assert results.starts_at <= published[edition.id] <= now, edition.year
    page = app.test_client().get("/resultats").get_data(as_text=True)
    for year in (2023, 2024, 2025, 2026):
        assert f'href="/resultats/{year}"' in page and f'href="/initiatives?edition={year}"' in page
