"""Secrets never reach a log line: redaction of OAuth tokens, verifiers, signatures, codes, client secrets,
passwords and credentials in headers, query strings, forms and JSON, applied to every log record.

``install()`` wraps the process's log-record factory once, so every record — ours, uvicorn's access log
(whose arguments carry the request's full path and query string), httpx2's — is redacted when it is made,
before any handler or formatter sees it. The names are those of secrets that travel in URLs or bodies
(RFC 5849, RFC 6749/7636/7523, and the login form)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

MASK = "[REDACTED]"

SECRET_NAMES = (
    "oauth_token",
    "oauth_token_secret",
    "oauth_verifier",
    "oauth_signature",
    "oauth_callback_confirmed_secret",
    "code",
    "code_verifier",
    "client_secret",
    "client_assertion",
    "assertion",
    "access_token",
    "refresh_token",
    "id_token",
    "password",
    "passwd",
    "secret",
    "token",
)
_NAMES = "|".join(sorted((re.escape(name) for name in SECRET_NAMES), key=len, reverse=True))
# name=value in a query string or form, also percent-encoded inside another URL's parameter (%3D, %26).
_PAIR = re.compile(rf"(?i)(?:(?<![A-Za-z0-9_])|(?<=%3F)|(?<=%26))({_NAMES})(=|%3D)((?:(?!%26)[^&\s\"',;<>])+)")
# name="value" in an Authorization: OAuth header.
_QUOTED = re.compile(rf'(?i)(?<![A-Za-z0-9_])({_NAMES})="[^"]*"')
# "name": "value" in JSON.
_JSON = re.compile(rf'(?i)"({_NAMES})"(\s*:\s*)"(?:[^"\\]|\\.)*"')
# Credentials of an Authorization header: Basic / Bearer.
_SCHEME = re.compile(r"(?i)\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]{8,}")


def redact(text: str) -> str:
    """``text`` with every secret value it carries replaced by ``[REDACTED]``."""
    if "=" not in text and '"' not in text and "%3" not in text.upper() and " " not in text:
        return text
    text = _QUOTED.sub(lambda m: f'{m.group(1)}="{MASK}"', text)
    text = _JSON.sub(lambda m: f'"{m.group(1)}"{m.group(2)}"{MASK}"', text)
    text = _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _SCHEME.sub(lambda m: f"{m.group(1)} {MASK}", text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace"))
    return value


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record's message and its arguments in place; the arguments keep their shape, since some
    formatters (uvicorn's access log) unpack them."""
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(_redact_value(arg) for arg in args)
    elif isinstance(args, Mapping):
        record.args = {key: _redact_value(value) for key, value in args.items()}
    return record


_lock = threading.Lock()
_installed: list[Callable[..., logging.LogRecord]] = []


def install() -> None:
    """Redact every log record of this process from now on (idempotent)."""
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact_record(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _installed.append(factory)
