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

from budgetcitoyen.allocation.pabulib.election import (
    DEFAULT_MAX_BYTES,
    PabulibError,
    PbElection,
    PbProject,
    Progress,
)
from budgetcitoyen.allocation.pabulib.reader import parse_pb, parse_pb_bytes, read_pb

TYPE_CHECKING = False
if TYPE_CHECKING:
    from budgetcitoyen.allocation.pabulib.writer import dumps_pb, joined_rows, write_pb

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PabulibError",
    "PbElection",
    "PbProject",
    "Progress",
    "dumps_pb",
    "joined_rows",
    "parse_pb",
    "parse_pb_bytes",
    "read_pb",
    "write_pb",
]

_WRITER = {"dumps_pb", "joined_rows", "write_pb"}


def __getattr__(name: str) -> object:
    # The writer (csv, re, io) is imported when first asked for: `budgetcitoyen allocate` only reads.
    if name in _WRITER:
        from budgetcitoyen.allocation.pabulib import writer

        return getattr(writer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WRITER])
