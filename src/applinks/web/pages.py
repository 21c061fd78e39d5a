"""The templates every area's server-rendered pages share (the page frame ``page_base.html``)."""

from __future__ import annotations

from pathlib import Path

PAGE_TEMPLATES = Path(__file__).parent / "templates"
