"""Reading a Pabulib file: the sections, META and PROJECTS (small, with the csv module), then the vote
rows handed to `votes` in bulk. Every problem raises `PabulibError` naming the line."""

from __future__ import annotations

import gc
import os
import stat

# The csv module's reader itself, without the module around it: csv.py imports re (for its Sniffer), and
# `budgetcitoyen allocate` on a greedy election needs re nowhere else (see records.py).
from _csv import reader as csv_reader
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from budgetcitoyen.allocation.pabulib.election import (
    DEFAULT_MAX_BYTES,
    PabulibError,
    PbElection,
    PbProject,
    Progress,
)
from budgetcitoyen.allocation.pabulib.plain import is_blank, plain_rows
from budgetcitoyen.allocation.values import Ballots

SECTIONS = ("meta", "projects", "votes")
KNOWN_PROJECT_COLUMNS = ("project_id", "cost", "votes", "name", "category", "territory")


def _votes_line(text: str) -> tuple[int, int] | None:
    """Where the votes start: where the first line that reads "votes" (any case, spaces or tabs around, `;`
    after) starts and ends, or None. The lines are looked at one by one from the top, and the ballots after
    that line never are: META and PROJECTS come first and are short (a file without such a line is read
    line by line anyway). A regular expression did this before; re is left out of `allocate`'s start."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        line = text[start:end].lstrip(" \t")
        if line[:5].lower() == "votes" and not line[5:].strip(" \t;"):
            return start, end
        start = end + 1
    return None


def _tidy(path: str) -> str:
    """The path as pathlib writes it (`x.pb/` and `./x.pb` are `x.pb`, "" is "."; `..` is kept, unlike
    os.path.normpath, since a symbolic link may stand before it), without importing pathlib."""
    if os.altsep:
        path = path.replace(os.altsep, os.sep)
    parts = [part for part in path.split(os.sep) if part not in ("", ".")]
    text = os.sep.join(parts)
    return (os.sep + text if path.startswith(os.sep) else text) or "."


def _unreadable(path: str, error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return f"Fichier introuvable : {path}."
    if isinstance(error, IsADirectoryError):
        return f"{path} n'est pas un fichier."
    if isinstance(error, PermissionError):
        return f"Lecture refusée : {path}."
    return f"Fichier illisible : {path}."


def read_pb(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES,
            progress: Progress | None = None) -> PbElection:
    """Parse a Pabulib file. A file larger than `max_bytes` is refused before anything is read."""
    # os, not pathlib: pathlib (with urllib.parse and ipaddress) is not imported by `allocate` otherwise.
    path = _tidy(os.fspath(path))
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            raise IsADirectoryError
    except OSError as error:
        raise PabulibError(_unreadable(path, error)) from None
    size = status.st_size
    if size > max_bytes:
        from budgetcitoyen.french import file_size  # Babel, only for this message: `allocate` starts fast

        raise PabulibError(f"Fichier trop volumineux : {file_size(size)}, le maximum accepté est "
                           f"{file_size(max_bytes)}.")
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise PabulibError(_unreadable(path, error)) from None
    return parse_pb_bytes(data, progress=progress)


def parse_pb_bytes(data: bytes, *, progress: Progress | None = None) -> PbElection:
    """Parse Pabulib content given as UTF-8 bytes (a BOM is allowed)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise PabulibError("le fichier n'est pas encodé en UTF-8.", line) from None
    return parse_pb(text, progress=progress)


