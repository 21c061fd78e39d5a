"""Request bodies in JSON or (as some remotes send) flat XML, validated into pydantic models."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from applinks.crypto import secrets_equal
from applinks.discovery.xml import parse_xml
from applinks.errors import InvalidInput, PermissionDenied, UnexpectedResponse

Model = TypeVar("Model", bound=BaseModel)
MAX_BODY = 64 * 1024
# Bodies any web page can send cross-site without a CORS preflight (HTML forms, text/plain, no type at all).
_SIMPLE_MEDIA_TYPES = frozenset({"", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})


async def _capped_body(request: Request) -> bytes:
    """The body, refused as soon as it passes ``MAX_BODY`` (never read whole into memory first)."""
    too_large = InvalidInput(f"the request body is larger than {MAX_BODY} bytes", key="applinks.body.large")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise too_large
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_BODY:
            raise too_large
    return bytes(raw)


def _check_media_type(request: Request, content_type: str) -> None:
    """A body of a type a cross-site form could send needs the API clients' XSRF opt-out, as in Atlassian
    products: otherwise cached credentials in a browser could be replayed by another site."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in _SIMPLE_MEDIA_TYPES and not secrets_equal(
        request.headers.get("x-atlassian-token", ""), "no-check"
    ):
        raise PermissionDenied(
            "XSRF check failed: send the body as application/json (or application/xml), "
            "or add X-Atlassian-Token: no-check",
            key="applinks.xsrf",
        )


async def read_mapping(request: Request) -> dict[str, Any]:
    raw = await _capped_body(request)
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "")
    _check_media_type(request, content_type)
    if "xml" in content_type or raw.lstrip().startswith(b"<"):
        try:
            root = parse_xml(raw, "request body")
        except UnexpectedResponse as exc:
            raise InvalidInput(exc.message, key="applinks.body.xml") from exc
        return {child.tag: (child.text or "").strip() for child in root}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("the request body is not valid JSON", key="applinks.body.json") from exc
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object", key="applinks.body.json")
    return data


async def read_model(request: Request, model: type[Model]) -> Model:
    data = await read_mapping(request)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"invalid request body: {problems}", key="applinks.body.invalid") from exc


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring a body read by ``read_model`` (so the OpenAPI document stays complete)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema(by_alias=True)}},
        }
    }
