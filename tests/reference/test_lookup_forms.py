"""What people type for a commune: short forms (« Boulogne », « St-Omer »), a postal code with the name,
and a postal code shared by several communes explained instead of « Commune inconnue »."""

from __future__ import annotations

import pytest

from budgetcitoyen.reference.lookup import CommuneIndex, commune_datalist
from budgetcitoyen.textsearch import alphabetical
from budgetcitoyen.voting.forms import commune_options


@pytest.fixture
def index(db_session) -> CommuneIndex:
    return CommuneIndex.load(db_session)


@pytest.mark.parametrize(("typed", "insee"), [
    ("Boulogne", "62160"),
    ("boulogne s/ mer", "62160"),
    ("St-Omer", "62765"),
    ("st omer", "62765"),
    ("St. Omer", "62765"),
    ("Saint-Omer", "62765"),
    ("62000 Arras", "62041"),
    ("Arras (62000)", "62041"),
    ("Saint-Omer 62500", "62765"),
    ("Arras", "62041"),
])
def test_usual_forms_resolve(index: CommuneIndex, typed: str, insee: str) -> None:
    assert index.resolve(typed) == insee


@pytest.mark.parametrize("typed", ["Saint", "62000", "59000 Arras", "Lille", "Boulogne-sur-Helpe"])
def test_ambiguous_or_foreign_forms_do_not(index: CommuneIndex, typed: str) -> None:
    assert index.resolve(typed) is None


def test_a_shared_postal_code_is_not_taken_for_the_same_insee_code(index: CommuneIndex) -> None:
    # 62300 is Lens's postal code (shared with Éleu-dit-Leauwette) and Équihen-Plage's INSEE code.
    assert index.resolve("62300") is None
    message = index.shared_postal_code("62300")
    assert message is not None and "Lens" in message and "Éleu-dit-Leauwette" in message
    assert index.resolve("62300 Lens") == "62498" and index.resolve("Équihen-Plage (62300)") == "62300"
    assert index.candidates("62300") == {"62498", "62291"}


def test_a_shared_postal_code_is_explained(index: CommuneIndex) -> None:
    message = index.shared_postal_code("62000")
    assert message is not None and "Arras" in message and "Dainville" in message
    assert index.shared_postal_code("62200") is None and index.shared_postal_code("Atlantis") is None


@pytest.mark.parametrize(("typed", "insee"), [("Boulogne", "62160"), ("St-Omer", "62765")])
def test_voters_may_type_the_short_forms(
    login_as, make_edition, db_session, typed: str, insee: str  # type: ignore[no-untyped-def]
) -> None:
    from budgetcitoyen.editions.rules import Phase
    from budgetcitoyen.voting.models import VoterProfile
    from tests.helpers import post_form

    make_edition(year=2026, open_phase=Phase.VOTE)
    client = login_as(email="votante@example.org")
    data = {"first_name": "Camille", "last_name": "Martin", "birth_date": "1990-05-04", "commune": typed}
    assert post_form(client, "/vote/identite", data).status_code == 302
    assert db_session.query(VoterProfile).one().commune_code == insee


def test_communes_are_listed_in_the_order_a_reader_expects(db_session) -> None:
    # Bytes put « Étaples » after « Zutkerque » (SQLite, PostgreSQL's C collation, Python's sort): every
    # list of communes a voter or a holder picks from has it among the E, before « Fampoux ».
    for listing in (commune_options(db_session), commune_datalist(db_session)):
        names = [name for name, _ in listing]
        positions = [names.index(name) for name in ("Arras", "Étaples", "Fampoux", "Zutkerque")]
        assert positions == sorted(positions)
        assert names == sorted(names, key=alphabetical)
