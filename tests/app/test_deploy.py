"""The deployment files of the README's guide stay true: the nginx site passes `nginx -t`, and every command
the systemd units and the container run exists."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_every_command_the_units_run_exists(app: Flask) -> None:
    registered = set(app.cli.list_commands(app.app_context()))  # type: ignore[arg-type]
    used = set()
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            used.update(re.findall(r"bin/budgetcitoyen (\w[\w-]*)", line))
    assert used == {"worker", "remind", "backup"}
    from budgetcitoyen.cli import main

    for command in used:
        assert command in registered or command in main.list_commands(None), command  # type: ignore[arg-type]
    assert "budgetcitoyen:create_app()" in (DEPLOY / "systemd" / "budgetcitoyen-web.service").read_text()
    assert "budgetcitoyen:create_app()" in (DEPLOY / "Containerfile").read_text()


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed (CI installs it)")
def test_the_nginx_site_is_valid(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    certificate, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=budget-citoyen.example.fr", "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "budgetcitoyen.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/budget-citoyen.example.fr/fullchain.pem", str(certificate))
    site = site.replace("/etc/letsencrypt/live/budget-citoyen.example.fr/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n  proxy_temp_path {tmp_path};\n"
        f"  fastcgi_temp_path {tmp_path};\n  uwsgi_temp_path {tmp_path};\n  scgi_temp_path {tmp_path};\n"
        f"  include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
