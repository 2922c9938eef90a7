"""Every module of the product imports on its own, first, in a fresh interpreter.

Tests import the engine before anything else, so a cycle of imports that only breaks when
another module comes first (`search cluster` loads the ranker first) passes them all and fails
the user. import-linter checks the direction of layers, not whether a module can be loaded
first."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("search", "web")

# One interpreter: before each module, every module of ours is forgotten (third-party packages
# stay loaded, so the loop takes seconds, not a fresh Python per module).
IMPORT_EACH_FIRST = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] in {packages!r}]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        failed.append(f"{{name}}: {{error!r}}")
print("\\n".join(failed))
"""


def product_modules() -> list[str]:
    """The dotted name of every Python module under the product's packages."""
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__main__":
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_when_it_is_the_first_one_loaded():
    modules = product_modules()
    assert len(modules) > 80 and "search.rank" in modules and "web" in modules
    script = IMPORT_EACH_FIRST.format(packages=set(PACKAGES))
    result = subprocess.run([sys.executable, "-c", script, *modules], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
