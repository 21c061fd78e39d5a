"""Request bodies in JSON or (as some remotes send) flat XML, validated into pydantic models."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from applinks.discovery.xml import parse_xml
from applinks.errors import InvalidInput, UnexpectedResponse

Model = TypeVar("Model", bound=BaseModel)
MAX_BODY = 64 * 1024


async def read_mapping(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InvalidInput(f"the request body is larger than {MAX_BODY} bytes", key="applinks.body.large")
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "")
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
