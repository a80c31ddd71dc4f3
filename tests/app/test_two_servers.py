"""Two gunicorn servers with separate empty instance folders, one PostgreSQL database, nginx in round-robin:
the campaign of scripts/two_servers.py through the balancer, then one server stopped and nothing lost."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from tests.helpers import scratch_postgres_database

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "two_servers.py"

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (.ci/run installs it)"),
]


@pytest.fixture
def second_database(app: Flask) -> Iterator[str]:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("several servers share a PostgreSQL database")
    with scratch_postgres_database(app.config["DATABASE_URL"], "twoservers") as scratch:
        yield scratch


def test_two_servers_behind_nginx_share_everything_and_one_can_stop(second_database: str) -> None:
    spec = importlib.util.spec_from_file_location("two_servers", SCRIPT)
    assert spec is not None and spec.loader is not None
    two_servers = importlib.util.module_from_spec(spec)
    sys.modules["two_servers"] = two_servers  # its dataclasses look their module up there
    spec.loader.exec_module(two_servers)

    report = two_servers.run(second_database)

    print(report)  # the figures (pytest -s): requests per server, errors while one was stopped
    assert report["error_details"] == []
    assert report["errors_while_one_stopped"] == 0
    # The attachment, the report, the .pb, the .csv and the four charts drawn at publication; and two
    # widths of each photo (the demo's drawings, the holder's replaced one without its old widths).
    assert report["photo_files_in_the_database"] == 2 * report["photos"] > 0
    assert report["files_added_by_the_scenario"] == 8
    served = {k: v for k, v in report["requests_per_server"].items() if k.startswith("127.")}
    assert len(served) == 2 and min(served.values()) > 0  # both servers answered the campaign
    # Ten rounds of 4 downloads after the stop (the stopped server may still finish the requests it
    # held when it was told to stop: a graceful shutdown).
    after = report["answered_after_stop_by"]
    stopped = sum(v for k, v in after.items() if k.startswith("127.") and k != report["survivor"])
    assert after[report["survivor"]] >= 30 and stopped <= 4
