"""``applinks db upgrade``."""

from __future__ import annotations

import typer

from applinks.cli.common import cli_errors, console, make_settings, require_instance
from applinks.storage import db

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply pending database migrations."""
    with cli_errors():
        settings = make_settings()
        require_instance(settings)
        engine = db.make_engine(settings.resolved_database_url)
        try:
            db.upgrade(engine)
            console.print(f"database at revision {db.current_revision(engine)}")
        finally:
            engine.dispose()
