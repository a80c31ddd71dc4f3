"""Two web servers behind nginx on one PostgreSQL database, a campaign through the balancer (issue #15).

    .venv/bin/python scripts/two_servers.py postgresql+psycopg://user:password@127.0.0.1:5432/an_empty_database

The database is emptied and migrated, the demo is seeded (vote open, STORAGE=database), then two gunicorn
servers start, each with its own empty instance folder and the same secret key from the environment, behind
nginx (a configuration written into a temporary folder, `nginx -c … -p …`) in round-robin. Through the
balancer: an attachment is uploaded and downloaded again (whichever server answers), the demo holder's
photo replaced (re-encoded by one server, read from both, the old widths gone), a committee member
scores a dossier and sees its radar, a ballot is cast, the vote is closed, the allocation computed and
published, the `.pb` file downloaded with the SHA-256 the page shows, a final report uploaded and downloaded.
Then, while traffic runs (every stored file downloaded, a radar), one server is stopped: the traffic goes on
for ten more rounds, and the figures are printed: requests per server, errors while one server is stopped.
Phases are reopened and a convention marked paid directly in the database (the calendar and the payment
have their own tests). Exits non-zero if anything differs.
"""

from __future__ import annotations

import hashlib
import html
import http.cookiejar
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = "two-servers-shared-secret-" + "x" * 16
PDF = b"%PDF-1.4\n% two servers\n" + bytes(range(256)) * 2000 + b"\n%%EOF\n"  # ~500 kB: two chunks


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, seconds: float = 120) -> None:
    # Generous: on a loaded machine a gunicorn worker took more than 30 s to import the app and answer.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


class Browser:
    """A cookie-keeping HTTP client that fills the CSRF token of the page it last read."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.served_by: Counter[str] = Counter()
        self.errors: list[str] = []

    def request(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None,
                expect: int = 200) -> tuple[int, bytes, dict[str, str]]:
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                status, body, got = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, body, got = error.code, error.read(), dict(error.headers)
        self.served_by[got.get("X-Upstream", "?")] += 1
        if status != expect:
            self.errors.append(f"{path}: {status} (expected {expect})")
        return status, body, got

    def get(self, path: str, expect: int = 200) -> bytes:
        return self.request(path, expect=expect)[1]

    def token(self, path: str) -> str:
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', self.get(path))
        if not found:
            raise RuntimeError(f"no CSRF token on {path}")
        return found.group(1).decode()

    def post(self, path: str, fields: dict[str, Any], token_from: str, files: dict[str, tuple[str, bytes]]
             | None = None, expect: int = 200) -> bytes:
        fields = {"csrf_token": self.token(token_from), **fields}
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                for item in value if isinstance(value, list) else [value]:
                    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                                 f"{item}\r\n".encode())
            for name, (filename, content) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                             f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                             .encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        else:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request(path, body, headers, expect=expect)[1]


@dataclass
class Servers:
    """The two gunicorn servers and nginx, and how to stop them."""

    workdir: Path
    database_url: str
    ports: list[int] = field(default_factory=list)
    balancer: int = 0
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None

    def env(self, instance: Path) -> dict[str, str]:
        return {**os.environ, "BUDGETCITOYEN_DATABASE_URL": self.database_url,
                "BUDGETCITOYEN_STORAGE": "database", "BUDGETCITOYEN_SECRET_KEY": SECRET,
                "BUDGETCITOYEN_INSTANCE_PATH": str(instance), "BUDGETCITOYEN_TRUSTED_PROXIES": "1",
                "BUDGETCITOYEN_DEMO_MODE": "true", "BUDGETCITOYEN_SIGNUP_MIN_FILL_SECONDS": "0"}

    def cli(self, *args: str) -> str:
        done = subprocess.run([str(BIN / "budgetcitoyen"), *args], env=self.env(self.workdir / "cli"),
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"budgetcitoyen {' '.join(args)}: {done.stderr[-2000:]}")
        return done.stdout

    def start(self) -> None:
        self.ports = [free_port(), free_port()]
        for n, port in enumerate(self.ports):
            instance = self.workdir / f"server{n + 1}"
            log = (self.workdir / f"server{n + 1}.log").open("wb")
            self.processes.append(subprocess.Popen(
                [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
                 "--graceful-timeout", "5", "budgetcitoyen:create_app()"],
                env=self.env(instance), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT))
        for port in self.ports:
            wait_for(port)
        self.balancer = free_port()
        conf = self.workdir / "nginx.conf"
        upstreams = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;"
                              for port in self.ports)
        temp = self.workdir / "nginx-temp"
        temp.mkdir(exist_ok=True)
        # Started as root, nginx's workers run as an unprivileged user: they must reach their temp folders.
        if os.geteuid() == 0:
            self.workdir.chmod(0o755)
            temp.chmod(0o777)
        conf.write_text(f"""
