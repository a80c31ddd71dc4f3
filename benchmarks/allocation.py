"""Allocation engine against pabutools on generated Pabulib files: parse + rule, for greedy and mes.

Each instance (projects × approval ballots) is generated with skewed popularity (log-normal project
weights), 1–5 approvals per voter, costs of 1,000–20,000 and a budget of a third of the total cost,
written to a temporary .pb file, then timed:

* ours: `read_pb` + `allocate` (greedy, and mes = equal shares completed "+1 per voter" then greedy),
  best of --repeat runs; for greedy, the share of the time spent reading the file is shown;
* pabutools 1.2.3: `parse_pabulib` + `greedy_utilitarian_welfare` (Cost_Sat), and for mes the same
  completion built on its `method_of_equal_shares` (Cost_Sat) then its greedy, in a subprocess killed
  after --pabutools-timeout seconds of wall time (then the CPU time it had spent is a lower bound,
  and so is the ratio, shown as ">N x").

Times are CPU seconds of the timed process (time.process_time), so that other work on the machine
does not blur the ratios. Run (the project installed in the venv):
.venv/bin/python benchmarks/allocation.py [--sizes 50x10000,150x100000] [--pabutools-timeout 600]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from budgetcitoyen.allocation import Ballots, allocate
from budgetcitoyen.allocation.pabulib import PbElection, PbProject, read_pb, write_pb

PROJECTS = (50, 150, 500)
BALLOTS = (10_000, 100_000, 300_000)
RULES = ("greedy", "mes")


@dataclass
class Timing:
    seconds: float  # CPU seconds; when killed, those spent until the kill (a lower bound)
    selected: list[str] | None
    parse_seconds: float | None = None
    killed: bool = False


def generate(projects: int, voters: int, seed: int) -> PbElection:
    rng = np.random.default_rng(seed)
    costs = rng.integers(10, 201, size=projects) * 100  # 1,000 to 20,000 in hundreds, as real dossiers
    weights = rng.normal(0.0, 1.0, size=projects)  # log-normal popularity: a few projects get most votes
    lengths = rng.integers(1, 6, size=voters)
    rows = []
    for start in range(0, voters, 20_000):
        stop = min(voters, start + 20_000)
        # Gumbel top-k: k distinct projects drawn with probability proportional to exp(weight).
        keys = weights + rng.gumbel(size=(stop - start, projects))
        top = np.argpartition(-keys, 5, axis=1)[:, :5]
        order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        rows.append(top[np.arange(5) < lengths[start:stop, None]])
    indptr = np.zeros(voters + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    ballots = Ballots(indptr, np.concatenate(rows).astype(np.int32), projects)
    approvals = ballots.approvals()
    items = [
        PbProject(str(j + 1), Decimal(int(costs[j])), int(approvals[j]), f"Projet {j + 1}")
        for j in range(projects)
    ]
    voter_ids = [f"{i:07d}" for i in rng.permutation(voters)]
    return PbElection.new(
        description=f"Benchmark {projects} x {voters}",
        unit="Benchmark",
        instance=str(seed),
        budget=int(costs.sum()) // 3,
        projects=items,
        ballots=ballots,
        voter_ids=voter_ids,
    )


def ours(path: Path, rule: str, repeat: int) -> Timing:
    best: Timing | None = None
    for _ in range(repeat):
        start = time.process_time()
        election = read_pb(path)
        parsed = time.process_time()
        outcome = allocate(
            election.allocation_projects(),
            election.budget,
            rule=rule,
            ballots=election.ballots,
            tie_break="id",
        )
        total = time.process_time() - start
        if best is None or total < best.seconds:
            best = Timing(total, list(outcome.selected), parsed - start)
    assert best is not None
    return best


def pabutools(path: Path, rule: str, timeout: float) -> Timing:
    """Run the worker; if killed at the timeout, `seconds` is the CPU time it had spent on the task
    (its CPU time minus what it had used before starting the clock), a lower bound."""
    command = [sys.executable, __file__, "--pabutools-worker", rule, str(path)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired as killed:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        stderr = killed.stderr.decode() if isinstance(killed.stderr, bytes) else (killed.stderr or "")
        started = float(stderr.split()[-1]) if stderr.strip() else 0.0
        return Timing(used - started, None, killed=True)
    answer = json.loads(done.stdout)
    return Timing(answer["seconds"], answer["selected"], answer["parse_seconds"])


def pabutools_worker(rule: str, path: str) -> None:
    """Parse with pabutools and apply its rules; print the outcome and the time as JSON."""
    from copy import deepcopy

    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.election.instance import total_cost
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    start = time.process_time()
    print(start, file=sys.stderr, flush=True)  # CPU already used (imports): not part of the timing
    instance, profile = parse_pabulib(path)
    parsed = time.process_time()
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    else:
        budget, voters = instance.budget_limit, profile.num_ballots()
        approvals = {p: profile.approval_score(p) for p in instance}
        available = [p for p in instance if p.cost > 0 and approvals[p] > 0]
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
        share = int(budget) // voters
        while not instance.is_exhaustive(outcome, available_projects=available):
            share += 1
            virtual = deepcopy(instance)
            virtual.budget_limit = share * voters
            attempt = method_of_equal_shares(virtual, profile, sat_class=Cost_Sat)
            if total_cost(attempt) > budget:
                break
            outcome = attempt
        outcome = greedy_utilitarian_welfare(
            instance, profile, sat_class=Cost_Sat, initial_budget_allocation=outcome
        )
    seconds = time.process_time() - start
    print(
        json.dumps(
            {"selected": [p.name for p in outcome], "seconds": seconds, "parse_seconds": parsed - start}
        )
    )


def ratio(theirs: Timing, mine: Timing) -> str:
    return f"{'>' if theirs.killed else ''}{theirs.seconds / mine.seconds:,.0f} x"


def parse_sizes(text: str | None) -> list[tuple[int, int]]:
    if not text:
        return [(p, n) for p in PROJECTS for n in BALLOTS]
    sizes = []
    for item in text.split(","):
        projects, _, voters = item.lower().partition("x")
        sizes.append((int(projects), int(voters)))
    return sizes


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--pabutools-worker":
        pabutools_worker(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", help="comma-separated PROJECTSxBALLOTS, e.g. 50x10000,500x300000 (default: all 9)"
    )
    parser.add_argument("--pabutools-timeout", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--rules", default=",".join(RULES), help="greedy,mes (default both)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours, best kept (default 3)")
    parser.add_argument("--no-pabutools", action="store_true", help="time ours only")
    args = parser.parse_args()
    rules = [r for r in args.rules.split(",") if r]
    header = (
        f"{'projects':>8} {'ballots':>8} {'rule':>6} {'ours (s)':>9} {'parse %':>8} {'pabutools (s)':>14} "
        f"{'ratio':>10} {'identical':>9}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as folder:
        for seed, (projects, voters) in enumerate(parse_sizes(args.sizes), start=1):
            path = Path(folder) / f"bench_{projects}x{voters}.pb"
            write_pb(generate(projects, voters, seed), path)
            for rule in rules:
                mine = ours(path, rule, args.repeat)
                assert mine.parse_seconds is not None
                share = f"{100 * mine.parse_seconds / mine.seconds:.0f} %" if rule == "greedy" else ""
                if args.no_pabutools:
                    print(f"{projects:>8} {voters:>8} {rule:>6} {mine.seconds:>9.3f} {share:>8}")
                    continue
                theirs = pabutools(path, rule, args.pabutools_timeout)
                their_time = f">{theirs.seconds:.0f} (killed)" if theirs.killed else f"{theirs.seconds:.1f}"
                same = (
                    "?"
                    if theirs.selected is None
                    else ("yes" if set(theirs.selected) == set(mine.selected or []) else "NO")
                )
                print(
                    f"{projects:>8} {voters:>8} {rule:>6} {mine.seconds:>9.3f} {share:>8} {their_time:>14} "
                    f"{ratio(theirs, mine):>10} {same:>9}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
