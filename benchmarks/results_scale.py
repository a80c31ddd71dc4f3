"""Results at scale: N ballots (Madrid scale by default) in a PostgreSQL edition, pages and admin actions
timed through HTTP under gunicorn, against the catalogue /initiatives in the same run.

What it does, in one run:
1. creates a dedicated PostgreSQL database (default `budgetcitoyen_results_scale`), brings it to the latest
   schema with `budgetcitoyen db upgrade` and loads the demo with `seed-demo --phase vote` (an edition
   whose vote is open, 14 initiatives on the ballot, 400 demo ballots);
2. adds N ballots to that edition in bulk: rows built with numpy (skewed popularity, as the demo's),
   streamed with COPY into the app's `ballots` table, their choices COPYed into a staging table and joined
   to `ballot_choices` by the ballot's random public id (no assumption on how ballot ids are made);
3. serves `budgetcitoyen:create_app()` with gunicorn and logs the demo administrator in;
4. while the vote is open, times `/vote/participation`, `/gestion/vote` and the allocation page against
   `/initiatives` (round-robin, so load changes hit every page alike);
5. closes the vote, computes and publishes through the admin forms (each POST timed once);
6. times every page of the published results (`/resultats/<year>`, `results.json`, each chart SVG), the
   vote pages and the allocation page against `/initiatives`, and checks what a proxy needs (ETag,
   Cache-Control, 304 on If-None-Match) where the server sends an ETag.

Timings are medians of sequential requests on one keep-alive connection (latency, not throughput); the
ratios are what to compare between runs, the milliseconds depend on the machine and its load.

Run: .venv/bin/python benchmarks/results_scale.py [--ballots 400000] [--rounds 30]
     [--database-url postgresql+psycopg://user:pw@host/db] [--reset] [--keep-db]
Exit status 0 when the goals of issue #14 are met (every page <= 2x /initiatives, compute <= 1 s,
publish <= 2 s), 1 otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import re
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

# The database set-up and the server are the vote benchmark's: one way to start them for every benchmark.
from vote_load import (  # noqa: E402
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
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.org", "Enveloppe-ESS-2026"  # the demo's, see demo/seed.py
CHARTS = ("voix", "enveloppe", "participation-territoires", "participation-ages")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGE_GOAL, COMPUTE_GOAL, PUBLISH_GOAL = 2.0, 1.0, 2.0
PAPER_SHARE = 0.1


# --- bulk load ---------------------------------------------------------------------------------


def load_ballots(url: str, secret: str, instance: Path, count: int) -> tuple[int, float]:
    """N ballots for the demo edition, COPYed in; returns the edition's year and the seconds taken."""
    import numpy as np
    from sqlalchemy import select

    from budgetcitoyen import create_app
    from budgetcitoyen.clock import now_utc
    from budgetcitoyen.editions.rules import Phase
    from budgetcitoyen.editions.services import current_edition
    from budgetcitoyen.reference.models import Territory
    from budgetcitoyen.voting.ballots import ballot_initiatives
    from budgetcitoyen.voting.eligibility import AGE_BANDS
    from budgetcitoyen.voting.models import Ballot, BallotChoice

    started = time.perf_counter()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "INSTANCE_PATH": str(instance)})
    rng = np.random.default_rng(2026)
    now = now_utc()
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        edition = current_edition(session)
        window = edition.window(Phase.VOTE) if edition is not None else None
        if edition is None or window is None or not window.starts_at <= now < window.ends_at:
            raise SystemExit("seed-demo did not leave an edition whose vote is open")
        initiatives = np.array([i.id for i in ballot_initiatives(session, edition)], dtype=np.int64)
        picks = edition.max_choices
        territories = np.array(session.scalars(select(Territory.id)).all(), dtype=np.int64)
        bands = [name for _, _, name in AGE_BANDS]
        # Skewed popularity, as the demo's ballots: a few initiatives draw most votes. Top-k of Gumbel
        # keys draws k distinct initiatives per ballot with those weights, for all ballots at once.
        weights = 1.0 / (np.arange(len(initiatives)) + 1) ** 0.8
        rng.shuffle(weights)
        keys = np.log(weights) + rng.gumbel(size=(count, len(initiatives)))
        chosen = initiatives[np.argsort(-keys, axis=1)[:, :picks]]
        territory = territories[rng.integers(0, len(territories), count)]
        band = rng.integers(0, len(bands), count)
        paper = rng.random(count) < PAPER_SHARE
        span = max(1, int((now - window.starts_at).total_seconds()) - 1)
        offsets = rng.integers(0, span, count)
        ids = [secrets.token_hex(16) for _ in range(count)]
        ballots, choices = Ballot.__table__, BallotChoice.__table__
        connection = session.connection().connection.driver_connection  # psycopg: COPY
        with connection.cursor() as cursor:
            columns = ("edition_id", "public_id", "receipt_id", "voter_key", "channel", "territory_id",
                       "age_band", "version", "cast_at")
            with cursor.copy(f"COPY {ballots.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for n in range(count):
                    copy.write_row((edition.id, ids[n], secrets.token_hex(16), secrets.token_hex(32),
                                    "paper" if paper[n] else "online", int(territory[n]), bands[band[n]], 1,
                                    window.starts_at + timedelta(seconds=int(offsets[n]))))
            cursor.execute("CREATE TEMPORARY TABLE staged_choices (public_id text, initiative_id bigint)")
            with cursor.copy("COPY staged_choices FROM STDIN") as copy:
                for n in range(count):
                    for initiative in chosen[n]:
                        copy.write_row((ids[n], int(initiative)))
            cursor.execute(
                f"INSERT INTO {choices.name} (ballot_id, initiative_id) SELECT b.id, s.initiative_id "
                f"FROM staged_choices s JOIN {ballots.name} b ON b.public_id = s.public_id"
            )
            cursor.execute("DROP TABLE staged_choices")
        session.commit()
        year = edition.year
    app.extensions["db_engine"].dispose()
    # Fresh planner statistics, as autovacuum would give a real edition after its vote.
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return year, time.perf_counter() - started


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    seconds: float
    body: bytes
    headers: dict[str, str]


@dataclass
class Browser:
    """One keep-alive connection with its cookies (the administrator's, or none)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        sent = {"Accept": "text/html", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            fresh = self.connection is None
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                # Connect now, so the TCP handshake is not charged to the request.
                self.connection.connect()
            start = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError):
                # gunicorn closes a connection idle for longer than its keep-alive (during a long
                # action): reconnect once, and time the request on the new connection.
                self.connection.close()
                self.connection = None
                if fresh or attempt == 2:
                    raise
        seconds = time.perf_counter() - start
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, value = header.partition(";")[0].strip().partition("=")
            self.cookies[name] = value
        if response.will_close:
            self.connection.close()
            self.connection = None
        return Reply(response.status, seconds, data, {k.lower(): v for k, v in response.getheaders()})

    def csrf(self, path: str) -> str:
        found = CSRF.search(self.request("GET", path).body.decode())
        if found is None:
            raise SystemExit(f"no CSRF token on {path}")
        return found.group(1)


def log_in(port: int) -> Browser:
    admin = Browser(port)
    token = admin.csrf("/connexion")
    reply = admin.request("POST", "/connexion", [("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD),
                                                 ("csrf_token", token)])
    if reply.status != 302 or "/connexion" in reply.headers.get("location", ""):
        raise SystemExit(f"the demo administrator could not log in ({reply.status})")
    return admin


def time_pages(pages: list[tuple[str, Browser, str]], rounds: int) -> dict[str, list[float]]:
    """Each page `rounds` times, round-robin after two warm-up passes; every answer must be a 200."""
    times: dict[str, list[float]] = {label: [] for label, _, _ in pages}
    for n in range(rounds + 2):
        for label, browser, path in pages:
            reply = browser.request("GET", path)
            if reply.status != 200:
                raise SystemExit(f"GET {path} answered {reply.status}")
            if n >= 2:
                times[label].append(reply.seconds)
    return times


def report(title: str, times: dict[str, list[float]], baseline: str) -> list[tuple[str, float]]:
    """Print median and p90 per page with the ratio to the baseline; returns (label, ratio)."""
    base = statistics.median(times[baseline])
    print(f"\n{title}")
    print(f"  {'page':<46} {'median':>9} {'p90':>9} {'ratio':>7}")
    ratios = []
    for label, values in times.items():
        values = sorted(values)
        median = statistics.median(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        ratio = median / base
        ratios.append((label, ratio))
        mark = "" if label == baseline else ("  ok" if ratio <= PAGE_GOAL else "  over 2x")
        print(f"  {label:<46} {median * 1000:7.1f}ms {p90 * 1000:7.1f}ms {ratio:6.1f}x{mark}")
    return [(label, ratio) for label, ratio in ratios if label != baseline]


def action(admin: Browser, page: str, path: str, form: list[tuple[str, str]]) -> float:
    token = admin.csrf(page)
    reply = admin.request("POST", path, [("csrf_token", token), *form])
    if reply.status != 302:
        text = re.sub(r"\s+", " ", reply.body.decode(errors="replace"))
        errors = re.findall(r'class="(?:flash|field-error|error)[^"]*"[^>]*>([^<]+)', text)
        raise SystemExit(f"POST {path} answered {reply.status}: {errors or text[:300]}")
    return reply.seconds


def check_caching(port: int, paths: list[str]) -> None:
    """What a proxy sees: Cache-Control, ETag, and a 304 when the ETag is sent back."""
    print("\nCaching (anonymous visitor)")
    visitor = Browser(port)
    for path in paths:
        first = visitor.request("GET", path)
        etag = first.headers.get("etag")
        line = f"  {path:<52} Cache-Control: {first.headers.get('cache-control', '-')}; "
        if etag:
            again = visitor.request("GET", path, headers={"If-None-Match": etag})
            line += f"ETag sent, If-None-Match -> {again.status} ({again.seconds * 1000:.1f} ms)"
        else:
            line += "no ETag"
        print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ballots", type=int, default=400_000, help="ballots loaded (default 400,000)")
    parser.add_argument("--rounds", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gthread workers (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (default 2)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help="PostgreSQL database to create for the run")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database if it exists")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.ballots < 1 or args.rounds < 1:
        parser.error("--ballots and --rounds must be at least 1")

    url = args.database_url
    created = prepare_database(url, args.reset)
    instance = Path(tempfile.mkdtemp(prefix="budgetcitoyen-results-scale-"))
    secret = secrets.token_urlsafe(32)
    port = free_port()
    env = server_environment(url, secret, instance, port, "raised")
    server = None
    try:
        print("Results at scale — Budget citoyen\n")
        for line in machine_description(url):
            print(line)
        started = time.perf_counter()
        run_cli(env, "db", "upgrade")
        run_cli(env, "seed-demo", "--phase", "vote")
        seeded = time.perf_counter() - started
        year, loaded = load_ballots(url, secret, instance, args.ballots)
        print(f"Set-up: schema and demo {seeded:.1f} s; {args.ballots:,} ballots COPYed in {loaded:.1f} s "
              f"(plus the demo's 400)")
        server = start_gunicorn(env, port, args.workers, args.threads, instance / "gunicorn.log")
        print(f"Server: gunicorn --worker-class gthread --workers {args.workers} --threads {args.threads}; "
              f"{args.rounds} timed requests per page, one keep-alive connection, round-robin")
        admin, visitor = log_in(port), Browser(port)
        allocation = f"/gestion/editions/{year}/repartition"
        during = [("/initiatives (baseline)", visitor, "/initiatives"),
                  ("/vote/participation", visitor, "/vote/participation"),
                  ("/gestion/vote (admin)", admin, "/gestion/vote"),
                  ("allocation page (admin)", admin, allocation)]
        ratios = report("While the vote is open", time_pages(during, args.rounds), during[0][0])

        close = action(admin, allocation, f"{allocation}/clore-le-vote", [("reason", "Banc d'essai")])
        compute = action(admin, allocation, f"{allocation}/calculer", [])
        publish = action(admin, allocation, f"{allocation}/publier", [("confirm", "y")])
        print(f"\nAdmin actions (one POST each): close {close:.2f} s, compute {compute:.2f} s "
              f"(goal <= {COMPUTE_GOAL:.0f} s), publish {publish:.2f} s (goal <= {PUBLISH_GOAL:.0f} s)")

        charts = [f"/resultats/{year}/graphiques/{name}.svg" for name in CHARTS]
        first = {path: visitor.request("GET", path).seconds for path in charts}
        print("First request of each chart (drawn then, or at publication): "
              + ", ".join(f"{path.rsplit('/', 1)[1]} {s * 1000:.0f} ms" for path, s in first.items()))
        after = [("/initiatives (baseline)", visitor, "/initiatives"),
                 (f"/resultats/{year}", visitor, f"/resultats/{year}"),
                 ("results.json", visitor, f"/api/editions/{year}/results.json"),
                 *[(f"chart {path.rsplit('/', 1)[1]}", visitor, path) for path in charts],
                 ("/vote/participation", visitor, "/vote/participation"),
                 ("/gestion/vote (admin)", admin, "/gestion/vote"),
                 ("allocation page (admin)", admin, allocation)]
        ratios += report("Once the results are published", time_pages(after, args.rounds), after[0][0])
        check_caching(port, [f"/resultats/{year}", f"/api/editions/{year}/results.json", charts[0]])

        over = sorted({label for label, ratio in ratios if ratio > PAGE_GOAL})
        met = not over and compute <= COMPUTE_GOAL and publish <= PUBLISH_GOAL
        print(f"\nGoals (every page <= {PAGE_GOAL:.0f}x /initiatives, compute <= {COMPUTE_GOAL:.0f} s, "
              f"publish <= {PUBLISH_GOAL:.0f} s): {'met' if met else 'not met'}"
              + (f"; over 2x: {', '.join(over)}" if over else ""))
        return 0 if met else 1
    finally:
        if server is not None:
            stop(server)
        if created and not args.keep_db:
            drop_database(url)


if __name__ == "__main__":
    sys.exit(main())
