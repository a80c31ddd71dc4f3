"""Any collectivité: its names, kind, code, logo and colours are configuration (a shipped profile, the
deployment's settings file, the environment), its colours are refused when white text on them fails
WCAG AA, and neither code nor templates name the Pas-de-Calais (issue #16 item 5)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from budgetcitoyen import create_app
from budgetcitoyen.colours import check_theme, contrast, theme_css
from budgetcitoyen.config import profile_names

ROOT = Path(__file__).resolve().parents[2]
# Where a collectivité's own name may appear: its data (profiles, SOURCES.md), the demo's data sets.
DATA_PLACES = ("budgetcitoyen/reference/collectivites/", "budgetcitoyen/reference/SOURCES.md",
               "budgetcitoyen/demo/")
NAMES = re.compile(r"Pas-de-Calais|Pas de Calais|Arrageois|Calaisis|Montreuillois"
                   # The service's name and the body as fixed text: they come from the profile
                   # (config.naming, `org` in templates), so that « la Région » reads right too; an
                   # example between guillemets in a comment is not fixed text.
                   r"|(?i:mission ESS)|(?<!« )\b(?:[Ll]e|[Aa]u|[Dd]u) Département\b|Conseil départemental"
                   # Where the residents live: « du département » is wrong for a région or a commune.
                   r"|(?:habitants|inconnue|reconnu|[Cc]arte) du département")


def test_no_collectivite_is_named_in_code_or_templates() -> None:
    found = []
    for folder in ("budgetcitoyen", "templates", "static"):
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if not path.is_file() or relative.startswith(DATA_PLACES) or "__pycache__" in relative:
                continue
            if path.suffix not in (".py", ".html", ".txt", ".css", ".js", ".md", ".toml", ".svg"):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if NAMES.search(line):
                    found.append(f"{relative}:{number}: {line.strip()[:100]}")
    assert not found, "Named outside the data files:\n" + "\n".join(found)


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh app on an empty SQLite file (nothing is read from the database at start-up)."""
    made: list[Flask] = []
    monkeypatch.delenv("BUDGETCITOYEN_COLLECTIVITE_PROFILE", raising=False)
    monkeypatch.delenv("BUDGETCITOYEN_SETTINGS_FILE", raising=False)

    def make(**overrides: Any) -> Flask:
        app = create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True, "REQUEST_LOG": False,
                          "SECRET_KEY": "test-secret-key-not-for-production",
                          "DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3", **overrides})
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["db_engine"].dispose()


