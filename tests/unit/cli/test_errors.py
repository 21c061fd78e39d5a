"""Every failure of a command is a non-zero exit code and one clear line on stderr, never a traceback."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from applinks.cli.main import app
from tests.unit.cli.conftest import CLEAN_ENV, Cli, one_error_line


def _run(*args: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={**CLEAN_ENV, **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, one_error_line(result)


def test_malformed_database_url(tmp_path: Path) -> None:
    code, line = _run("--data-dir", str(tmp_path), "--database-url", "nosuchdb://x/y", "link", "list")
    assert code == 1
    assert line.startswith("error: the database URL is not usable")


def test_database_that_does_not_answer(tmp_path: Path) -> None:
    url = "postgresql://root@127.0.0.1:1/nothing"
    code, line = _run("--data-dir", str(tmp_path), "--database-url", url, "users", "list")
    assert code == 1
    assert line.startswith("error: cannot connect to the database (postgresql+psycopg://root@127.0.0.1:1/nothing)")


def test_missing_key_file_for_a_database_that_holds_secrets(cli: Cli) -> None:
    cli("info")
    (cli.data_dir / "secret.key").unlink()
    result = cli("link", "list", ok=False)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "the key file" in line and "is missing" in line
    assert not (cli.data_dir / "secret.key").exists()  # never silently replaced


def test_key_file_that_is_not_a_key(cli: Cli) -> None:
    cli("info")
    (cli.data_dir / "secret.key").write_text("not a key\n")
    assert "does not hold valid keys" in one_error_line(cli("info", ok=False))


def test_unreadable_key_file(cli: Cli) -> None:
    cli("info")
    key_file = cli.data_dir / "secret.key"
    key_file.unlink()
    key_file.mkdir()  # unreadable as a file, whoever runs the test (root reads any mode)
    assert "cannot be read" in one_error_line(cli("info", ok=False))


def test_invalid_base_url(cli: Cli) -> None:
    line = one_error_line(cli("info", env={"APPLINKS_BASE_URL": "ftp://example.test"}, ok=False))
    assert line.startswith("error: invalid settings: base_url")
    line = one_error_line(cli("serve", "--base-url", "not a url", ok=False))
    assert line.startswith("error: invalid settings: base_url")


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.write_text("")
    code, line = _run("--data-dir", str(occupied), "users", "list")
    assert code == 1
    assert str(occupied) in line
