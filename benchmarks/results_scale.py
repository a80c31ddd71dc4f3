"""Results at Madrid scale: N ballots (default 400,000) in a PostgreSQL edition, every page and action of the
vote's end timed through gunicorn against the catalogue `/initiatives` in the same run (issue #14).

1. creates a dedicated database (`budgetcitoyen_results_scale` on the local server, role budgetcitoyen_ci; or
   --database-url), migrates it and loads the demo with its vote open (`budgetcitoyen seed-demo`);
2. adds N random approval ballots (1 to max_choices choices among the initiatives on the ballot) with COPY,
   and rebuilds the participation counts the ballots keep (voting.counts.rebuild);
3. serves the app with gunicorn and times, through HTTP, each page below (one warm-up, then the median of
   --repeat requests): the catalogue (the baseline), /vote/participation and /gestion/vote during the vote;
   then the admin actions close the vote, compute and publish (each once, as a whole HTTP POST; before compute
   and publish, both run once in process, each step timed, then rolled back: the breakdown printed under
   the actions); then the first request of each chart, then the published results page, results.json,
   each chart SVG and the allocation page;
4. prints each page's median and p90, its ratio to the catalogue's, and the actions' seconds, with the
   machine; checks what a proxy needs (Cache-Control, ETag, 304 to If-None-Match) on the published pages.
Exit status 0 when the goals of issue #14 are met (every page <= 2x the catalogue, compute <= 1 s, publish
<= 2 s), 1 otherwise.

    .venv/bin/python benchmarks/results_scale.py [--ballots 400000] [--repeat 15] [--reset] [--keep-db]
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The sibling benchmark's set-up helpers.
from vote_load import (
    CSRF,
    Client,
    drop_database,
    free_port,
    machine_description,
    prepare_database,
    run_cli,
    server_environment,
    start_gunicorn,
    stop,
)

DEFAULT_DATABASE_URL = (
    "postgresql+psycopg://budgetcitoyen_ci:budgetcitoyen_ci@127.0.0.1:5432/budgetcitoyen_results_scale"
)
ADMIN = ("admin@example.org", "Enveloppe-ESS-2026")  # the demo administrator
AGE_BANDS = ("11-17", "18-29", "30-44", "45-59", "60-74", "75+")
GOAL_PAGE_RATIO = 2.0


def load_ballots(url: str, secret: str, instance: Path, count: int, seed: int) -> tuple[int, int, float]:
    """N random ballots added to the demo edition with COPY, the counts rebuilt: (year, id, seconds)."""
    from sqlalchemy import select

    from budgetcitoyen import create_app
    from budgetcitoyen.editions.models import Edition
    from budgetcitoyen.editions.rules import Phase
    from budgetcitoyen.editions.services import current_edition
    from budgetcitoyen.initiatives.models import Initiative
    from budgetcitoyen.reference.models import Territory
    from budgetcitoyen.voting import counts
    from budgetcitoyen.voting.rules import BALLOT_STATUSES

    started = time.perf_counter()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "INSTANCE_PATH": str(instance)})
    rng = random.Random(seed)
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        edition = current_edition(session)
        assert edition is not None, "the demo edition is missing"
        edition = session.get(Edition, edition.id)
        on_ballot = session.scalars(select(Initiative.id).where(
            Initiative.edition_id == edition.id, Initiative.status.in_(BALLOT_STATUSES))).all()
        territories = session.scalars(select(Territory.id)).all()
        cast = edition.window(Phase.VOTE).starts_at.replace(hour=0, minute=0, second=0, microsecond=0)
        ids = rng.sample(range(1, 2**62), count)
        ballots, choices = io.StringIO(), io.StringIO()
        for n, ballot_id in enumerate(ids):
            ballots.write(f"{ballot_id}\t{edition.id}\tscale{n:07d}\trecu{n:07d}\tkey{n:07d}\tonline\t"
                          f"{rng.choice(territories)}\t{rng.choice(AGE_BANDS)}\t1\t{cast}\n")
            for initiative_id in rng.sample(on_ballot, rng.randint(1, edition.max_choices)):
                choices.write(f"{ballot_id}\t{initiative_id}\n")
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy("COPY ballots (id, edition_id, public_id, receipt_id, voter_key, channel, "
                             "territory_id, age_band, version, cast_at) FROM STDIN") as copy:
                copy.write(ballots.getvalue())
            with cursor.copy("COPY ballot_choices (ballot_id, initiative_id) FROM STDIN") as copy:
                copy.write(choices.getvalue())
        counts.rebuild(session, edition.id)
        session.commit()
        year, edition_id = edition.year, edition.id
    app.extensions["db_engine"].dispose()
    return year, edition_id, time.perf_counter() - started


def breakdown(url: str, secret: str, instance: Path) -> list[tuple[str, list[tuple[str, float]]]]:
    """Compute then publish the current edition in process, each step timed (results.steps), then roll
    everything back: where the two actions spend their time, to read next to their HTTP timings."""
    from sqlalchemy import select

    from budgetcitoyen import create_app
    from budgetcitoyen.accounts.models import User
    from budgetcitoyen.clock import now_utc
    from budgetcitoyen.editions.services import current_edition
    from budgetcitoyen.results import services, steps

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "INSTANCE_PATH": str(instance)})
    timed = []
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        edition = current_edition(session)
        actor = session.scalar(select(User).where(User.email == ADMIN[0]))
        try:
            files = app.extensions["storage"]
            # As the admin's page runs them: the charts are drawn once the publication has answered.
            for name, action in (
                    ("compute", lambda: services.compute(session, edition, actor, now_utc())),
                    ("publish", lambda: services.publish(session, edition, actor, files, now_utc(),
                                                         with_charts=False)),
                    ("charts, after publish answered",
                     lambda: services.draw_charts(session, edition, files))):
                with steps.recording() as done:
                    started = time.perf_counter()
                    action()
                    session.flush()
                    done.append(("whole (in process)", time.perf_counter() - started))
                timed.append((name, done))
        finally:
            session.rollback()
    app.extensions["db_engine"].dispose()
    return timed


def log_in(client: Client) -> dict[str, str]:
    cookies: dict[str, str] = {}
    page = client.request("GET", "/connexion", cookies)
    token = CSRF.search(page.body)
    assert token, "no CSRF token on /connexion"
    reply = client.request("POST", "/connexion", cookies, [("csrf_token", token.group(1)),
                                                           ("email", ADMIN[0]), ("password", ADMIN[1])])
    assert reply.status == 302, f"admin log-in failed: {reply.status} {reply.body[:300]}"
    return cookies


def time_page(client: Client, path: str, cookies: dict[str, str] | None, repeat: int) -> tuple[float, float]:
    """Median and p90 of `repeat` requests after one warm-up."""
    first = client.request("GET", path, cookies)
    assert first.status == 200, f"GET {path}: {first.status} {first.error or first.body[:300]}"
    times = sorted(client.request("GET", path, cookies).seconds for _ in range(repeat))
    return statistics.median(times), times[int(0.9 * (len(times) - 1))]


def check_caching(port: int, paths: list[str]) -> list[str]:
    """What a proxy sees of each path for an anonymous visitor: Cache-Control, ETag, and the answer to
    If-None-Match with that ETag (a 304 costs the server no page)."""
    lines = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for path in paths:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        etag, cache = response.getheader("ETag"), response.getheader("Cache-Control", "-")
        line = f"  {path:<52} Cache-Control: {cache}; "
        if etag:
            start = time.perf_counter()
            connection.request("GET", path, headers={"If-None-Match": etag})
            again = connection.getresponse()
            again.read()
            line += f"ETag, If-None-Match -> {again.status} ({(time.perf_counter() - start) * 1000:.1f} ms)"
        else:
            line += "no ETag"
        lines.append(line)
    connection.close()
    return lines


def post_action(client: Client, cookies: dict[str, str], page: str, action: str,
                fields: list[tuple[str, str]]) -> float:
    body = client.request("GET", page, cookies).body
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', body, re.S)
    for target, inner in forms:
        if target.endswith(action):
            token = CSRF.search(inner)
            assert token
            reply = client.request("POST", target, cookies, [("csrf_token", token.group(1)), *fields])
            assert reply.status == 302, f"POST {target}: {reply.status} {reply.body[:500]}"
            return reply.seconds
    raise AssertionError(f"no form for {action} on {page}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    url = args.database_url
    created = prepare_database(url, args.reset)
    secret = secrets.token_urlsafe(32)
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="results-scale-") as folder:
            instance = Path(folder)
            port = free_port()
            env = server_environment(url, secret, instance, port, "raised")
            run_cli(env, "db", "upgrade")
            run_cli(env, "seed-demo", "--phase", "vote")
            year, _, load_seconds = load_ballots(url, secret, instance, args.ballots, args.seed)
            print("\n".join(machine_description(url)))
            print(f"{args.ballots:,} ballots loaded in {load_seconds:.1f} s (COPY; counts rebuilt)")
            server = start_gunicorn(env, port, args.workers, args.threads, instance / "gunicorn.log")
            client = Client("127.0.0.1", port)
            admin = log_in(client)
            rows: list[tuple[str, tuple[float, float]]] = []
            baseline = time_page(client, "/initiatives", None, args.repeat)
            rows.append(("/initiatives (baseline)", baseline))
            rows.append(("/vote/participation", time_page(client, "/vote/participation", None, args.repeat)))
            rows.append(("/gestion/vote", time_page(client, "/gestion/vote", admin, args.repeat)))
            allocation = f"/gestion/editions/{year}/repartition"
            rows.append(("allocation page (vote open)", time_page(client, allocation, admin, args.repeat)))
            actions = [("close the vote", post_action(client, admin, allocation, "/clore-le-vote",
                                                      [("reason", "Mesure de performance.")]))]
            # In process first, rolled back: where compute and publish spend their time.
            steps = breakdown(url, secret, instance)
            actions += [
                ("compute", post_action(client, admin, allocation, "/calculer", [])),
                ("publish", post_action(client, admin, allocation, "/publier", [("confirm", "y")])),
            ]
            charts = [f"/resultats/{year}/graphiques/{name}.svg" for name in
                      ("voix", "enveloppe", "participation-territoires", "participation-ages")]
            # Drawn by the server once publish has answered; a chart asked for before is drawn from the
            # same frozen figures (this client's connection may also wait for the drawing to end).
            first = [(path.rsplit("/", 1)[1], client.request("GET", path).seconds) for path in charts]
            rows.append((f"/resultats/{year}", time_page(client, f"/resultats/{year}", None, args.repeat)))
            rows.append(("results.json", time_page(client, f"/api/editions/{year}/results.json", None,
                                                   args.repeat)))
            for path in charts:
                rows.append((f"chart {path.rsplit('/', 1)[1]}", time_page(client, path, None, args.repeat)))
            rows.append(("allocation page", time_page(client, allocation, admin, args.repeat)))
            rows.append(("/gestion/vote (closed)", time_page(client, "/gestion/vote", admin, args.repeat)))
            print(f"\nPages (median of {args.repeat}, gunicorn {args.workers}×{args.threads} gthread, "
                  f"edition {year}, {args.ballots:,} ballots):")
            print(f"{'page':34} {'ms':>8} {'p90 ms':>8} {'× catalogue':>12}")
            worst = 0.0
            for name, (seconds, p90) in rows:
                ratio = seconds / baseline[0]
                worst = max(worst, ratio) if "baseline" not in name else worst
                print(f"{name:34} {seconds * 1000:8.1f} {p90 * 1000:8.1f} {ratio:12.2f}")
            print("\nAdmin actions (one whole HTTP POST each):")
            for name, seconds in actions:
                print(f"{name:34} {seconds:8.2f} s")
            for name, done in steps:
                print(f"  {name} in process, by step (ms): "
                      + ", ".join(f"{step} {seconds * 1000:.0f}" for step, seconds in done))
            print("First request of each chart: " + ", ".join(f"{n} {s * 1000:.0f} ms" for n, s in first))
            print("\nCaching (anonymous visitor):")
            print("\n".join(check_caching(port, [f"/resultats/{year}", f"/api/editions/{year}/results.json",
                                                 charts[0]])))
            load = os.getloadavg()
            seconds = dict(actions)
            met = worst <= GOAL_PAGE_RATIO and seconds["compute"] <= 1 and seconds["publish"] <= 2
            print(f"\nWorst page ratio {worst:.2f} (goal ≤ {GOAL_PAGE_RATIO}); compute goal ≤ 1 s, "
                  f"publish ≤ 2 s: {'met' if met else 'not met'}. "
                  f"Load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        if server is not None:
            stop(server)
        if created and not args.keep_db:
            drop_database(url)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

