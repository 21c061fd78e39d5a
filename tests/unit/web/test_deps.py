"""``authenticate_async``: a request without credentials is authenticated in the event loop (no thread hop);
one with credentials of any kind in a worker thread (authenticators may block on a database or a hash)."""

from __future__ import annotations

import ast
import asyncio
import inspect
import threading
from types import SimpleNamespace

import pytest
from starlette.requests import Request

from applinks.web import deps
from applinks.web.deps import ANONYMOUS, Principal, authenticate_async, carries_credentials


def _request(method: str = "GET", query: bytes = b"", **headers: str) -> Request:
    raw = [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": method, "path": "/x", "headers": raw, "query_string": query})


def _app(threads: list[threading.Thread]) -> SimpleNamespace:
    def recording(request: Request, instance: object) -> Principal | None:
        threads.append(threading.current_thread())
        return None

    return SimpleNamespace(state=SimpleNamespace(instance=object(), authenticators=[recording]))


@pytest.mark.parametrize(
    ("request_", "carries"),
    [
        (_request(), False),
        (_request(accept="text/plain", user_agent="curl"), False),
        (_request(authorization='OAuth oauth_consumer_key="k"'), True),
        (_request(authorization="Basic YTpi"), True),
        (_request(cookie="applinks_session=x"), True),
        (_request(x_seraph_trusted_app_cert="c"), True),
        (_request(query=b"oauth_consumer_key=k&oauth_signature=s"), True),
        (_request("POST"), True),
    ],
)
def test_what_counts_as_credentials(request_: Request, carries: bool) -> None:
    assert carries_credentials(request_) is carries


def test_an_anonymous_request_is_authenticated_in_the_event_loop_others_in_a_worker_thread() -> None:
    threads: list[threading.Thread] = []
    app = _app(threads)

    async def both() -> tuple[Principal, Principal, threading.Thread]:
        anonymous = await authenticate_async(_request(), app)  # type: ignore[arg-type]
        signed = await authenticate_async(_request(authorization="OAuth x"), app)  # type: ignore[arg-type]
        return anonymous, signed, threading.current_thread()

    anonymous, signed, loop_thread = asyncio.run(both())
    assert anonymous == signed == ANONYMOUS
    assert threads[0] is loop_thread
    assert threads[1] is not loop_thread


def test_deps_imports_only_at_module_level() -> None:
    """No function-local imports (the code rules): every import of web/deps.py is at the top of the module."""
    tree = ast.parse(inspect.getsource(deps))
    local = [
        f"line {node.lineno}"
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert local == []
