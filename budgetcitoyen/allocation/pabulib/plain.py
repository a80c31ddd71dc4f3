"""Plain vote rows ("voter_id;id,id,…", other columns allowed) of a small Pabulib file, read without numpy.

Most real elections are small (a few
thousand ballots); importing numpy costs more than reading them in Python, and a greedy rule needs only
the counts. Anything unusual (quotes, a blank or malformed line, an unknown or padded id, a large
file, a caller that wants progress by blocks) is left to `votes.read_rows`, which reads it in bulk and
reports the exact line: this reader answers None rather than decide anything differently.
"""

from __future__ import annotations

from budgetcitoyen.allocation.values import Ballots

# Beyond this many characters of vote rows, the bulk reader (numpy) is faster, import included.
PLAIN_MAX_CHARS = 2 << 20


def is_blank(line: str) -> bool:
    # As pabutools: a line of spaces is skipped; ";" is a row (of empty fields), not a blank line.
    return not line.strip()


def plain_rows(rows: str, header: list[str], project_ids: list[str]
               ) -> tuple[Ballots, list[str], dict[str, list[str]]] | None:
    """What `votes.read_rows` gives for these rows, or None when they are not small and plain."""
    if len(rows) > PLAIN_MAX_CHARS or '"' in rows:
        return None
    width = len(header)
    id_col, vote_col = header.index("voter_id"), header.index("vote")
    lookup = {pid: j for j, pid in enumerate(project_ids)}
    voter_ids: list[str] = []
    others: list[tuple[int, list[str]]] = [(c, []) for c in range(width) if c not in (id_col, vote_col)]
    indptr = [0]
    indices: list[int] = []
    # Voters often cast the same ballot (Świecie 2023: 2,553 rows, 695 distinct): each text is read once.
    known: dict[str, list[int]] = {}
    lines = rows.split("\n") if rows else []
    for line in lines:
        fields = line.split(";")
        if len(fields) != width:
            return None  # a blank or malformed line: the bulk reader skips it or names it
        vote = fields[vote_col]
        codes = known.get(vote)
        if codes is None:
            try:
                # Empty tokens ("1,,2", a trailing comma, an empty ballot) name no project, as pabutools.
                codes = [lookup[token] for token in vote.split(",") if token]
            except KeyError:
                return None
            if len(codes) > 1 and len(set(codes)) < len(codes):
                codes = list(dict.fromkeys(codes))  # a project listed twice counts once, the first
            known[vote] = codes
        voter_ids.append(fields[id_col])
        indices.extend(codes)
        indptr.append(len(indices))
        for column, values in others:
            values.append(fields[column])
    extra = {header[column]: values for column, values in others}
    return Ballots.from_python(indptr, indices, len(project_ids)), voter_ids, extra
