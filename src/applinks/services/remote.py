"""Small helpers for calls to a remote instance as its administrator: Basic headers, a JSON PUT, and readable
remote errors."""

from __future__ import annotations

import base64
import json
from typing import Any

from applinks.discovery.xml import parse_xml
from applinks.errors import InvalidInput, UnexpectedResponse
from applinks.transport.client import OutboundClient, OutboundResponse

MAX_MESSAGE = 300


def basic_headers(username: str, password: str) -> dict[str, str]:
    """``Authorization: Basic`` for a remote administrator (two-way create only; never stored)."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def remote_message(response: OutboundResponse) -> str:
    """The remote's own explanation of a failure: the ``message`` of a JSON error body, else a short text."""
    text = response.text.strip()
    try:
        data = json.loads(text) if text.startswith("{") else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "errorMessage", "error"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:MAX_MESSAGE]
    if text.startswith("<"):
        return _xml_message(response.content) or f"HTTP {response.status_code}"
    if not text:
        return f"HTTP {response.status_code}"
    return text[:MAX_MESSAGE]


def _xml_message(body: bytes) -> str:
    """The first ``<message>`` of an Atlassian ``ErrorListEntity`` (``<error status="…">``), else ""."""
    try:
        root = parse_xml(body, "error body")
    except UnexpectedResponse:
        return ""
    if root.tag != "error":
        return ""
    messages = [(child.text or "").strip() for child in root if child.tag == "message"]
    return next((m[:MAX_MESSAGE] for m in messages if m), "")


def put_json(outbound: OutboundClient, url: str, credentials: dict[str, str], path: str, body: Any) -> dict[str, Any]:
    """``PUT <url><path>`` with a JSON body as a remote administrator (Basic ``credentials``): the JSON object it
    answers (``{}`` for an empty answer); ``InvalidInput`` naming the remote's message for anything but 2xx."""
    response = outbound.request(
        "PUT",
        url + path,
        headers={
            **credentials,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Atlassian-Token": "no-check",
        },
        content=json.dumps(body).encode(),
    )
    if not 200 <= response.status_code < 300:  # Atlassian answers some of these with 204
        raise InvalidInput(
            f"{url} answered HTTP {response.status_code}: {remote_message(response)}",
            key="applinks.wizard.remote_auth",
        )
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}
