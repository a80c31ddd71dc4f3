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

With --real [FOLDER] (default: tests/allocation/data), the real Pabulib elections are timed as a user
runs them instead: the whole command `budgetcitoyen allocate --pb FILE --rule RULE --json` in a fresh
process (wall time, median of --repeat runs, interpreter start included, bytecode written as pip
does, one untimed run first; half of the runs just before pabutools' and half just after), next to
pabutools' parse + rule in the same run (wall time inside its worker, its interpreter start and imports
left out), and
the ratio per row and summed. RULE is the election's own (greedy for Łódź with its 100-vote threshold
and Amsterdam, mes for Świecie and Assen); --rules greedy,mes times every file under both. For mes,
pabutools runs the same rule (its equal shares, the share raised one unit at a time while the outcome
fits, then its greedy); the load average and the machine are printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
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


def pabutools(path: Path, rule: str, timeout: float, threshold: int = 0, wall: bool = False) -> Timing:
    """Run the worker; if killed at the timeout, `seconds` is the CPU time it had spent on the task
    (its CPU time minus what it had used before starting the clock), a lower bound."""
    command = [sys.executable, __file__, "--pabutools-worker", rule, str(path), str(threshold)]
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
    return Timing(answer["wall_seconds" if wall else "seconds"], answer["selected"], answer["parse_seconds"])


def pabutools_worker(rule: str, path: str, threshold: int = 0) -> None:
    """Parse with pabutools and apply its rules; print the outcome and the time as JSON."""
    from copy import deepcopy

    from pabutools.election import Cost_Sat, Instance, parse_pabulib
    from pabutools.election.instance import total_cost
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    start = time.process_time()
    wall = time.perf_counter()
    print(start, file=sys.stderr, flush=True)  # CPU already used (imports): not part of the timing
    instance, profile = parse_pabulib(path)
    parsed = time.process_time()
    if threshold:
        # pabutools has no vote threshold: a project below it is simply not a candidate.
        kept = [p for p in instance if profile.approval_score(p) >= threshold]
        instance = Instance(kept, budget_limit=instance.budget_limit)
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    else:
        # The rule as this project defines it: raise the share one unit at a time from
        # floor(budget / voters) + 1 while the outcome fits, until everything equal shares can buy is bought.
        budget, voters = instance.budget_limit, profile.num_ballots()
        approvals = {p: profile.approval_score(p) for p in instance}
        available = {p for p in instance if p.cost > 0 and approvals[p] > 0}
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
        share = int(budget) // voters
        while not available <= set(outcome):
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
            {
                "selected": [p.name for p in outcome],
                "seconds": seconds,
                "parse_seconds": parsed - start,
                "wall_seconds": time.perf_counter() - wall,
            }
        )
    )


def ratio(theirs: Timing, mine: Timing) -> str:
    value = theirs.seconds / mine.seconds
    return f"{'>' if theirs.killed else ''}{value:,.0f} x" if value >= 10 else f"{value:.2f} x"


def parse_sizes(text: str | None) -> list[tuple[int, int]]:
    if not text:
        return [(p, n) for p in PROJECTS for n in BALLOTS]
    sizes = []
    for item in text.split(","):
        projects, _, voters = item.lower().partition("x")
        sizes.append((int(projects), int(voters)))
    return sizes


# The real elections of tests/allocation/data, each with the rule (and threshold) that gives its outcome.
OWN_RULES = {
    "Poland_Lodz_2023_Chojny": ("greedy", 100),
    "Netherlands_Amsterdam_166": ("greedy", 0),
    "Poland_Swiecie_2023": ("mes", 0),
    "Netherlands_Assen_2024": ("mes", 0),
}


def command_times(path: Path, rule: str, threshold: int, repeat: int) -> tuple[list[float], list[str]]:
    """Wall seconds of the whole `budgetcitoyen allocate` process, run `repeat` times, and its selection."""
    command = [str(Path(sys.executable).with_name("budgetcitoyen")), "allocate", "--pb", str(path),
               "--rule", rule, "--tie-break", "id", "--threshold", str(threshold), "--json"]
    seconds, selected = [], []
    # As a user runs it: pip writes the package's bytecode when it installs it, so the command never
    # compiles its modules. A shell with PYTHONDONTWRITEBYTECODE set (CI images, this workplace) would
    # recompile them at every run (about 30 ms); the child may write its bytecode, and a first untimed
    # run writes it and warms the file cache.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
        seconds.append(time.perf_counter() - start)
        selected = json.loads(done.stdout)["selected"]
    return seconds, selected


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
                 platform.processor())
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{model}, {os.cpu_count()} logical cores, Python {platform.python_version()}, "
            f"numpy {np.__version__}; load average {load}")


def real(folder: Path, rules: list[str] | None, repeat: int, timeout: float) -> None:
    print(machine())
    header = (f"{'election':<28} {'rule':>6} {'command median (s)':>19} {'min..max':>13} "
              f"{'pabutools (s)':>14} {'ratio':>8} {'identical':>9}")
    print(header)
    print("-" * len(header))
    mine_total = theirs_total = 0.0
    for name, (own_rule, threshold) in OWN_RULES.items():
        path = folder / f"{name}.pb"
        for rule in rules or [own_rule]:
            limit = threshold if rule == own_rule else 0
            # Ours in two bursts, one on each side of pabutools' run (tens of seconds for Świecie): a busy
            # spell of the machine then weighs on both sides of the ratio alike.
            before, selected = command_times(path, rule, limit, (repeat + 1) // 2)
            theirs = pabutools(path, rule, timeout, limit, wall=True)
            after, selected_after = command_times(path, rule, limit, repeat // 2) if repeat > 1 else ([], [])
            seconds = before + after
            if after and selected_after != selected:
                raise SystemExit(f"{name}: two runs of `allocate` selected different projects")
            median = statistics.median(seconds)
            mine_total += median
            theirs_total += theirs.seconds
            same = "?" if theirs.selected is None else (
                "yes" if set(theirs.selected) == set(selected) else "NO")
            spread = f"{min(seconds):.3f}..{max(seconds):.3f}"
            their_time = f">{theirs.seconds:.1f}" if theirs.killed else f"{theirs.seconds:.2f}"
            print(f"{name:<28} {rule:>6} {median:>19.3f} {spread:>13} {their_time:>14} "
                  f"{ratio(theirs, Timing(median, selected)):>8} {same:>9}", flush=True)
    print("-" * len(header))
    print(f"{'summed':<28} {'':>6} {mine_total:>19.3f} {'':>13} {theirs_total:>14.2f} "
          f"{theirs_total / mine_total:>7,.0f} x")
    print(machine())


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--pabutools-worker":
        pabutools_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
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
    parser.add_argument("--real", nargs="?", type=Path,
                        const=Path(__file__).parents[1] / "tests/allocation/data",
                        help="time the whole command on the real elections of this folder (see above)")
    args = parser.parse_args()
    if args.real is not None:
        chosen = [r for r in args.rules.split(",") if r] if "--rules" in sys.argv else None
        real(args.real, chosen, args.repeat if "--repeat" in sys.argv else 5, args.pabutools_timeout)
        return
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
