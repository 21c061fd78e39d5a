"""Settings: environment variables, defaults inside the data directory, base URL rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from applinks.settings import Settings


def test_environment_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("APPLINKS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("APPLINKS_BASE_URL", "https://jira.example.test/jira/")
    monkeypatch.setenv("APPLINKS_NAME", "Jira")
    monkeypatch.setenv("APPLINKS_APPLICATION_TYPE", "jira")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.base_url == "https://jira.example.test/jira"
    assert (settings.name, settings.application_type) == ("Jira", "jira")


def test_defaults_live_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'applinks.db').resolve()}"
    assert settings.resolved_key_file == tmp_path / "secret.key"
    custom = Settings(data_dir=tmp_path, database_url="postgresql://db/x", key_file=tmp_path / "k")
    assert (custom.resolved_database_url, custom.resolved_key_file) == ("postgresql://db/x", tmp_path / "k")


@pytest.mark.parametrize(
    "url",
    ["ftp://x.test", "x.test", "http://", "http://u:p@x.test", "http://x.test/?a=1", "http://x.test/#f", ""],
)
def test_base_url_must_be_a_plain_http_url(url: str) -> None:
    with pytest.raises(ValidationError):
        Settings(base_url=url)
