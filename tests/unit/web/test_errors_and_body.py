"""The exception-to-HTTP mapping and request-body reading, on a small app with the handlers installed."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from applinks.errors import (
    CredentialsRequired,
    DuplicateLink,
    InvalidInput,
    LinkNotFound,
    NotAuthenticated,
    OAuthProblem,
    PermissionDenied,
    RemoteUnreachable,
)
from applinks.web.body import MAX_BODY, read_mapping, read_model
from applinks.web.errors import install_error_handlers


class Thing(BaseModel):
    name: str = Field(max_length=5)
    count: int = 0


def _app() -> FastAPI:
    app = FastAPI()
    metrics = SimpleNamespace(record_incoming_oauth_failure=lambda problem: None)
    app.state.instance = SimpleNamespace(base_url="http://base.test/app", metrics=metrics)
    install_error_handlers(app)
    raised = {
        "invalid": InvalidInput("bad thing", key="applinks.thing.bad"),
        "unauthenticated": NotAuthenticated("log in"),
        "forbidden": PermissionDenied("no"),
        "notfound": LinkNotFound("no link", link_id="x"),
        "duplicate": DuplicateLink("twice"),
        "remote": RemoteUnreachable("down", kind="UNKNOWN_HOST"),
        "oauth": OAuthProblem("signature_invalid", signature_base_string="GET&x"),
        "timestamp": OAuthProblem("timestamp_refused"),
        "credentials": CredentialsRequired("authorise first", authorisation_base="http://base.test/app/dance"),
        "crash": RuntimeError("secret internals"),
    }

    @app.get("/raise/{what}")
    def boom(what: str) -> None:
        raise raised[what]

    @app.get("/typed")
    def typed(number: int) -> int:
        return number

    @app.post("/mapping")
    async def mapping(request: Request) -> dict[str, Any]:
        return await read_mapping(request)

    @app.post("/model")
    async def model(request: Request) -> dict[str, Any]:
        return (await read_model(request, Thing)).model_dump()

    return app


def _call(method: str, path: str, **kwargs: Any) -> httpx2.Response:
    async def run() -> httpx2.Response:
        transport = httpx2.ASGITransport(app=_app(), raise_app_exceptions=False)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(run())


@pytest.mark.parametrize(
    ("what", "status", "key"),
    [
        ("invalid", 400, "applinks.thing.bad"),
        ("unauthenticated", 401, "applinks.unauthenticated"),
        ("forbidden", 403, "applinks.forbidden"),
        ("notfound", 404, "applinks.link.notfound"),
        ("duplicate", 409, "applinks.link.duplicate"),
        ("remote", 400, "applinks.remote.unreachable"),
        ("credentials", 401, "applinks.credentials_required"),
        ("crash", 500, "applinks.internal"),
    ],
)
def test_errors_become_json_with_a_stable_key(what: str, status: int, key: str) -> None:
    response = _call("GET", f"/raise/{what}")
    assert response.status_code == status
    body = response.json()
    assert (body["status"], body["error"]) == (status, key)
    assert body["message"]


def test_error_details_and_headers() -> None:
    assert _call("GET", "/raise/notfound").json()["details"] == {"link_id": "x"}
    assert _call("GET", "/raise/remote").json()["details"] == {"kind": "UNKNOWN_HOST"}
    unauthenticated = _call("GET", "/raise/unauthenticated")
    assert unauthenticated.headers["www-authenticate"] == 'OAuth realm="http%3A%2F%2Fbase.test%2Fapp"'
    assert _call("GET", "/raise/credentials").json()["authorisationUri"] == "http://base.test/app/dance"
    crash = _call("GET", "/raise/crash")
    assert "secret internals" not in crash.text


def test_oauth_problems_use_the_wire_format() -> None:
    invalid = _call("GET", "/raise/oauth")
    assert invalid.status_code == 401
    assert invalid.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert 'oauth_problem="signature_invalid"' in invalid.headers["www-authenticate"]
    assert invalid.headers["www-authenticate"].startswith('OAuth realm="http%3A%2F%2Fbase.test%2Fapp"')
    assert "oauth_problem=signature_invalid" in invalid.text
    assert "oauth_signature_base_string=GET%26x" in invalid.text
    assert _call("GET", "/raise/timestamp").status_code == 400


def test_framework_errors_are_json_too() -> None:
    validation = _call("GET", "/typed", params={"number": "abc"})
    assert validation.status_code == 400
    assert validation.json()["error"] == "applinks.invalid"
    assert "number" in validation.json()["message"]
    unknown = _call("GET", "/nowhere")
    assert unknown.status_code == 404
    assert unknown.json() == {"status": 404, "error": "http.404", "message": "Not Found"}
    wrong_method = _call("DELETE", "/typed")
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "http.405")


def test_bodies_in_json_and_flat_xml() -> None:
    assert _call("POST", "/mapping", json={"a": 1}).json() == {"a": 1}
    assert _call("POST", "/mapping", content=b"").json() == {}
    xml = b"<link><name> Wiki </name><rpcUrl>http://w.test</rpcUrl></link>"
    assert _call("POST", "/mapping", content=xml, headers={"Content-Type": "application/xml"}).json() == {
        "name": "Wiki",
        "rpcUrl": "http://w.test",
    }


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b"{nope", "applinks.body.json"),
        (b"[1]", "applinks.body.json"),
        (b"\xff\xfe", "applinks.body.json"),
        (b"<a><b>", "applinks.body.xml"),
        (b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a><b>&e;</b></a>', "applinks.body.xml"),
        (b'{"a": "' + b"x" * MAX_BODY + b'"}', "applinks.body.large"),
    ],
)
def test_bad_bodies_are_400(content: bytes, key: str) -> None:
    media_type = "application/xml" if content.startswith(b"<") else "application/json"
    response = _call("POST", "/mapping", content=content, headers={"Content-Type": media_type})
    assert response.status_code == 400
    assert response.json()["error"] == key


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded"]
)
def test_bodies_a_cross_site_form_could_send_need_the_xsrf_opt_out(content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = b'{"name": "x"}'

    async def run(extra: dict[str, str]) -> httpx2.Response:
        transport = httpx2.ASGITransport(app=_app())
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            # Raw bytes without a type go out with no Content-Type, like fetch() with an untyped Blob.
            request = client.build_request("POST", "/mapping", content=body, headers={**headers, **extra})
            assert request.headers.get("content-type") == content_type
            return await client.send(request)

    refused = asyncio.run(run({}))
    assert refused.status_code == 403
    assert refused.json()["error"] == "applinks.xsrf"
    allowed = asyncio.run(run({"X-Atlassian-Token": "no-check"}))
    assert allowed.json() == {"name": "x"}


def test_oversized_bodies_are_refused_while_streaming() -> None:
    async def chunks() -> Any:
        for _ in range(MAX_BODY // 1000 + 2):
            yield b"x" * 1000

    async def run() -> httpx2.Response:
        transport = httpx2.ASGITransport(app=_app())
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            # Chunked: no Content-Length to refuse early, so the cap applies while reading.
            return await client.post("/mapping", content=chunks(), headers={"Content-Type": "application/json"})

    response = asyncio.run(run())
    assert response.status_code == 400
    assert response.json()["error"] == "applinks.body.large"


def test_model_validation_names_the_field() -> None:
    assert _call("POST", "/model", json={"name": "abc", "count": "2"}).json() == {"name": "abc", "count": 2}
    response = _call("POST", "/model", json={"name": "too long", "count": "x"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "applinks.body.invalid"
    assert "name" in body["message"] and "count" in body["message"]
