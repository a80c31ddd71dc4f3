"""Backups that restore: the whole database and the files the application must find again, in one archive.

The database is written table by table as JSON lines through SQLAlchemy, inside one read-only snapshot
(REPEATABLE READ on PostgreSQL; one read transaction on SQLite), so one code path serves both engines and an
archive made on the embedded SQLite default restores into PostgreSQL (how a collectivité moves from a trial
to production). pg_dump stays the operator's tool for whole-cluster backups; this one is the application's
own, checked by its tests: restored into an empty database it gives back the same public pages and the same
recount.

The archive (`.tar.gz`) holds `manifest.json` (format, schema revision, row counts, each member's SHA-256),
`tables/<name>.jsonl` and `files/<root>/<path>`; the command prints its SHA-256 and writes it beside it
(`<archive>.sha256`, the `sha256sum` format). Caches (radars, charts) are not saved: they are rebuilt from the
database. The secret key is not saved either: keep it apart (in production it comes from the environment);
without it, voters cannot change their ballots and receipts cannot be checked.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, Table, inspect, select, text, types

from budgetcitoyen.errors import DomainError
from budgetcitoyen.migrate import alembic_config

FORMAT = "budgetcitoyen-backup/1"
BATCH = 2000


class BackupError(DomainError):
    """A backup that cannot be written or restored (French message for the operator)."""


@dataclass
class BackupReport:
    archive: Path
    sha256: str
    revision: str
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0


def _metadata() -> MetaData:
    import budgetcitoyen.models  # noqa: F401  (every domain's tables registered on Base)
    from budgetcitoyen.db import Base

    return Base.metadata


def _kind(column_type: types.TypeEngine[Any]) -> str:
    """How a column's values travel in JSON: the few types JSON does not carry by itself."""
    inner = getattr(column_type, "impl", column_type)
    if isinstance(inner, types.DateTime):
        return "datetime"
    if isinstance(inner, types.Date):
        return "date"
    if isinstance(inner, types.Numeric) and not isinstance(inner, types.Float):
        return "decimal"
    if isinstance(inner, types.LargeBinary):
        return "bytes"
    return "plain"


def _encode(kind: str, value: Any) -> Any:
    if value is None or kind == "plain":
        return value
    if kind in ("datetime", "date"):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    return base64.b64encode(bytes(value)).decode("ascii")


def _decode(kind: str, value: Any) -> Any:
    if value is None or kind == "plain":
        return value
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    return base64.b64decode(value)


def _revision_of(connection: Any) -> str:
    missing = "Cette base n'a pas de schéma Budget citoyen (aucune migration appliquée)."
    if "alembic_version" not in inspect(connection).get_table_names():
        raise BackupError(missing)
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if not revision:
        raise BackupError(missing)
    return str(revision)


def _table_lines(connection: Any, table: Table) -> Iterator[bytes]:
    kinds = [(column.name, _kind(column.type)) for column in table.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    rows = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(table).order_by(*order))
    for row in rows:
        mapping = row._mapping
        record = {name: _encode(kind, mapping[name]) for name, kind in kinds}
        yield (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), mtime, 0o600
    archive.addfile(info, io.BytesIO(data))


def _files_under(roots: dict[str, Path]) -> Iterator[tuple[str, Path]]:
    for root_name, root in sorted(roots.items()):
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.endswith(".part"):
                yield f"files/{root_name}/{path.relative_to(root).as_posix()}", path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_backup(engine: Engine, roots: dict[str, Path], target: Path, now: datetime) -> BackupReport:
    """Write the archive to `target` (through a temporary file renamed at the end: never half an archive)."""
    metadata = _metadata()
    partial = target.with_name(target.name + ".part")
    members: dict[str, str] = {}
    rows: dict[str, int] = {}
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(text("SET TRANSACTION READ ONLY"))
            revision = _revision_of(connection)
            with tarfile.open(partial, "w:gz") as archive:
                for table in metadata.sorted_tables:
                    name = f"tables/{table.name}.jsonl"
                    # Through a temporary file, not memory: with BUDGETCITOYEN_STORAGE=database every
                    # stored file is in storage_chunks, gigabytes on a large site.
                    with tempfile.TemporaryFile() as spool:
                        digest, count = hashlib.sha256(), 0
                        for line in _table_lines(connection, table):
                            spool.write(line)
                            digest.update(line)
                            count += 1
                        info = tarfile.TarInfo(name)
                        info.size, info.mtime, info.mode = spool.tell(), now.timestamp(), 0o600
                        spool.seek(0)
                        archive.addfile(info, spool)
                    members[name] = digest.hexdigest()
                    rows[table.name] = count
                files = 0
                for name, path in _files_under(roots):
                    members[name] = sha256_of(path)
                    archive.add(path, arcname=name, recursive=False)
                    files += 1
                manifest = {"format": FORMAT, "revision": revision, "created_at": now.isoformat(),
                            "engine": engine.dialect.name, "rows": rows, "members": members}
                _add_bytes(archive, "manifest.json",
                           json.dumps(manifest, ensure_ascii=False, indent=1).encode(), now.timestamp())
    os.replace(partial, target)
    digest = sha256_of(target)
    target.with_name(target.name + ".sha256").write_text(f"{digest}  {target.name}\n", encoding="utf-8")
    return BackupReport(target, digest, revision, rows, files)


