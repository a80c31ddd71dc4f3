"""`budgetcitoyen allocate --pb`: JSON and table output, French errors, no application needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetcitoyen.allocation import mes_rules
from budgetcitoyen.allocation.commands import allocate_command
from budgetcitoyen.allocation.pabulib import DEFAULT_MAX_BYTES
from budgetcitoyen.allocation.run_command import json_line, quick_main, quick_options, run
from budgetcitoyen.cli import main

DATA = Path(__file__).parent / "data"
SMALL = (
    "META\nkey;value\nvote_type;approval\nbudget;100\ncurrency;EUR\nPROJECTS\nproject_id;cost;name\n"
    "10;60;Jardin\n9;60;Café\n3;30;Atelier\nVOTES\nvoter_id;vote\nv1;10,9\nv2;9,10\nv3;3\nv4;10\n"
)


def test_json_output_on_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    result = CliRunner().invoke(main, ["allocate", "--pb", str(path), "--rule", "greedy", "--json"])
    assert result.exit_code == 0, result.output
    # 10 has 3 votes, 9 has 2 (and no longer fits), 3 has 1: selection order.
    assert json.loads(result.stdout) == {"selected": ["10", "3"], "spent": 90, "budget": 100}
    result = CliRunner().invoke(
        main, ["allocate", "--pb", str(path), "--rule", "greedy", "--threshold", "2", "--json"]
    )
    assert json.loads(result.stdout) == {"selected": ["10"], "spent": 60, "budget": 100}


def test_json_output_equal_shares_on_a_real_file() -> None:
    result = CliRunner().invoke(
        main,
        [
            "allocate",
            "--pb",
            str(DATA / "Poland_Swiecie_2023.pb"),
            "--rule",
            "mes",
            "--utility",
            "cost",
            "--tie-break",
            "id",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["budget"] == 1070000 and data["spent"] == 1040337
    assert data["selected"][:3] == ["c12", "c10", "c20"]
    assert len(data["selected"]) == 17


def test_table_output_is_french(tmp_path: Path) -> None:
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    result = CliRunner().invoke(main, ["allocate", "--pb", str(path), "--rule", "mes-raw"])
    assert result.exit_code == 0, result.output
    text = result.stdout.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Enveloppe : 100 € ; 4 bulletins, 3 projets." in text
    assert "Part de chaque votant : 25 € (enveloppe ÷ 4 votants)." in text
    assert "Financé par la méthode des parts égales (1er achat)" in text
    assert "projets financés ; dépensé :" in text


def test_errors_are_french_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.pb"
    path.write_text(SMALL.replace("v3;3", "v3;7"), encoding="utf-8")
    result = CliRunner().invoke(main, ["allocate", "--pb", str(path), "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Erreur : Ligne 15 : le bulletin cite un projet inconnu « 7 ».\n"
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(main, ["allocate", "--pb", str(tmp_path / "absent.pb")])
    assert missing.exit_code == 1 and missing.stderr.startswith("Erreur : Fichier introuvable")
    folder = CliRunner().invoke(main, ["allocate", "--pb", str(tmp_path)])
    assert (folder.exit_code, folder.stderr) == (1, f"Erreur : {tmp_path} n'est pas un fichier.\n")
    too_big = CliRunner().invoke(main, ["allocate", "--pb", str(path), "--max-bytes", "10"])
    assert too_big.exit_code == 1 and "Fichier trop volumineux" in too_big.stderr


def test_the_console_command_needs_no_application_nor_database(tmp_path: Path) -> None:
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    instance = tmp_path / "instance"
    env = {
        **os.environ,
        "BUDGETCITOYEN_INSTANCE_PATH": str(instance),
        "BUDGETCITOYEN_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing",
    }
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from budgetcitoyen.cli import main; main()",
            "allocate",
            "--pb",
            str(path),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["selected"] == ["10", "3"]
    assert not instance.exists()


EXPORTED = (
    "META\nkey;value\nnum_projects;4\nnum_votes;3\nbudget;100\nvote_type;approval\ntie_break;edition\n"
    "threshold;1\nutility;cost\nsub_envelopes;jeunes:50\nPROJECTS\nproject_id;cost;name;category;filed_order\n"
    "A;40;a;jeunes;2\nB;40;b;jeunes;1\nC;30;c;autre;3\nD;10;d;autre;4\nVOTES\nvoter_id;vote\nx;A,B\ny;A,B\nz;C\n"
)


def test_settings_written_in_meta_by_our_exports_apply_unless_overridden(tmp_path: Path) -> None:
    path = tmp_path / "export.pb"
    path.write_text(EXPORTED, encoding="utf-8")
    # A and B tie: B was filed first; the "jeunes" sub-envelope (50) then has no room for A; D has no vote.
    result = CliRunner().invoke(main, ["allocate", "--pb", str(path), "--json"])
    assert json.loads(result.stdout) == {"selected": ["B", "C"], "spent": 70, "budget": 100}
    result = CliRunner().invoke(
        main, ["allocate", "--pb", str(path), "--json", "--tie-break", "id", "--threshold", "0"]
    )
    assert json.loads(result.stdout) == {"selected": ["A", "C", "D"], "spent": 80, "budget": 100}
    # Sub-envelopes belong to the greedy rules: equal shares ignores them rather than failing.
    result = CliRunner().invoke(main, ["allocate", "--pb", str(path), "--json", "--rule", "mes"])
    assert result.exit_code == 0, result.output
    broken = EXPORTED.replace("jeunes:50", "jeunes:beaucoup")
    path.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(main, ["allocate", "--pb", str(path)])
    assert result.exit_code == 1 and "sous-enveloppe « jeunes:beaucoup » invalide" in result.stderr


LEAN = """
import sys
from budgetcitoyen import console
sys.argv = ["budgetcitoyen", *sys.argv[1:]]
code = None
try:
    console()
