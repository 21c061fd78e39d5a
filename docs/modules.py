"""Keeps the module index of docs/architecture.md equal to the code: ``make docs`` (``python docs/modules.py``).

Each row is a module of ``src/applinks`` and the first paragraph of its docstring (what it owns).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "applinks"
DOC = ROOT / "docs" / "architecture.md"
START = "<!-- modules:start -->"
END = "<!-- modules:end -->"


def modules() -> list[Path]:
    """Every module of the package, except the Alembic revisions (listed by number in the Storage section)."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "versions" not in p.relative_to(PACKAGE).parts)


def summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "(no docstring)"
    return " ".join(doc.split("\n\n")[0].split()).replace("|", "\\|")


def index() -> str:
    rows = ["| module | what it owns |", "|---|---|"]
    rows += [f"| `{path.relative_to(PACKAGE)}` | {summary(path)} |" for path in modules()]
    return "\n".join(rows) + "\n"


def listed(text: str) -> set[str]:
    """The module paths the document's index lists."""
    start, end = text.find(START), text.find(END)
    block = text[start:end] if 0 <= start < end else ""
    return {line.split("`")[1] for line in block.splitlines() if line.startswith("| `")}


def synced(text: str) -> str:
    start, end = text.find(START), text.find(END)
    if not 0 <= start < end:
        raise SystemExit(f"{DOC} has no {START} … {END} block")
    return f"{text[: start + len(START)]}\n{index()}{text[end:]}"


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    new = synced(text)
    if new != text:
        DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
