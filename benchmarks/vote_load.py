"""Vote load benchmark: gunicorn on PostgreSQL, concurrent voters log in and cast ballots, /healthz as
baseline.

What it does, in one run:
1. creates a dedicated PostgreSQL database (default `budgetcitoyen_bench` on the local cluster), brings it to
   the latest schema with `budgetcitoyen db upgrade` and loads the demo with `seed-demo --phase vote` (an
   edition whose vote is open, catalogue published, 14 labelled initiatives on the ballot);
2. creates N confirmed voters with a declared identity directly through the models and
   `voting.identity.save_profile` (one password hash computed once and shared: scrypt per voter would
   dominate the set-up);
3. serves `budgetcitoyen:create_app()` with gunicorn (gthread workers, keep-alive) and drives it with C client
   processes, each holding one keep-alive connection (http.client, nothing to install);
4. runs the phases one request type at a time, so that each has a clean throughput: GET /healthz
   (baseline), GET then POST /connexion, GET /vote, the ballot's review (first POST /vote/bulletin), its
   confirmation (the POST that records the ballot: issue #14's figure, timed as a phase of its own),
   GET /vote/merci, then a share of voters change their ballot (GET /vote, then review and confirmation one
   after the other, timed together), then GET /healthz again;
5. checks the database against the answers: as many ballots as successful first-ballot answers, one per
   voter, each holding exactly the choices last sent, changed ones at version 2, the count unchanged by the
   changes, and one receipt in the mail queue per successful ballot answer.

All clients come from 127.0.0.1, so the per-address rate limits of log-in and ballot are raised in the
server's environment (the per-account ones keep their defaults); the output says so.

Run: .venv/bin/python benchmarks/vote_load.py [--voters 2000] [--concurrency 16] [--workers 4 --threads 4]
     [--database-url postgresql+psycopg://user:pw@host/db] [--keep-db] [--reset] [--profile]
Exit status 0 when the target is met (confirmations/s >= 25 % of healthz/s, no error, no lost or duplicated
ballot), 1 otherwise. The review+confirm pair is reported against healthz too.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import multiprocessing
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = (
    "postgresql+psycopg://budgetcitoyen_ci:budgetcitoyen_ci@127.0.0.1:5432/budgetcitoyen_bench"
)
PASSWORD = "Bench-Vote-Septembre-62"
EMAIL = "electeur{:05d}@bench.example.org"
# Per-address limits for the benchmark: every client is 127.0.0.1, which the defaults (100 log-ins and 600
# ballots per 10 minutes) would stop within seconds. Raised rather than removed so the counting still runs.
RAISED_LIMIT = "1000000/600"
# Issue #14: the POST that records the ballot (the review's confirmation) at >= 25 % of /healthz.
TARGET_RATIO = 0.25
FIRST_NAMES = (
    "Camille",
    "Dominique",
    "Claude",
    "Alix",
    "Sacha",
    "Noé",
    "Léa",
    "Hugo",
    "Inès",
    "Jules",
    "Manon",
    "Louis",
    "Chloé",
    "Gabriel",
    "Zoé",
    "Arthur",
    "Lina",
    "Théo",
    "Jade",
    "Nathan",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Lefebvre",
    "Leroy",
    "Lemaire",
    "Dupont",
    "Duhamel",
    "Delattre",
    "Caron",
    "Lecomte",
    "Delahaye",
    "Vasseur",
    "Lebrun",
    "Fontaine",
    "Deprez",
    "Lefranc",
    "Dufour",
    "Carpentier",
    "Dumont",
    "Wattez",
    "Lenoir",
    "Bailleul",
    "Degrave",
    "Hennebelle",
)

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CHOICE = re.compile(r'name="choix" value="(\d+)"')
# The review step's token: the ballot's first POST shows the choices back, the second (with it) records.
REVIEWED = re.compile(r'name="relu" value="([0-9a-f]+)"')


# --- the client side (runs in the client processes) --------------------------------------------


@dataclass
class Reply:
    status: int | None
    seconds: float
    body: str = ""
    location: str = ""
    error: str | None = None


class Client:
    """One keep-alive HTTP/1.1 connection, reopened only when the server closes it or it fails."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.connection: http.client.HTTPConnection | None = None
        self.connects = 0

    def reconnect(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        # Connect now, so the TCP handshake is not charged to the first request of a phase.
        self.connection.connect()
        self.connects += 1

    def request(
        self,
        method: str,
        path: str,
        cookies: dict[str, str] | None = None,
        form: list[tuple[str, str]] | None = None,
    ) -> Reply:
        if self.connection is None:
            self.reconnect()
        assert self.connection is not None
        headers = {"Accept": "text/html"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            seconds = time.perf_counter() - start
            self.reconnect()
            return Reply(None, seconds, error=type(exc).__name__)
        seconds = time.perf_counter() - start
        if cookies is not None:
            for header in response.headers.get_all("Set-Cookie") or ():
                _store_cookie(cookies, header)
        reply = Reply(
            response.status, seconds, data.decode("utf-8", "replace"), response.headers.get("Location") or ""
        )
        if response.will_close:
            self.reconnect()
        return reply


def _store_cookie(jar: dict[str, str], header: str) -> None:
    pair, _, attributes = header.partition(";")
    name, _, value = pair.strip().partition("=")
    lowered = attributes.lower()
    if "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
        jar.pop(name, None)
    else:
        jar[name] = value


def _outcome(reply: Reply, expected: int, location: str | None = None) -> str | None:
    """None when the reply is the expected one, else a short error label."""
    if reply.error:
        return reply.error
    if reply.status != expected:
        return f"HTTP {reply.status}"
    # The path only: the confirmation's redirect carries a query (`?confirme=1`, no flash cookie).
    if location is not None and not urlsplit(reply.location).path.endswith(location):
        return f"redirect to {reply.location or '?'}"
    return None


def phase_healthz(client: Client, task: dict[str, Any]) -> dict[str, Any]:
    reply = client.request("GET", "/healthz")
    error = _outcome(reply, 200)
    if error is None and reply.body != "ok":
        error = "unexpected body"
    return {"seconds": reply.seconds, "error": error}


def phase_login_page(client: Client, voter: dict[str, Any]) -> dict[str, Any]:
    voter["cookies"] = {}
    reply = client.request("GET", "/connexion", voter["cookies"])
    error = _outcome(reply, 200)
    if error is None:
        found = CSRF.search(reply.body)
        voter["csrf"] = found.group(1) if found else None
        error = None if found else "no CSRF token"
    return {"seconds": reply.seconds, "error": error, "voter": voter}


def phase_login(client: Client, voter: dict[str, Any]) -> dict[str, Any]:
    form = [("email", voter["email"]), ("password", PASSWORD), ("csrf_token", voter.get("csrf") or "")]
    reply = client.request("POST", "/connexion", voter["cookies"], form)
    error = _outcome(reply, 302)
    if error is None and "/connexion" in reply.location:
        error = "redirected back to log-in"
    return {"seconds": reply.seconds, "error": error, "voter": voter}


def phase_ballot_page(client: Client, voter: dict[str, Any]) -> dict[str, Any]:
    reply = client.request("GET", "/vote", voter["cookies"])
    error = _outcome(reply, 200)
    if error is None:
        found = CSRF.search(reply.body)
        voter["csrf"] = found.group(1) if found else None
        voter["offered"] = [int(i) for i in CHOICE.findall(reply.body)]
        if not found:
            error = "no CSRF token"
        elif len(voter["offered"]) < voter["max_choices"]:
            error = "ballot not shown"
    return {"seconds": reply.seconds, "error": error, "voter": voter}


def _ballot_form(voter: dict[str, Any]) -> tuple[list[int], list[tuple[str, str]]]:
    """The voter's next choices (a change changes something) and the ballot form that sends them."""
    rng = random.Random(f"{voter['index']}:{voter['version'] + 1}")
    previous = set(voter.get("choices") or ())
    offered = sorted(voter.get("offered") or ())
    count = rng.randint(voter["min_choices"], voter["max_choices"])
    choices = sorted(rng.sample(offered, count)) if len(offered) >= count else []
    while previous and set(choices) == previous and len(offered) > count:
        choices = sorted(rng.sample(offered, count))  # a change must change something
    return choices, [("csrf_token", voter.get("csrf") or "")] + [("choix", str(i)) for i in choices]


def phase_review(client: Client, voter: dict[str, Any]) -> dict[str, Any]:
    """The ballot's first POST: the choices shown back with the review token; nothing is recorded."""
    choices, form = _ballot_form(voter)
    reply = client.request("POST", "/vote/bulletin", voter["cookies"], form)
    error = _outcome(reply, 200)
    reviewed = REVIEWED.search(reply.body) if error is None else None
    voter["reviewed"] = (choices, reviewed.group(1)) if reviewed else None
    return {"seconds": reply.seconds, "error": error or (None if reviewed else "no review page"),
            "voter": voter}


def phase_confirm(client: Client, voter: dict[str, Any]) -> dict[str, Any]:
    """The confirmation of the reviewed choices: the POST that records the ballot (issue #14's figure)."""
    if not voter.get("reviewed"):
        return {"seconds": 0.0, "error": "not reviewed", "voter": voter}
    choices, token = voter.pop("reviewed")
    form = [("csrf_token", voter.get("csrf") or "")] + [("choix", str(i)) for i in choices]
    reply = client.request("POST", "/vote/bulletin", voter["cookies"],
                           [*form, ("relu", token), ("confirmer", "1")])
    error = _outcome(reply, 302, "/vote/merci")
    if error is None:
        voter["choices"] = choices
        voter["version"] += 1
    return {"seconds": reply.seconds, "error": error, "voter": voter}


def phase_cast(client: Client, voter: dict[str, Any]) -> dict[str, Any]:
    """The review then the confirmation, one after the other: the time is the two requests' (what a voter
    now waits for)."""
    review = phase_review(client, voter)
    if review["error"]:
        return review
    reply = phase_confirm(client, voter)
    return {**reply, "seconds": reply["seconds"] + review["seconds"]}


def phase_thanks(client: Client, voter: dict[str, Any]) -> dict[str, Any]:
    reply = client.request("GET", "/vote/merci", voter["cookies"])
    error = _outcome(reply, 200)
    if error is None and "reçu" not in reply.body.lower():
        error = "no receipt shown"
    return {"seconds": reply.seconds, "error": error, "voter": voter}


PHASES = {
    "healthz": phase_healthz,
    "login_page": phase_login_page,
    "login": phase_login,
    "ballot_page": phase_ballot_page,
    "review": phase_review,
    "confirm": phase_confirm,
    "cast": phase_cast,
    "thanks": phase_thanks,
}


def client_process(pipe: Any, barrier: Any, host: str, port: int) -> None:
    """Serve phases sent by the parent: reconnect, wait for every client, run the tasks in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    client = Client(host, port)
    while True:
        message = pipe.recv()
        if message is None:
            break
        phase, tasks = message
        # A fresh connection per phase: the previous one may have idled past the server's keep-alive.
        client.reconnect()
        client.connects = 0
        barrier.wait()
        start = time.perf_counter()
        results = [PHASES[phase](client, task) for task in tasks]
        end = time.perf_counter()
        pipe.send((start, end, client.connects, results))
    if client.connection is not None:
        client.connection.close()


# --- measurement helpers (parent) ----------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds spent busy by the whole machine (all cores) since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rpartition(")")[2].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


@dataclass
class PhaseResult:
    label: str
    requests: int
    ok: int
    errors: dict[str, int]
    wall: float
    latencies: list[float]
    connects: int
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall > 0 else float("nan")

    def ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000


class Pool:
    """The client processes, driven phase by phase."""

    def __init__(self, size: int, host: str, port: int) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited database sockets in the clients
        self.barrier = context.Barrier(size)
        self.pipes = []
        self.processes = []
        for _ in range(size):
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=client_process, args=(child_end, self.barrier, host, port), daemon=True
            )
            process.start()
            self.pipes.append(parent_end)
            self.processes.append(process)

    def run(self, phase: str, tasks: list[Any]) -> tuple[float, int, list[dict[str, Any]]]:
        """Split tasks round-robin, run them concurrently; (wall seconds, connections opened, results in
        order)."""
        size = len(self.pipes)
        shares = [tasks[i::size] for i in range(size)]
        for pipe, share in zip(self.pipes, shares, strict=True):
            pipe.send((phase, share))
        answers = [pipe.recv() for pipe in self.pipes]
        start = min(a[0] for a in answers)
        end = max(a[1] for a in answers)
        results: list[dict[str, Any]] = [{}] * len(tasks)
        for offset, answer in enumerate(answers):
            for position, result in enumerate(answer[3]):
                results[offset + position * size] = result
        return end - start, sum(a[2] for a in answers), results

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()


# --- database and server set-up (parent) ---------------------------------------------------------


def _admin_engine(url: str) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def prepare_database(url: str, reset: bool) -> bool:
    """Create the benchmark database; True when this run created it (and may drop it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    if not name or not url.startswith("postgresql"):
        raise SystemExit("--database-url must name a PostgreSQL database (postgresql+psycopg://…/base)")
    admin = _admin_engine(url)
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and reset:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    if exists:
        engine = create_engine(url)
        with engine.connect() as connection:
            tables = connection.scalar(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            )
        engine.dispose()
        if tables:
            raise SystemExit(
                f"The database {name} already holds {tables} tables: pass --reset to drop and "
                f"recreate it (everything in it is lost), or name another one with --database-url."
            )
    return not exists


def drop_database(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    admin = _admin_engine(url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def server_environment(
    url: str, secret: str, instance: Path, port: int, address_limits: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGETCITOYEN_")}
    limit = RAISED_LIMIT if address_limits == "raised" else "null"
    env.update(
        {
            "BUDGETCITOYEN_DATABASE_URL": url,
            "BUDGETCITOYEN_SECRET_KEY": secret,
            "BUDGETCITOYEN_INSTANCE_PATH": str(instance),
            "BUDGETCITOYEN_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "BUDGETCITOYEN_RATE_LIMIT_LOGIN_PER_ADDRESS": limit,
            "BUDGETCITOYEN_RATE_LIMIT_BALLOT_PER_ADDRESS": limit,
        }
    )
    return env


def run_cli(env: dict[str, str], *args: str) -> None:
    command = [str(Path(sys.executable).parent / "budgetcitoyen"), *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


@dataclass
class Setup:
    edition_id: int
    min_choices: int
    max_choices: int
    on_ballot: int
    voters: list[dict[str, Any]]
    seconds: float


def create_voters(url: str, secret: str, instance: Path, count: int) -> Setup:
    """N confirmed accounts sharing one password hash, each with a declared identity in the Pas-de-Calais."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from budgetcitoyen import create_app
    from budgetcitoyen.accounts.models import User
    from budgetcitoyen.clock import now_utc
    from budgetcitoyen.editions.services import current_edition
    from budgetcitoyen.reference.models import Commune
    from budgetcitoyen.voting.ballots import ballot_initiatives
    from budgetcitoyen.voting.identity import Identity, save_profile
    from budgetcitoyen.voting.rules import vote_window_status

    started = time.perf_counter()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "INSTANCE_PATH": str(instance)})
    rng = random.Random(2026)
    now = now_utc()
    password_hash = generate_password_hash(PASSWORD)
    voters: list[dict[str, Any]] = []
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        edition = current_edition(session)
        if edition is None or vote_window_status(edition, now) is None:
            raise SystemExit("seed-demo did not leave an edition whose vote is open")
        on_ballot = len(ballot_initiatives(session, edition))
        if on_ballot < 10:
            raise SystemExit(f"only {on_ballot} initiatives on the ballot: at least 10 are needed")
        communes = list(session.scalars(select(Commune.insee_code)))
        youngest = now.date().replace(year=now.year - 12)
        span = (youngest - youngest.replace(year=1940)).days
        for start in range(0, count, 500):
            batch = [
                User(
                    email=EMAIL.format(i), password_hash=password_hash, created_at=now, email_confirmed_at=now
                )
                for i in range(start, min(count, start + 500))
            ]
            session.add_all(batch)
            session.flush()
            for offset, user in enumerate(batch):
                i = start + offset
                born = youngest.fromordinal(youngest.toordinal() - rng.randrange(span))
                identity = Identity(
                    FIRST_NAMES[i % len(FIRST_NAMES)],
                    LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)],
                    born,
                    rng.choice(communes),
                )
                save_profile(session, user, identity, secret, edition, now)
                voters.append(
                    {
                        "index": i,
                        "user_id": user.id,
                        "email": user.email,
                        "version": 0,
                        "min_choices": edition.min_choices,
                        "max_choices": edition.max_choices,
                    }
                )
            session.commit()
        setup = Setup(
            edition.id,
            edition.min_choices,
            edition.max_choices,
            on_ballot,
            voters,
            time.perf_counter() - started,
        )
    app.extensions["db_engine"].dispose()
    return setup


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, threads: int, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",  # the sync worker closes every connection: no keep-alive
        "--threads",
        str(threads),
        "--keep-alive",
        "10",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        "budgetcitoyen:create_app()",
    ]
    with log.open("wb") as handle:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s:\n{log.read_text()}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- the run ---------------------------------------------------------------------------------------


class Bench:
    """Runs phases and keeps their results, with the CPU each side used."""

    def __init__(self, pool: Pool, server_pid: int, pg_pids: Any) -> None:
        self.pool = pool
        self.server_pid = server_pid
        self.workers = children_of(server_pid)
        self.pg_pids = pg_pids
        self.results: list[PhaseResult] = []

    def _cpu(self) -> dict[str, float]:
        return {
            "app": sum(cpu_seconds(p) for p in [self.server_pid, *self.workers]),
            "pg": sum(cpu_seconds(p) for p in self.pg_pids()),
            "clients": sum(cpu_seconds(p.pid) for p in self.pool.processes),
            "machine": machine_busy_seconds(),
        }

    def phase(self, label: str, name: str, tasks: list[Any]) -> list[dict[str, Any]]:
        before = self._cpu()
        wall, connects, results = self.pool.run(name, tasks)
        after = self._cpu()
        used = {k: after[k] - before[k] for k in before}
        used["other"] = max(0.0, used.pop("machine") - used["app"] - used["pg"] - used["clients"])
        errors: dict[str, int] = {}
        for result in results:
            if result["error"]:
                errors[result["error"]] = errors.get(result["error"], 0) + 1
        self.results.append(
            PhaseResult(
                label,
                len(results),
                len(results) - sum(errors.values()),
                errors,
                wall,
                sorted(r["seconds"] for r in results),
                connects,
                used,
            )
        )
        return results


def voters_of(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r["voter"] for r in results]


@dataclass
class Check:
    label: str
    expected: Any
    found: Any

    @property
    def ok(self) -> bool:
        return bool(self.expected == self.found)


def existing_ballot_keys(url: str, edition_id: int) -> set[str]:
    """Voter keys of the ballots already there before the load (the demo casts some)."""
    from sqlalchemy import create_engine, select

    from budgetcitoyen.voting.models import Ballot

    engine = create_engine(url)
    with engine.connect() as connection:
        keys = set(connection.scalars(select(Ballot.voter_key).where(Ballot.edition_id == edition_id)))
    engine.dispose()
    return keys


def queued_receipts(url: str) -> int:
    """Receipts queued with their ballots (no worker runs during the benchmark: they wait in the queue)."""
    from sqlalchemy import create_engine, func, select

    from budgetcitoyen.mail.models import OutboxMail

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                select(func.count()).select_from(OutboxMail).where(OutboxMail.template == "ballot_receipt")
            ) or 0
    finally:
        engine.dispose()


def check_ballots(
    url: str, secret: str, edition_id: int, voters: list[dict[str, Any]], existing: set[str]
) -> tuple[list[Check], int]:
    """Compare the database with what the server answered; returns the checks and the benchmark's ballot
    count."""
    from sqlalchemy import create_engine, func, select

    from budgetcitoyen.voting.eligibility import voter_key
    from budgetcitoyen.voting.models import Ballot, BallotChoice

    engine = create_engine(url)
    with engine.connect() as connection:
        total = connection.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.edition_id == edition_id)
        )
        keys = connection.scalar(
            select(func.count(func.distinct(Ballot.voter_key))).where(Ballot.edition_id == edition_id)
        )
        stored: dict[str, tuple[int, set[int]]] = {}
        by_id: dict[int, str] = {}
        for ballot_id, key, version in connection.execute(
            select(Ballot.id, Ballot.voter_key, Ballot.version).where(Ballot.edition_id == edition_id)
        ):
            by_id[ballot_id] = key
            if key not in existing:
                stored[key] = (version, set())
        for ballot_id, initiative_id in connection.execute(
            select(BallotChoice.ballot_id, BallotChoice.initiative_id)
            .join(Ballot, Ballot.id == BallotChoice.ballot_id)
            .where(Ballot.edition_id == edition_id)
        ):
            if by_id[ballot_id] in stored:
                stored[by_id[ballot_id]][1].add(initiative_id)
    engine.dispose()
    cast = len(stored)
    answered = [v for v in voters if v["version"] > 0]
    lost = wrong_choices = wrong_version = 0
    for voter in answered:
        found = stored.pop(voter_key(secret, user_id=voter["user_id"]), None)
        if found is None:
            lost += 1
        else:
            wrong_version += found[0] != voter["version"]
            wrong_choices += found[1] != set(voter["choices"])
    checks = [
        Check("ballots in the database = successful ballot answers", len(answered), cast),
        Check("one ballot per voter (distinct voters = ballots, demo's included)", total, keys),
        Check("lost ballots (answered, not stored)", 0, lost),
        Check("ballots stored without a successful answer", 0, len(stored)),
        Check("ballots whose choices differ from the last sent", 0, wrong_choices),
        Check("ballots whose version differs from the answers", 0, wrong_version),
    ]
    return checks, cast


def machine_description(url: str) -> list[str]:
    import gunicorn
    import psycopg
    import sqlalchemy
    from sqlalchemy import create_engine, text

    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    engine = create_engine(url)
    with engine.connect() as connection:
        pg_version = connection.scalar(text("SHOW server_version"))
        max_connections = connection.scalar(text("SHOW max_connections"))
    engine.dispose()
    load = os.getloadavg()
    return [
        f"CPU: {model}, {os.cpu_count()} logical cores (shared: other engineers may be running tests)",
        f"Load average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        f"OS: {platform.platform()}",
        (
            f"Python {platform.python_version()}, gunicorn {gunicorn.__version__}, "
            f"SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}"
        ),
        f"PostgreSQL {pg_version} (local cluster over TCP 127.0.0.1, max_connections {max_connections})",
    ]


def print_table(results: list[PhaseResult]) -> None:
    header = (
        f"{'phase':<34}{'requests':>9}{'ok':>7}{'errors':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'reconn':>7}   CPU ms per request: app   pg  clients other"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        per = {k: v * 1000 / max(r.requests, 1) for k, v in r.cpu.items()}
        print(
            f"{r.label:<34}{r.requests:>9}{r.ok:>7}{sum(r.errors.values()):>7}{r.rate:>9.1f}{r.ms(50):>9.1f}"
            f"{r.ms(95):>9.1f}{r.ms(99):>9.1f}{r.connects:>7}   {'':>20}{per['app']:>5.1f}{per['pg']:>5.1f}"
            f"{per['clients']:>9.1f}{per['other']:>6.1f}"
        )
        for label, count in sorted(r.errors.items()):
            print(f"    error: {label} x {count}")


# Where a ballot POST spends its time: (label, file suffix, function name). Nested entries overlap.
PROFILE_PARTS = (
    ("whole request (Flask wsgi_app)", "flask/app.py", "wsgi_app"),
    ("  load_user (before the view)", "budgetcitoyen/extensions.py", "load_user"),
    ("  session cookie (flask save_session)", "flask/sessions.py", "save_session"),
    ("  view (voting.views.cast)", "budgetcitoyen/voting/views.py", "cast"),
    ("    CSRF check (flask_wtf validate_csrf)", "flask_wtf/csrf.py", "validate_csrf"),
    ("    current_edition", "budgetcitoyen/editions/services.py", "current_edition"),
    ("    rate limit (ratelimit.web.limit)", "budgetcitoyen/ratelimit/web.py", "limit"),
    ("    cast_online (checks, paper clash, store)", "budgetcitoyen/voting/ballots.py", "cast_online"),
    ("      store_ballot (upsert, choices)", "budgetcitoyen/voting/ballots.py", "store_ballot"),
    ("    receipt mail (mail.delivery.render, at commit)", "budgetcitoyen/mail/delivery.py", "render"),
    ("all SQL round-trips (cursor.execute)", "psycopg/cursor.py", "execute"),
    ("all commits (Session.commit)", "sqlalchemy/orm/session.py", "commit"),
)


def profile_ballot(
    url: str, secret: str, instance: Path, voters: list[dict[str, Any]], address_limits: str,
    dump: str | None = None,
) -> None:
    """In process: SQL statements and time per request type, and where a ballot POST spends its time."""
    import cProfile
    import pstats

    from sqlalchemy import event

    from budgetcitoyen import create_app

    limit = RAISED_LIMIT if address_limits == "raised" else None
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": secret,
            "INSTANCE_PATH": str(instance),
            "RATE_LIMIT_LOGIN_PER_ADDRESS": limit,
            "RATE_LIMIT_BALLOT_PER_ADDRESS": limit,
        }
    )
    engine = app.extensions["db_engine"]
    counter: dict[str, Any] = {"statements": 0, "sql_seconds": 0.0, "log": None}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()
        if counter["log"] is not None:
            counter["log"].append(" ".join(statement.split())[:110])

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: Any) -> None:
        counter["statements"] += 1
        counter["sql_seconds"] += time.perf_counter() - conn.info.pop("bench_started")

    def measured(label: str, calls: list[Any], note: str = "") -> None:
        counter.update(statements=0, sql_seconds=0.0)
        started = time.perf_counter()
        for call in calls:
            call()
        total = time.perf_counter() - started
        n = len(calls)
        print(
            f"  {label:<30} {counter['statements'] / n:5.1f} SQL statements, {total * 1000 / n:6.1f} ms per "
            f"request, of which {counter['sql_seconds'] * 1000 / n:5.1f} ms waiting on SQL{note}"
        )

    sample = [v for v in voters if v["version"] == 1][:100]
    clients = []
    for voter in sample:
        client = app.test_client()
        token = CSRF.search(client.get("/connexion").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
        client.post("/connexion", data={"email": voter["email"], "password": PASSWORD, "csrf_token": token})
        clients.append((client, voter))
    pages: dict[int, tuple[str, list[int]]] = {}

    def get_page(client: Any, voter: dict[str, Any]) -> None:
        body = client.get("/vote").get_data(as_text=True)
        pages[voter["index"]] = (CSRF.search(body).group(1), [int(i) for i in CHOICE.findall(body)])  # type: ignore[union-attr]

    def review_ballot(client: Any, voter: dict[str, Any], version: int) -> dict[str, Any]:
        token, offered = pages[voter["index"]]
        choices = random.Random(f"{voter['index']}:{version}").sample(offered, voter["max_choices"])
        data = {"csrf_token": token, "choix": [str(i) for i in choices]}
        review = client.post("/vote/bulletin", data=data).get_data(as_text=True)
        relu = REVIEWED.search(review).group(1)  # type: ignore[union-attr]
        return {**data, "relu": relu, "confirmer": "1"}

    def confirm_ballot(client: Any, data: dict[str, Any]) -> None:
        reply = client.post("/vote/bulletin", data=data)
        if reply.status_code != 302:
            raise SystemExit(f"profile: ballot POST answered {reply.status_code}")

    health = app.test_client()
    print(
        f"\nProfile (in process, Flask test client, no HTTP server, {len(clients)} voters who already "
        "voted once):"
    )
    for client, voter in clients[:5]:
        get_page(client, voter)  # compiles the templates
    measured("GET /healthz", [lambda: health.get("/healthz")] * 500)
    measured("GET /vote", [lambda c=c, v=v: get_page(c, v) for c, v in clients])
    forms: list[dict[str, Any]] = []
    measured("POST /vote/bulletin (review)",
             [lambda c=c, v=v: forms.append(review_ballot(c, v, 10)) for c, v in clients])
    measured("POST /vote/bulletin (confirm)",
             [lambda c=c, f=f: confirm_ballot(c, f) for (c, _), f in zip(clients, forms, strict=True)])
    data = review_ballot(*clients[0], 11)
    for label, call in (
        ("GET /vote", lambda: get_page(*clients[0])),
        ("POST /vote/bulletin (confirm)", lambda: confirm_ballot(clients[0][0], data)),
    ):
        counter["log"] = []
        call()
        log, counter["log"] = counter["log"], None
        print(f"  SQL statements of one {label} ({len(log)}):")
        for number, statement in enumerate(log, 1):
            print(f"    {number:2}. {statement}")

    forms = [review_ballot(c, v, 12) for c, v in clients]
    profiler = cProfile.Profile()
    profiler.enable()
    for (client, _), form in zip(clients, forms, strict=True):
        confirm_ballot(client, form)
    profiler.disable()
    if dump:
        profiler.dump_stats(dump)  # for `python -m pstats`: every function, not only the lines below
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    _, whole_file, whole_name = PROFILE_PARTS[0]
    whole = next((v[3] for k, v in stats.items() if k[0].endswith(whole_file) and k[2] == whole_name), 0.0)
    print(
        "  Share of the confirm POST's time under cProfile (nested lines are included in the line above):"
    )
    for label, suffix, name in PROFILE_PARTS:
        cumulative = sum(v[3] for k, v in stats.items() if k[0].endswith(suffix) and k[2] == name)
        if whole and cumulative:  # a function renamed since this list was written is left out
            print(f"    {label:<56} {cumulative * 1000 / len(clients):6.2f} ms  {cumulative / whole:6.1%}")
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=2000, help="voters created and voting (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="client processes, one connection each")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn gthread workers (default 4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument(
        "--healthz-requests", type=int, default=4000, help="requests per /healthz baseline run"
    )
    parser.add_argument(
        "--change-share", type=float, default=0.25, help="share of voters who change their ballot"
    )
    parser.add_argument(
        "--address-limits",
        choices=("raised", "off"),
        default="raised",
        help=f"per-address log-in and ballot limits: raised to {RAISED_LIMIT} (still counted) or off",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="PostgreSQL database to create for the run (default: budgetcitoyen_bench, local cluster)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="drop and recreate the database if it already exists"
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the database afterwards (default: dropped)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="then count SQL statements and profile ballot POSTs in process (changes ballots)",
    )
    parser.add_argument("--profile-dump", metavar="FILE",
                        help="with --profile: write the confirm POSTs' cProfile statistics to FILE")
    args = parser.parse_args()
    if args.voters < 1 or args.concurrency < 1 or not 0 <= args.change_share <= 1:
        parser.error("--voters and --concurrency must be at least 1, --change-share within 0..1")

    url = args.database_url
    created = prepare_database(url, args.reset)
    instance = Path(tempfile.mkdtemp(prefix="budgetcitoyen-bench-"))
    secret = secrets.token_urlsafe(32)
    port = free_port()
    env = server_environment(url, secret, instance, port, args.address_limits)
    server = pool = None
    try:
        print("Vote load benchmark — Budget citoyen\n")
        for line in machine_description(url):
            print(line)
        started = time.perf_counter()
        run_cli(env, "db", "upgrade")
        run_cli(env, "seed-demo", "--phase", "vote")
        schema_seconds = time.perf_counter() - started
        setup = create_voters(url, secret, instance, args.voters)
        print(
            f"Set-up: schema and demo {schema_seconds:.1f} s; {args.voters} voters (confirmed, identity "
            "declared, "
            f"one shared password hash) {setup.seconds:.1f} s; {setup.on_ballot} initiatives on the ballot, "
            f"{setup.min_choices}-{setup.max_choices} choices"
        )

        server = start_gunicorn(env, port, args.workers, args.threads, instance / "gunicorn.log")
        print(
            f"Server: gunicorn --worker-class gthread --workers {args.workers} --threads {args.threads} "
            f"--keep-alive 10 ({args.workers * args.threads} requests at once; threads overlap the waits on "
            f"PostgreSQL, processes use both cores despite the GIL); each worker has its own SQLAlchemy pool"
        )
        limit_text = RAISED_LIMIT if args.address_limits == "raised" else "off (null)"
        print(
            f"Rate limits: every client is 127.0.0.1, so BUDGETCITOYEN_RATE_LIMIT_LOGIN_PER_ADDRESS and "
            f"BUDGETCITOYEN_RATE_LIMIT_BALLOT_PER_ADDRESS = {limit_text} in the server's environment; "
            f"per-account limits at their defaults"
        )
        print(
            "Mail: each ballot's receipt is queued in the mail queue with the ballot, in its transaction "
            "(no mail worker runs during the benchmark: the receipts are counted in the queue)"
        )
        print(
            f"Clients: {args.concurrency} processes, one keep-alive HTTP/1.1 connection each (http.client), "
            f"reopened at each phase; redirects are not followed"
        )

        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        monitor = create_engine(url, pool_size=1)
        database = make_url(url).database

        def pg_pids() -> list[int]:
            with monitor.connect() as connection:
                return list(
                    connection.scalars(
                        text(
                            "SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
                        ),
                        {"d": database},
                    )
                )

        pool = Pool(args.concurrency, "127.0.0.1", port)
        bench = Bench(pool, server.pid, pg_pids)
        # Warm-up: every worker imports, connects and compiles its templates before anything is timed.
        pool.run("healthz", [{}] * (args.workers * args.threads * 20))
        pool.run("login_page", [{"email": "warm-up"} for _ in range(args.workers * 10)])

        voters = setup.voters
        existing = existing_ballot_keys(url, setup.edition_id)
        bench.phase("GET /healthz (baseline, before)", "healthz", [{}] * args.healthz_requests)
        voters = voters_of(bench.phase("GET /connexion (log-in page)", "login_page", voters))
        voters = voters_of(bench.phase("POST /connexion (log-in)", "login", voters))
        voters = voters_of(bench.phase("GET /vote (ballot page)", "ballot_page", voters))
        voters = voters_of(bench.phase("POST /vote/bulletin (review)", "review", voters))
        voters = voters_of(bench.phase("POST /vote/bulletin (confirm)", "confirm", voters))
        after_cast, ballots_after_cast = check_ballots(url, secret, setup.edition_id, voters, existing)
        voters = voters_of(bench.phase("GET /vote/merci (receipt page)", "thanks", voters))
        changing = sorted(
            random.Random(62).sample(range(len(voters)), round(len(voters) * args.change_share))
        )
        movers = [voters[i] for i in changing if voters[i]["version"] == 1]
        movers = voters_of(bench.phase("GET /vote (to change)", "ballot_page", movers))
        movers = voters_of(bench.phase("POST review+confirm (change)", "cast", movers))
        for mover in movers:
            voters[mover["index"]] = mover
        bench.phase("GET /healthz (baseline, after)", "healthz", [{}] * args.healthz_requests)
        after_change, ballots_after_change = check_ballots(url, secret, setup.edition_id, voters, existing)
        monitor.dispose()
        pool.close()
        pool = None
        stop(server)

        results = {r.label: r for r in bench.results}
        print()
        print_table(bench.results)

        review = results["POST /vote/bulletin (review)"]
        cast = results["POST /vote/bulletin (confirm)"]
        change = results["POST review+confirm (change)"]
        page = results["GET /vote (ballot page)"]
        health = [results["GET /healthz (baseline, before)"], results["GET /healthz (baseline, after)"]]
        baseline = sum(h.rate for h in health) / 2
        ratio = cast.rate / baseline
        # The pair as the server can serve it: each review and its confirmation one after the other.
        pair = 1 / (1 / review.rate + 1 / cast.rate)
        journey = 1 / (1 / page.rate + 1 / pair)
        receipts = queued_receipts(url)
        errors = sum(sum(r.errors.values()) for r in bench.results)
        checks = [Check(f"after the first ballots: {c.label}", c.expected, c.found) for c in after_cast]
        checks += [Check(f"after the changes: {c.label}", c.expected, c.found) for c in after_change]
        checks.append(
            Check("ballot count unchanged by the changes", ballots_after_cast, ballots_after_change)
        )
        checks.append(
            Check("receipts in the outbox = successful ballot answers", cast.ok + change.ok, receipts)
        )
        login = results["POST /connexion (log-in)"]

        print()
        print(
            f"Ballots per second (confirm POST):         {cast.rate:8.1f}   "
            f"p50 {cast.ms(50):.1f} ms  p95 {cast.ms(95):.1f} ms  p99 {cast.ms(99):.1f} ms"
        )
        print(
            f"Reviews per second (first POST):           {review.rate:8.1f}   "
            f"p50 {review.ms(50):.1f} ms  p95 {review.ms(95):.1f} ms  p99 {review.ms(99):.1f} ms"
        )
        print(
            f"Ballot changes per second (review+confirm): {change.rate:7.1f}   "
            f"p50 {change.ms(50):.1f} ms  p95 {change.ms(95):.1f} ms  p99 {change.ms(99):.1f} ms"
        )
        print(
            f"Log-ins per second (POST /connexion):      {login.rate:8.1f}   "
            f"p50 {login.ms(50):.1f} ms  p95 {login.ms(95):.1f} ms  p99 {login.ms(99):.1f} ms  (scrypt check)"
        )
        print(
            f"Baseline GET /healthz per second:          {baseline:8.1f}   (before {health[0].rate:.1f}, "
            f"after {health[1].rate:.1f}; p50 {health[0].ms(50):.1f}/{health[1].ms(50):.1f} ms, "
            f"p99 {health[0].ms(99):.1f}/{health[1].ms(99):.1f} ms)"
        )
        print(f"Ratio confirm POST/s ÷ healthz/s:          {ratio:8.1%}   (issue #14's row, target ≥ "
              f"{TARGET_RATIO:.0%})")
        print(f"Ratio review+confirm pairs/s ÷ healthz/s:  {pair / baseline:8.1%}   (from the two phases: "
              f"{pair:.1f} pairs/s; measured on the changes: {change.rate / baseline:.1%})")
        print(
            f"Whole vote (GET /vote, review, confirm) per second: {journey:6.1f}   "
            f"({journey / baseline:.1%} of the baseline)"
        )
        # Throughputs move with whatever else the shared machine runs; CPU per request much less so.
        cost = {
            r.label: (r.cpu["app"] + r.cpu["pg"] + r.cpu["clients"]) * 1000 / max(r.requests, 1)
            for r in bench.results
        }
        health_cost = sum(cost[h.label] for h in health) / 2
        print(
            f"CPU per request (app + pg + clients): ballot {cost[cast.label]:.1f} ms, "
            f"healthz {health_cost:.2f} ms: "
            f"ratio {health_cost / cost[cast.label]:.1%} on an idle machine with the CPU as the limit"
        )
        load = os.getloadavg()
        print(
            f"Load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
            "CPU used by others during "
            f"the ballot phase: {cast.cpu['other'] / cast.wall:.2f} cores of {os.cpu_count()}"
        )
        print(f"Errors (all phases): {errors}")
        for check in checks:
            print(
                f"  [{'ok' if check.ok else 'FAILED'}] {check.label}: "
                f"expected {check.expected}, found {check.found}"
            )
        met = ratio >= TARGET_RATIO and errors == 0 and all(c.ok for c in checks)
        print(
            f"\nTarget {'met' if met else 'NOT met'}: confirm POST throughput {ratio:.1%} of the baseline "
            f"(≥ {TARGET_RATIO:.0%}), {errors} errors, "
            f"{'no' if all(c.ok for c in checks) else 'some'} lost or duplicated ballots."
        )
        print(
            "CPU ms per request is measured from /proc: app = gunicorn master and workers, pg = PostgreSQL "
            "backends of the benchmark database, clients = the client processes, "
            "other = the rest of the machine (other engineers' work, PostgreSQL's WAL writer…). "
            "reconn = connections reopened during the phase "
            "(0: every request of the phase used the client's keep-alive connection)."
        )

        if args.profile:
            profile_ballot(url, secret, instance, voters, args.address_limits, args.profile_dump)
        return 0 if met else 1
    finally:
        if pool is not None:
            pool.close()
        if server is not None:
            stop(server)
        shutil.rmtree(instance, ignore_errors=True)
        if args.keep_db:
            print(f"\nDatabase kept: {make_safe(url)}")
        elif created:
            drop_database(url)


def make_safe(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


if __name__ == "__main__":
    sys.exit(main())
