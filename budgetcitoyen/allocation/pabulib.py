"""The Pabulib format (https://pabulib.org/format): parse and write approval elections.

A file has three sections, in this order, each a line with its name then a header line, fields
separated by ``;``::

    META            key;value rows: description, country, unit, instance, num_projects, num_votes,
                    budget, vote_type, rule, currency…
    PROJECTS        project_id;cost;… one row per project (votes, name, category… optional)
    VOTES           voter_id;vote;… one row per voter, ``vote`` = approved project ids, comma-separated

Only ``vote_type`` approval is supported. Every problem raises `PabulibError`, whose French message
names the line. The votes are read in bulk (string splits in C, ids mapped to positions through one
dict, numpy arrays for the ballots), since a real file can hold hundreds of thousands of ballots.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

import numpy as np

from budgetcitoyen.allocation.model import AllocationError, Ballots, Project

DEFAULT_MAX_BYTES = 1 << 30  # 1 Gio: far above any real election (Pabulib's largest are tens of Mo)
SECTIONS = ("meta", "projects", "votes")
KNOWN_PROJECT_COLUMNS = ("project_id", "cost", "votes", "name", "category", "territory")
_CHUNK_CHARS = 8 << 20  # vote rows are read by blocks of about this many characters (and whole lines):
# it bounds the temporary arrays and paces the progress callback.
# Where the votes start: the first line reading "VOTES" (found in C, the ballots are never scanned in Python).
_VOTES_LINE = re.compile(r"^[ \t]*votes[ \t;]*$", re.IGNORECASE | re.MULTILINE)

Progress = Callable[[int, int], None]
"""Called with (vote lines read, vote lines in the file)."""


class PabulibError(AllocationError):
    """A Pabulib file that cannot be read; `line` is the 1-based line number when there is one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"Ligne {line} : {message}" if line is not None else message)
        self.line = line


@dataclass(frozen=True)
class PbProject:
    """A row of the PROJECTS section. `votes` is the file's own column (None when absent); `extra`
    keeps the other columns, in file order, so that writing back loses nothing."""

    id: str
    cost: Decimal
    votes: int | None = None
    name: str = ""
    category: str | None = None
    territory: str | None = None
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(eq=False)
class PbElection:
    """A parsed (or to be written) Pabulib approval election.

    `ballots` index `projects` by position; `voter_ids[v]` is the id of ballot v; `voter_extra` holds
    the other VOTES columns (age, sex, voting_method…), one list per column, aligned with the ballots.
    """

    meta: dict[str, str]
    projects: list[PbProject]
    ballots: Ballots
    voter_ids: list[str]
    voter_extra: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def new(cls, *, description: str, unit: str, instance: str, budget: Decimal | int, projects: Sequence[PbProject],
            ballots: Ballots, voter_ids: Sequence[str], country: str = "France", rule: str = "greedy",
            currency: str = "EUR", extra_meta: Mapping[str, str] | None = None) -> PbElection:
        """An election ready to be written, META in Pabulib's usual order (for exports)."""
        meta = {"description": description, "country": country, "unit": unit, "instance": str(instance),
                "num_projects": str(len(projects)), "num_votes": str(ballots.num_voters),
                "budget": _decimal_text(Decimal(budget)), "vote_type": "approval", "rule": rule,
                "currency": currency}
        for key, value in (extra_meta or {}).items():
            meta.setdefault(key, value)
        return cls(meta, list(projects), ballots, list(voter_ids))

    @property
    def budget(self) -> Decimal:
        return Decimal(self.meta["budget"].replace(",", "."))

    @property
    def currency(self) -> str:
        return self.meta.get("currency", "EUR")

    def allocation_projects(self) -> list[Project]:
        """Projects for the allocation rules, their votes counted from the ballots (as pabutools does;
        the file's votes column may count other things, such as paper votes). A ``filed_order`` column
        (written by our exports) gives the filing order used by the edition tie-break."""
        approvals = self.ballots.approvals().tolist()
        projects = []
        for j, p in enumerate(self.projects):
            filed = dict(p.extra).get("filed_order", "")
            projects.append(Project(id=p.id, cost=p.cost, votes=approvals[j], category=p.category,
                                    territory=p.territory, name=p.name,
                                    filed_order=int(filed) if filed.isdigit() else None))
        return projects

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PbElection):
            return NotImplemented
        return (self.meta == other.meta and self.projects == other.projects and self.ballots == other.ballots
                and self.voter_ids == other.voter_ids and self.voter_extra == other.voter_extra)

    __hash__ = None  # type: ignore[assignment]


