"""The shape of the code, checked: packages depend one way, file names say what a module may import.

The order below is the one the README's architecture section gives. A module may import its own
package and any package listed before its own, never one after it (the view modules of a core
package, such as mail's outbox pages, sit with `web`); views never import views; pure
modules (rules, permissions, the allocation engine) import neither Flask nor SQLAlchemy; models and
services never import Flask.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "budgetcitoyen"

# Bottom to top. "core" is every top-level module that is neither a domain nor the app's assembly.
ORDER = [
    "core",
    "web",
    "allocation",
    "ratelimit",
    "audit",
    "reference",
    "accounts",
    "editions",
    "initiatives",
    "labelling",
    "voting",
    "conventions",
    "results",
    "impact",
    "public",
    "structures",
    "dashboards",
    "demo",
    "app",
]
CORE = {"clock", "config", "db", "errors", "french", "money", "markdown", "csv_export", "forms", "mail",
        "migrate", "storage", "request_log", "metrics", "colours", "textsearch"}
WEB = {"web"}
APP = {"__init__", "models", "cli", "extensions", "templating", "security", "error_pages", "backup"}
PURE_NAMES = {"rules", "permissions", "eligibility", "assignment", "dates"}
NO_FLASK_NAMES = {"models", "services"}
FLASK = ("flask", "flask_login", "flask_wtf", "werkzeug.wrappers", "werkzeug.exceptions")


def layer_of(module: str) -> str:
    """The ORDER entry of a dotted module name inside budgetcitoyen."""
    parts = module.split(".")
    if parts[0] != "budgetcitoyen":
        raise ValueError(module)
    if len(parts) == 1:
        return "app"
    head = parts[1]
    if head in CORE:
        # The pages of a core package (the demo outbox of `mail`) use the view helpers.
        return "web" if is_view_module(parts[-1]) else "core"
    if head in WEB:
        return "web"
    if head in APP:
        return "app"
    return head


def is_view_module(stem: str) -> bool:
    """views.py, admin_views.py, and any other *views.py: the modules that hold a blueprint."""
    return stem.endswith("views")


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (annotations only, never imported at run time)."""
    nodes: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        nodes.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return nodes


def imports_of(path: Path) -> list[str]:
    """Every module the file imports at run time (absolute names), at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def product_modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


def _is_module(name: str) -> bool:
    parts = name.split(".")
    return (ROOT.parent.joinpath(*parts).with_suffix(".py").is_file()
            or ROOT.parent.joinpath(*parts, "__init__.py").is_file())


def test_every_package_has_a_place_in_the_order() -> None:
    unknown = {layer_of(module_name(p)) for p in product_modules()} - set(ORDER)
    assert not unknown, f"add these packages to ORDER (and to the README): {sorted(unknown)}"


def test_dependencies_point_down() -> None:
    upward = []
    for path in product_modules():
        here = module_name(path)
        own = ORDER.index(layer_of(here))
        for target in imports_of(path):
            if not target.startswith("budgetcitoyen.") or not _is_module(target):
                continue
            if ORDER.index(layer_of(target)) > own:
                upward.append(f"{here} -> {target}")
    assert not upward, "imports that point up the package order:\n" + "\n".join(sorted(set(upward)))


def test_views_never_import_views() -> None:
    found = []
    for path in product_modules():
        if not is_view_module(path.stem):
            continue
        for target in imports_of(path):
            if is_view_module(target.split(".")[-1]) and _is_module(target):
                found.append(f"{module_name(path)} -> {target}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("kind", ["pure", "no_flask"])
def test_file_names_say_what_a_module_may_import(kind: str) -> None:
    found = []
    for path in product_modules():
        in_engine = layer_of(module_name(path)) == "allocation" and path.stem != "commands"
        pure = path.stem in PURE_NAMES or in_engine
        if kind == "pure" and not pure:
            continue
        if kind == "no_flask" and path.stem not in NO_FLASK_NAMES:
            continue
        forbidden = FLASK + (("sqlalchemy",) if kind == "pure" else ())
        for target in imports_of(path):
            if target.split(".")[0] in forbidden:
                found.append(f"{module_name(path)} imports {target}")
    assert not found, "\n".join(sorted(set(found)))