except SystemExit as done:
    code = done.code
heavy = sorted({name.split(".")[0] for name in sys.modules}
               & {"flask", "werkzeug", "sqlalchemy", "alembic", "matplotlib", "babel", "jinja2", "wtforms"})
print(" ".join(heavy) or "-", code, file=sys.stderr)
"""


def test_the_console_entry_runs_allocate_without_flask_nor_the_database(tmp_path: Path) -> None:
    # The command (bin/budgetcitoyen, through main and console) hands `allocate` to its own click
    # command before the Flask command group is imported: nothing of the web application is loaded.
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-c", LEAN, "allocate", "--pb", str(path), "--rule", "mes", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert json.loads(completed.stdout) == {"selected": ["10", "3"], "spent": 90, "budget": 100}
    assert completed.stderr.split() == ["-", "0"]
    usage = subprocess.run(
        [sys.executable, "-c", LEAN, "allocate", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert usage.stdout.startswith("Usage: budgetcitoyen allocate [OPTIONS]")
    assert usage.stderr.split() == ["-", "0"]


def test_the_console_entry_hands_every_other_command_to_the_flask_group(tmp_path: Path) -> None:
    env = {**os.environ, "BUDGETCITOYEN_INSTANCE_PATH": str(tmp_path / "instance")}
    completed = subprocess.run(
        [sys.executable, "-c", LEAN, "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert "allocate" in completed.stdout and "pb-import" in completed.stdout and "db" in completed.stdout
    assert completed.stderr.split()[0] != "-"  # Flask is loaded for these


QUICK = """
import sys
at_start = set(sys.modules)
from budgetcitoyen import console
sys.argv = ["budgetcitoyen", *sys.argv[1:]]
code = None
try:
    console()
except SystemExit as done:
    code = done.code