@dataclass
class RestoreReport:
    revision: str
    rows: dict[str, int]
    files: int


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile("manifest.json")
    except KeyError:
        member = None
    if member is None:
        raise BackupError("Ce fichier n'est pas une sauvegarde Budget citoyen (pas de manifest.json).")
    manifest = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format de sauvegarde inconnu : {manifest.get('format')!r}.")
    return dict(manifest)


def _checked(archive: tarfile.TarFile, name: str, manifest: dict[str, Any]) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise BackupError(f"Sauvegarde incomplète : {name} manque.")
    data = member.read()
    if hashlib.sha256(data).hexdigest() != manifest["members"].get(name):
        raise BackupError(f"Sauvegarde altérée : l'empreinte de {name} ne correspond pas.")
    return data


def _checked_lines(archive: tarfile.TarFile, name: str, manifest: dict[str, Any]) -> Iterator[bytes]:
    """A table's lines, read as they come (a table of stored files can be larger than memory); the
    member's SHA-256 is checked at its end, so a damaged one fails the restore's transaction."""
    member = archive.extractfile(name)
    if member is None:
        raise BackupError(f"Sauvegarde incomplète : {name} manque.")
    digest = hashlib.sha256()
    for line in member:
        digest.update(line)
        if line.strip():
            yield line
    if digest.hexdigest() != manifest["members"].get(name):
        raise BackupError(f"Sauvegarde altérée : l'empreinte de {name} ne correspond pas.")


def _require_empty(engine: Engine) -> None:
    existing = [name for name in inspect(engine).get_table_names() if name != "alembic_version"]
    if existing:
        raise BackupError("La base cible n'est pas vide : restaurez dans une base neuve "
                          f"(tables trouvées : {', '.join(sorted(existing)[:5])}…).")


def _reset_sequences(connection: Any, metadata: MetaData) -> None:
    """PostgreSQL: the next id of each table follows the restored rows (SQLite does this by itself)."""
    for table in metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        for column in keys:
            if len(keys) == 1 and isinstance(column.type, types.Integer):
                sequence = connection.execute(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": column.name}).scalar()
                if sequence:
                    connection.execute(text(
                        f'SELECT setval(:sequence, COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") '
                        f'IS NOT NULL) FROM "{table.name}"'), {"sequence": sequence})


def restore_backup(engine: Engine, database_url: str, archive_path: Path, instance: Path,
                   roots: dict[str, Path]) -> RestoreReport:
    """Restore an archive into an empty database and empty file folders, then bring the schema to the
    code's latest revision (an archive of an older version restores too)."""
    config = alembic_config(database_url)
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    with tarfile.open(archive_path, "r:gz") as archive:
        manifest = _read_manifest(archive)
        revision = manifest["revision"]
        if revision not in known:
            raise BackupError(f"Cette sauvegarde vient d'une version plus récente (schéma {revision}) : "
                              "restaurez-la avec cette version de Budget citoyen.")
        for root in roots.values():
            if root.is_dir() and any(root.iterdir()):
                raise BackupError(f"Le dossier {root} n'est pas vide : restaurez dans une instance neuve.")
        _require_empty(engine)
        command.upgrade(config, revision)
        metadata = _metadata()
        rows: dict[str, int] = {}
        with engine.begin() as connection:
            for table in metadata.sorted_tables:
                name = f"tables/{table.name}.jsonl"
                if name not in manifest["members"]:
                    continue  # a table this older archive did not have yet
                kinds = {column.name: _kind(column.type) for column in table.columns}
                batch: list[dict[str, Any]] = []
                count = 0
                for line in _checked_lines(archive, name, manifest):
                    record = json.loads(line)
                    batch.append({key: _decode(kinds.get(key, "plain"), value)
                                  for key, value in record.items()})
                    if len(batch) >= BATCH:
                        connection.execute(table.insert(), batch)
                        count += len(batch)
                        batch = []
                if batch:
                    connection.execute(table.insert(), batch)
                    count += len(batch)
                rows[table.name] = count
            if engine.dialect.name == "postgresql":
                _reset_sequences(connection, metadata)
        files = 0
        for name in sorted(manifest["members"]):
            if not name.startswith("files/"):
                continue
            parts = PurePosixPath(name).parts
            if len(parts) < 3 or parts[1] not in roots or ".." in parts:
                raise BackupError(f"Chemin refusé dans la sauvegarde : {name}.")
            target = roots[parts[1]].joinpath(*parts[2:])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_checked(archive, name, manifest))
            files += 1
    command.upgrade(config, "head")
    instance.mkdir(parents=True, exist_ok=True)
    return RestoreReport(revision, rows, files)
