"""``applinks doctor``: concurrent checks (every hanging remote is in flight at once, so ten cost one timeout,
not ten), a table or JSON, and an exit code that says whether every link works. Timings live in benchmarks/."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from applinks.cli.common import CLI_ACTOR
from applinks.cli.main import app
from applinks.domain.link import Link
from applinks.instance import Instance
from applinks.settings import Settings
from tests.faults.remotes import Peer, ScriptedRemote, closed_port, scripted_remote, silent_socket

TIMEOUT = 2.0


class InFlight:
    """A loopback server that accepts connections and never answers, counting how many are open at once: the
    number of checks in flight, measured by structure rather than by the wall clock."""

    def __init__(self) -> None:
        self.sock = silent_socket()
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.open = 0
        self.most = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.open += 1
                self.most = max(self.most, self.open)
            thread = threading.Thread(target=self._hold, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _hold(self, conn: socket.socket) -> None:
        """Keep the connection until the client gives up on it (it reads nothing back, ever)."""
        conn.settimeout(0.2)
        with conn:
            while not self._stop.is_set():
                try:
                    if not conn.recv(4096):
                        break
                except TimeoutError:
                    continue
                except OSError:
                    break
        with self._lock:
            self.open -= 1

    def close(self) -> None:
        self._stop.set()
        self._acceptor.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self.sock.close()


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


def test_forty_links_ten_hanging_are_all_in_flight_at_once(doctor: Doctor, remote: ScriptedRemote) -> None:
    """Ten hanging remotes cost one timeout only if all ten checks wait at the same time: the hanging server
    counts its open connections (how long the run takes is a benchmark's business, not a test's)."""
    hanging = InFlight()
    links = []
    for n in range(30):
        url = remote.add(f"app{n}", Peer(f"answering-{n:02d}", name=f"Answering {n}"))
        links.append(Link(f"answering-{n:02d}", "refapp", f"Answering {n}", url, url))
    for n in range(10):
        url = f"{hanging.url}/hang{n}"
        links.append(Link(f"hanging-{n:02d}", "refapp", f"Hanging {n}", url, url))
    doctor.add_links(links)
    try:
        result = doctor("--json", "--timeout", str(TIMEOUT))
    finally:
        hanging.close()
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    types = {status["link"]["id"]: status["error"]["type"] for status in body["links"]}
    assert len(types) == 40
    assert {types[f"hanging-{n:02d}"] for n in range(10)} == {"CONNECTION_TIMEOUT"}
    assert {types[f"answering-{n:02d}"] for n in range(30)} == {"NO_REMOTE_APPLINK"}
    assert hanging.most == 10, f"at most {hanging.most} hanging checks were in flight at once"


def test_table_names_type_and_advice_and_fails_on_a_broken_link(doctor: Doctor) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    doctor.add_links([Link("dead-link", "refapp", "Dead", dead, dead)])
    result = doctor()
    assert result.exit_code == 1
    assert "NETWORK ERROR" in result.stdout
    assert "CONNECTION_REFUSED" in result.stdout
    assert "Start the remote application" in result.stdout
    # Every advice step is shown, the last one included (the way out when the remote moved).
    assert "relocate the link" in result.stdout


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
