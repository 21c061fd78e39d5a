"""TLS faults, with certificates from a CA made in the test: untrusted, wrong host name and expired differ."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from applinks.diagnostics.advice import ERRORS, WARNINGS
from applinks.discovery.manifest import fetch_manifest
from applinks.domain.link import Link
from applinks.errors import RemoteUnreachable
from tests.faults.conftest import DiagnoserFactory
from tests.faults.remotes import Pki, tls_server

REMOTE_ID = "5e5e5e5e-0000-3000-8000-0000000000e1"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki.create(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def serve_tls() -> Iterator[object]:
    stops = []

    def start(certfile: str, keyfile: str) -> int:
        port, stop = tls_server(certfile, keyfile)
        stops.append(stop)
        return port

    yield start
    for stop in stops:
        stop.set()


def check(make_diagnoser: DiagnoserFactory, pki: Pki, port: int, *, trust_ca: bool) -> tuple[str, str]:
    diagnoser = make_diagnoser(names={"remote.test": "127.0.0.1"}, ca_bundle=str(pki.ca_file) if trust_ca else None)
    url = f"https://remote.test:{port}"
    status = diagnoser.check(Link(REMOTE_ID, "refapp", "Remote", url, url))
    assert status.error is not None
    assert status.to_json()["error"]["category"] == "NETWORK_ERROR"
    return status.error.type, status.error.details


def test_self_signed_certificate_is_untrusted(make_diagnoser: DiagnoserFactory, pki: Pki, serve_tls: object) -> None:
    port = serve_tls(*pki.leaf("self", "remote.test", self_signed=True))  # type: ignore[operator]
    kind, details = check(make_diagnoser, pki, port, trust_ca=False)
    assert kind == "SSL_UNTRUSTED", details


def test_certificate_from_an_unknown_ca_is_untrusted(
    make_diagnoser: DiagnoserFactory, pki: Pki, serve_tls: object
) -> None:
    port = serve_tls(*pki.leaf("good", "remote.test"))  # type: ignore[operator]
    assert check(make_diagnoser, pki, port, trust_ca=False)[0] == "SSL_UNTRUSTED"


def test_certificate_for_another_host_name(make_diagnoser: DiagnoserFactory, pki: Pki, serve_tls: object) -> None:
    port = serve_tls(*pki.leaf("other", "other.test"))  # type: ignore[operator]
    kind, details = check(make_diagnoser, pki, port, trust_ca=True)
    assert kind == "SSL_HOSTNAME_UNMATCHED", details


def test_expired_certificate_is_ssl_unmatched_on_every_path(
    make_diagnoser: DiagnoserFactory, pki: Pki, serve_tls: object
) -> None:
    """One vocabulary (protocol.md §7): status checks say what the wizard's manifest fetch says."""
    port = serve_tls(*pki.leaf("expired", "remote.test", expired=True))  # type: ignore[operator]
    kind, details = check(make_diagnoser, pki, port, trust_ca=True)
    assert kind == "SSL_UNMATCHED", details
    assert "expired" in details
    diagnoser = make_diagnoser(names={"remote.test": "127.0.0.1"}, ca_bundle=str(pki.ca_file))
    with pytest.raises(RemoteUnreachable) as wizard:
        fetch_manifest(diagnoser.outbound, f"https://remote.test:{port}")
    assert wizard.value.kind == kind
    assert "SSL_EXPIRED" not in {advice.type for advice in ERRORS + WARNINGS}


def test_trusted_certificate_gets_past_tls(make_diagnoser: DiagnoserFactory, pki: Pki, serve_tls: object) -> None:
    """Control: with the CA trusted and the right name, TLS succeeds (our server then hangs up: no manifest)."""
    port = serve_tls(*pki.leaf("fine", "remote.test"))  # type: ignore[operator]
    kind, _ = check(make_diagnoser, pki, port, trust_ca=True)
    assert not kind.startswith("SSL_")