# -- reading -----------------------------------------------------------------------------------

def _human_size(size: int) -> str:
    for unit, factor in (("Go", 1 << 30), ("Mo", 1 << 20), ("ko", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f}".replace(".", ",") + f"\u00a0{unit}"
    return f"{size}\u00a0octets"


def _unreadable(path: Path, error: OSError) -> str:
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
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IsADirectoryError
    except OSError as error:
        raise PabulibError(_unreadable(path, error)) from None
    if size > max_bytes:
        raise PabulibError(f"Fichier trop volumineux : {_human_size(size)}, le maximum accepté est "
                           f"{_human_size(max_bytes)}.")
    try:
        data = path.read_bytes()
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


@contextmanager
def _no_gc() -> Iterator[None]:
    # Hundreds of thousands of small lists would trigger the cyclic GC again and again for nothing
    # (they hold only strings): pausing it halves the parsing time.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_pb(text: str, *, progress: Progress | None = None) -> PbElection:
    """Parse Pabulib content given as text."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    with _no_gc():
        return _Parser(text, progress).parse()


def _section_name(line: str) -> str | None:
    name = line.strip().rstrip(";").strip().lower()
    return name if name in SECTIONS else None


def _is_blank(line: str) -> bool:
    # As pabutools: a line of spaces is skipped; ";" is a row (of empty fields), not a blank line.
    return not line.strip()


class _Parser:
    def __init__(self, text: str, progress: Progress | None) -> None:
        self.text = text
        self.progress = progress
        marker = _VOTES_LINE.search(text)
        self.bulk = marker is not None
        if marker is None:
            # No plain "VOTES" line: read every line (the section may still be there, written oddly).
            self.lines = text.split("\n")
            self.votes_offset = len(text)
        else:
            # The lines up to the VOTES line only (META and PROJECTS are small); the rest is read in bulk.
            self.lines = text[:marker.start()].split("\n")[:-1] + [marker.group()]
            self.votes_offset = min(marker.end() + 1, len(text))
        if self.lines and self.lines[-1] == "" and marker is None:
            self.lines.pop()  # the final newline ends the last line, it does not start a new one

    def parse(self) -> PbElection:
        lines = self.lines
        starts: dict[str, int] = {}
        cursor = 0
        expected = iter(SECTIONS)
        # Find META and PROJECTS, then VOTES: everything after VOTES is vote rows, never scanned for names.
        for wanted in expected:
            while cursor < len(lines) and _is_blank(lines[cursor]):
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
                raise PabulibError(f"section {wanted.upper()} absente (fin du fichier atteinte).", len(lines) + 1)
            starts[wanted] = cursor
            cursor += 1
        meta, meta_lines = self._meta(starts["meta"], starts["projects"])
        if meta.get("vote_type", "").strip().lower() != "approval":
            where = meta_lines.get("vote_type", starts["meta"] + 1)
            found = meta.get("vote_type")
            raise PabulibError(
                "seuls les votes par approbation (vote_type approval) sont pris en charge"
                + (f", ce fichier est de type « {found} »." if found else " : la clé vote_type manque dans META."),
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
        numbers = [n for n in range(start + 1, stop) if not _is_blank(self.lines[n])]
        rows = csv.reader([self.lines[n] for n in numbers], delimiter=";")
        for number, row in zip(numbers, rows, strict=False):
            yield number + 1, row

    def _header(self, rows: Iterator[tuple[int, list[str]]], section: str, stop: int) -> tuple[int, list[str]]:
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
                raise PabulibError(f"identifiant de projet « {project_id} » invalide (« , », « ; » ou « \" »).",
                                   number)
            seen.add(project_id)
            votes_text = _optional(values.get("votes"))
            votes = None
            if votes_text is not None:
                if not votes_text.isdigit():
                    raise PabulibError(f"nombre de voix « {votes_text} » invalide pour le projet {project_id}.",
                                       number)
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
            raise PabulibError(f"{key} vaut « {meta[key]} » mais le fichier contient {actual} {what}.", where[key])

    # -- VOTES: the bulk of the file ---------------------------------------------------------------
    def _votes(self, start: int, projects: list[PbProject]) -> tuple[Ballots, list[str], dict[str, list[str]]]:
        rest = self.text[self.votes_offset:] if self.bulk else "\n".join(self.lines[start + 1:])
        number = start + 1  # 0-based index of the line being looked at
        position = 0
        while True:
            end = rest.find("\n", position)
            line = rest[position:] if end < 0 else rest[position:end]
            if not _is_blank(line) or end < 0:
                break
            position, number = end + 1, number + 1
        if _is_blank(line):
            raise PabulibError("la section VOTES n'a pas de ligne d'en-tête.", number + 1)
        header = [name.strip() for name in next(csv.reader([line], delimiter=";"))]
        for required in ("voter_id", "vote"):
            if required not in header:
                raise PabulibError(f"la colonne {required} manque dans l'en-tête de VOTES.", number + 1)
        if len(set(header)) != len(header):
            raise PabulibError("colonne en double dans l'en-tête de VOTES.", number + 1)
        rows = "" if end < 0 else rest[end + 1:]
        rows = rows.removesuffix("\n")  # the final newline ends the last row
        total = rows.count("\n") + 1 if rows else 0
        lookup = {p.id: j for j, p in enumerate(projects)}
        lookup[""] = -1  # "1,,2", a trailing comma or an empty ballot: no project (pabutools skips them too)
        matcher = _IdMatcher([p.id for p in projects]) if header == ["voter_id", "vote"] else None
        voter_ids: list[str] = []
        extra: dict[str, list[str]] = {name: [] for name in header if name not in ("voter_id", "vote")}
        chunks: list[tuple[np.ndarray, np.ndarray]] = []
        first = number + 1  # 0-based index of the first vote row
        done = 0
        position = 0
        while position < len(rows):
            end = rows.find("\n", position + _CHUNK_CHARS)
            chunk = rows[position:] if end < 0 else rows[position:end]
            position = len(rows) if end < 0 else end + 1
            lines_in_chunk = chunk.count("\n") + 1
            fast = _fast_chunk(chunk, matcher) if matcher is not None else None
            if fast is not None:
                ids, counts, codes = fast
            else:
                ids, votes, others, line_of_row = _split_rows(chunk.split("\n"), first + done, header)
                counts, codes = _ballots(votes, lookup, first + done, line_of_row, len(projects))
                for name, values in others.items():
                    extra[name].extend(values)
            voter_ids.extend(ids)
            chunks.append((counts, codes))
            done += lines_in_chunk
            if self.progress is not None:
                self.progress(done, total)
        counts = np.concatenate([c for c, _ in chunks]) if chunks else np.zeros(0, dtype=np.int64)
        codes = np.concatenate([c for _, c in chunks]) if chunks else np.zeros(0, dtype=np.int32)
        indptr = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return Ballots(indptr, codes, len(projects)), voter_ids, extra


class _IdMatcher:
    """Project ids packed into 64-bit words (8 bytes each) in an open-addressing hash table, so that
    numpy can look tokens up in bulk: a few vectorised probes, each match checked word by word."""

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads nearby keys apart

    def __init__(self, ids: list[str]) -> None:
        encoded = [pid.encode("utf-8") for pid in ids]
        self.count = len(encoded)
        self.longest = max((len(b) for b in encoded), default=1)
        buffer = np.frombuffer(b"".join(encoded) + bytes(self.longest), dtype=np.uint8)
        lengths = np.array([len(b) for b in encoded], dtype=np.int64)
        starts = np.zeros(len(encoded), dtype=np.int64)
        starts[1:] = np.cumsum(lengths[:-1])
        self.words = _pack(buffer, starts, lengths, self.longest)
        self.bits = max(4, (4 * max(self.count, 1) - 1).bit_length())  # at most a quarter full
        self.mask = (1 << self.bits) - 1
        self.table = np.full(1 << self.bits, -1, dtype=np.int32)
        self.probes = 0
        for code, slot in enumerate(self._slots(self.words).tolist()):
            probe = 0
            while self.table[(slot + probe) & self.mask] >= 0:
                probe += 1
            self.table[(slot + probe) & self.mask] = code
            self.probes = max(self.probes, probe)

    def _slots(self, words: np.ndarray) -> np.ndarray:
        return ((_combine(words) * self._MULTIPLIER) >> np.uint64(64 - self.bits)).astype(np.int64)

    def codes(self, buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray | None:
        """Positions of the tokens, or None if one of them is not exactly a known id."""
        if not self.count or int(lengths.max()) > self.longest:
            return None
        words = _pack(buffer, starts, lengths, self.longest)
        slots = self._slots(words)
        codes = np.full(len(starts), -1, dtype=np.int32)
        pending = np.arange(len(starts))
        for probe in range(self.probes + 1):
            candidates = self.table[(slots[pending] + probe) & self.mask]
            hit = candidates >= 0
            hit[hit] = (self.words[candidates[hit]] == words[pending[hit]]).all(axis=1)
            codes[pending[hit]] = candidates[hit]
            pending = pending[~hit]
            if not len(pending):
                return codes
        return None  # not found within the longest probe sequence: an unknown id


def _pack(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """Each token (bytes starts[i] .. starts[i] + lengths[i] - 1 of buffer) as little-endian 64-bit words,
    zero-padded to `width` bytes. `buffer` must extend `width` bytes past the last token."""
    words = np.zeros((len(starts), (width + 7) // 8), dtype=np.uint64)
    for column in range(width):
        byte = buffer[starts + column].astype(np.uint64)
        byte[lengths <= column] = 0
        words[:, column // 8] |= byte << np.uint64(8 * (column % 8))
    return words


def _combine(words: np.ndarray) -> np.ndarray:
    keys = words[:, 0].copy()
    for column in range(1, words.shape[1]):
        keys = keys * np.uint64(0x9E3779B97F4A7C15) ^ words[:, column]  # wraps around, as intended
    return keys


def _fast_chunk(chunk: str, matcher: _IdMatcher) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """Vote rows "voter_id;id,id,…" read with numpy on the bytes, without a Python step per row or
    per approval. None as soon as anything is unusual (quotes, blank or malformed line, unknown or
    padded id): the general reader then handles the block and reports the exact line."""
    if '"' in chunk or not chunk:
        return None
    data = np.frombuffer(chunk.encode("utf-8") + b"\n", dtype=np.uint8)
    newlines = np.flatnonzero(data == 10)
    semicolons = np.flatnonzero(data == 59)
    if len(semicolons) != len(newlines):
        return None
    starts = np.empty_like(newlines)
    starts[0] = 0
    starts[1:] = newlines[:-1] + 1
    # As many ";" as lines and the k-th one inside the k-th line: exactly one per line (no blank line).
    if not (bool((semicolons >= starts).all()) and bool((semicolons < newlines).all())):
        return None
    # Voter ids: the bytes from each line start to its ";", each followed by its newline.
    marks = np.zeros(len(data) + 1, dtype=np.int8)
    marks[starts] += 1
    marks[semicolons] -= 1
    keep = np.cumsum(marks[:-1], dtype=np.int8).astype(bool)
    keep[newlines] = True
    voter_ids = data[keep].tobytes().decode("utf-8").split("\n")[:-1]
    # Vote fields: the bytes after each ";" up to and with the newline.
    marks[:] = 0
    marks[semicolons + 1] += 1
    marks[newlines] -= 1
    keep = np.cumsum(marks[:-1], dtype=np.int8).astype(bool)
    keep[newlines] = True
    votes = data[keep]
    separators = np.flatnonzero((votes == 44) | (votes == 10))
    token_starts = np.empty_like(separators)
    token_starts[0] = 0
    token_starts[1:] = separators[:-1] + 1
    lengths = separators - token_starts
    rows = np.zeros(len(separators), dtype=np.int64)
    np.cumsum(votes[separators[:-1]] == 10, out=rows[1:])
    present = lengths > 0
    token_starts, lengths, rows = token_starts[present], lengths[present], rows[present]
    codes = np.zeros(0, dtype=np.int32)
    if len(lengths):
        found = matcher.codes(np.concatenate([votes, np.zeros(matcher.longest, dtype=np.uint8)]), token_starts,
                              lengths)
        if found is None:
            return None
        codes = found
    codes, rows = _first_occurrences(codes, rows, matcher.count)
    counts = np.bincount(rows, minlength=len(newlines)).astype(np.int64)
    return voter_ids, counts, codes


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


def _split_rows(chunk: list[str], chunk_start: int, header: list[str]
                ) -> tuple[list[str], list[str], dict[str, list[str]], np.ndarray | None]:
    """Voter ids, vote fields and other columns of a chunk of vote lines; `line_of_row` (0-based line
    index of each row) is None when no blank line was skipped (row r is then line chunk_start + r)."""
    width = len(header)
    line_of_row: np.ndarray | None = None
    # Blank lines are rare: look for them only when an empty line or a row of the wrong shape shows up.
    if "" in chunk or any(not line.strip() for line in chunk if ";" not in line):
        kept = [i for i, line in enumerate(chunk) if not _is_blank(line)]
        line_of_row = np.array(kept, dtype=np.int64) + chunk_start
        chunk = [chunk[i] for i in kept]
    id_col, vote_col = header.index("voter_id"), header.index("vote")
    quoted = any('"' in line for line in chunk)
    if width == 2 and not quoted:
        parts = [line.partition(";") for line in chunk]
        malformed = [i for i, part in enumerate(parts) if not part[1] or ";" in part[2]]
        if malformed:
            _malformed(chunk, malformed[0], chunk_start, line_of_row, width)
        first_col = [part[0] for part in parts]
        second_col = [part[2] for part in parts]
        ids, votes = (first_col, second_col) if id_col == 0 else (second_col, first_col)
        return ids, votes, {}, line_of_row
    rows = list(csv.reader(chunk, delimiter=";")) if quoted else [line.split(";") for line in chunk]
    malformed = [i for i, row in enumerate(rows) if len(row) != width]
    if malformed:
        _malformed(chunk, malformed[0], chunk_start, line_of_row, width)
    others = {name: [row[c] for row in rows] for c, name in enumerate(header) if c not in (id_col, vote_col)}
    return [row[id_col] for row in rows], [row[vote_col] for row in rows], others, line_of_row


def _line_number(row: int, chunk_start: int, line_of_row: np.ndarray | None) -> int:
    return int(line_of_row[row] if line_of_row is not None else chunk_start + row) + 1


def _malformed(chunk: list[str], row: int, chunk_start: int, line_of_row: np.ndarray | None, width: int) -> None:
    fields = len(next(csv.reader([chunk[row]], delimiter=";")))
    raise PabulibError(f"ligne mal formée : {fields} champ(s) au lieu de {width}.",
                       _line_number(row, chunk_start, line_of_row))


def _ballots(votes: list[str], lookup: dict[str, int], chunk_start: int, line_of_row: np.ndarray | None,
             num_projects: int) -> tuple[np.ndarray, np.ndarray]:
    """Approval counts per row and the approved positions, from the comma-separated vote fields."""
    joined = "\n".join(votes)
    tokens = joined.replace("\n", ",").split(",")
    try:
        codes = np.fromiter(map(lookup.__getitem__, tokens), dtype=np.int32, count=len(tokens))
    except KeyError:
        codes = _lookup_slowly(votes, tokens, lookup, chunk_start, line_of_row)
    # Which row each token belongs to: count the row separators before it, on the bytes (UTF-8 never
    # hides a "," or a newline inside a multi-byte character).
    raw = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    separators = raw[(raw == 44) | (raw == 10)]
    row_of_token = np.zeros(len(tokens), dtype=np.int64)
    np.cumsum(separators == 10, out=row_of_token[1:])
    kept = codes >= 0
    if not kept.all():
        codes, row_of_token = codes[kept], row_of_token[kept]
    codes, row_of_token = _first_occurrences(codes, row_of_token, num_projects)
    counts = np.bincount(row_of_token, minlength=len(votes)).astype(np.int64)
    return counts, codes


def _lookup_slowly(votes: list[str], tokens: list[str], lookup: dict[str, int], chunk_start: int,
                   line_of_row: np.ndarray | None) -> np.ndarray:
    """Like the fast lookup, but tolerant of spaces around ids and precise about the unknown one."""
    codes = np.empty(len(tokens), dtype=np.int32)
    position = 0
    for row, vote in enumerate(votes):
        for token in vote.split(","):
            code = lookup.get(token)
            if code is None:
                code = lookup.get(token.strip())
            if code is None:
                raise PabulibError(f"le bulletin cite un projet inconnu « {token.strip()} ».",
                                   _line_number(row, chunk_start, line_of_row))
            codes[position] = code
            position += 1
    return codes


def _first_occurrences(codes: np.ndarray, rows: np.ndarray, num_projects: int) -> tuple[np.ndarray, np.ndarray]:
    """Drop a project listed twice on the same ballot (pabutools' ballots are sets), keeping the first."""
    if len(codes) < 2:
        return codes, rows
    counts = np.bincount(rows)
    longest = int(counts.max())
    duplicate = np.zeros(len(codes), dtype=bool)
    if longest <= 16:
        # Ballots are short: compare each approval with the next few of the same ballot.
        for gap in range(1, longest):
            same = (rows[gap:] == rows[:-gap]) & (codes[gap:] == codes[:-gap])
            duplicate[gap:] |= same
    else:
        keys = rows * num_projects + codes
        _, first = np.unique(keys, return_index=True)
        duplicate[:] = True
        duplicate[first] = False
    if duplicate.any():
        return codes[~duplicate], rows[~duplicate]
    return codes, rows


# -- writing -----------------------------------------------------------------------------------

def _decimal_text(value: Decimal) -> str:
    return f"{value:f}"


def _check_id(value: str, what: str) -> None:
    if not value or value != value.strip() or any(ch in value for ch in ",;\"\n\r"):
        raise PabulibError(f"{what} « {value} » invalide pour Pabulib (vide, espaces autour, "
                           "ou « , » « ; » « \" » ou saut de ligne).")


def _one_line(value: str) -> str:
    # Pabulib rows are lines: a line break inside a title becomes a space.
    return " ".join(value.splitlines()) if ("\n" in value or "\r" in value) else value


def dumps_pb(election: PbElection) -> str:
    """The election in the Pabulib format (META first in the usual order, PROJECTS, VOTES)."""
    buffer = io.StringIO()
    write_pb(election, buffer)
    return buffer.getvalue()


def write_pb(election: PbElection, target: str | os.PathLike[str] | TextIO) -> None:
    """Write the election; parsing the result gives back an equal election."""
    if isinstance(target, str | os.PathLike):
        with open(target, "w", encoding="utf-8", newline="") as handle:
            _write(election, handle)
    else:
        _write(election, target)


def _write(election: PbElection, out: TextIO) -> None:
    projects, ballots = election.projects, election.ballots
    if ballots.num_projects != len(projects):
        raise PabulibError("les bulletins ne portent pas sur la liste de projets donnée.")
    if len(election.voter_ids) != ballots.num_voters:
        raise PabulibError("il faut un identifiant de votant par bulletin.")
    meta = dict(election.meta)
    for key, actual in (("num_projects", len(projects)), ("num_votes", ballots.num_voters)):
        if meta.setdefault(key, str(actual)) != str(actual):
            raise PabulibError(f"META {key} vaut « {meta[key]} » mais il y a {actual} éléments.")
    if meta.setdefault("vote_type", "approval") != "approval":
        raise PabulibError("seuls les votes par approbation (vote_type approval) peuvent être écrits.")
    if "budget" not in meta:
        raise PabulibError("META doit donner le budget.")
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\nkey;value\n")
    for key, value in meta.items():
        writer.writerow([_one_line(key), _one_line(str(value))])
    extra_columns: list[str] = []
    for project in projects:
        _check_id(project.id, "Identifiant de projet")
        for key, _ in project.extra:
            if key not in extra_columns:
                extra_columns.append(key)
    columns = ["project_id", "cost"]
    if any(p.votes is not None for p in projects):
        columns.append("votes")
    columns += ["name", "category"]
    if any(p.territory is not None for p in projects):
        columns.append("territory")
    columns += extra_columns
    out.write("PROJECTS\n")
    writer.writerow(columns)
    for project in projects:
        values = {"project_id": project.id, "cost": _decimal_text(project.cost),
                  "votes": "None" if project.votes is None else str(project.votes), "name": _one_line(project.name),
                  "category": project.category or "None", "territory": project.territory or "None",
                  **{k: _one_line(v) for k, v in project.extra}}
        writer.writerow([values.get(column, "None") for column in columns])
    extra_names = list(election.voter_extra)
    for name in extra_names:
        if len(election.voter_extra[name]) != ballots.num_voters:
            raise PabulibError(f"la colonne de votants « {name} » n'a pas une valeur par bulletin.")
    out.write("VOTES\n" + ";".join(["voter_id", "vote", *extra_names]) + "\n")
    ids = [p.id for p in projects]
    indptr, indices = ballots.indptr.tolist(), ballots.indices.tolist()
    extra_values = [election.voter_extra[name] for name in extra_names]
    for column in extra_values:
        for value in column:
            if any(ch in value for ch in ";\"\n\r"):
                raise PabulibError(f"valeur de votant « {value} » invalide pour Pabulib.")
    lines = []
    for voter, voter_id in enumerate(election.voter_ids):
        _check_id(voter_id, "Identifiant de votant")
        vote = ",".join([ids[j] for j in indices[indptr[voter]:indptr[voter + 1]]])
        lines.append(";".join([voter_id, vote, *(column[voter] for column in extra_values)]))
        if len(lines) >= 100_000:  # write by blocks: bounded memory for large exports
            out.write("\n".join(lines) + "\n")
            lines.clear()
    if lines:
        out.write("\n".join(lines) + "\n")
