"""File storage: the shared database backend against the local folders, in the same run.

Writes N files (default 20 of 2 MB, like scanned attachments) through each backend, one committed transaction
each, then reads each back the way a WSGI server streams a download (8 KiB reads), and prints MB/s and the
ratio database / local for both. Needs an empty PostgreSQL database (it is reset):

    .venv/bin/python benchmarks/storage.py postgresql+psycopg://user:password@127.0.0.1:5432/scratch
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command
from sqlalchemy import text

from budgetcitoyen.db import make_engine, make_sessionmaker
from budgetcitoyen.migrate import alembic_config
from budgetcitoyen.storage import LocalStorage, Storage
from budgetcitoyen.storage.database import DatabaseStorage


def measure(files: Storage, sessions, count: int, size: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    payload = os.urandom(size)
    started = time.perf_counter()
    for n in range(count):
        with sessions() as session:
            files.put(session, f"uploads/bench{n:04d}.pdf", io.BytesIO(payload))
            session.commit()
    written = time.perf_counter() - started
    started = time.perf_counter()
    for n in range(count):
        handle = files.open(f"uploads/bench{n:04d}.pdf")
        total = 0
        while piece := handle.read(8192):
            total += len(piece)
        handle.close()
        assert total == size
    read = time.perf_counter() - started
    megabytes = count * size / 1e6
    return megabytes / written, megabytes / read


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--megabytes", type=float, default=2.0)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(args.database_url), "head")
    sessions = make_sessionmaker(engine)
    size = int(args.megabytes * 1e6)
    with tempfile.TemporaryDirectory() as folder:
        local = measure(LocalStorage.for_instance(folder), sessions, args.files, size)
    shared = measure(DatabaseStorage(engine), sessions, args.files, size)
    print(f"{args.files} files of {args.megabytes} MB, load average {os.getloadavg()[0]:.1f}")
    print(f"{'':10}{'write MB/s':>12}{'read MB/s':>12}")
    print(f"{'local':10}{local[0]:12.0f}{local[1]:12.0f}")
    print(f"{'database':10}{shared[0]:12.0f}{shared[1]:12.0f}")
    print(f"{'ratio':10}{shared[0] / local[0]:12.2f}{shared[1] / local[1]:12.2f}  (database / local)")
    engine.dispose()


if __name__ == "__main__":
    main()
