"""The VOTES rows of a Pabulib file, read in bulk: numpy on the bytes when the rows are plain
("voter_id;id,id,…"), string splits in C and one dict otherwise, so that hundreds of thousands of
ballots never cost a Python step per approval. Problems raise `PabulibError` naming the line."""

from __future__ import annotations

import csv
from collections.abc import Callable

import numpy as np

from budgetcitoyen.allocation.pabulib.election import PabulibError
from budgetcitoyen.allocation.pabulib.plain import is_blank
from budgetcitoyen.allocation.values import Ballots

_CHUNK_CHARS = 8 << 20  # vote rows are read by blocks of about this many characters (and whole lines):
# it bounds the temporary arrays and paces the progress callback.


def read_rows(rows: str, first: int, header: list[str], project_ids: list[str],
              progress: Callable[[int, int], None] | None) -> tuple[Ballots, list[str], dict[str, list[str]]]:
    """The ballots, voter ids and other columns of the vote rows (`first`: 0-based line of the first row)."""
    total = rows.count("\n") + 1 if rows else 0
    lookup = {pid: j for j, pid in enumerate(project_ids)}
    lookup[""] = -1  # "1,,2", a trailing comma or an empty ballot: no project (pabutools skips them too)
    matcher = _IdMatcher(project_ids) if header == ["voter_id", "vote"] else None
    voter_ids: list[str] = []
    extra: dict[str, list[str]] = {name: [] for name in header if name not in ("voter_id", "vote")}
    chunks: list[tuple[np.ndarray, np.ndarray]] = []
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
            counts, codes = _ballots(votes, lookup, first + done, line_of_row, len(project_ids))
            for name, values in others.items():
                extra[name].extend(values)
        voter_ids.extend(ids)
        chunks.append((counts, codes))
        done += lines_in_chunk
        if progress is not None:
            progress(done, total)
    counts = np.concatenate([c for c, _ in chunks]) if chunks else np.zeros(0, dtype=np.int64)
    codes = np.concatenate([c for _, c in chunks]) if chunks else np.zeros(0, dtype=np.int32)
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return Ballots(indptr, codes, len(project_ids)), voter_ids, extra


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
        padded = np.concatenate([votes, np.zeros(matcher.longest, dtype=np.uint8)])
        found = matcher.codes(padded, token_starts, lengths)
        if found is None:
            return None
        codes = found
    codes, rows = _first_occurrences(codes, rows, matcher.count)
    counts = np.bincount(rows, minlength=len(newlines)).astype(np.int64)
    return voter_ids, counts, codes


def _split_rows(chunk: list[str], chunk_start: int, header: list[str]
                ) -> tuple[list[str], list[str], dict[str, list[str]], np.ndarray | None]:
    """Voter ids, vote fields and other columns of a chunk of vote lines; `line_of_row` (0-based line
    index of each row) is None when no blank line was skipped (row r is then line chunk_start + r)."""
    width = len(header)
    line_of_row: np.ndarray | None = None
    # Blank lines are rare: look for them only when an empty line or a row of the wrong shape shows up.
    if "" in chunk or any(not line.strip() for line in chunk if ";" not in line):
        kept = [i for i, line in enumerate(chunk) if not is_blank(line)]
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


def _malformed(chunk: list[str], row: int, chunk_start: int, line_of_row: np.ndarray | None,
               width: int) -> None:
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


def _first_occurrences(codes: np.ndarray, rows: np.ndarray, num_projects: int
                       ) -> tuple[np.ndarray, np.ndarray]:
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
