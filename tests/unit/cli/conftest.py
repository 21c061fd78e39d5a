"""Run ``applinks`` in-process against one data directory and the test's database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from applinks.cli.main import app
from applinks.instance import Instance
from applinks.settings import Settings


@dataclass
class Cli:
    data_dir: Path
    db_url: str
    env: dict[str, str | None]

    def __post_init__(self) -> None:
        # Only `serve` and `init` create an instance; the commands under test run on an existing one.
        self.instance().close()

    def __call__(self, *args: str, env: dict[str, str | None] | None = None, ok: bool = True) -> Result:
        """``applinks --data-dir … --database-url … ARGS``; ``ok`` asserts the exit code either way."""
        argv = ["--data-dir", str(self.data_dir), "--database-url", self.db_url, *args]
        result = CliRunner().invoke(app, argv, env={**self.env, **(env or {})})
        if ok:
            assert result.exit_code == 0, f"{args}: {result.stderr or result.stdout}"
        else:
            assert result.exit_code != 0, f"{args} should have failed: {result.stdout}"
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)

    def instance(self) -> Instance:
        """The same instance the commands open (for arranging state with the services API)."""
        return Instance(Settings(data_dir=self.data_dir, database_url=self.db_url))


def one_error_line(result: Result) -> str:
    """A failed command says what went wrong in exactly one line on stderr."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# Settings come from the environment too: none of the developer's or CI's APPLINKS_* may leak in.
CLEAN_ENV: dict[str, str | None] = {f"APPLINKS_{name.upper()}": None for name in Settings.model_fields}


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    return Cli(tmp_path / "data", db_url, dict(CLEAN_ENV))
