"""A real OpenID Connect provider for the tests: tests/oidc/provider.mjs (the `oidc-provider` package from
npm, pinned in package.json and package-lock.json), run by Node on loopback, shaped like FranceConnect v2.

`oidc_provider_factory(redirect_uris)` starts one and stops it after the test session; `oidc_provider` is
the one for Flask's test client (callback at http://localhost/franceconnect/retour). Without node the
tests skip with the reason, except under CI (CI=true), where it must be there and they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "budget-citoyen-test"
CLIENT_SECRET = "secret-du-fournisseur-de-test-pas-pour-la-production"
PASSWORD = "motdepasse"
PORTS = range(18600, 18700)


@dataclass
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str
    process: subprocess.Popen[str]

    def settings(self, **overrides: object) -> dict[str, object]:
        """The app settings that point at this provider."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": self.client_id,
                "OIDC_CLIENT_SECRET": self.client_secret, **overrides}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the OpenID Connect test provider is required in CI: {reason}")
    pytest.skip(f"OpenID Connect test provider unavailable: {reason}")


def _installed() -> None:
    """node and the pinned npm packages (`npm ci`, once, if node_modules is missing)."""
    if shutil.which("node") is None:
        _unavailable("node is not installed (apt-get install nodejs npm)")
    if (HERE / "node_modules" / "oidc-provider").is_dir():
        return
    if shutil.which("npm") is None:
        _unavailable("npm is not installed (apt-get install npm)")
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        _unavailable(f"npm ci failed: {done.stderr[-500:]}")


def free_port_in_range() -> int:
    """A free loopback port in 18600-18699 (this project's range on shared machines), else any."""
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # every port of the range taken: any free one
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def oidc_provider_factory() -> Iterator[Callable[[list[str]], OidcProvider]]:
    started: list[OidcProvider] = []

    def start(redirect_uris: list[str], post_logout_uri: str = "http://localhost/") -> OidcProvider:
        _installed()
        port = free_port_in_range()
        process = subprocess.Popen(
            ["node", "provider.mjs", str(port), CLIENT_ID, CLIENT_SECRET, ",".join(redirect_uris),
             post_logout_uri],
            cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        provider = OidcProvider(f"http://127.0.0.1:{port}", CLIENT_ID, CLIENT_SECRET, process)
        started.append(provider)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                _unavailable(f"node provider.mjs exited: {process.stdout.read() if process.stdout else ''}")
            try:
                if requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=2).ok:
                    return provider
            except requests.RequestException:
                time.sleep(0.2)
        _unavailable("the provider did not answer within 30 s")
        raise AssertionError  # unreachable

    yield start
    for provider in started:
        provider.process.terminate()
        try:
            provider.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            provider.process.kill()
        if provider.process.stdout:
            provider.process.stdout.close()


@pytest.fixture(scope="session")
def oidc_provider(oidc_provider_factory: Callable[..., OidcProvider]) -> OidcProvider:
    return oidc_provider_factory(["http://localhost/franceconnect/retour"])


def authenticate_at_provider(authorize_url: str, login: str, password: str = PASSWORD,
                             stop_at: str = "http://localhost/") -> str:
    """Play the person at the provider (its own pages, over HTTP): log in, consent; returns the URL the
    provider sends the browser back to (the callback, with code and state)."""
    browser = requests.Session()
    url = authorize_url
    for _ in range(12):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if url.startswith(stop_at):
                return url
            continue
        assert response.status_code == 200, (response.status_code, response.text[:500])
        assert "Identifiant" in response.text, response.text[:500]
        response = browser.post(url, data={"login": login, "password": password}, allow_redirects=False,
                                 timeout=10)
        assert response.status_code in (302, 303), response.text[:500]
        url = urljoin(url, response.headers["Location"])
    raise AssertionError(f"the provider never sent the browser back (last {url})")
