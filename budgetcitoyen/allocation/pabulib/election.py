"""A Pabulib approval election as plain values, and the error every problem with a file raises."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from budgetcitoyen.allocation.records import FrozenRecord
from budgetcitoyen.allocation.values import AllocationError, Ballots, Project

DEFAULT_MAX_BYTES = 10**9  # 1 Go: far above any real election (Pabulib's largest are tens of Mo)

Progress = Callable[[int, int], None]
"""Called with (vote lines read, vote lines in the file)."""


class PabulibError(AllocationError):
    """A Pabulib file that cannot be read; `line` is the 1-based line number when there is one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"Ligne {line} : {message}" if line is not None else message)
        self.line = line


class PbProject(FrozenRecord):
    """A row of the PROJECTS section. `votes` is the file's own column (None when absent); `extra`
    keeps the other columns, in file order, so that writing back loses nothing."""

    _fields = ("id", "cost", "votes", "name", "category", "territory", "extra")
    __slots__ = _fields
    id: str
    cost: Decimal
    votes: int | None
    name: str
    category: str | None
    territory: str | None
    extra: tuple[tuple[str, str], ...]

    def __init__(self, id: str, cost: Decimal, votes: int | None = None, name: str = "",
                 category: str | None = None, territory: str | None = None,
                 extra: tuple[tuple[str, str], ...] = ()) -> None:
        self._set(id=id, cost=cost, votes=votes, name=name, category=category, territory=territory,
                  extra=extra)


class PbElection:
    """A parsed (or to be written) Pabulib approval election.

    `ballots` index `projects` by position; `voter_ids[v]` is the id of ballot v; `voter_extra` holds
    the other VOTES columns (age, sex, voting_method…), one list per column, aligned with the ballots.
    """

    def __init__(self, meta: dict[str, str], projects: list[PbProject], ballots: Ballots,
                 voter_ids: list[str], voter_extra: dict[str, list[str]] | None = None) -> None:
        self.meta = meta
        self.projects = projects
        self.ballots = ballots
        self.voter_ids = voter_ids
        self.voter_extra: dict[str, list[str]] = {} if voter_extra is None else voter_extra

    def __repr__(self) -> str:
        return (f"PbElection({self.meta.get('description', '')!r}: {len(self.projects)} projects, "
                f"{self.ballots.num_voters} ballots)")

    @classmethod
    def new(cls, *, description: str, unit: str, instance: str, budget: Decimal | int,
            projects: Sequence[PbProject], ballots: Ballots, voter_ids: Sequence[str],
            country: str = "France", rule: str = "greedy", currency: str = "EUR",
            extra_meta: Mapping[str, str] | None = None) -> PbElection:
        """An election ready to be written, META in Pabulib's usual order (for exports)."""
        meta = {"description": description, "country": country, "unit": unit, "instance": str(instance),
                "num_projects": str(len(projects)), "num_votes": str(ballots.num_voters),
                "budget": decimal_text(Decimal(budget)), "vote_type": "approval", "rule": rule,
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
        approvals = self.ballots.approval_counts()
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



def decimal_text(value: Decimal) -> str:
    return f"{value:f}"

