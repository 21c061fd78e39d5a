"""Misbehaving remotes on loopback for the diagnostics fault tests: a scriptable applinks peer, a server
that never answers, TLS servers with certificates from a CA made in the test."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support import bind_loopback, serve_app

MANIFEST = "/rest/applinks/1.0/manifest"
STATUS_OAUTH = "/rest/applinks/3.0/status/"
CAPABILITIES = "/rest/applinks/3.0/capabilities"
OAUTH_ON = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": False}
OAUTH_OFF = {"enabled": False, "twoLoEnabled": False, "twoLoImpersonationEnabled": False}


@dataclass
class Peer:
    """One application served under a path prefix of a ``ScriptedRemote``."""

    id: str
    name: str = "Remote"
    applinks_version: str = "9.1.4"
    url: str | None = None  # the base URL its manifest claims; defaults to where it is served
    # The remote's links, by the ID it has for us: its OAuth levels for that link.
    links: dict[str, dict[str, dict[str, bool]]] = field(default_factory=dict)
    status_code_for_status: int | None = None  # answer status/{id}/oauth with this instead (401: needs auth)
    status_code_for_signed: int | None = None  # ... and signed requests for it with this one
    capabilities: list[str] = field(default_factory=lambda: ["STATUS_API", "MIGRATION_API"])
    manifest_answer: tuple[int, str, bytes] | None = None  # (status, content type, body) instead of a manifest
    redirect_to: str | None = None


@dataclass
class ScriptedRemote:
    """An applinks-speaking remote whose every answer a test sets; ``clock_offset`` skews its Date header."""

    url: str
    peers: dict[str, Peer] = field(default_factory=dict)
    clock_offset: timedelta = timedelta(0)
    hits: list[str] = field(default_factory=list)

    def add(self, prefix: str, peer: Peer) -> str:
        """Serve ``peer`` under ``/prefix``; returns its base URL."""
        self.peers[prefix] = peer
        return f"{self.url}/{prefix}"

    def base(self, prefix: str) -> str:
        return f"{self.url}/{prefix}"

    def link_back(self, prefix: str, our_id: str, incoming: dict[str, bool], outgoing: dict[str, bool]) -> None:
        self.peers[prefix].links[our_id] = {"incoming": incoming, "outgoing": outgoing}

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        self.hits.append(path)
        date = {"Date": format_datetime(datetime.now(UTC) + self.clock_offset, usegmt=True)}
        prefix, _, rest = path.lstrip("/").partition("/")
        peer = self.peers.get(prefix)
        if peer is None:
            return Response("not found", 404, headers=date)
        rest = "/" + rest
        if rest == MANIFEST:
            if peer.redirect_to:
                return Response(status_code=302, headers={**date, "Location": peer.redirect_to + MANIFEST})
            if peer.manifest_answer:
                status, ctype, body = peer.manifest_answer
                return Response(body, status, media_type=ctype, headers=date)
            manifest = {
                "id": peer.id,
                "name": peer.name,
                "typeId": "refapp",
                "version": "1.0",
                "buildNumber": 1,
                "applinksVersion": peer.applinks_version,
                "inboundAuthenticationTypes": [],
                "outboundAuthenticationTypes": [],
                "publicSignup": False,
                "url": peer.url or self.base(prefix),
            }
            return Response(json.dumps(manifest), 200, media_type="application/json", headers=date)
        if rest == CAPABILITIES:
            return Response(json.dumps(peer.capabilities), 200, media_type="application/json", headers=date)
        if rest.startswith(STATUS_OAUTH) and rest.endswith("/oauth"):
            signed = request.headers.get("authorization", "").startswith("OAuth ")
            if signed and peer.status_code_for_signed is not None:
                return Response("", peer.status_code_for_signed, headers=date)
            if peer.status_code_for_status is not None:
                return Response("", peer.status_code_for_status, headers=date)
            their_link = peer.links.get(rest[len(STATUS_OAUTH) : -len("/oauth")])
            if their_link is None:
                return Response('{"status":404}', 404, media_type="application/json", headers=date)
            return Response(json.dumps(their_link), 200, media_type="application/json", headers=date)
        return Response("not found", 404, headers=date)


class _Served:
    def __init__(self, server: uvicorn.Server, thread: threading.Thread) -> None:
        self.server = server
        self.thread = thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(
    app: Any, host: str = "127.0.0.1", *, sock: socket.socket | None = None, **config: Any
) -> tuple[str, _Served]:
    """Serve ``app`` on a loopback port (or ``sock``); uvicorn adds no Date header (the app sets its own)."""
    sock = sock or bind_loopback(host)
    port = sock.getsockname()[1]
    server, thread = serve_app(app, sock, **{"lifespan": "off", "date_header": False, **config})
    scheme = "https" if config.get("ssl_certfile") else "http"
    return f"{scheme}://{host}:{port}", _Served(server, thread)


def scripted_remote() -> Iterator[ScriptedRemote]:
    remote = ScriptedRemote("")
    app = Starlette(routes=[Route("/{path:path}", remote.handle, methods=["GET", "PUT", "POST", "DELETE"])])
    remote.url, served = serve(app)
    try:
        yield remote
    finally:
        served.stop()


def silent_socket() -> socket.socket:
    """A listening socket that never accepts: connections complete (backlog) and then hear nothing."""
    return bind_loopback()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    sock = bind_loopback()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


# -- TLS -------------------------------------------------------------------------------------------------
@dataclass
class Pki:
    """A throwaway CA and leaf certificates signed by it (or by nobody)."""

    directory: Path
    ca_key: rsa.RSAPrivateKey
    ca_cert: x509.Certificate

    @classmethod
    def create(cls, directory: Path) -> Pki:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "applinks test CA")])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
            .sign(key, hashes.SHA256())
        )
        pki = cls(directory, key, cert)
        (directory / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return pki

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    def leaf(self, label: str, hostname: str, *, expired: bool = False, self_signed: bool = False) -> tuple[str, str]:
        """Write a key and certificate for ``hostname``; returns (certfile, keyfile)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
        now = datetime.now(UTC)
        start, end = now - timedelta(days=1), now + timedelta(days=10)
        if expired:
            start, end = now - timedelta(days=10), now - timedelta(days=1)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if self_signed else self.ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        )
        cert = builder.sign(key if self_signed else self.ca_key, hashes.SHA256())
        certfile = self.directory / f"{label}.crt"
        keyfile = self.directory / f"{label}.key"
        certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        keyfile.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return str(certfile), str(keyfile)


def tls_server(certfile: str, keyfile: str) -> tuple[int, threading.Event]:
    """A loopback server that completes (or fails) TLS handshakes and closes; returns (port, stop)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    sock = bind_loopback()
    sock.settimeout(0.2)
    port: int = sock.getsockname()[1]
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1024)
            except (ssl.SSLError, OSError):
                pass
            finally:
                conn.close()
        sock.close()

    threading.Thread(target=run, daemon=True).start()
    return port, stop
