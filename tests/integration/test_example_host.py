"""The example host (examples/fastapi_host) served for real: applinks embedded over the host's own users."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from examples.fastapi_host.app import HostUsers, build_app

from applinks import Settings
from tests.support import LiveInstance, bind_loopback, serve_app


@dataclass
class ExampleHost:
    url: str

    def client(self, auth: tuple[str, str] | None = None) -> httpx2.Client:
        return httpx2.Client(base_url=self.url, auth=auth, trust_env=False, timeout=30)


@pytest.fixture
def example(tmp_path: Path, db_url: str) -> Iterator[ExampleHost]:
    sock = bind_loopback()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(data_dir=tmp_path / "example", base_url=url, name="Example host", database_url=db_url)
    users = HostUsers()
    users.add("root", "root-pw", sysadmin=True)
    users.add("alice", "alice-pw")
    server, thread = serve_app(build_app(settings, users), sock)
    yield ExampleHost(url)
    server.should_exit = True
    thread.join(timeout=15)


def test_manifest_is_served_at_the_hosts_base_url(example: ExampleHost) -> None:
    with example.client() as client:
        xml = client.get("/rest/applinks/1.0/manifest")
        as_json = client.get("/rest/applinks/1.0/manifest", headers={"Accept": "application/json"}).json()
    assert xml.status_code == 200
    assert xml.headers["content-type"].startswith("application/xml")
    assert "<name>Example host</name>" in xml.text
    assert as_json["name"] == "Example host"
    assert as_json["url"] == example.url


def test_admin_rest_api_accepts_the_hosts_users_by_basic_auth(example: ExampleHost) -> None:
    with example.client(("root", "root-pw")) as client:
        listed = client.get("/rest/applinks/2.0/applicationlink")
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"applicationLinks": []}
    with example.client(("alice", "alice-pw")) as client:
        assert client.get("/rest/applinks/2.0/applicationlink").status_code == 403
    with example.client(("root", "wrong")) as client:
        assert client.get("/rest/applinks/2.0/applicationlink").status_code == 401
    with example.client() as client:
        assert client.get("/rest/applinks/2.0/applicationlink").status_code == 401


def test_host_admin_links_the_example_to_a_reference_instance(example: ExampleHost, tracker: LiveInstance) -> None:
    with example.client(("root", "root-pw")) as client:
        created = client.post("/rest/applinks/3.0/applinks", json={"url": tracker.url})
        assert created.status_code == 201, created.text
        listed = client.get("/rest/applinks/2.0/applicationlink").json()["applicationLinks"]
    assert [(link["id"], link["name"]) for link in listed] == [(tracker.application_id, "Tracker")]


def _account_user(response: httpx2.Response) -> tuple[str, str]:
    found = re.search(r'<b id="user">([^<]*)</b> \(via <i id="method">([^<]*)</i>\)', response.text)
    assert found, response.text
    return found.group(1), found.group(2)


def test_host_route_sees_the_user_authenticated_by_basic(example: ExampleHost) -> None:
    with example.client(("alice", "alice-pw")) as client:
        response = client.get("/account")
    assert response.status_code == 200
    assert _account_user(response) == ("alice", "basic")


def test_host_route_sees_the_user_of_the_hosts_session_and_applinks_does_too(example: ExampleHost) -> None:
    with example.client() as client:
        anonymous = client.get("/account")
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/login?")
        form = client.get("/login", params={"next": "/account"}).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf
        logged_in = client.post(
            "/login",
            data={"username": "root", "password": "root-pw", "next": "/account", "csrf": csrf.group(1)},
        )
        assert logged_in.status_code == 303
        assert logged_in.headers["location"] == "/account"
        assert _account_user(client.get("/account")) == ("root", "session")
        # The mounted applinks app reads the same session through the host's ``current_user``.
        assert client.get("/rest/applinks/2.0/applicationlink").status_code == 200


def test_wrong_password_in_the_login_form_logs_nobody_in(example: ExampleHost) -> None:
    with example.client() as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert csrf
        client.post("/login", data={"username": "root", "password": "nope", "csrf": csrf.group(1)})
        assert client.get("/account").status_code == 303
        assert client.get("/rest/applinks/2.0/applicationlink").status_code == 401
