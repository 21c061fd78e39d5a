"""docs/architecture.md stays the picture of the code: its module index lists every module of the package, and
the import-linter contracts that keep its layers true cover every module and ignore nothing."""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_modules", ROOT / "docs" / "modules.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_module_is_in_the_index() -> None:
    generator = _generator()
    listed = generator.listed(generator.DOC.read_text(encoding="utf-8"))
    actual = {str(path.relative_to(generator.PACKAGE)) for path in generator.modules()}
    missing = sorted(actual - listed)
    assert not missing, f"docs/architecture.md does not list {missing}: run `make docs`"
    gone = sorted(listed - actual)
    assert not gone, f"docs/architecture.md lists modules that no longer exist: {gone}: run `make docs`"


def test_every_module_says_what_it_owns() -> None:
    generator = _generator()
    silent = [
        str(p.relative_to(generator.PACKAGE)) for p in generator.modules() if generator.summary(p) == "(no docstring)"
    ]
    assert not silent, f"each module starts with a docstring saying what it owns: {silent}"


def test_index_generation_keeps_the_rest_of_the_document() -> None:
    generator = _generator()
    text = "intro\n" + generator.START + "\nstale\n" + generator.END + "\noutro\n"
    synced = generator.synced(text)
    assert synced.startswith("intro\n" + generator.START + "\n| module |")
    assert synced.endswith(generator.END + "\noutro\n")
    assert "stale" not in synced


def _layers_contract() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layered = [c for c in config["contracts"] if c["type"] == "layers" and c.get("containers") == ["applinks"]]
    assert len(layered) == 1, "one layers contract over the applinks package"
    contract: dict[str, object] = layered[0]
    return contract


def test_every_top_level_module_has_a_layer() -> None:
    """A module outside every layer would escape the import-linter contract that `make lint` runs."""
    named = {
        part.strip()
        for layer in _layers_contract()["layers"]  # type: ignore[attr-defined]
        for part in layer.replace("|", ":").split(":")
    }
    package = ROOT / "src" / "applinks"
    actual = {p.stem for p in package.glob("*.py") if p.stem != "__init__"} | {
        p.name for p in package.iterdir() if (p / "__init__.py").exists()
    }
    assert sorted(actual - named) == [], "give these modules a layer in pyproject.toml's import-linter contract"
    assert sorted(named - actual) == [], "the contract names modules that no longer exist"


def test_the_contracts_ignore_nothing() -> None:
    """No contract may ignore its own violations (the one exception, annotations under TYPE_CHECKING, is a
    documented top-level option, not an ignore list)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert config["exclude_type_checking_imports"] is True
    for contract in config["contracts"]:
        assert "ignore_imports" not in contract, contract["name"]
        assert not contract.get("unmatched_ignore_imports_alerting"), contract["name"]


def _imports_inside_functions(tree: ast.Module) -> list[int]:
    """Line numbers of imports that run inside a function (not at module level, not under TYPE_CHECKING)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [inner.lineno for inner in ast.walk(node) if isinstance(inner, ast.Import | ast.ImportFrom)]
    return found


def test_no_module_imports_inside_a_function() -> None:
    """Imports go at module level, where the layer contract sees them: a function-local import is how a
    cycle or an upward import hides."""
    package = ROOT / "src" / "applinks"
    hidden = [
        f"{path.relative_to(package)}:{line}"
        for path in sorted(package.rglob("*.py"))
        for line in _imports_inside_functions(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert hidden == []