print(" ".join(sorted({"numpy", "click"} & set(sys.modules))) or "-", code, file=sys.stderr)
# What the start of `allocate` stays without (allocation/records.py says why), beyond what the
# interpreter had already imported before it began.
slow = {"dataclasses", "inspect", "typing", "pathlib", "contextlib", "importlib.util"}
print(" ".join(sorted((slow & set(sys.modules)) - at_start)) or "-", file=sys.stderr)
# And what a greedy rule needs nowhere (equal shares needs fractions, hence re).
unneeded = {"re", "json", "csv", "fractions", "enum", "functools"}
print(" ".join(sorted((unneeded & set(sys.modules)) - at_start)) or "-", file=sys.stderr)
"""


def test_a_greedy_allocate_imports_neither_numpy_nor_click(tmp_path: Path) -> None:
    # The process start is most of a real `allocate`: a greedy rule needs only the vote counts.
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-c", QUICK, "allocate", "--pb", str(path), "--json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )
    assert json.loads(completed.stdout) == {"selected": ["10", "3"], "spent": 90, "budget": 100}
    assert completed.stderr.split() == ["-", "0", "-", "-"]
    # --help (and any error) is click's own.
    usage = subprocess.run(
        [sys.executable, "-c", QUICK, "allocate", "--pb", str(path), "--help"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )
    assert usage.stdout.startswith("Usage: budgetcitoyen allocate [OPTIONS]")
    assert usage.stderr.split()[:2] == ["click", "0"]


@pytest.mark.parametrize(("name", "rule"),
                         [("Netherlands_Assen_2024", "mes"), ("Poland_Swiecie_2023", "mes-raw")])
def test_equal_shares_where_plain_python_is_faster_does_not_import_numpy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, rule: str
) -> None:
    # Assen 2024 (84 voters): the whole Add1 scan in plain Python costs less than importing numpy; so does
    # one run of equal shares on Świecie 2023 (2,553 voters).
    path = DATA / f"{name}.pb"
    completed = subprocess.run(
        [sys.executable, "-c", QUICK, "allocate", "--pb", str(path), "--rule", rule, "--json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )
    # Neither numpy nor click imported, exit code 0, nor any of the slow standard modules (but fractions,
    # and re with it, for the exact arithmetic of equal shares).
    assert completed.stderr.split() == ["-", "0", "-", "enum", "fractions", "functools", "re"]
    monkeypatch.setattr(mes_rules, "PLAIN_WORK", -1)  # what the numpy engine answers
    monkeypatch.setattr(mes_rules, "PLAIN_RUN_BUDGET", -1)
    assert completed.stdout.splitlines() == run(path, rule, None, None, None, True, DEFAULT_MAX_BYTES)


QUICK_LINES = [
    ["--pb", "{real}", "--rule", "mes"],
    ["--pb={real}", "--rule=mes-raw", "--utility=card", "--json"],
    ["--pb", "{real}", "--rule", "territorial", "--threshold", "20", "--tie-break", "edition"],
    ["--pb", "{real}", "--rule", "mes", "--rule", "greedy", "--json", "--max-bytes", "1000000"],
    ["--pb", "{small}", "--threshold", "2"],
    ["--pb", "{small}", "--max-bytes", "10"],
    ["--pb", "{missing}"],
    ["--pb", "{folder}"],
    ["--pb", "{small}/", "--json"],
]


def test_the_quick_start_prints_what_the_click_command_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = tmp_path / "small.pb"
    small.write_text(SMALL, encoding="utf-8")
    paths = {"real": str(DATA / "Netherlands_Assen_2024.pb"), "small": str(small),
             "missing": str(tmp_path / "missing.pb"), "folder": str(tmp_path)}
    for line in QUICK_LINES:
        args = [arg.format(**paths) for arg in line]
        assert quick_options(args) is not None
        with pytest.raises(SystemExit) as done:
            quick_main(args)
        quick = capsys.readouterr()
        clicked = CliRunner().invoke(allocate_command, args, prog_name="budgetcitoyen allocate")
        assert (quick.out, quick.err, done.value.code) == (clicked.stdout, clicked.stderr, clicked.exit_code)


@pytest.mark.parametrize("args", [
    [], ["--help"], ["--pb", "x.pb", "-h"], ["--pb"], ["--pb", "x.pb", "--rule", "bogus"],
    ["--pb", "x.pb", "--threshold", "-1"], ["--pb", "x.pb", "--threshold", "+1"], ["--pb", "x.pb", "--jso"],
    ["--pb", "x.pb", "--json=1"], ["--pb", "x.pb", "extra"], ["--pb", "x.pb", "--", "--json"],
    ["--pb", "--json"], ["--pb", ""], ["--pb", "x.pb", "--max-bytes", "٣"],
])
def test_the_quick_start_leaves_anything_unusual_to_click(args: list[str]) -> None:
    assert quick_options(args) is None


def test_the_installed_command_starts_without_the_regular_expressions(tmp_path: Path) -> None:
    # The `budgetcitoyen` command pip installs from bin/budgetcitoyen, run as a person runs it: a
    # launcher generated from an entry point would import re before anything else.
    command = Path(sys.executable).parent / "budgetcitoyen"
    assert command.exists(), "pip install -e . installs the command beside the interpreter"
    ours = (Path(__file__).parents[2] / "bin" / "budgetcitoyen").read_text(encoding="utf-8")
    assert command.read_text(encoding="utf-8").split("\n", 1)[1] == ours.split("\n", 1)[1], (
        "the installed command is not bin/budgetcitoyen: run pip install -e . again")
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}  # every import, written to stderr

    def imports(args: list[str]) -> tuple[set[str], str]:
        done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
                              check=False)
        names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
        return names, done.stdout

    # What the interpreter imports before any of our code runs, in this environment, is left out.
    at_start, _ = imports([sys.executable, "-c", "pass"])
    imported, output = imports([str(command), "allocate", "--pb", str(path), "--json"])
    assert json.loads(output) == {"selected": ["10", "3"], "spent": 90, "budget": 100}
    assert "budgetcitoyen.allocation.rules" in imported
    assert not (imported - at_start) & {"re", "json", "csv", "fractions", "enum", "functools"}
    # It ends without the interpreter's clean-up (budgetcitoyen.main): what it writes still arrives, and
    # its exit status is the command's, on every path (the quick one, click's help, a refused file).
    for args, status, out, err in [
        (["--pb", str(path), "--rule", "mes"], 0, "Enveloppe : 100\u00a0€ ; 4 bulletins", ""),
        (["--help"], 0, "Usage: budgetcitoyen allocate [OPTIONS]", ""),
        (["--pb", str(tmp_path / "absent.pb")], 1, "", "Erreur : Fichier introuvable"),
        (["--pb", str(path), "--rule", "nope"], 2, "", "Invalid value for '--rule'"),
    ]:
        done = subprocess.run([str(command), "allocate", *args], capture_output=True, text=True,
                              cwd=tmp_path, timeout=120, check=False)
        assert (done.returncode, out in done.stdout, err in done.stderr) == (status, True, True), done


@pytest.mark.parametrize("ids", [
    [], ["G150CH"], ["a\"b", "back\\slash", "tab\there", "ligne\nsuivante", "\x00\x1f\x7f"],
    ["Été", "mañana", "日本", "emoji 🎉", "\u2028\u2029", "\ud800"],
])
@pytest.mark.parametrize("spent, budget", [(0, 0), (828000, 838000), (4500.5, 148500.25), (0.1, 1e22)])
def test_the_json_line_is_what_json_dumps_writes(ids: list[str], spent: float, budget: float) -> None:
    expected = json.dumps({"selected": ids, "spent": spent, "budget": budget}, ensure_ascii=False)
    assert json_line(ids, spent, budget) == expected
    assert json.loads(json_line(ids, spent, budget)) == {"selected": ids, "spent": spent, "budget": budget}


EXIT = """
import atexit, sys
atexit.register(lambda: print("interpreter clean-up ran"))
sys.argv = ["budgetcitoyen", *sys.argv[1:]]
from budgetcitoyen import main
main()
"""


def test_allocate_ends_without_the_interpreter_clean_up_and_keeps_its_output(tmp_path: Path) -> None:
    # budgetcitoyen.main, for allocate: output flushed, status kept, no atexit handler nor teardown run.
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", EXIT, "allocate", "--pb", str(path), "--json"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, '{"selected": ["10", "3"], "spent": 90, "budget": 100}\n')
    done = subprocess.run([sys.executable, "-c", EXIT, "allocate", "--pb", str(tmp_path / "absent.pb")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("Erreur : Fichier introuvable")
    # Any other command exits as Python does, clean-up included.
    done = subprocess.run([sys.executable, "-c", EXIT, "--help"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, check=False,
                          env={**os.environ, "BUDGETCITOYEN_INSTANCE_PATH": str(tmp_path / "instance")})
    assert done.returncode == 0 and done.stdout.endswith("interpreter clean-up ran\n")


@pytest.mark.parametrize(("closed", "status"), [("1", 1), ("2", 0)])
def test_allocate_with_a_closed_standard_stream_exits_without_a_traceback(
    tmp_path: Path, closed: str, status: int
) -> None:
    # `>&-` or `2>&-` (cron, daemons): the stream is None in Python. No answer can be given without an
    # output (1, as for a reader gone away); without stderr, the answer is given (0).
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    script = f'"{sys.executable}" -c \'{EXIT}\' allocate --pb "{path}" --json {closed}>&-'
    done = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120, check=False)
    assert (done.returncode, done.stderr) == (status, ""), done
    assert "interpreter clean-up ran" not in done.stdout
    assert ('"selected"' in done.stdout) == (closed == "2")
