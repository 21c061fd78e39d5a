"""docs/architecture.md stays the picture of the code: its module index lists every module of the package."""

from __future__ import annotations

import importlib.util
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
