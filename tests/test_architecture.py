"""The declared shape of the code (docs/architecture.md, "Dependencies"), checked on every run:

- dependencies between the apps point one way: `community` ← `messaging` ← `moderation`
  (`moderation` may import both, `messaging` only `community`, `community` neither), and no
  app imports `config`;
- no function-level import of a project module, unless a comment on it, or above it in the same
  function, names the cycle it breaks ("cycle: …").

Where an app must react to another's change it subscribes through the owner's seam
(`community/events.py`, `community/restrictions.py`), never by importing upwards.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("community", "messaging", "moderation")
# What each app may import from the others.
ALLOWED = {
    "community": set(),
    "messaging": {"community"},
    "moderation": {"community", "messaging"},
}
PROJECT_PACKAGES = (*APPS, "config")


def _modules(root: Path, app: str):
    for path in sorted((root / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _imported(node) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.module and node.level == 0 else []
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return []


DOTTED = re.compile(r"^([a-z_]+)\.[a-z_]+(\.[A-Za-z_]+)*$")


def _dotted_references(node) -> list[str]:
    """A dotted path in a string ("moderation.demo.seed", "messaging.Conversation"): an
    import in disguise (import_string, a lazy model reference)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        match = DOTTED.match(node.value)
        if match and match.group(1) in APPS:
            return [node.value]
    return []


def dependency_violations(root: Path = ROOT) -> list[str]:
    """Every import in the apps that points against the declared direction, and every
    dotted-path string naming a module or model of an app it may not import."""
    found = []
    for app in APPS:
        for path in _modules(root, app):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                for module in [*_imported(node), *_dotted_references(node)]:
                    top = module.split(".")[0]
                    if top in PROJECT_PACKAGES and top != app and top not in ALLOWED[app]:
                        found.append(f"{path.relative_to(root)}:{node.lineno} imports {module}")
    return found


def function_level_imports(root: Path = ROOT) -> list[str]:
    """Imports of project modules inside functions, without a comment naming a cycle."""
    found = []
    for app in (*APPS, "config"):
        for path in _modules(root, app):
            source = path.read_text()
            lines = source.splitlines()
            for function in ast.walk(ast.parse(source, filename=str(path))):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(function):
                    modules = _imported(node)
                    if not any(module.split(".")[0] in PROJECT_PACKAGES for module in modules):
                        continue
                    # The comment sits on the import's line or above it in the same function.
                    nearby = lines[function.lineno - 1 : node.lineno]
                    if not any("cycle:" in line for line in nearby):
                        found.append(f"{path.relative_to(root)}:{node.lineno} {modules[0]}")
    return found


def test_dependencies_between_the_apps_point_one_way():
    assert dependency_violations() == []


def test_no_function_level_imports_of_project_modules():
    assert function_level_imports() == []


def _plant(tmp_path: Path, app: str, source: str) -> Path:
    for name in APPS:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    planted = tmp_path / app / "planted.py"
    planted.write_text(source)
    return planted


def test_the_check_fails_on_a_planted_back_import(tmp_path):
    _plant(tmp_path, "community", "from moderation.models import Sanction\n")
    assert dependency_violations(tmp_path) == ["community/planted.py:1 imports moderation.models"]


def test_the_check_fails_on_a_back_import_hidden_in_a_function(tmp_path):
    _plant(tmp_path, "messaging", "def f():\n    import moderation.selectors.blocks\n")
    assert dependency_violations(tmp_path) == [
        "messaging/planted.py:2 imports moderation.selectors.blocks"
    ]
    assert function_level_imports(tmp_path) == [
        "messaging/planted.py:2 moderation.selectors.blocks"
    ]


def test_a_function_level_import_may_stay_when_it_names_its_cycle(tmp_path):
    _plant(
        tmp_path,
        "moderation",
        "def f():\n    from community.models import User  # cycle: models load apps\n",
    )
    assert function_level_imports(tmp_path) == []
    assert dependency_violations(tmp_path) == []


def test_the_check_fails_on_a_back_reference_by_dotted_path(tmp_path):
    _plant(tmp_path, "community", 'SEEDERS = ["moderation.demo.seed_moderation"]\n')
    assert dependency_violations(tmp_path) == [
        "community/planted.py:1 imports moderation.demo.seed_moderation"
    ]
