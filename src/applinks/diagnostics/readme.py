"""Keeps the README's Troubleshooting section equal to the advice table: ``python -m applinks.diagnostics.readme``."""

from __future__ import annotations

import sys
from pathlib import Path

from applinks.diagnostics.advice import render_markdown

START = "<!-- troubleshooting:start -->"
END = "<!-- troubleshooting:end -->"


def section_of(readme: str) -> str | None:
    """The text between the markers, or None when the markers are missing."""
    start = readme.find(START)
    end = readme.find(END)
    if start < 0 or end < start:
        return None
    return readme[start + len(START) : end].strip("\n") + "\n"


def synced(readme: str) -> str:
    """``readme`` with the section between the markers replaced by the rendering (markers added at the end)."""
    block = f"{START}\n{render_markdown()}{END}"
    start = readme.find(START)
    end = readme.find(END)
    if start < 0 or end < start:
        separator = "" if not readme or readme.endswith("\n\n") else ("\n" if readme.endswith("\n") else "\n\n")
        return f"{readme}{separator}{block}\n"
    return readme[:start] + block + readme[end + len(END) :]


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "README.md")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    new = synced(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
