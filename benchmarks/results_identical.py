"""Publication gives the same bytes as a reference version of the code (issue #14: faster, not different).

On one PostgreSQL database holding a closed vote of N ballots (the demo edition plus N random ballots, as
benchmarks/results_scale.py loads them), computes then publishes the allocation (charts drawn in the same
transaction) with this worktree's code and with a reference source tree (e.g. main:
`git archive main | tar -x -C /tmp/main-src`), each in its own process and rolled back, and compares the
SHA-256 of every file put into the storage (the two ballot files and the four charts), the stored
decisions and the frozen figures. Exit status 0 when all are identical.

    .venv/bin/python benchmarks/results_identical.py --reference /tmp/main-src [--ballots 400000]
        [--database-url postgresql+psycopg://…/base] [--keep-db]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_scale import DEFAULT_DATABASE_URL, load_ballots
from vote_load import drop_database, prepare_database, run_cli, server_environment

# Run in each child process, with `budgetcitoyen` imported from the tree under test.
CHILD = r"""
import hashlib, io, json, sys
from sqlalchemy import select
import budgetcitoyen
from budgetcitoyen import create_app
from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.results import services
from budgetcitoyen.results.models import PublishedFigures

url, secret, instance = sys.argv[1:4]
app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "INSTANCE_PATH": instance})
files = app.extensions["storage"]
put = type(files).put
digests = {}

def recording_put(self, session, key, stream, *, replace=False):
    data = stream.read()
    digests[key] = hashlib.sha256(data).hexdigest()
    return put(self, session, key, io.BytesIO(data), replace=replace)

type(files).put = recording_put
with app.app_context(), app.extensions["db_sessionmaker"]() as session:
    edition = current_edition(session)
    actor = session.scalar(select(User).where(User.email == "admin@example.org"))
    services.compute(session, edition, actor, now_utc())
    result = services.publish(session, edition, actor, files, now_utc())
    decisions = sorted((d.initiative_id, d.rank, d.votes, str(d.asked), str(d.granted), d.funded,
                        d.position, d.reason, d.explanation) for d in result.decisions)
    figures = session.scalar(select(PublishedFigures.figures).where(PublishedFigures.result_id == result.id))
    session.rollback()
print(json.dumps({"source": budgetcitoyen.__file__, "files": digests, "decisions": decisions,
                  "figures": figures, "voters": result.voters}, sort_keys=True, default=str))
"""


def publish_with(source: Path, url: str, secret: str, instance: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGETCITOYEN_")}
    env["PYTHONPATH"] = str(source)
    done = subprocess.run([sys.executable, "-c", CHILD, url, secret, str(instance)], env=env, cwd=source,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"publishing with {source} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def close_vote(url: str, secret: str, instance: Path) -> None:
    from sqlalchemy import select

    from budgetcitoyen import create_app
    from budgetcitoyen.clock import now_utc
    from budgetcitoyen.editions.models import EditionPhase
    from budgetcitoyen.editions.rules import Phase
    from budgetcitoyen.editions.services import current_edition

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "INSTANCE_PATH": str(instance)})
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        edition = current_edition(session)
        vote = session.scalar(select(EditionPhase).where(EditionPhase.edition_id == edition.id,
                                                         EditionPhase.phase == Phase.VOTE.value))
        vote.ends_at = now_utc() - timedelta(minutes=1)
        session.commit()
    app.extensions["db_engine"].dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, required=True, help="source tree of the reference code")
    parser.add_argument("--ballots", type=int, default=400_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    url, secret = args.database_url, secrets.token_urlsafe(32)
    created = prepare_database(url, True)
    here = Path(__file__).resolve().parent.parent
    try:
        with tempfile.TemporaryDirectory(prefix="results-identical-") as folder:
            instance = Path(folder)
            env = server_environment(url, secret, instance, 1, "raised")
            run_cli(env, "db", "upgrade")
            run_cli(env, "seed-demo", "--phase", "vote")
            load_ballots(url, secret, instance, args.ballots, args.seed)
            close_vote(url, secret, instance)
            mine = publish_with(here, url, secret, instance)
            reference = publish_with(args.reference.resolve(), url, secret, instance)
    finally:
        if created and not args.keep_db:
            drop_database(url)
    print(f"this code: {mine['source']}\nreference: {reference['source']}")
    same = True
    for key in sorted(set(mine["files"]) | set(reference["files"])):  # type: ignore[arg-type]
        a, b = mine["files"].get(key), reference["files"].get(key)  # type: ignore[attr-defined]
        same &= a == b
        print(f"{'same' if a == b else 'DIFFERENT':9} {key}  {a}" + ("" if a == b else f" vs {b}"))
    for part in ("decisions", "figures", "voters"):
        same &= mine[part] == reference[part]
        print(f"{'same' if mine[part] == reference[part] else 'DIFFERENT':9} {part}")
    print(f"{args.ballots:,} ballots: {'identical' if same else 'NOT identical'} to {args.reference}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
