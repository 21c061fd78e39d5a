"""The OpenAPI document lists the link routes, and a short schemathesis run over them finds no server error."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from starlette.testclient import TestClient

from applinks.domain.link import Link
from applinks.errors import RemoteUnreachable
from applinks.host import HostUser
from applinks.refapp.app import build_app
from applinks.refapp.host import refapp_host
from applinks.settings import Settings
from applinks.web.api import applicationlink, manifest

OPENAPI = "/rest/applinks/openapi.json"
EXISTING = "existing-link"


def _test_client(app: FastAPI, **kwargs: Any) -> TestClient:
    """Starlette's in-process client (built on httpx2, the client family applinks uses)."""
    return TestClient(app, **kwargs)


def _no_network(host: str, port: int) -> list[str]:
    # Fuzzed URLs must never leave the machine: every name and address is "unknown".
    raise RemoteUnreachable(f"tests resolve nothing ({host})", kind="UNKNOWN_HOST")


def _foundation_operations() -> set[tuple[str, str]]:
    found = set()
    for route in [*applicationlink.router.routes, *manifest.router.routes]:
        assert isinstance(route, APIRoute)
        if route.include_in_schema:
            found.update((method.lower(), route.path) for method in route.methods)
    return found


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    built = build_app(settings, resolver=_no_network)
    instance = built.state.instance
    refapp_host(instance).users.add("admin", "admin-pw", sysadmin=True)
    instance.links.create(
        Link(id=EXISTING, type_id="refapp", name="Existing", display_url="http://x.test", rpc_url="http://x.test"),
        actor=HostUser("setup", is_admin=True, is_sysadmin=True),
    )
    yield built
    instance.close()


def test_openapi_document_lists_the_link_routes(app: FastAPI) -> None:
    client = _test_client(app)
    response = client.get(OPENAPI)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    published = {(method, path) for path, item in document["paths"].items() for method in item}
    missing = _foundation_operations() - published
    assert not missing
    for path in ("/rest/applinks/2.0/applicationlink/{link_id}", "/rest/applinks/3.0/applinks"):
        assert path in document["paths"]
    put = document["paths"]["/rest/applinks/2.0/applicationlink/{link_id}"]["put"]
    assert "rpcUrl" in put["requestBody"]["content"]["application/json"]["schema"]["properties"]


def _session_headers(app: FastAPI) -> dict[str, str]:
    client = _test_client(app, base_url="http://127.0.0.1:8990", follow_redirects=False)
    login = client.post("/login", data={"username": "admin", "password": "admin-pw"})
    assert login.status_code == 303
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    # A session (no scrypt per request keeps the run fast) plus the XSRF opt-out API clients send.
    return {"Cookie": cookie, "X-Atlassian-Token": "no-check"}


def test_fuzzed_link_routes_never_answer_500(app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi(OPENAPI, app)
    headers = _session_headers(app)
    wanted = _foundation_operations()
    operations = [op for op in (r.ok() for r in schema.get_all_operations()) if (op.method, op.path) in wanted]
    assert {(op.method, op.path) for op in operations} == wanted
    # Deletions last, so the other operations still find the existing link.
    operations.sort(key=lambda op: op.method == "delete")
    failures: list[str] = []
    statuses: set[int] = set()
    for operation in operations:
        pinned = {"link_id": EXISTING} if "{link_id}" in operation.path else None
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if pinned:
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pinned))
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=pinned))

        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=st.one_of(strategies))
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}")
            assert response.status_code < 500

        with contextlib.suppress(AssertionError):  # collected above with the case that caused it
            run()
    assert not failures, "\n".join(failures)
    # The run got past authentication into the handlers: both successes and refusals of bad input.
    assert any(200 <= s < 300 for s in statuses), statuses
    assert {400, 404} <= statuses, statuses
