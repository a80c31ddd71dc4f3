"""An edition's ballots out to Pabulib and back in, and the published outcome recomputed from the file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.allocation.commands import allocate_command
from budgetcitoyen.allocation.pabulib import parse_pb_bytes
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.results import services
from budgetcitoyen.storage import LocalStorage
from budgetcitoyen.voting.models import Ballot, BallotChoice
from tests.results.helpers import seed

BALLOTS = [[0, 1, 2], [0, 1, 2], [0, 3], [1, 3], [2], [4, 0, 1]]
AMOUNTS = [6000, 5000, 4000, 1000, 2500]


def test_export_import_round_trip(
    app, closed_vote, make_initiative, db_session, tmp_path: Path
) -> None:
    seed(app, closed_vote, make_initiative, BALLOTS, AMOUNTS)
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["pb-export", str(closed_vote.year)])
    assert exported.exit_code == 0, exported.output
    election = parse_pb_bytes(exported.stdout_bytes)
    assert election.ballots.num_voters == len(BALLOTS)
    assert sorted(election.ballots.approvals().tolist()) == sorted([4, 4, 3, 2, 1])
    # Anonymised: random ballot ids, no account, name or e-mail anywhere.
    text = exported.stdout_bytes.decode()
    assert "@" not in text and all(len(v) == 32 for v in election.voter_ids)

    path = tmp_path / "export.pb"
    path.write_bytes(exported.stdout_bytes)
    imported = runner.invoke(args=["pb-import", str(path), "--year", "2021"])
    assert imported.exit_code == 0, imported.output
    copy = db_session.scalar(select(Edition).where(Edition.year == 2021))
    assert copy is not None and not copy.is_published and copy.envelope == closed_vote.envelope
    titles = db_session.scalars(select(Initiative.title).where(Initiative.edition_id == copy.id)).all()
    assert sorted(titles) == sorted(f"Initiative {n}" for n in range(len(AMOUNTS)))
    assert (
        db_session.scalar(select(func.count()).select_from(Ballot).where(Ballot.edition_id == copy.id)) == 6
    )
    counts = sorted(
        db_session.scalars(
            select(func.count())
            .select_from(BallotChoice)
            .join(Ballot)
            .where(Ballot.edition_id == copy.id)
            .group_by(BallotChoice.initiative_id)
        ).all()
    )
    assert counts == sorted([4, 4, 3, 2, 1])
    assert all(
        s == Status.ON_BALLOT.value
        for s in db_session.scalars(select(Initiative.status).where(Initiative.edition_id == copy.id))
    )
    # Importing the same year again is refused and leaves nothing behind.
    again = runner.invoke(args=["pb-import", str(path), "--year", "2021"])
    assert again.exit_code != 0 and "existe déjà" in again.output
    assert db_session.scalar(select(func.count()).select_from(Edition)) == 2


def test_published_outcome_is_recomputed_from_the_downloaded_file(
    app, closed_vote, make_initiative, admin_user, tmp_path: Path
) -> None:
    seed(app, closed_vote, make_initiative, BALLOTS, AMOUNTS)
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.get(Edition, closed_vote.id)
        result = services.compute(session, edition, session.get(User, admin_user.id), now_utc())
        services.publish(session, edition, session.get(User, admin_user.id),
                             LocalStorage.for_instance(tmp_path), now_utc())
        session.commit()
        funded = [
            str(d.initiative_id) for d in sorted(result.decisions, key=lambda d: d.position or 0) if d.funded
        ]
        spent = result.spent
    pb = services.results_folder(str(tmp_path), closed_vote.year) / services.PB_NAME.format(
        year=closed_vote.year
    )
    out = CliRunner().invoke(
        allocate_command, ["--pb", str(pb), "--rule", "greedy", "--tie-break", "edition", "--json"]
    )
    assert out.exit_code == 0, out.output
    recomputed = json.loads(out.output)
    assert recomputed["selected"] == funded
    assert Decimal(str(recomputed["spent"])) == spent


@pytest.mark.parametrize(
    "content,message",
    [
        ("META\nkey;value\nbudget;100\nvote_type;approval\nVOTES\nvoter_id;vote\n1;1\n", "PROJECTS"),
        (
            "META\nkey;value\nbudget;100\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;10\nVOTES\nvoter_id;vote\n1;1\n",
            "approval",
        ),
        (
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;10\nVOTES\nvoter_id;vote\n7;1\n7;1\n",
            "apparaît deux fois",
        ),
        (
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;0\nVOTES\nvoter_id;vote\n7;1\n",
            "coût 0",
        ),
        (
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;1e30\nVOTES\nvoter_id;vote\n7;1\n",
            "impossible",
        ),
        (
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;10\nVOTES\nvoter_id;vote\n7;9\n",
            "Ligne 10 : le bulletin cite un projet inconnu",
        ),
    ],
)
def test_a_bad_file_imports_nothing(app, db_session, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.pb"
    path.write_text(content, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["pb-import", str(path), "--year", "2032"])
    assert result.exit_code != 0 and message in result.output
    assert db_session.scalar(select(func.count()).select_from(Edition)) == 0
