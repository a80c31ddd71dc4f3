"""Reading and writing the Pabulib format: real files, errors naming their line, size limit, round trips."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pabutools.election import parse_pabulib

from budgetcitoyen.allocation import Ballots
from budgetcitoyen.allocation.pabulib import (
    PabulibError,
    PbElection,
    PbProject,
    dumps_pb,
    joined_rows,
    parse_pb,
    read_pb,
    write_pb,
)
from budgetcitoyen.allocation.pabulib import plain as pb_plain
from budgetcitoyen.allocation.pabulib import reader as pb_reader
from budgetcitoyen.allocation.pabulib import votes as pb_votes

DATA = Path(__file__).parent / "data"
SAMPLES = sorted(DATA.glob("*.pb"))


def pb_text(
    meta: str = "vote_type;approval\nbudget;100",
    projects: str = "1;50\n2;30\n3;40",
    votes: str = "v1;1,2\nv2;3\nv3;",
    project_header: str = "project_id;cost",
    vote_header: str = "voter_id;vote",
) -> str:
    return f"META\nkey;value\n{meta}\nPROJECTS\n{project_header}\n{projects}\nVOTES\n{vote_header}\n{votes}\n"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_real_files_read_as_pabutools_reads_them(path: Path) -> None:
    election = read_pb(path)
    instance, profile = parse_pabulib(str(path))
    assert election.budget == Decimal(int(instance.budget_limit))
    assert {p.id: p.cost for p in election.projects} == {p.name: Decimal(int(p.cost)) for p in instance}
    ids = [p.id for p in election.projects]
    ours = [frozenset(ids[j] for j in ballot) for ballot in election.ballots]
    theirs = [frozenset(p.name for p in ballot) for ballot in profile]
    assert ours == theirs
    assert election.voter_ids == [ballot.meta["voter_id"] for ballot in profile]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_bulk_and_line_by_line_readers_agree(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = read_pb(path)
    assert isinstance(plain.ballots._indptr, list)  # small and plain: read without numpy
    monkeypatch.setattr(pb_plain, "PLAIN_MAX_CHARS", -1)
    bulk = read_pb(path)
    assert not isinstance(bulk.ballots._indptr, list)
    assert plain.ballots.approval_counts() == bulk.ballots.approval_counts()
    assert (plain.voter_ids, plain.voter_extra) == (bulk.voter_ids, bulk.voter_extra)
    assert plain == bulk
    monkeypatch.setattr(pb_votes, "_fast_chunk", lambda chunk, matcher: None)
    assert read_pb(path) == bulk


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(["1", "22", "é", "x" * 9, "x" * 17, "abcdefgh", "abcdefgi", ""]), max_size=5
        ),
        max_size=20,
    ),
    st.lists(st.text("vé0", max_size=3), min_size=20, max_size=20),
    st.booleans(),
    st.sampled_from(["", "age", "blank"]),
)
def test_bulk_reader_on_odd_rows(votes: list[list[str]], voter_ids: list[str], stray: bool, odd: str) -> None:
    # Long, near-identical and non-ASCII ids, empty tokens, repeated ids, a stray ";" in a voter id,
    # another column, a blank line: the plain reader, the numpy one and the line-by-line one agree.
    if stray:
        voter_ids[len(votes) // 2] += ";"
    projects = "1;1\n22;1\né;1\n" + "x" * 9 + ";1\n" + "x" * 17 + ";1\nabcdefgh;1\nabcdefgi;1"
    age = ";3é" if odd == "age" else ""
    lines = [f"{voter_ids[i]};{','.join(vote)}{age}" for i, vote in enumerate(votes)]
    if odd == "blank" and lines:
        lines.insert(len(lines) // 2, "  ")
    text = pb_text(projects=projects, votes="\n".join(lines),
                   vote_header="voter_id;vote;age" if odd == "age" else "voter_id;vote")
    try:
        plain = parse_pb(text)  # small: the plain reader, unless it hands the rows over
    except PabulibError as error:
        with pytest.raises(PabulibError) as again:
            _parse_line_by_line(text)
        assert again.value.message == error.message
        return
    counts = plain.ballots.approval_counts()
    bulk = _parse_line_by_line(text)
    assert counts == bulk.ballots.approval_counts()
    assert (plain.voter_ids, plain.voter_extra) == (bulk.voter_ids, bulk.voter_extra)
    assert bulk == plain
    original = pb_plain.PLAIN_MAX_CHARS
    pb_plain.PLAIN_MAX_CHARS = -1
    try:
        assert parse_pb(text) == plain  # the numpy reader on the bytes
    finally:
        pb_plain.PLAIN_MAX_CHARS = original


def _parse_line_by_line(text: str) -> PbElection:
    original, limit = pb_votes._fast_chunk, pb_plain.PLAIN_MAX_CHARS
    pb_votes._fast_chunk = lambda chunk, matcher: None  # type: ignore[assignment]
    pb_plain.PLAIN_MAX_CHARS = -1
    try:
        return parse_pb(text)
    finally:
        pb_votes._fast_chunk, pb_plain.PLAIN_MAX_CHARS = original, limit


def test_extra_columns_are_kept() -> None:
    election = read_pb(DATA / "Poland_Lodz_2023_Chojny.pb")
    assert list(election.voter_extra) == ["age", "sex", "voting_method"]
    assert election.voter_extra["sex"][:2] == ["F", "M"]
    first = election.projects[0]
    assert (first.id, first.cost, first.votes, first.category) == (
        "G150CH",
        Decimal(8500),
        868,
        "environmental protection",
    )
    assert dict(first.extra) == {"selected": "1"}
    assert election.meta["min_project_score_threshold"] == "50"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_real_files_round_trip(path: Path, tmp_path: Path) -> None:
    election = read_pb(path)
    write_pb(election, tmp_path / "copy.pb")
    assert read_pb(tmp_path / "copy.pb") == election


def test_export_round_trip_with_awkward_text() -> None:
    projects = [
        PbProject(
            "12",
            Decimal("4500.50"),
            3,
            'Jardins « partagés » ; quartier "Nord"',
            "pratique de l'ESS",
            "Artois",
        ),
        PbProject("3", Decimal(20000), 0, "Café-épicerie, Saint-Omer", None, "Audomarois"),
        PbProject("x-7", Decimal(0), 1, "", "coopération", None),
    ]
    ballots = Ballots.from_lists([[0, 1], [], [2, 0], [1]], 3)
    election = PbElection.new(
        description="Budget citoyen 2026",
        unit="Pas-de-Calais",
        instance="2026",
        budget=Decimal(572000),
        projects=projects,
        ballots=ballots,
        voter_ids=["a1", "b2", "c3", "d4"],
        rule="greedy",
        extra_meta={"comment": "Bulletins anonymisés; identifiants tirés au hasard"},
    )
    text = dumps_pb(election)
    assert text.startswith(
        "META\nkey;value\ndescription;Budget citoyen 2026\ncountry;France\nunit;Pas-de-Calais\n"
        "instance;2026\nnum_projects;3\nnum_votes;4\nbudget;572000\nvote_type;approval\n"
        "rule;greedy\ncurrency;EUR\n"
    )
    assert "PROJECTS\nproject_id;cost;votes;name;category;territory\n" in text
    assert "VOTES\nvoter_id;vote\na1;12,3\nb2;\nc3;x-7,12\nd4;3\n" in text
    assert parse_pb(text) == election


@st.composite
def elections(draw: st.DrawFn) -> PbElection:
    ids = draw(
        st.lists(st.text("abcXYZ0123456789-_é", min_size=1, max_size=4), min_size=1, max_size=8, unique=True)
    )
    text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12).map(str.strip)
    projects = [
        PbProject(
            pid,
            Decimal(draw(st.integers(0, 10**7))) / 100,
            draw(st.none() | st.integers(0, 500)),
            draw(text),
            draw(st.none() | text.filter(lambda t: t.lower() not in ("", "none"))),
        )
        for pid in ids
    ]
    votes = draw(
        st.lists(st.lists(st.integers(0, len(ids) - 1), unique=True, max_size=len(ids)), max_size=30)
    )
    voter_ids = [f"v{i}" for i in range(len(votes))]
    return PbElection.new(
        description=draw(text),
        unit="U",
        instance="1",
        budget=draw(st.integers(0, 10**9)),
        projects=projects,
        ballots=Ballots.from_lists(votes, len(ids)),
        voter_ids=voter_ids,
    )


@settings(max_examples=150, deadline=None)
@given(elections())
def test_write_then_parse_is_identity(election: PbElection) -> None:
    assert parse_pb(dumps_pb(election)) == election


def test_crlf_bom_blank_lines_and_duplicates() -> None:
    text = "\ufeff" + pb_text(votes="v1;1,2,1\n\n   \nv2;3, 2\nv3;").replace("\n", "\r\n")
    election = parse_pb(text)
    assert [list(b) for b in election.ballots] == [[0, 1], [2, 1], []]
    assert election.voter_ids == ["v1", "v2", "v3"]
    assert election.ballots.approvals().tolist() == [1, 2, 1]


def test_section_line_with_odd_spaces() -> None:
    election = parse_pb(pb_text().replace("\nVOTES\n", "\n\u00a0VOTES ;\n"))
    assert [list(b) for b in election.ballots] == [[0, 1], [2], []]


def test_quoted_vote_rows_and_column_order() -> None:
    election = parse_pb(pb_text(vote_header="vote;voter_id;age", votes='"1,2";v1;31\n3;v2;None'))
    assert [list(b) for b in election.ballots] == [[0, 1], [2]]
    assert election.voter_ids == ["v1", "v2"]
    assert election.voter_extra == {"age": ["31", "None"]}


def test_progress_reports_every_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pb_votes, "_CHUNK_CHARS", 6)  # a block ends at the first line end after 6 characters
    seen: list[tuple[int, int]] = []
    votes = "\n".join(f"v{i};{1 + i % 3}" for i in range(5))
    election = parse_pb(pb_text(votes=votes), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert [list(b) for b in election.ballots] == [[0], [1], [2], [0], [1]]


# -- errors, each naming its line -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("PROJECTS\nproject_id;cost\n1;5\n", 1, "doit commencer par la section META"),
        (
            "\n\nMETA\nkey;value\nvote_type;approval\nbudget;5\nVOTES\nvoter_id;vote\n",
            7,
            "section VOTES inattendue ici, la section PROJECTS était attendue",
        ),
        (
            "META\nkey;value\nvote_type;approval\nbudget;5\nPROJECTS\nproject_id;cost\n1;5\n",
            8,
            "section VOTES absente",
        ),
        (pb_text(votes="v1;1\nv2;2,9\nv3;3"), 13, "projet inconnu « 9 »"),
        (pb_text(votes="v1;1\n\nv2;2\n\nv3;3,10"), 16, "projet inconnu « 10 »"),
        (pb_text(projects="1;50\n2;-30\n3;40"), 8, "coût du projet 2 : montant négatif"),
        (pb_text(projects="1;50\n2;30\n3;cher"), 9, "coût du projet 3 : « cher » n'est pas un nombre"),
        (pb_text(projects="1;50\n2;NaN\n3;40"), 8, "n'est pas un nombre"),
        (pb_text(projects="1;50\n2;30\n1;40"), 9, "identifiant de projet « 1 » en double"),
        (pb_text(meta="vote_type;cumulative\nbudget;100"), 3, "seuls les votes par approbation"),
        (pb_text(meta="budget;100"), 1, "la clé vote_type manque"),
        (pb_text(meta="vote_type;approval"), 1, "la clé budget manque"),
        (pb_text(meta="vote_type;approval\nbudget;beaucoup"), 4, "budget : « beaucoup » n'est pas un nombre"),
        (
            pb_text(meta="vote_type;approval\nbudget;100\nnum_votes;4"),
            5,
            "num_votes vaut « 4 » mais le fichier contient 3",
        ),
        (pb_text(meta="vote_type;approval\nbudget;100\nnum_projects;2"), 5, "num_projects vaut « 2 »"),
        (pb_text(meta="vote_type;approval\nbudget;100\nnotakeyvalue"), 5, "ligne mal formée dans META"),
        (pb_text(meta="vote_type;approval\nbudget;100\nbudget;200"), 5, "clé META « budget » en double"),
        (pb_text(votes="v1;1,2\nv2;3;extra\nv3;"), 13, "ligne mal formée : 3 champ(s) au lieu de 2"),
        (pb_text(votes="v1;1,2\njustonefield\nv3;"), 13, "ligne mal formée : 1 champ(s) au lieu de 2"),
        (pb_text(vote_header="voter_id;vote;age", votes="v1;1;30\nv2;2"), 13, "2 champ(s) au lieu de 3"),
        (pb_text(projects="1;50\n2;30;oops\n3;40"), 8, "ligne mal formée : 3 champs au lieu de 2"),
        (pb_text(project_header="project_id;price"), 6, "la colonne cost manque"),
        (pb_text(vote_header="voter_id;ballot"), 11, "la colonne vote manque"),
        ("META\nkey;value\nvote_type;approval\nbudget;5\nPROJECTS\n", 6, "section VOTES absente"),
        (
            "META\nvote_type;approval\nbudget;5\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\n",
            2,
            "l'en-tête de la section META",
        ),
    ],
)
def test_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(PabulibError) as caught:
        parse_pb(text)
    assert caught.value.line == line
    assert caught.value.message.startswith(f"Ligne {line} : ")
    assert message in caught.value.message


def test_error_line_numbers_are_right_beyond_the_first_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pb_votes, "_CHUNK_CHARS", 9)
    votes = "v1;1\nv2;2\n\nv3;3\nv4;1\nv5;42\nv6;2"
    with pytest.raises(PabulibError, match=r"^Ligne 17 : le bulletin cite un projet inconnu « 42 »"):
        parse_pb(pb_text(votes=votes))


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.pb"
    path.write_bytes(
        pb_text(projects="1;50\n2;30\n3;40").encode().replace(b"VOTES", "VOTES\xe9".encode("latin-1"))
    )
    with pytest.raises(PabulibError, match=r"^Ligne 10 : le fichier n'est pas encodé en UTF-8"):
        read_pb(path)


def test_a_2_gb_file_is_refused_by_its_size_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.pb"
    with path.open("wb") as handle:
        handle.truncate(2 * 1000**3)  # sparse: no disk space used

    def no_reading(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the file was read")

    monkeypatch.setattr(pb_reader, "open", no_reading, raising=False)  # the reader's only way to read
    with pytest.raises(
        PabulibError, match=r"^Fichier trop volumineux : 2,0 Go, le maximum accepté est 1,0 Go\."
    ):
        read_pb(path)


@pytest.mark.parametrize("text", ["x.pb", "x.pb/", "./x.pb", "a//b/./x.pb", "/tmp/../x.pb", "/x.pb", "", ".",
                                  "./", "../x.pb", "a/b/"])
def test_a_path_is_written_as_pathlib_writes_it(text: str) -> None:
    # The reader avoids pathlib (for `allocate`'s start) but names files as before, as click's Path does.
    assert pb_reader._tidy(text) == str(Path(text))


def test_a_file_named_with_a_trailing_slash_or_dot_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    (tmp_path / "small.pb").write_text(pb_text(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert read_pb("small.pb/").ballots.num_voters == read_pb("./small.pb").ballots.num_voters == 3
    with pytest.raises(PabulibError, match=r"^Fichier introuvable : absent\.pb\.$"):
        read_pb("./absent.pb")


def test_the_maximum_size_is_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "small.pb"
    path.write_text(pb_text(), encoding="utf-8")
    assert read_pb(path, max_bytes=path.stat().st_size).ballots.num_voters == 3
    with pytest.raises(PabulibError, match="Fichier trop volumineux"):
        read_pb(path, max_bytes=path.stat().st_size - 1)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PabulibError, match="Fichier introuvable"):
        read_pb(tmp_path / "absent.pb")
    with pytest.raises(PabulibError, match="n'est pas un fichier"):
        read_pb(tmp_path)


def test_writer_refuses_ids_that_would_break_the_format() -> None:
    ballots = Ballots.from_lists([[0]], 1)
    bad_project = PbElection.new(
        description="d",
        unit="u",
        instance="1",
        budget=10,
        projects=[PbProject("a,b", Decimal(1))],
        ballots=ballots,
        voter_ids=["v"],
    )
    with pytest.raises(PabulibError, match="Identifiant de projet « a,b » invalide"):
        dumps_pb(bad_project)
    bad_voter = PbElection.new(
        description="d",
        unit="u",
        instance="1",
        budget=10,
        projects=[PbProject("a", Decimal(1))],
        ballots=ballots,
        voter_ids=["v;1"],
    )
    with pytest.raises(PabulibError, match="Identifiant de votant"):
        dumps_pb(bad_voter)
    with pytest.raises(PabulibError, match="un identifiant de votant par bulletin"):
        dumps_pb(
            PbElection.new(
                description="d",
                unit="u",
                instance="1",
                budget=10,
                projects=[PbProject("a", Decimal(1))],
                ballots=ballots,
                voter_ids=[],
            )
        )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), max_size=4, unique=True), max_size=30))
def test_joined_rows_is_one_join_per_ballot(lists: list[list[int]]) -> None:
    # Empty ballots anywhere (first, last, in a row, all of them) give an empty text.
    ids = ["12", "7", "30", "a", "b-2", "999"]
    ballots = Ballots.from_lists(lists, len(ids))
    assert joined_rows(ballots, ids) == [",".join(ids[j] for j in ballots.ballot(n))
                                         for n in range(ballots.num_voters)]


# What the reader looked for with a regular expression before it stopped importing re (the start of
# `budgetcitoyen allocate`): the line-by-line search must find the same line.
_VOTES_PATTERN = r"^[ \t]*votes[ \t;]*$"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=" \t;\rvVoOtTeEsSx,1", max_size=9), max_size=8))
def test_the_votes_line_is_the_one_the_regular_expression_found(lines: list[str]) -> None:
    import re

    text = "\n".join(lines)
    match = re.compile(_VOTES_PATTERN, re.IGNORECASE | re.MULTILINE).search(text)
    assert pb_reader._votes_line(text) == (None if match is None else (match.start(), match.end()))


@pytest.mark.parametrize("text", ["VOTES", "META\nkey;value\nVOTES\n", "x\n  Votes ;;\t\nrest", "VOTES\r\n",
                                  "votes;x\nVOTES;", "", "\n\n", "PROJECTS\nVOTE\nVOTESS\nvotes"])
def test_the_votes_line_on_chosen_texts(text: str) -> None:
    import re

    match = re.compile(_VOTES_PATTERN, re.IGNORECASE | re.MULTILINE).search(text)
    assert pb_reader._votes_line(text) == (None if match is None else (match.start(), match.end()))
