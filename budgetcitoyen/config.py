"""Settings: defaults, then BUDGETCITOYEN_* environment variables, then an explicit mapping (tests)."""

from __future__ import annotations

import os
import secrets
import time
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from budgetcitoyen.french import Naming, NounPhrase

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "BUDGETCITOYEN"
# The profiles are data files (read here by path, never imported): reference/ loads their CSV files.
PROFILES = Path(__file__).resolve().parent / "reference" / "collectivites"
DEFAULT_PROFILE = "pas-de-calais"

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    # The address people reach the site at, e.g. https://budgetcitoyen.example.fr. Links in
    # mails are built from it, never from the request's Host header (which a client chooses).
    "PUBLIC_URL": None,
    "SECRET_KEY": None,  # None: generated once and kept in the instance folder
    "TIME_ZONE": "Europe/Paris",
    "UPLOAD_FOLDER": None,  # None: <instance>/uploads, outside static/
    # Where uploaded and published files live (budgetcitoyen/storage): "local" folders of this server
    # (UPLOAD_FOLDER, <instance>/results), or "database" for several web servers sharing one database.
    "STORAGE": "local",
    "MAIL_HOST": None,  # None: no mail leaves the machine; the queue is read in Gestion → Courriels (demo)
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_STARTTLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_TIMEOUT": 10,
    "MAIL_SENDER": "Budget citoyen <ne-pas-repondre@budget-citoyen.localhost>",
    # A mail claimed by a worker that then dies is claimed again after this many seconds.
    "MAIL_CLAIM_LEASE_SECONDS": 120,
    "EMAIL_TOKEN_MAX_AGE": 2 * 24 * 3600,
    "RESET_TOKEN_MAX_AGE": 3600,
    # Failed log-ins (budgetcitoyen/accounts/passwords.py): per account from one address, per address
    # across accounts, within the window; and per account from every address together within a day,
    # a limit that browsers the account logged in from before escape (no lockout of the owner).
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT_EVERYWHERE": 100,
    "LOGIN_EVERYWHERE_WINDOW_SECONDS": 24 * 3600,
    # Rate limits, "count/seconds" per action and dimension (budgetcitoyen/ratelimit/web.py); empty or
    # null: not limited on that dimension. Per address they stay generous: a town hall, a family or a
    # mobile operator puts many people behind one address.
    "RATE_LIMIT_SIGNUP_PER_ADDRESS": "10/3600",
    "RATE_LIMIT_LOGIN_PER_ADDRESS": "100/600",  # every attempt; failures have their own throttle above
    "RATE_LIMIT_FORGOT_PER_ADDRESS": "20/3600",
    "RATE_LIMIT_FORGOT_PER_ACCOUNT": "5/3600",  # per e-mail typed: no mailbox flooded with links
    "RATE_LIMIT_RESEND_PER_ADDRESS": "20/3600",
    "RATE_LIMIT_RESEND_PER_ACCOUNT": "5/3600",
    "RATE_LIMIT_BALLOT_PER_ADDRESS": "600/600",
    "RATE_LIMIT_BALLOT_PER_ACCOUNT": "20/600",
    # A sign-up sent sooner than this after the form was shown is a script's; 0 turns the check off.
    "SIGNUP_MIN_FILL_SECONDS": 3,
    "DEMO_MODE": False,
    # Log-in and verified identity with FranceConnect or any OpenID Connect provider (README). Without
    # issuer, client id and secret, the button is absent and identities are declared.
    "OIDC_ISSUER": None,  # FranceConnect v2: the issuer given in its partners' space (https://…/api/v2)
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    # FranceConnect's scopes are its claims' names; the vote needs names, birth date and e-mail.
    "OIDC_SCOPES": "openid given_name family_name birthdate email",
    "OIDC_ACR_VALUES": None,  # FranceConnect: "eidas1"; the ID token's acr must then be one of them
    "OIDC_TOKEN_AUTH_METHOD": "client_secret_post",
    "OIDC_TIMEOUT": 10,
    "OIDC_PROVIDER_NAME": "FranceConnect",
    "OIDC_BUTTON_LABEL": "S'identifier avec FranceConnect",
    "REQUEST_LOG": True,  # one JSON line per request on stderr (budgetcitoyen/request_log.py)
    # Bearer token of /metrics (Prometheus); unset: no metrics page (404).
    "METRICS_TOKEN": None,
    "HTTPS": False,  # true behind HTTPS: secure cookies and https links in mails
    "TRUSTED_PROXIES": 0,  # number of reverse proxies whose X-Forwarded-For/-Proto headers are trusted
    "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
    "WTF_CSRF_TIME_LIMIT": 4 * 3600,
    "SITE_NAME": "Budget citoyen",
    # Where anyone can get the source of the software this site runs (AGPL): linked from the results
    # page, to install the same `budgetcitoyen allocate`. None: the package's "Source" project URL.
    "SOURCE_URL": None,
    # The collectivité the site runs for: a profile shipped in budgetcitoyen/reference/collectivites/
    # (its names, colours and reference data); each COLLECTIVITE_* or THEME_* key left None here takes the
    # profile's value, and the deployment's settings file or environment can set any of them.
    "COLLECTIVITE_PROFILE": DEFAULT_PROFILE,
    "COLLECTIVITE": None,  # full name, « Département de … »
    "COLLECTIVITE_SHORT": None,  # « Gironde »
    "COLLECTIVITE_KIND": None,  # departement, region or commune
    "COLLECTIVITE_CODE": None,  # its INSEE code: « 33 », « 75 » (a région), « 33063 » (a commune)
    "COLLECTIVITE_OF": None,  # « les habitants de la Gironde »: « de la Gironde »
    "COLLECTIVITE_IN": None,  # « commune inconnue en Gironde »: « en Gironde »
    # How the pages name its body and its service (budgetcitoyen.french.Naming); None: from its kind.
    "COLLECTIVITE_BODY": None,  # « Département », « Région », « Métropole »
    "COLLECTIVITE_BODY_GENDER": None,  # "m" or "f": « le Département », « la Région »
    "COLLECTIVITE_ADJECTIVE": None,  # « budget départemental »: « départemental »
    "COLLECTIVITE_SERVICE": None,  # the service that runs the Budget citoyen
    "COLLECTIVITE_SERVICE_GENDER": None,
    # The logo shown beside the name: "static:img/logo.svg" (a file under static/) or "storage:uploads/
    # logo.svg" (a file in the shared storage, for a deployment that uploads its own); None: no logo.
    "COLLECTIVITE_LOGO": None,
    # Colours behind white text (header, buttons) and of links on white; checked at start-up.
    "THEME_PRIMARY": None,
    "THEME_PRIMARY_DARK": None,
    "THEME_LINK": None,
}
# Where a deployment's own settings are read from (TOML, keys as above, any case), between the defaults
# and the environment: BUDGETCITOYEN_SETTINGS_FILE, else <instance>/settings.toml when it exists.
SETTINGS_FILE_NAME = "settings.toml"
PROFILE_KEYS = {
    "name": "COLLECTIVITE", "short_name": "COLLECTIVITE_SHORT", "kind": "COLLECTIVITE_KIND",
    "code": "COLLECTIVITE_CODE", "of": "COLLECTIVITE_OF", "in": "COLLECTIVITE_IN",
    "logo": "COLLECTIVITE_LOGO", "primary": "THEME_PRIMARY", "primary_dark": "THEME_PRIMARY_DARK",
    "link": "THEME_LINK", "body": "COLLECTIVITE_BODY", "body_gender": "COLLECTIVITE_BODY_GENDER",
    "adjective": "COLLECTIVITE_ADJECTIVE", "service": "COLLECTIVITE_SERVICE",
    "service_gender": "COLLECTIVITE_SERVICE_GENDER",
}
KINDS = ("departement", "region", "commune")
# What a profile that does not name its body and service gets, by its kind.
KIND_NAMING = {
    "departement": {"COLLECTIVITE_BODY": "Département", "COLLECTIVITE_BODY_GENDER": "m",
                    "COLLECTIVITE_ADJECTIVE": "départemental"},
    "region": {"COLLECTIVITE_BODY": "Région", "COLLECTIVITE_BODY_GENDER": "f",
               "COLLECTIVITE_ADJECTIVE": "régional"},
    "commune": {"COLLECTIVITE_BODY": "Ville", "COLLECTIVITE_BODY_GENDER": "f",
                "COLLECTIVITE_ADJECTIVE": "municipal"},
}
DEFAULT_SERVICE = {"COLLECTIVITE_SERVICE": "service de l'économie sociale et solidaire",
                   "COLLECTIVITE_SERVICE_GENDER": "m"}
