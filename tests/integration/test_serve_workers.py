"""``applinks serve --workers 2``: two worker processes behind one socket; a signed request is accepted by
exactly one of them however often it is sent at once (the nonce check is one insert in the shared database),
and the command still says ``ready`` once and stops cleanly."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import requests
from oauthlib.oauth1 import SIGNATURE_RSA
from requests_oauthlib import OAuth1

from applinks.auth.oauth1.model import ConsumerSettings
from applinks.domain.link import Link
from applinks.host import HostUser
from applinks.refapp.app import build_app
from applinks.refapp.host import refapp_host
from applinks.settings import Settings
from tests.integration.oauth1_support import form, key_pair
from tests.integration.processes import Child
from tests.support import bind_loopback

WHOAMI = "/plugins/servlet/applinks/whoami"
COPIES, ROUNDS = 12, 3
SYSADMIN = HostUser("admin", is_admin=True, is_sysadmin=True)


def _free_port() -> int:
    sock = bind_loopback()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def _prepare(data_dir: Path, db_url: str, base_url: str) -> str:
    """A user and an impersonating RSA consumer in the data directory, before the server starts."""
    app = build_app(Settings(data_dir=data_dir, database_url=db_url, base_url=base_url))
    instance = app.state.instance
    try:
        refapp_host(instance).users.add("alice", "alice-pw")
        url = "http://127.0.0.1:9/workers-client"
        link = instance.links.create(Link("generic-workers", "generic", "Workers client", url, url), actor=SYSADMIN)
        settings = ConsumerSettings(
            key="workers:client",
            public_key=key_pair().public_pem,
            two_lo_allowed=True,
            two_lo_impersonation_allowed=True,
        )
        consumer, _ = instance.oauth_consumers.set(link.id, settings, actor=SYSADMIN)
        return consumer.key
    finally:
        instance.close()


def _workers_of(pid: int) -> int:
    """How many worker processes ``pid`` has started (multiprocessing's resource tracker is not one)."""
    count = 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (proc / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and b"spawn_main" in command:
            count += 1
    return count


def _send_at_once(signed: requests.PreparedRequest, copies: int) -> list[tuple[int, str]]:
    """The same signed request ``copies`` times at the same moment, each on its own connection."""
    barrier = threading.Barrier(copies)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def send() -> None:
        with requests.Session() as http:
            http.trust_env = False
            barrier.wait()
            answer = http.send(signed.copy(), timeout=30)
        with lock:
            answers.append((answer.status_code, answer.text if answer.ok else form(answer.text)["oauth_problem"]))

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(answers)


def test_two_workers_accept_the_same_signed_request_once(tmp_path: Path, db_url: str) -> None:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    data_dir = tmp_path / "data"
    consumer_key = _prepare(data_dir, db_url, base_url)
    argv = [sys.executable, "-m", "applinks", "--data-dir", str(data_dir), "--database-url", db_url, "serve"]
    served = Child.start([*argv, "--port", str(port), "--workers", "2", "--log-level", "warning"])
    try:
        assert served.wait_for("ready: ") == f"ready: {base_url}"
        assert _workers_of(served.process.pid) == 2
        auth = OAuth1(consumer_key, signature_method=SIGNATURE_RSA, rsa_key=key_pair().private_pem)
        for _ in range(ROUNDS):
            signed = requests.Request(
                "GET", base_url + WHOAMI, params={"xoauth_requestor_id": "alice"}, auth=auth
            ).prepare()
            assert _send_at_once(signed, COPIES) == [(200, "alice")] + [(401, "nonce_used")] * (COPIES - 1)
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=60) == 0
        output = served.rest()
        assert output[-1] == "stopped", output
        assert sum(line.startswith("ready: ") for line in output) == 1, output
        assert not any("Traceback" in line for line in output), output
    finally:
        served.kill()