daemon off;
worker_processes 1;
pid {self.workdir}/nginx.pid;
error_log {self.workdir}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
  log_format upstreams '$status|$upstream_addr|$upstream_status|$request_method $uri';
  access_log {self.workdir}/nginx-access.log upstreams;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  client_max_body_size 12m;
  upstream budgetcitoyen {{
{upstreams}
  }}
  server {{
    listen 127.0.0.1:{self.balancer};
    location / {{
      proxy_pass http://budgetcitoyen;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      # One id from nginx to the app's JSON request log (budgetcitoyen/request_log.py).
      proxy_set_header X-Request-Id $request_id;
      # As deploy/nginx: a server down or restarting sends the request to the other one, never a POST
      # (a ballot that timed out may have been counted).
      proxy_next_upstream error timeout http_502 http_503;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
""")
        self.nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(self.workdir)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for(self.balancer)

    def stop_server(self, index: int) -> None:
        process = self.processes[index]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)

    def stop(self) -> None:
        for process in [*self.processes, *([self.nginx] if self.nginx else [])]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

    def per_server(self) -> Counter[str]:
        """Requests each server answered, from nginx's log (port of the upstream that answered last)."""
        counts: Counter[str] = Counter()
        log = self.workdir / "nginx-access.log"
        for line in log.read_text().splitlines() if log.exists() else []:
            _, upstreams, _, _ = line.split("|", 3)
            counts[upstreams.split(",")[-1].strip()] += 1
            # Tried on a server that was down, then answered by the other: nginx lists both.
            counts["retried on the other server"] += "," in upstreams
        return counts


def reset_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def sql(url: str, statement: str, **params: Any) -> list[Any]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        result = connection.execute(text(statement), params)
        rows = list(result) if result.returns_rows else []
    engine.dispose()
    return rows


def passwords(seed_output: str) -> dict[str, str]:
    found = {}
    for line in seed_output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and "@" in parts[0]:
            found[parts[0]] = parts[1]
    return found


def messages(page: bytes) -> str:
    """The flash messages and field errors of a page (to say why a step failed)."""
    text = page.decode(errors="replace")
    found = re.findall(r'class="[^"]*(?:flash|error)[^"]*"[^>]*>(.*?)</', text, re.S)
    return " | ".join(html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in found)[:800] or text[:300]


def login(browser: Browser, email: str, password: str) -> None:
    browser.post("/connexion", {"email": email, "password": password}, token_from="/connexion")
    if b"deconnexion" not in browser.get("/"):
        raise RuntimeError(f"{email} could not log in")


def photo_png() -> bytes:
    """A PNG upload drawn here (Pillow comes with the application)."""
    from PIL import Image

    out = io.BytesIO()
    Image.linear_gradient("L").resize((1200, 800)).convert("RGB").save(out, "PNG")
    return out.getvalue()


def replace_photo(holder: Browser, url: str, draft: int, log: list[str]) -> str:
    """The draft's photo (the demo drew one) replaced through the balancer; the new width's URL."""
    before = sql(url, "SELECT token FROM initiative_photos WHERE initiative_id = :i", i=draft)
    upload = photo_png()
    answer = holder.post(f"/dossiers/{draft}/photo", {"alt_text": "Deux bénévoles devant le local"},
                         token_from=f"/dossiers/{draft}", files={"photo": ("photo.jpg", upload)})
    after = sql(url, "SELECT token FROM initiative_photos WHERE initiative_id = :i", i=draft)
    if not after or after == before:
        raise RuntimeError("photo refused: " + messages(answer))
    for (old,) in before:
        left = sql(url, "SELECT count(*) FROM storage_files WHERE key LIKE :k", k=f"uploads/photo-{old}-%")
        if left != [(0,)]:
            raise RuntimeError("the replaced photo's widths were kept")
    photo_url = f"/initiatives/{draft}/photo/{after[0][0]}-960.jpg"
    first = holder.get(photo_url)
    for _ in range(3):  # round-robin: both servers serve the same bytes
        if holder.get(photo_url) != first or not first.startswith(b"\xff\xd8\xff"):
            raise RuntimeError("the photo came back different")
    log.append(f"photo: a {len(upload)}-byte PNG replaced the demo's, its 960 px JPEG ({len(first)} bytes) "
               "read back 4 times")
    return photo_url


def campaign(servers: Servers, base: str, accounts: dict[str, str], log: list[str]) -> dict[str, Any]:
    url = servers.database_url
    now = datetime.now(UTC)
    [(edition_id, year)] = sql(url, "SELECT id, year FROM editions ORDER BY year DESC LIMIT 1")
    # The dossiers phase reopened beside the vote, so the demo holder's draft takes an attachment.
    sql(url, "UPDATE edition_phases SET starts_at = :start, ends_at = :end WHERE edition_id = :e "
        "AND phase = 'dossiers'", start=now - timedelta(days=1), end=now + timedelta(days=1), e=edition_id)
    [(draft,)] = sql(url, "SELECT i.id FROM initiatives i JOIN users u ON u.id = i.holder_id WHERE "
                     "u.email = 'porteur@example.org' AND i.status = 'draft' AND i.edition_id = :e",
                     e=edition_id)

    holder = Browser(base)
    login(holder, "porteur@example.org", accounts["porteur@example.org"])
    holder.opener.addheaders = []
    answer = holder.post(f"/dossiers/{draft}/pieces", {}, token_from=f"/dossiers/{draft}",
                         files={"file": ("statuts.pdf", PDF)})
    found = sql(url, "SELECT id FROM attachments WHERE initiative_id = :i", i=draft)
    if not found:
        raise RuntimeError("attachment refused: " + messages(answer))
    [(attachment,)] = found
    attachment_url = f"/dossiers/{draft}/pieces/{attachment}"
    for _ in range(4):  # round-robin: both servers serve it
        if holder.get(attachment_url) != PDF:
            raise RuntimeError("the attachment came back different")
    log.append(f"attachment {len(PDF)} bytes uploaded and read back 4 times: {dict(holder.served_by)}")
    photo_url = replace_photo(holder, url, draft, log)

    # A committee member scores a dossier in review (the labelling phase reopened too), then sees its radar.
    sql(url, "UPDATE edition_phases SET starts_at = :start, ends_at = :end WHERE edition_id = :e "
        "AND phase = 'labelling'", start=now - timedelta(days=1), end=now + timedelta(days=1), e=edition_id)
    [(reviewed,)] = sql(url, "SELECT a.initiative_id FROM labelling_assignments a JOIN users u ON "
                        "u.id = a.member_id JOIN initiatives i ON i.id = a.initiative_id WHERE u.email = "
                        "'comite1@example.org' AND i.status = 'in_review' AND NOT EXISTS (SELECT 1 FROM "
                        "labelling_evaluations e WHERE e.initiative_id = a.initiative_id AND e.member_id = "
                        "a.member_id AND e.submitted_at IS NOT NULL) ORDER BY a.initiative_id LIMIT 1")
    member = Browser(base)
    login(member, "comite1@example.org", accounts["comite1@example.org"])
    sheet = f"/comite/dossiers/{reviewed}"
    questions = sorted(set(re.findall(r'name="(q-\d+)"', member.get(sheet).decode())))
    answer = member.post(sheet, {**dict.fromkeys(questions, "3"), "comment": "Vu à deux serveurs.",
                                 "submit_sheet": "Soumettre mon évaluation"}, token_from=sheet)
    if "Évaluation soumise" not in html.unescape(answer.decode()):
        raise RuntimeError("score sheet refused: " + messages(answer))
    for _ in range(2):  # each server draws it into its own cache
        if not member.get(f"{sheet}/radar.png").startswith(b"\x89PNG"):
            raise RuntimeError("no committee radar")
    log.append(f"dossier {reviewed} scored on {len(questions)} questions, its radar seen twice")

    # A radar of a labelled initiative, drawn by each server into its own cache.
    [(labelled,)] = sql(url, "SELECT id FROM initiatives WHERE edition_id = :e AND status IN "
                        "('labelled', 'on_ballot') ORDER BY id LIMIT 1", e=edition_id)
    visitor = Browser(base)
    for _ in range(2):
        visitor.get(f"/initiatives/{labelled}")
        if not visitor.get(f"/initiatives/{labelled}/radar.png").startswith(b"\x89PNG"):
            raise RuntimeError("no radar")

    voter = Browser(base)
    login(voter, "habitant@example.org", accounts["habitant@example.org"])
    [(commune,)] = sql(url, "SELECT insee_code FROM communes ORDER BY insee_code LIMIT 1")
    voter.post("/vote/identite", {"first_name": "Camille", "last_name": "Deux-Serveurs",
                                  "birth_date": "1990-07-14", "commune": commune},
               token_from="/vote/identite")
    page = voter.get("/vote").decode()
    choices = re.findall(r'name="choix" value="(\d+)"', page)
    if not choices:
        Path("/tmp/h4-vote.html").write_text(page)
        raise RuntimeError("no ballot offered to habitant@example.org")
    [(max_choices,)] = sql(url, "SELECT max_choices FROM editions WHERE id = :e", e=edition_id)
    # The ballot's first sending shows the review page; the confirmation, with its token, records it.
    review = voter.post("/vote/bulletin", {"choix": choices[:max_choices]}, token_from="/vote").decode()
    reviewed = re.search(r'name="relu" value="([0-9a-f]+)"', review)
    if reviewed is None:
        raise RuntimeError("no review page for the ballot: " + messages(review.encode()))
    answer = voter.post("/vote/bulletin", {"choix": choices[:max_choices], "relu": reviewed.group(1),
                                           "confirmer": "1"}, token_from="/vote")
    if voter.errors:
        raise RuntimeError("ballot refused: " + messages(answer))
    log.append(f"one ballot cast through the balancer ({len(choices)} initiatives on the ballot)")

    admin = Browser(base)
    login(admin, "admin@example.org", accounts["admin@example.org"])
    page_path = f"/gestion/editions/{year}/repartition"
    steps = (("clore-le-vote", {"reason": "Essai à deux serveurs"}), ("calculer", {}),
             ("publier", {"confirm": "y"}))
    for action, fields in steps:
        answer = admin.post(f"{page_path}/{action}", fields, token_from=page_path)
        if action == "publier" and "Résultats publiés" not in answer.decode():
            raise RuntimeError("publication refused: " + messages(answer))
    shown = re.search(r'data-file="([^"]+\.pb)">([0-9a-f]{64})<', visitor.get(f"/resultats/{year}").decode())
    if shown is None:
        raise RuntimeError("no published .pb on the results page")
    name, digest = shown.groups()
    for _ in range(2):
        if hashlib.sha256(visitor.get(f"/resultats/{year}/{name}")).hexdigest() != digest:
            raise RuntimeError("the .pb downloaded is not the one whose SHA-256 is shown")
    log.append(f"published {name}, SHA-256 {digest[:16]}… matches on 2 downloads")

    # A final report: the Mission ESS records it for a convention paid (moved there in the database).
    [(convention, initiative)] = sql(url, "SELECT id, initiative_id FROM conventions ORDER BY id LIMIT 1")
    today = now.date()
    sql(url, "UPDATE conventions SET status = 'paid', signed_on = :d, paid_on = :d, amount_paid = "
        "amount_granted, end_on = :end, report_due_on = :due WHERE id = :c", d=today,
        end=today + timedelta(days=365), due=today + timedelta(days=425), c=convention)
    detail = f"/gestion/conventions/{convention}"
    form = admin.get(detail).decode()
    prefix = re.search(r'name="([\w-]*)file"', form)
    report_field = prefix.group(1) + "file" if prefix else "file"
    admin.post(f"{detail}/bilan", {}, token_from=detail, files={report_field: ("bilan.pdf", PDF)})
    report_url = f"/dossiers/{initiative}/convention/bilan"
    for _ in range(2):
        if admin.get(report_url) != PDF:
            raise RuntimeError("the final report came back different")
    log.append("final report recorded and downloaded twice")
    downloads = [(holder, attachment_url, PDF), (holder, photo_url, holder.get(photo_url)),
                 (admin, report_url, PDF), (visitor, f"/resultats/{year}/{name}", None)]
    return {"downloads": downloads, "digest": digest, "browsers": [holder, visitor, voter, admin],
            "labelled": labelled}


def check_round(played: dict[str, Any], round_: int) -> list[str]:
    """Download every stored file (same bytes, same SHA-256) and a radar once; the problems found."""
    problems = []
    for browser, path, expected in played["downloads"]:
        status, body, _ = browser.request(path)
        if status != 200 or (expected is not None and body != expected) or (
                expected is None and hashlib.sha256(body).hexdigest() != played["digest"]):
            problems.append(f"round {round_}: {path} -> {status}")
    status, _, _ = played["browsers"][1].request(f"/initiatives/{played['labelled']}/radar.png")
    if status != 200:
        problems.append(f"round {round_}: radar -> {status}")
    return problems


def run(database_url: str, workdir: Path | None = None) -> dict[str, Any]:
    started = time.monotonic()
    workdir = Path(workdir or tempfile.mkdtemp(prefix="two-servers-"))
    servers = Servers(workdir, database_url)
    log: list[str] = []
    try:
        reset_database(database_url)
        servers.cli("db", "upgrade")
        accounts = passwords(servers.cli("seed-demo", "--phase", "vote"))
        # The demo stores files of its own (its past editions' published files and charts, conventions'
        # documents): counted now, so that what the scenario adds is told apart.
        [(seeded_files,)] = sql(database_url,
                                "SELECT count(*) FROM storage_files WHERE key NOT LIKE 'uploads/photo-%'")
        servers.start()
        base = f"http://127.0.0.1:{servers.balancer}"
        played = campaign(servers, base, accounts, log)
        campaign_errors = [error for browser in played["browsers"] for error in browser.errors]
        errors_before = len(campaign_errors)
        # Traffic runs on (every stored file downloaded, a radar) while one server is stopped mid-run; it goes
        # on for 10 more rounds once the server is gone: everything is served by the other one.
        errors: dict[str, list[str]] = {"before": [], "during": []}
        stopping = threading.Event()

        def traffic() -> None:
            round_ = after_stop = 0
            while after_stop < 10:
                phase = "during" if stopping.is_set() else "before"
                errors[phase].extend(check_round(played, round_))
                round_ += 1
                after_stop += stopping.is_set()

        runner = threading.Thread(target=traffic)
        runner.start()
        time.sleep(1.0)
        at_stop = servers.per_server()
        stopping.set()
        servers.stop_server(1)
        runner.join(timeout=120)
        before = at_stop
        stopped_at = sum(before.values()) - before["retried on the other server"]
        errors_before += len(errors["before"])
        after = servers.per_server()
        survivor = f"127.0.0.1:{servers.ports[0]}"  # the second server is the one stopped
        [(stored,)] = sql(database_url, "SELECT count(*) FROM storage_files")
        [(photo_files,)] = sql(database_url,
                               "SELECT count(*) FROM storage_files WHERE key LIKE 'uploads/photo-%'")
        [(photos,)] = sql(database_url, "SELECT count(*) FROM initiative_photos")
        report = {
            "requests_per_server": dict(before),
            "requests_after_stop": sum(after.values()) - after["retried on the other server"] - stopped_at,
            "files_in_the_database": stored,
            "files_added_by_the_scenario": stored - photo_files - seeded_files,
            "photo_files_in_the_database": photo_files,
            "photos": photos,
            "answered_after_stop_by": {k: after[k] - before.get(k, 0) for k in after},
            "errors_before_stop": errors_before,
            "errors_while_one_stopped": len(errors["during"]),
            "error_details": campaign_errors + errors["before"] + errors["during"],
            "survivor": survivor,
            "seconds": round(time.monotonic() - started, 1),
            "log": log,
        }
        return report
    finally:
        servers.stop()
        if workdir.name.startswith("two-servers-") and not os.environ.get("TWO_SERVERS_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    if len(sys.argv) != 2 or not sys.argv[1].startswith("postgresql"):
        print(__doc__)
        return 2
    if shutil.which("nginx") is None:
        print("nginx is not installed (apt-get install nginx)")
        return 2
    report = run(sys.argv[1])
    for line in report.pop("log"):
        print(line)
    for key, value in report.items():
        print(f"{key}: {value}")
    return 0 if not report["error_details"] and report["errors_while_one_stopped"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
