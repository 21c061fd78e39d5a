"""``applinks doctor``: concurrent checks (one hanging remote costs one timeout, not one each), a table or
JSON, and an exit code that says whether every link works."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from applinks.cli.common import CLI_ACTOR
from applinks.cli.main import app
from applinks.domain.links import Link
from applinks.instance import Instance
from applinks.settings import Settings
from tests.faults.remotes import Peer, ScriptedRemote, closed_port, scripted_remote, silent_socket

TIMEOUT = 2.0


@pytest.fixture
def remote() -> Iterator[ScriptedRemote]:
    yield from scripted_remote()


class Doctor:
    def __init__(self, data_dir: Path, db_url: str) -> None:
        self.data_dir = data_dir
        self.db_url = db_url
        self.base_url = f"http://127.0.0.1:{closed_port()}"
        env: dict[str, str | None] = {f"APPLINKS_{name.upper()}": None for name in Settings.model_fields}
        # A wide virtual terminal: the table's advice column is then not folded mid-sentence.
        self.env = {**env, "APPLINKS_BASE_URL": self.base_url, "COLUMNS": "300"}

    def add_links(self, links: list[Link]) -> None:
        instance = Instance(Settings(data_dir=self.data_dir, database_url=self.db_url, base_url=self.base_url))
        try:
            for item in links:
                instance.links.create(item, actor=CLI_ACTOR)
        finally:
            instance.close()

    def __call__(self, *args: str) -> Result:
        argv = ["--data-dir", str(self.data_dir), "--database-url", self.db_url, "doctor", *args]
        return CliRunner().invoke(app, argv, env=self.env)


@pytest.fixture
def doctor(tmp_path: Path, db_url: str) -> Doctor:
    return Doctor(tmp_path / "data", db_url)


def test_forty_links_ten_hanging_take_about_one_timeout(doctor: Doctor, remote: ScriptedRemote) -> None:
    silent = silent_socket()
    hanging_base = f"http://127.0.0.1:{silent.getsockname()[1]}"
    links = []
    for n in range(30):
        url = remote.add(f"app{n}", Peer(f"answering-{n:02d}", name=f"Answering {n}"))
        links.append(Link(f"answering-{n:02d}", "refapp", f"Answering {n}", url, url))
    for n in range(10):
        url = f"{hanging_base}/hang{n}"
        links.append(Link(f"hanging-{n:02d}", "refapp", f"Hanging {n}", url, url))
    doctor.add_links(links)
    try:
        started = time.monotonic()
        result = doctor("--json", "--timeout", str(TIMEOUT))
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    types = {status["link"]["id"]: status["error"]["type"] for status in body["links"]}
    assert len(types) == 40
    assert {types[f"hanging-{n:02d}"] for n in range(10)} == {"CONNECTION_TIMEOUT"}
    assert {types[f"answering-{n:02d}"] for n in range(30)} == {"NO_REMOTE_APPLINK"}
    assert elapsed < 3 * TIMEOUT, f"took {elapsed:.2f} s: the checks did not run concurrently"


def test_table_names_type_and_advice_and_fails_on_a_broken_link(doctor: Doctor) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    doctor.add_links([Link("dead-link", "refapp", "Dead", dead, dead)])
    result = doctor()
    assert result.exit_code == 1
    assert "NETWORK ERROR" in result.stdout
    assert "CONNECTION_REFUSED" in result.stdout
    assert "Start the remote application" in result.stdout


def test_links_that_cannot_be_checked_do_not_fail(doctor: Doctor) -> None:
    doctor.add_links([Link("generic-1", "generic", "Some tool", "http://127.0.0.1:9/x", "http://127.0.0.1:9/x")])
    result = doctor("--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [s["error"]["type"] for s in body["links"]] == ["GENERIC_LINK"]
    # Nothing serves our base URL during the test: the self-check says so, without failing the run.
    assert [w["type"] for w in body["instance"]["warnings"]] == ["BASE_URL_UNREACHABLE"]


def test_named_links_only_and_unknown_names_are_errors(doctor: Doctor, remote: ScriptedRemote) -> None:
    one = remote.add("one", Peer("app-one"))
    two = remote.add("two", Peer("app-two"))
    doctor.add_links([Link("app-one", "refapp", "One", one, one), Link("app-two", "refapp", "Two", two, two)])
    result = doctor("Two", "--json")
    assert [s["link"]["id"] for s in json.loads(result.stdout)["links"]] == ["app-two"]
    assert not any(hit.startswith("/one/") for hit in remote.hits)
    missing = doctor("nope")
    assert missing.exit_code != 0
    assert "nope" in missing.stderr


def test_no_links(doctor: Doctor) -> None:
    doctor.add_links([])
    result = doctor()
    assert result.exit_code == 0
    assert "no application links" in result.stdout
