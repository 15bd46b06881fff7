"""The library's layers: each subpackage mirrors a phase of the workflow and imports only from the layers
below it; the science never imports the operations code (ops: planning, costs, benchmarks, job running)."""

import ast
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[1] / "src/align_transfer"
#: From the bottom up: what a phase may import is everything to its left.
LAYERS = ["core", "data", "alignment", "finetuning", "analysis", "tables", "claims", "report", "ops"]


def imported_packages(path: Path) -> set[str]:
    """The subpackages of align_transfer that a module imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: a relative import; the library imports align_transfer.<layer>.<module>"
            names = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "align_transfer" and len(parts) > 1 and parts[1] in LAYERS:
                found.add(parts[1])
    return found


def test_every_module_lives_in_a_layer():
    assert {path.parent.name for path in LIBRARY.rglob("*.py")} - {"align_transfer"} == set(LAYERS)
    assert [path.name for path in LIBRARY.glob("*.py")] == ["__init__.py"]


def test_nothing_imports_upward_and_the_science_never_imports_ops():
    wrong = []
    for path in sorted(LIBRARY.rglob("*.py")):
        if path.parent == LIBRARY:
            continue
        layer = path.parent.name
        for imported in imported_packages(path):
            if LAYERS.index(imported) > LAYERS.index(layer):
                wrong.append(f"{path.relative_to(LIBRARY)} imports align_transfer.{imported}")
    assert wrong == []


def test_scripts_read_their_settings_from_their_rule_only():
    """A script gets what it needs from its rule (params, and a Steering for what steers but never determines):
    the config as a whole never reaches it, so a rule's params say everything its output depends on."""
    scripts = Path(__file__).resolve().parents[1] / "scripts"
    readers = [path.name for path in sorted(scripts.glob("*.py")) if "snakemake.config" in path.read_text()]
    assert len(list(scripts.glob("*.py"))) > 30
    assert readers == []
