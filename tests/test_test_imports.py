"""The import rule of pyproject.toml's contracts, for the tests (import-linter reads packages, and
tests/ is not one): outside the Whoosh backend's own tests, no test imports Whoosh or the backend,
so the engine-level tests stay a suite any backend can be run against."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
BACKEND_TESTS = TESTS / "backends" / "whoosh"
FORBIDDEN = ("whoosh", "search.backends.whoosh")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (at any depth of its code)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def is_forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN)


def test_no_test_outside_the_whoosh_backends_own_imports_whoosh_or_the_backend():
    files = [path for path in TESTS.rglob("*.py") if BACKEND_TESTS not in path.parents]
    assert len(files) > 30
    offenders = {path.name: sorted(filter(is_forbidden, imported_modules(path))) for path in files}
    assert {name: found for name, found in offenders.items() if found} == {}
    assert any(is_forbidden(module) for module in imported_modules(BACKEND_TESTS / "test_backend.py"))