def test_the_default_profile_and_a_second_one(make_app: Any) -> None:
    assert {"pas-de-calais", "gironde"} <= set(profile_names())
    default = make_app()
    assert (default.config["COLLECTIVITE_CODE"], default.config["COLLECTIVITE_KIND"]) == ("62", "departement")
    gironde = make_app(COLLECTIVITE_PROFILE="gironde")
    assert gironde.config["COLLECTIVITE"] == "Département de la Gironde"
    assert (gironde.config["COLLECTIVITE_SHORT"], gironde.config["COLLECTIVITE_CODE"]) == ("Gironde", "33")
    css = gironde.test_client().get("/theme.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "--primary: #7a1f3d;" in css.get_data(as_text=True)
    # The same stylesheet from every server: its ETag does not depend on the process.
    again = gironde.test_client().get("/theme.css", headers={"If-None-Match": css.headers["ETag"]})
    assert again.status_code == 304


def test_the_settings_file_then_the_environment_override_the_profile(
    make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "settings.toml").write_text(
        'collectivite_profile = "gironde"\ncollectivite_short = "la Gironde"\n'
        'collectivite_logo = "static:img/favicon.svg"\ntheme_link = "#00457c"\n', encoding="utf-8")
    monkeypatch.setenv("BUDGETCITOYEN_COLLECTIVITE", "Département de la Gironde (essai)")
    app = make_app()
    assert app.config["COLLECTIVITE_PROFILE"] == "gironde" and app.config["THEME_LINK"] == "#00457c"
    assert app.config["COLLECTIVITE"] == "Département de la Gironde (essai)"
    assert app.config["THEME_PRIMARY"] == "#7a1f3d"  # the profile's, not overridden
    page = app.test_client().get("/connexion").get_data(as_text=True)
    assert "Département de la Gironde (essai)" in page
    assert '<img class="brand-logo" src="/static/img/favicon.svg" alt="">' in page


def test_a_logo_in_the_shared_storage_is_served(make_app: Any) -> None:
    app = make_app(COLLECTIVITE_LOGO="storage:uploads/theme/logo.svg")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    storage = app.extensions["storage"]
    storage.path("uploads/theme/logo.svg").parent.mkdir(parents=True, exist_ok=True)
    storage.path("uploads/theme/logo.svg").write_bytes(svg)
    client = app.test_client()
    assert 'src="/logo"' in client.get("/connexion").get_data(as_text=True)
    logo = client.get("/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/svg+xml" and logo.data == svg
    assert make_app(COLLECTIVITE_LOGO=None).test_client().get("/logo").status_code == 404


@pytest.mark.parametrize(("settings", "message"), [
    ({"THEME_PRIMARY": "#88cc88"}, r"THEME_PRIMARY=#88cc88 has a contrast of 1\.90:1 with white"),
    ({"THEME_LINK": "#0099ff"}, r"THEME_LINK=#0099ff has a contrast of 3\.00:1"),
    ({"THEME_PRIMARY_DARK": "vert"}, "is not a colour"),
    ({"COLLECTIVITE_PROFILE": "atlantide"}, "Unknown collectivité profile 'atlantide'"),
    ({"COLLECTIVITE_PROFILE": "../../etc"}, "Unknown collectivité profile"),
    ({"COLLECTIVITE_KIND": "canton"}, "COLLECTIVITE_KIND must be one of departement, region, commune"),
    ({"COLLECTIVITE": " "}, "COLLECTIVITE must be a non-empty text"),
    ({"COLLECTIVITE_LOGO": "https://ailleurs.example/logo.png"}, "must start with static: or storage:"),
])
def test_bad_settings_are_refused_at_start(make_app: Any, settings: dict[str, str], message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        make_app(**settings)


def test_contrast_follows_wcag() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic grey just under AA
    assert check_theme({"THEME_PRIMARY": "#767676"}) == []  # 4.54:1, just over
    assert check_theme({"THEME_PRIMARY": "#fff"})[0].startswith("THEME_PRIMARY=#fff has a contrast of 1.00:1")
    assert check_theme({"THEME_LINK": None}) == ["THEME_LINK is not set"]
    with pytest.raises(ValueError):
        theme_css({"THEME_PRIMARY": "red; } body { display: none"})


def test_every_shipped_profile_passes(make_app: Any) -> None:
    for slug in profile_names():
        app = make_app(COLLECTIVITE_PROFILE=slug)
        assert app.config["COLLECTIVITE_IN"] and app.config["COLLECTIVITE_OF"]


def test_a_profile_brings_its_own_categories_and_ceilings(make_app: Any) -> None:
    from budgetcitoyen.editions.services import default_categories

    with make_app(COLLECTIVITE_PROFILE="gironde").app_context():
        gironde = {c["code"]: c["ceiling"] for c in default_categories()}
    with make_app().app_context():
        shared = {c["code"]: c["ceiling"] for c in default_categories()}
    assert gironde["transformation"] == 25000 and shared["transformation"] == 20000
    assert set(gironde) == set(shared)


def test_the_demo_remembers_its_collectivite_but_never_over_a_deployments_settings(
    make_app: Any, tmp_path: Path
) -> None:
    from budgetcitoyen.cli import _remember_demo_collectivite

    with make_app(DEMO_MODE=True).app_context():
        assert "enregistrée" in _remember_demo_collectivite("gironde")
    assert make_app().config["COLLECTIVITE"] == "Département de la Gironde"  # read at the next start
    own = 'collectivite_profile = "pas-de-calais"\n'
    (tmp_path / "settings.toml").write_text(own, encoding="utf-8")
    with make_app(DEMO_MODE=True).app_context():
        assert "BUDGETCITOYEN_COLLECTIVITE_PROFILE=gironde" in _remember_demo_collectivite("gironde")
    assert (tmp_path / "settings.toml").read_text(encoding="utf-8") == own


def test_a_profile_brings_its_own_questionnaire(make_app: Any) -> None:
    from budgetcitoyen.editions.questionnaire import DEFAULT_QUESTIONNAIRE, default_questionnaire

    with make_app(COLLECTIVITE_PROFILE="gironde").app_context():
        gironde = default_questionnaire()
    with make_app().app_context():
        shared = default_questionnaire()
    assert len(gironde) == 5 and gironde[0][:2] == ("Utilité sociale", 2)
    assert all(1 <= len(questions) <= 4 for _, _, questions in gironde)
    assert [name for name, _, _ in shared] == [name for name, _ in DEFAULT_QUESTIONNAIRE]


def test_french_articles_and_contractions_of_a_body_or_service() -> None:
    from budgetcitoyen.french import NounPhrase

    forms = {(n.le, n.Le, n.du, n.au) for n in (NounPhrase("Département"),)}
    assert forms == {("le Département", "Le Département", "du Département", "au Département")}
    region = NounPhrase("Région", feminine=True)
    assert (region.le, region.du, region.au) == ("la Région", "de la Région", "à la Région")
    metropole = NounPhrase("Eurométropole", feminine=True)
    assert (metropole.le, metropole.Le, metropole.du, metropole.au) == (
        "l'Eurométropole", "L'Eurométropole", "de l'Eurométropole", "à l'Eurométropole")
    office = NounPhrase("office de l'ESS")
    assert (office.le, office.du, office.au) == (
        "l'office de l'ESS", "de l'office de l'ESS", "à l'office de l'ESS")


def test_a_region_is_named_as_a_region_in_pages_and_texts(make_app: Any) -> None:
    """A deployment for a région sets its kind and names: its body, its service and its budget read so in
    the shipped texts, the messages and the pages, with their articles; the default profile still reads
    « le Département » and « la Mission ESS » (its profile's data)."""
    from budgetcitoyen.config import naming
    from budgetcitoyen.public.services import default_text

    default = make_app()
    with default.app_context():
        org = naming()
        assert (org.le, org.au, org.service.le, org.adjective) == (
            "le Département", "au Département", "la " + "Mission ESS", "départemental")
        how = default_text("comment-ca-marche", default.config["COLLECTIVITE"])
        assert "convention avec le Département" in how
    region = make_app(COLLECTIVITE_PROFILE="gironde", COLLECTIVITE="Région Nouvelle-Aquitaine",
                      COLLECTIVITE_KIND="region", COLLECTIVITE_OF="de la Nouvelle-Aquitaine",
                      COLLECTIVITE_BODY="Région", COLLECTIVITE_BODY_GENDER="f",
                      COLLECTIVITE_ADJECTIVE="régional", COLLECTIVITE_SERVICE="pôle ESS",
                      COLLECTIVITE_SERVICE_GENDER="m")
    with region.app_context():
        org = naming()
        assert (org.le, org.du, org.au, org.service.le, org.service.au) == (
            "la Région", "de la Région", "à la Région", "le pôle ESS", "au pôle ESS")
        how = default_text("comment-ca-marche", region.config["COLLECTIVITE"])
        assert "celles que la Région finance" in how and "convention avec la Région" in how
        assert "le pôle ESS l'accompagne" in how
        legal = default_text("mentions-legales", region.config["COLLECTIVITE"])
        assert legal.startswith("## Éditeur\n\nLa Région Nouvelle-Aquitaine, pôle ESS.")
        assert "Conseil régional" in legal
        assert "La Région Nouvelle-Aquitaine est responsable" in default_text(
            "donnees-personnelles", region.config["COLLECTIVITE"])
    # A profile's own words stay when a deployment changes only its kind (the kind's words are for a
    # profile or settings that name no body).
    commune = make_app(COLLECTIVITE_KIND="commune", COLLECTIVITE="Ville de Lens")
    with commune.app_context():
        assert (naming().le, naming().adjective) == ("le Département", "départemental")  # the profile's


def test_a_gender_other_than_m_or_f_is_refused(make_app: Any) -> None:
    with pytest.raises(RuntimeError, match="COLLECTIVITE_BODY_GENDER must be m or f"):
        make_app(COLLECTIVITE_BODY_GENDER="x")
