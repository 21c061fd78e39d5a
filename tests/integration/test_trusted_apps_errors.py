"""Each receiver error code a live instance can produce: the header says why and the request runs anonymous.

One receiver per backend serves every case; the senders are keys made here and trusted for links of their own.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx2
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from applinks.auth.trusted_apps.protocol import (
    Header,
    PublishedCertificate,
    b64encode,
    public_key_b64,
    rc4,
    rsa_private_raw,
)
from applinks.auth.trusted_apps.signer import TrustedAppsSigner, new_secret_key
from applinks.domain.link import Link
from applinks.host import HostUser
from applinks.refapp.host import refapp_host
from tests.support import Databases, LiveInstance, start_instance

WHOAMI = "/plugins/servlet/applinks/whoami"
SYSADMIN = HostUser("admin", is_admin=True, is_sysadmin=True)
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SENDER, IP_LIMITED, URL_LIMITED = "sender:1", "sender:2", "sender:3"


@dataclass
class Receiver:
    live: LiveInstance

    def url(self, path: str = WHOAMI) -> str:
        return self.live.url + path

    def send(self, headers: dict[str, str], path: str = WHOAMI) -> httpx2.Response:
        with self.live.client(auth=None) as client:
            return client.get(path, headers=headers)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def receiver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Receiver]:
    tmp = tmp_path_factory.mktemp(f"trusted-{request.param}")
    databases = Databases(str(request.param), tmp)
    live = start_instance(databases, tmp, name="Receiver")
    live.add_user("alice", "alice-pw")
    live.add_user("locked", "locked-pw")
    refapp_host(live.instance).users.set_can_login("locked", False)
    trusted = live.instance.trusted_apps
    for app_id, patterns in (
        (SENDER, {}),
        (IP_LIMITED, {"ip_patterns": ["10.*.*.*"]}),
        (URL_LIMITED, {"url_patterns": ["/rest/"]}),
    ):
        link_id = app_id.replace(":", "-")
        url = f"http://127.0.0.2:{9000 + len(live.instance.links.list())}"
        live.instance.links.create(
            Link(id=link_id, type_id="jira", name=app_id, display_url=url, rpc_url=url), actor=SYSADMIN
        )
        certificate = PublishedCertificate(app_id, public_key_b64(KEY.public_key()), 2)
        trusted.configure_local(link_id, certificate=certificate, outgoing=False, **patterns)  # type: ignore[arg-type]
    yield Receiver(live)
    live.stop()
    databases.drop_all()


def signed(receiver: Receiver, user: str = "alice", *, app_id: str = SENDER, **kwargs: object) -> dict[str, str]:
    path = str(kwargs.pop("path", WHOAMI))
    key = kwargs.pop("key", KEY)
    assert isinstance(key, rsa.RSAPrivateKey)
    timestamp = kwargs.pop("timestamp", None)
    assert timestamp is None or isinstance(timestamp, int)
    return TrustedAppsSigner(app_id, key).headers(receiver.url(path), user, timestamp)


def without(name: str) -> Callable[[dict[str, str]], dict[str, str]]:
    return lambda headers: {k: v for k, v in headers.items() if k != name}


def assert_refused(answer: httpx2.Response, code: str) -> None:
    assert answer.status_code == 200  # the request went on, anonymous
    assert answer.text == ""
    assert answer.headers[Header.STATUS] == "ERROR"
    error = answer.headers[Header.ERROR]
    parts = error.split(";\t")
    assert len(parts) == 3 and parts[0] == code, error
    assert parts[2].startswith("[") and parts[2].endswith("]")


def test_a_valid_request_runs_as_the_user(receiver: Receiver) -> None:
    answer = receiver.send(signed(receiver))
    assert answer.text == "alice"
    assert answer.headers[Header.STATUS] == "OK"


def test_app_unknown(receiver: Receiver) -> None:
    assert_refused(receiver.send(signed(receiver, app_id="jira:987")), "APP_UNKNOWN")


@pytest.mark.parametrize("version", ["1", "3"])
def test_bad_protocol_version(receiver: Receiver, version: str) -> None:
    assert_refused(receiver.send({**signed(receiver), Header.VERSION: version}), "BAD_PROTOCOL_VERSION")


def test_old_certificate(receiver: Receiver) -> None:
    old = int(time.time() * 1000) - 60_000
    assert_refused(receiver.send(signed(receiver, timestamp=old)), "OLD_CERT")


def test_bad_signature(receiver: Receiver) -> None:
    headers = signed(receiver, path=WHOAMI + "?as=someone-else")
    assert_refused(receiver.send(headers), "BAD_SIGNATURE")


def test_missing_signature(receiver: Receiver) -> None:
    answer = receiver.send(without(Header.SIGNATURE)(signed(receiver)))
    assert_refused(answer, "BAD_SIGNATURE")
    assert "Missing signature" in answer.headers[Header.ERROR]


def test_bad_magic_from_a_key_we_do_not_trust(receiver: Receiver) -> None:
    assert_refused(receiver.send(signed(receiver, key=STRANGER)), "BAD_MAGIC")


def test_bad_magic_inside_the_certificate(receiver: Receiver) -> None:
    headers = signed(receiver)
    secret = new_secret_key()
    headers[Header.KEY] = b64encode(rsa_private_raw(KEY, secret))
    headers[Header.CERT] = b64encode(rc4(secret, f"{int(time.time() * 1000)}\nalice\n-1".encode()))
    assert_refused(receiver.send(headers), "BAD_MAGIC")


def test_user_unknown(receiver: Receiver) -> None:
    assert_refused(receiver.send(signed(receiver, "mallory")), "USER_UNKNOWN")


def test_user_who_may_not_log_in(receiver: Receiver) -> None:
    assert_refused(receiver.send(signed(receiver, "locked")), "PERMISSION_DENIED")


def test_bad_remote_ip(receiver: Receiver) -> None:
    assert_refused(receiver.send(signed(receiver, app_id=IP_LIMITED)), "BAD_REMOTE_IP")


def test_bad_url(receiver: Receiver) -> None:
    answer = receiver.send(signed(receiver, app_id=URL_LIMITED))
    assert_refused(answer, "BAD_URL")
    assert WHOAMI in answer.headers[Header.ERROR]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (Header.ID, "APP_ID_NOT_FOUND"),
        (Header.KEY, "SECRET_KEY_NOT_FOUND"),
        (Header.MAGIC, "MAGIC_NUMBER_NOT_FOUND"),
    ],
)
def test_missing_headers(receiver: Receiver, header: str, code: str) -> None:
    assert_refused(receiver.send(without(header)(signed(receiver))), code)


def test_a_refused_request_on_a_protected_route_is_anonymous_not_a_trusted_apps_401(receiver: Receiver) -> None:
    headers = signed(receiver, "mallory", path="/rest/applinks/2.0/applicationlink")
    answer = receiver.send(headers, "/rest/applinks/2.0/applicationlink")
    assert answer.status_code == 401  # the route needs a user; the request had none
    assert answer.headers[Header.STATUS] == "ERROR"
    assert answer.headers[Header.ERROR].startswith("USER_UNKNOWN;\t")


def test_no_certificate_header_is_no_attempt(receiver: Receiver) -> None:
    answer = receiver.send(without(Header.CERT)(signed(receiver)))
    assert answer.text == ""
    assert Header.STATUS not in answer.headers
    assert Header.ERROR not in answer.headers


def test_basic_credentials_still_work_without_a_certificate_header(receiver: Receiver) -> None:
    token = base64.b64encode(b"alice:alice-pw").decode()
    answer = receiver.send({"Authorization": f"Basic {token}", Header.ID: SENDER})
    assert answer.text == "alice"
    assert Header.STATUS not in answer.headers


def test_an_unexpected_failure_is_system_and_anonymous(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: str) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(receiver.live.instance.trusted_apps, "find", broken)
    answer = receiver.send(signed(receiver))
    assert_refused(answer, "SYSTEM")
    assert "RuntimeError" in answer.headers[Header.ERROR]
