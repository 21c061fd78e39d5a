"""The one typed settings object: read once from ``APPLINKS_*`` environment variables and CLI options."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse as parse_limit
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("applinks-data")


class Settings(BaseSettings):
    """Everything an instance is configured with. Paths default to files inside ``data_dir``."""

    model_config = SettingsConfigDict(env_prefix="APPLINKS_", extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    base_url: str = "http://127.0.0.1:8080"
    name: str = "applinks"
    application_type: str = "refapp"
    version: str = "0.1.0"
    build_number: int = 1
    database_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = Field(default="applinks", min_length=1, max_length=100)
    key_file: Path | None = None

    # OAuth 1.0a lifetimes (protocol.md §5.3).
    request_token_ttl: int = Field(default=600, ge=1)
    access_token_ttl: int = Field(default=5 * 365 * 24 * 3600, ge=1)
    timestamp_window: int = Field(default=300, ge=1)
    # How long a process may serve an OAuth consumer or a user from its cache: the longest a change made by
    # another process (worker, node, CLI) can go unseen here. Changes made in this process apply at once.
    cache_seconds: float = Field(default=5.0, ge=0)

    # OAuth 2.0 authorization server (protocol.md §10.1): Atlassian's default lifetimes, in seconds.
    oauth2_access_token_ttl: int = Field(default=3600, ge=1)
    oauth2_refresh_token_ttl: int = Field(default=90 * 24 * 3600, ge=1)
    oauth2_code_ttl: int = Field(default=60, ge=1, le=600)
    # Development only: OAuth 2.0 over plain http (base URL and redirect URLs). Loopback redirect URLs
    # (localhost, 127.0.0.0/8, ::1) are always allowed over http, as Atlassian allows them.
    oauth2_allow_http: bool = False

    # Outbound calls (security.md): timeouts, overall deadline, response cap, TLS and address policy.
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=10.0, gt=0)
    request_deadline: float = Field(default=30.0, gt=0)
    max_response_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    ca_bundle: Path | None = None
    allow_loopback: bool = True
    allow_private: bool = True

    # Monitoring (diagnostics): 0 disables the background check.
    monitor_interval: float = Field(default=0.0, ge=0)

    # Browser sessions of the reference application (server-side, ended by logout).
    session_idle_timeout: int = Field(default=1800, ge=60)
    session_max_age: int = Field(default=14 * 24 * 3600, ge=60)

    # Rate limits (security.md "abuse / floods"), moving windows in the ``limits`` notation; "off" disables one.
    rate_limit_login: str = "10/minute"
    rate_limit_basic: str = "20/minute"
    rate_limit_token: str = "60/minute"  # noqa: S105 - a rate, not a secret
    rate_limit_signature: str = "30/minute"
    rate_limit_link_create: str = "30/minute"

    @field_validator(
        "rate_limit_login", "rate_limit_basic", "rate_limit_token", "rate_limit_signature", "rate_limit_link_create"
    )
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        text = value.strip()
        if text.lower() in ("", "off", "0"):
            return "off"
        try:
            parse_limit(text)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate limit such as '10/minute' or 'off'") from exc
        return text

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base URL must be an absolute http(s) URL, got {value!r}")
        if parts.query or parts.fragment or parts.username:
            raise ValueError("base URL must not carry a query, fragment or user information")
        return value.strip().rstrip("/")

    def with_stored(self, stored: Mapping[str, str]) -> Settings:
        """These settings with the instance's stored public settings (``storage/public_settings.py``) for every
        field that neither a flag nor the environment set: one home for base URL, name and type."""
        taken = {field: value for field, value in stored.items() if field not in self.model_fields_set}
        if not taken:
            return self
        values = {field: getattr(self, field) for field in self.model_fields_set}
        return type(self)(**{**values, **taken})

    def source_of(self, field: str, stored: Mapping[str, str]) -> str:
        """Where a setting's value came from, for ``applinks info``."""
        if field in self.model_fields_set:
            variable = f"APPLINKS_{field.upper()}"
            return f"environment ({variable})" if variable in os.environ else "option"
        return "stored by serve/init" if field in stored else "default"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'applinks.db').resolve()}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file if self.key_file is not None else self.data_dir / "secret.key"