def parse_pb(text: str, *, progress: Progress | None = None) -> PbElection:
    """Parse Pabulib content given as text."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Hundreds of thousands of small lists would trigger the cyclic GC again and again for nothing
    # (they hold only strings): pausing it halves the parsing time. (try/finally rather than a
    # contextlib helper: `allocate` does not import contextlib otherwise.)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Parser(text, progress).parse()
    finally:
        if enabled:
            gc.enable()


def _section_name(line: str) -> str | None:
    name = line.strip().rstrip(";").strip().lower()
    return name if name in SECTIONS else None


class _Parser:
    def __init__(self, text: str, progress: Progress | None) -> None:
        self.text = text
        self.progress = progress
        marker = _votes_line(text)
        self.bulk = marker is not None
        if marker is None:
            # No plain "VOTES" line: read every line (the section may still be there, written oddly).
            self.lines = text.split("\n")
            self.votes_offset = len(text)
        else:
            # The lines up to the VOTES line only (META and PROJECTS are small); the rest is read in bulk.
            start, end = marker
            self.lines = [*text[:start].split("\n")[:-1], text[start:end]]
            self.votes_offset = min(end + 1, len(text))
        if self.lines and self.lines[-1] == "" and marker is None:
            self.lines.pop()  # the final newline ends the last line, it does not start a new one

    def parse(self) -> PbElection:
        lines = self.lines
        starts: dict[str, int] = {}
        cursor = 0
        expected = iter(SECTIONS)
        # Find META and PROJECTS, then VOTES: everything after VOTES is vote rows, never scanned for names.
        for wanted in expected:
            while cursor < len(lines) and is_blank(lines[cursor]):
                cursor += 1
            if wanted == "meta":
                if cursor >= len(lines) or _section_name(lines[cursor]) != "meta":
                    raise PabulibError("le fichier doit commencer par la section META.", cursor + 1)
                starts["meta"] = cursor
                cursor += 1
                continue
            while cursor < len(lines):
                name = _section_name(lines[cursor])
                if name == wanted:
                    break
                if name is not None:
                    raise PabulibError(f"section {name.upper()} inattendue ici, la section {wanted.upper()} "
                                       "était attendue.", cursor + 1)
                cursor += 1
            if cursor >= len(lines):
                raise PabulibError(f"section {wanted.upper()} absente (fin du fichier atteinte).",
                                   len(lines) + 1)
            starts[wanted] = cursor
            cursor += 1
        meta, meta_lines = self._meta(starts["meta"], starts["projects"])
        if meta.get("vote_type", "").strip().lower() != "approval":
            where = meta_lines.get("vote_type", starts["meta"] + 1)
            found = meta.get("vote_type")
            raise PabulibError(
                "seuls les votes par approbation (vote_type approval) sont pris en charge"
                + (f", ce fichier est de type « {found} »." if found
                   else " : la clé vote_type manque dans META."),
                where)
        if "budget" not in meta:
            raise PabulibError("la clé budget manque dans META.", starts["meta"] + 1)
        _amount(meta["budget"], "budget", meta_lines["budget"])
        projects = self._projects(starts["projects"], starts["votes"])
        ballots, voter_ids, extra = self._votes(starts["votes"], projects)
        self._check_count(meta, meta_lines, "num_projects", len(projects), "projets")
        self._check_count(meta, meta_lines, "num_votes", ballots.num_voters, "bulletins")
        return PbElection(meta, projects, ballots, voter_ids, extra)

    # -- META and PROJECTS: small, read with the csv module (quotes allowed) ----------------------
    def _rows(self, start: int, stop: int) -> Iterator[tuple[int, list[str]]]:
        """(line number, fields) of the non-blank lines strictly between a section line and `stop`."""
        numbers = [n for n in range(start + 1, stop) if not is_blank(self.lines[n])]
        rows = csv_reader([self.lines[n] for n in numbers], delimiter=";")
        for number, row in zip(numbers, rows, strict=False):
            yield number + 1, row

    def _header(self, rows: Iterator[tuple[int, list[str]]], section: str, stop: int
                ) -> tuple[int, list[str]]:
        header = next(rows, None)
        if header is None:
            raise PabulibError(f"la section {section} n'a pas de ligne d'en-tête.", stop + 1)
        return header[0], [name.strip() for name in header[1]]

    def _meta(self, start: int, stop: int) -> tuple[dict[str, str], dict[str, int]]:
        rows = self._rows(start, stop)
        number, header = self._header(rows, "META", stop)
        if [h.lower() for h in header] != ["key", "value"]:
            raise PabulibError("l'en-tête de la section META doit être « key;value ».", number)
        meta: dict[str, str] = {}
        where: dict[str, int] = {}
        for number, row in rows:
            if len(row) < 2:
                raise PabulibError("ligne mal formée dans META : « clé;valeur » attendu.", number)
            key = row[0].strip()
            if key in meta:
                raise PabulibError(f"clé META « {key} » en double.", number)
            # A value containing ";" unquoted is kept whole rather than cut.
            meta[key] = ";".join(row[1:]).strip()
            where[key] = number
        return meta, where

    def _projects(self, start: int, stop: int) -> list[PbProject]:
        rows = self._rows(start, stop)
        number, header = self._header(rows, "PROJECTS", stop)
        for required in ("project_id", "cost"):
            if required not in header:
                raise PabulibError(f"la colonne {required} manque dans l'en-tête de PROJECTS.", number)
        if len(set(header)) != len(header):
            raise PabulibError("colonne en double dans l'en-tête de PROJECTS.", number)
        projects: list[PbProject] = []
        seen: set[str] = set()
        for number, row in rows:
            if len(row) != len(header):
                raise PabulibError(f"ligne mal formée : {len(row)} champs au lieu de {len(header)} "
                                   f"({';'.join(header)}).", number)
            values = dict(zip(header, row, strict=True))
            project_id = values["project_id"].strip()
            if not project_id:
                raise PabulibError("identifiant de projet vide.", number)
            if project_id in seen:
                raise PabulibError(f"identifiant de projet « {project_id} » en double.", number)
            if any(ch in project_id for ch in ",;\""):
                raise PabulibError(
                    f"identifiant de projet « {project_id} » invalide (« , », « ; » ou « \" »).", number)
            seen.add(project_id)
            votes_text = _optional(values.get("votes"))
            votes = None
            if votes_text is not None:
                if not votes_text.isdigit():
                    raise PabulibError(
                        f"nombre de voix « {votes_text} » invalide pour le projet {project_id}.", number)
                votes = int(votes_text)
            projects.append(PbProject(
                id=project_id, cost=_amount(values["cost"], f"coût du projet {project_id}", number),
                votes=votes, name=values.get("name", "").strip(), category=_optional(values.get("category")),
                territory=_optional(values.get("territory")),
                extra=tuple((k, v.strip()) for k, v in values.items() if k not in KNOWN_PROJECT_COLUMNS)))
        return projects

    @staticmethod
    def _check_count(meta: dict[str, str], where: dict[str, int], key: str, actual: int, what: str) -> None:
        if key not in meta:
            return
        if not meta[key].isdigit() or int(meta[key]) != actual:
            raise PabulibError(f"{key} vaut « {meta[key]} » mais le fichier contient {actual} {what}.",
                               where[key])

    # -- VOTES: the bulk of the file ---------------------------------------------------------------
    def _votes(self, start: int, projects: list[PbProject]
               ) -> tuple[Ballots, list[str], dict[str, list[str]]]:
        rest = self.text[self.votes_offset:] if self.bulk else "\n".join(self.lines[start + 1:])
        number = start + 1  # 0-based index of the line being looked at
        position = 0
        while True:
            end = rest.find("\n", position)
            line = rest[position:] if end < 0 else rest[position:end]
            if not is_blank(line) or end < 0:
                break
            position, number = end + 1, number + 1
        if is_blank(line):
            raise PabulibError("la section VOTES n'a pas de ligne d'en-tête.", number + 1)
        header = [name.strip() for name in next(csv_reader([line], delimiter=";"))]
        for required in ("voter_id", "vote"):
            if required not in header:
                raise PabulibError(f"la colonne {required} manque dans l'en-tête de VOTES.", number + 1)
        if len(set(header)) != len(header):
            raise PabulibError("colonne en double dans l'en-tête de VOTES.", number + 1)
        rows = "" if end < 0 else rest[end + 1:]
        rows = rows.removesuffix("\n")  # the final newline ends the last row
        project_ids = [p.id for p in projects]
        plain = plain_rows(rows, header, project_ids) if self.progress is None else None
        if plain is not None:
            return plain
        from budgetcitoyen.allocation.pabulib.votes import read_rows  # numpy: for large or unusual rows

        return read_rows(rows, number + 1, header, project_ids, self.progress)


def _optional(value: str | None) -> str | None:
    """Pabulib writes a missing value as "None" (pabutools too) or leaves it empty."""
    if value is None:
        return None
    value = value.strip()
    return None if not value or value.lower() == "none" else value


def _amount(text: str, what: str, line: int) -> Decimal:
    cleaned = text.strip().replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise PabulibError(f"{what} : « {text.strip()} » n'est pas un nombre.", line) from None
    if not value.is_finite():
        raise PabulibError(f"{what} : « {text.strip()} » n'est pas un nombre.", line)
    if value < 0:
        raise PabulibError(f"{what} : montant négatif ({text.strip()}).", line)
    return value