GENDERS = ("m", "f")


def instance_path_from_env() -> str:
    """The instance folder must be known before the Flask object exists, so it is read here."""
    configured = os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH")
    return str(Path(configured).resolve()) if configured else str(PROJECT_ROOT / "instance")


def load_settings(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill app.config from defaults, the environment and overrides, then derive what depends on the
    instance folder."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(_settings_file(Path(app.instance_path)))
    # from_prefixed_env parses JSON values, so BUDGETCITOYEN_MAIL_PORT=587 becomes an int.
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.from_mapping(overrides)
    _apply_profile(app.config)

    # from_prefixed_env reads values as JSON: a numeric secret would become an int.
    for key in ("SECRET_KEY", "MAIL_PASSWORD", "MAIL_USERNAME", "DATABASE_URL", "PUBLIC_URL", "MAIL_HOST",
                "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ACR_VALUES"):
        if app.config.get(key) is not None and not isinstance(app.config[key], str):
            app.config[key] = str(app.config[key])

    instance = Path(app.instance_path)
    # The instance folder holds the database, the secret and the uploads: private to the service.
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'budgetcitoyen.sqlite3'}"
    if not app.config["UPLOAD_FOLDER"]:
        app.config["UPLOAD_FOLDER"] = str(instance / "uploads")
    if app.config["HTTPS"]:
        if not app.config["PUBLIC_URL"]:
            # Without it, links in mails would follow the Host header a client chooses.
            raise RuntimeError("BUDGETCITOYEN_HTTPS is true: set BUDGETCITOYEN_PUBLIC_URL (https://…) too")
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True,
                          PREFERRED_URL_SCHEME="https")
    if not app.config["SECRET_KEY"]:
        if app.config["STORAGE"] != "local":
            # Several servers would each generate their own key: sessions, tokens and receipts signed
            # by one would be refused by the others.
            raise RuntimeError(f"BUDGETCITOYEN_STORAGE={app.config['STORAGE']} (several servers): set "
                               "BUDGETCITOYEN_SECRET_KEY in the environment, the same on every server; "
                               "a key generated in the instance folder is refused")
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    if len(app.config["SECRET_KEY"]) < 16:
        raise RuntimeError("BUDGETCITOYEN_SECRET_KEY is too short (16 characters at least)")
    if app.config["PUBLIC_URL"]:
        app.config["PUBLIC_URL"] = app.config["PUBLIC_URL"].rstrip("/")
        # Requests for any other host name are refused (Flask answers 400); loopback stays
        # allowed for health checks run on the server itself.
        if not app.config.get("TRUSTED_HOSTS"):
            host = urlsplit(app.config["PUBLIC_URL"]).hostname
            app.config["TRUSTED_HOSTS"] = [host, "localhost", "127.0.0.1"]


def _settings_file(instance: Path) -> dict[str, Any]:
    """The deployment's own settings file (TOML), keys upper-cased; {} when there is none."""
    configured = os.environ.get(f"{ENV_PREFIX}_SETTINGS_FILE")
    path = Path(configured) if configured else instance / SETTINGS_FILE_NAME
    if not path.is_file():
        if configured:
            raise RuntimeError(f"{ENV_PREFIX}_SETTINGS_FILE={configured}: no such file")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise RuntimeError(f"{path}: not valid TOML ({error})") from None
    return {str(key).upper(): value for key, value in data.items()}


def profile_names() -> list[str]:
    """The collectivités shipped with reference data (the folder names under reference/collectivites)."""
    return sorted(p.name for p in PROFILES.iterdir() if (p / "collectivite.toml").is_file())


def read_profile(slug: str) -> dict[str, Any]:
    """A shipped profile's settings (collectivite.toml), by config key."""
    path = PROFILES / slug / "collectivite.toml"
    if "/" in slug or slug.startswith(".") or not path.is_file():
        raise RuntimeError(f"Unknown collectivité profile {slug!r}: one of {', '.join(profile_names())}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    values = {PROFILE_KEYS[key]: value for key, value in data.items() if key in PROFILE_KEYS}
    return {**DEFAULT_SERVICE, **KIND_NAMING.get(str(values.get("COLLECTIVITE_KIND")), {}), **values}


def _apply_profile(config: Any) -> None:
    """Fill the collectivité's settings left unset from its profile, then check them."""
    from budgetcitoyen.colours import check_theme

    for key, value in read_profile(str(config["COLLECTIVITE_PROFILE"])).items():
        if config.get(key) is None:
            config[key] = value
    for key in ("COLLECTIVITE", "COLLECTIVITE_SHORT", "COLLECTIVITE_OF", "COLLECTIVITE_IN"):
        if not isinstance(config.get(key), str) or not config[key].strip():
            raise RuntimeError(f"{ENV_PREFIX}_{key} must be a non-empty text")
    if config.get("COLLECTIVITE_KIND") not in KINDS:
        raise RuntimeError(f"{ENV_PREFIX}_COLLECTIVITE_KIND must be one of {', '.join(KINDS)}")
    # A deployment that changes the kind without naming its body gets that kind's words.
    for key, value in {**DEFAULT_SERVICE, **KIND_NAMING[config["COLLECTIVITE_KIND"]]}.items():
        if config.get(key) is None:
            config[key] = value
    for key in ("COLLECTIVITE_BODY", "COLLECTIVITE_ADJECTIVE", "COLLECTIVITE_SERVICE"):
        if not isinstance(config.get(key), str) or not config[key].strip():
            raise RuntimeError(f"{ENV_PREFIX}_{key} must be a non-empty text")
    for key in ("COLLECTIVITE_BODY_GENDER", "COLLECTIVITE_SERVICE_GENDER"):
        if config.get(key) not in GENDERS:
            raise RuntimeError(f"{ENV_PREFIX}_{key} must be m or f")
    if config.get("COLLECTIVITE_CODE") is not None:
        config["COLLECTIVITE_CODE"] = str(config["COLLECTIVITE_CODE"])  # JSON would make 33 an int
    logo = config.get("COLLECTIVITE_LOGO")
    if logo and not str(logo).startswith(("static:", "storage:")):
        raise RuntimeError(f"{ENV_PREFIX}_COLLECTIVITE_LOGO must start with static: or storage:")
    problems = check_theme({"THEME_PRIMARY": config.get("THEME_PRIMARY"),
                            "THEME_PRIMARY_DARK": config.get("THEME_PRIMARY_DARK"),
                            "THEME_LINK": config.get("THEME_LINK")})
    if problems:
        # A colour too pale for the white text set on it makes the site unreadable for many: refused.
        raise RuntimeError("Colours refused (WCAG AA): " + "; ".join(problems))


def collectivite_setting(key: str = "COLLECTIVITE") -> str:
    """A setting of the configured collectivité for code that has no app at hand (services, files
    written for the public such as a Pabulib export): the running app's, else the profile the environment
    names (or the default one)."""
    from flask import current_app, has_app_context

    if has_app_context():
        return str(current_app.config[key])
    return str(read_profile(os.environ.get(f"{ENV_PREFIX}_COLLECTIVITE_PROFILE", DEFAULT_PROFILE))[key])


def naming(config: Mapping[str, Any] | None = None) -> Naming:
    """How the collectivité's body and service are named: from `config` (an app's), else as
    collectivite_setting finds them."""
    def get(key: str) -> str:
        return str(config[key]) if config is not None else collectivite_setting(key)

    return Naming(NounPhrase(get("COLLECTIVITE_BODY"), get("COLLECTIVITE_BODY_GENDER") == "f"),
                  NounPhrase(get("COLLECTIVITE_SERVICE"), get("COLLECTIVITE_SERVICE_GENDER") == "f"),
                  get("COLLECTIVITE_ADJECTIVE"))


def collectivite_in() -> str:
    """« dans le … », « en … »: where a commune is unknown, for messages (collectivite_setting)."""
    return collectivite_setting("COLLECTIVITE_IN")


def _instance_secret(path: Path) -> str:
    """Read the generated secret, creating it (mode 0600) on first start so no secret lives in the
    repository."""
    for _ in range(50):
        try:
            secret = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            secret = _create_secret(path)
        if secret:
            return secret
        # Another worker is creating it right now (or an earlier start died half-way).
        time.sleep(0.1)
    raise RuntimeError(f"{path} is empty: delete it to have a new secret generated")


def _create_secret(path: Path) -> str:
    secret = secrets.token_urlsafe(48)
    # Written aside then linked into place: the file appears complete or not at all, and
    # os.link fails if another worker won the race, whose secret is then the one used.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
    finally:
        temporary.unlink(missing_ok=True)
    return secret
