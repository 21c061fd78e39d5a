"""``make demo``: two reference applications ("Tracker" and "Wiki") as real ``applinks serve`` processes.

Wiki links to Tracker two-way through the wizard and calls it as a user. The demo runs as a list of steps over
one ``Demo``; a feature adds its own step by writing a function ``step(demo)`` and inserting it into
``STEPS``. ``--check`` runs every step, then stops both instances and exits 0: what the test suite and CI run.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

from applinks.discovery.manifest import fetch_manifest
from applinks.domain.manifest import Manifest
from applinks.errors import AppLinksError, RemoteError
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.refapp.host import RefappHost
from applinks.refapp.users import UserStore
from applinks.services.registry import normalise_url
from applinks.services.wizard.model import CreateLinkRequest, CreateLinkResult
from applinks.settings import Settings
from applinks.transport.client import OutboundClient, TransportOptions
from applinks.web.pages import ADMIN_PATH

HOST = "127.0.0.1"
ADMIN = "admin"
DEMO_USER = "alice"
WHOAMI = "/plugins/servlet/applinks/whoami"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


class DemoError(Exception):
    """A step could not do its part; the message says what to do about it."""


@dataclass
class Node:
    """One demo instance: its own data directory, port, admin password and ``applinks serve`` process."""

    name: str
    app_type: str
    data_dir: Path
    port: int = 0
    password: str = ""
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    manifest: Manifest | None = None

    @property
    def slug(self) -> str:
        return self.data_dir.name

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def state_path(self) -> Path:
        return self.data_dir / "demo.json"

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Demo:
    """What the steps share."""

    root: Path
    nodes: list[Node]
    out: Callable[[str], None] = print
    extras: dict[str, Any] = field(default_factory=dict)  # what a later step leaves for the ones after it
    _client: OutboundClient | None = None

    @property
    def client(self) -> OutboundClient:
        """Outbound HTTP for the steps (through applinks' own hardened client: loopback is allowed)."""
        if self._client is None:
            self._client = OutboundClient(TransportOptions.from_settings(Settings(data_dir=self.root)))
        return self._client

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


Step = Callable[[Demo], None]


def _free_port(preferred: int = 0) -> int:
    """``preferred`` when it is free (so links made by an earlier run keep working), else any free port."""
    for candidate in (preferred, 0) if preferred else (0,):
        try:
            with socket.create_server((HOST, candidate)) as sock:
                port: int = sock.getsockname()[1]
                return port
        except OSError:
            continue
    raise DemoError("no free loopback port")  # pragma: no cover - the kernel always has one for port 0


def _write_private(path: Path, data: dict[str, Any]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)


# -- steps ---------------------------------------------------------------------------------------------------
def prepare(demo: Demo) -> None:
    """Each instance gets its data directory, an admin user (password kept in demo.json) and a port."""
    for node in demo.nodes:
        state: dict[str, Any] = {}
        if node.state_path.exists():
            state = json.loads(node.state_path.read_text())
        node.password = str(state.get("password") or secrets.token_urlsafe(9))
        node.port = _free_port(int(state.get("port") or 0))
        instance = Instance(Settings(data_dir=node.data_dir, base_url=node.url, name=node.name))
        try:
            users = UserStore(instance.engine)
            if users.get_user(ADMIN) is None:
                users.add(ADMIN, node.password, full_name="Demo administrator", sysadmin=True)
            elif users.check_password(ADMIN, node.password) is None:
                raise DemoError(
                    f"{node.data_dir} has an admin whose password the demo does not know; "
                    f"delete {node.data_dir} to start that instance afresh"
                )
        finally:
            instance.close()
        _write_private(node.state_path, {"port": node.port, "password": node.password})


def start(demo: Demo) -> None:
    """``applinks serve`` per instance, in its own session so that Ctrl-C reaches only the demo, which then
    stops both in order."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLINKS_")}
    for node in demo.nodes:
        argv = [sys.executable, "-m", "applinks", "--data-dir", str(node.data_dir), "serve", "--host", HOST]
        argv += ["--port", str(node.port), "--name", node.name, "--type", node.app_type, "--log-level", "warning"]
        node.log = node.log_path.open("ab")
        node.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            argv, stdout=node.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )


def wait_until_ready(demo: Demo) -> None:
    """Both answer their manifest (or one has failed: say why, with its log)."""
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(demo.nodes)
    while waiting:
        for node in list(waiting):
            assert node.process is not None
            if node.process.poll() is not None:
                raise DemoError(f"{node.name} stopped while starting; its log says:\n{node.log_tail()}")
            try:
                node.manifest = fetch_manifest(demo.client, node.url)
            except RemoteError:
                continue
            waiting.remove(node)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(node.name for node in waiting)
            raise DemoError(f"{names} did not answer within {START_TIMEOUT:g} s; see {waiting[0].log_path}")
        if waiting:
            time.sleep(0.2)  # a start-up takes a second or two; ask again shortly


def verify(demo: Demo) -> None:
    """Each manifest names its instance at its URL, and the two are different applications."""
    for node in demo.nodes:
        manifest = node.manifest
        if manifest is None or manifest.name != node.name or manifest.url != node.url:
            raise DemoError(f"{node.url} does not serve the manifest of {node.name}: {manifest}")
    if len({node.manifest.id for node in demo.nodes if node.manifest}) != len(demo.nodes):
        raise DemoError("the demo instances share an application ID; delete the demo data directory")


def link_and_call(
    local: Instance, remote_url: str, remote_admin: tuple[str, str], *, actor: HostUser, user: str = DEMO_USER
) -> tuple[CreateLinkResult | None, str]:
    """Link ``local`` two-way to ``remote_url`` with "the same set of users" (OAuth with impersonation), unless
    it is linked already, then call the remote's whoami as ``user`` by impersonation. Returns the create
    result (None when the link existed) and the name the remote saw."""
    manifest = fetch_manifest(local.outbound, remote_url)
    result = None
    if not local.links.exists(manifest.id):
        request = CreateLinkRequest(
            url=remote_url,
            two_way=True,
            remote_username=remote_admin[0],
            remote_password=remote_admin[1],
            same_users=True,
        )
        result = local.wizard.create(request, actor=actor)
        if not result.authentication_complete:
            problems = "; ".join(result.local.problems + (result.remote.problems if result.remote else []))
            raise AppLinksError(f"the link was made but its authentication was not: {problems}", key="applinks.demo")
    link = local.links.get(manifest.id)
    if link.rpc_url != normalise_url(remote_url):
        # The demo found a new port for the remote since the link was made: follow it (same application).
        link = local.lifecycle.relocate(link.id, remote_url, actor=actor).link
    answer = local.outgoing.request_factory(link, user).get(WHOAMI)
    if answer.status_code != 200:
        raise AppLinksError(f"{link.name} answered HTTP {answer.status_code} to a call as {user}", key="applinks.demo")
    return result, answer.text


def _demo_password(demo: Demo) -> str:
    """The demo user's one password on both instances, kept in ``<demo data>/alice.json``."""
    secret_file = demo.root / f"{DEMO_USER}.json"
    if secret_file.exists():
        return str(json.loads(secret_file.read_text())["password"])
    password = secrets.token_urlsafe(9)
    _write_private(secret_file, {"password": password})
    return password


def link_two_way(demo: Demo) -> None:
    """Wiki links to Tracker two-way through the wizard ("same set of users" → OAuth with impersonation) and
    calls Tracker's whoami as the demo user by impersonation. ``alice`` is created on both instances."""
    tracker, wiki = demo.node("Tracker"), demo.node("Wiki")
    password = _demo_password(demo)
    instances: list[Instance] = []
    try:
        for node in (tracker, wiki):
            settings = Settings(
                data_dir=node.data_dir, base_url=node.url, name=node.name, application_type=node.app_type
            )
            instance = Instance(settings)
            instances.append(instance)
            users = RefappHost.attach(instance).users
            if users.get_user(DEMO_USER) is None:
                users.add(DEMO_USER, password, full_name="Alice (on both instances)")
        local = instances[1]
        actor = local.host.get_user(ADMIN) if local.host is not None else None
        if actor is None:
            raise AppLinksError("the Wiki demo instance has no admin user", key="applinks.demo")
        result, seen = link_and_call(local, tracker.url, (ADMIN, tracker.password), actor=actor)
    finally:
        for instance in instances:
            instance.close()
    notes = demo.extras.setdefault("notes", [])
    made = "linked two-way just now" if result is not None else "already linked two-way"
    notes.append(f"Wiki and Tracker are {made}: OAuth with impersonation (the servers have the same set of users)")
    notes.append(f"Wiki called Tracker's whoami as {DEMO_USER} by impersonation; Tracker answered {seen!r}")
    notes.append(f"{DEMO_USER} exists on both; password {password}")


def report(demo: Demo) -> None:
    demo.out("")
    demo.out("applinks demo: two reference applications on this machine")
    demo.out("")
    width = max(len(node.name) for node in demo.nodes)
    for node in demo.nodes:
        demo.out(f"  {node.name:<{width}}  {node.url}  log in as {ADMIN} / {node.password}  (data: {node.data_dir})")
    for note in demo.extras.get("notes", []):
        demo.out(f"  {note}")
    for node in demo.nodes:
        demo.out(f"  Administration → Application links of {node.name}: {node.url}{ADMIN_PATH}")
    demo.out("")
    demo.out("  The command line, for each instance (paste; then any command: link list, doctor, link show NAME, …):")
    for node in demo.nodes:
        demo.out(f"  {node.name:<{width}}  {cli_command(node)} info")
    demo.out("")


def cli_command(node: Node) -> str:
    """The exact ``applinks`` command for one demo instance: this Python's script, its data directory (the
    instance stored its base URL, name and type there when it started, so nothing else is needed)."""
    script = Path(sys.executable).parent / "applinks"
    program = shlex.quote(str(script)) if script.exists() else f"{shlex.quote(sys.executable)} -m applinks"
    return f"{program} --data-dir {shlex.quote(str(node.data_dir.resolve()))}"


STEPS: list[Step] = [prepare, start, wait_until_ready, verify, link_two_way, report]


# -- running -------------------------------------------------------------------------------------------------
def stop(demo: Demo) -> list[str]:
    """SIGTERM to each instance, wait for a clean stop, kill what does not stop. Returns what went wrong."""
    problems = []
    for node in demo.nodes:
        if node.process is not None and node.process.poll() is None:
            node.process.terminate()
    for node in demo.nodes:
        if node.process is None:
            continue
        try:
            code = node.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            node.process.kill()
            code = node.process.wait()
            problems.append(f"{node.name} did not stop within {STOP_TIMEOUT:g} s and was killed")
        else:
            if code != 0:
                problems.append(f"{node.name} exited with code {code}; see {node.log_path}")
        if node.log is not None:
            node.log.close()
    return problems


class _Stop(Exception):
    """SIGTERM to the demo: stop like Ctrl-C."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


@contextmanager
def running(demo: Demo) -> Iterator[None]:
    """Whatever happens inside (an error, Ctrl-C, SIGTERM), both instances are stopped on the way out."""
    # Ctrl-C works even when the demo was started with SIGINT ignored (a shell's background job).
    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, _on_sigterm),
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
    }
    try:
        yield
    except (KeyboardInterrupt, _Stop):
        demo.out("stopping…")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        problems = stop(demo)
        demo.close()
        for problem in problems:
            print(f"demo: {problem}", file=sys.stderr)


def watch(demo: Demo) -> None:
    """Until Ctrl-C; an instance that dies on its own ends the demo with its log."""
    while True:
        for node in demo.nodes:
            assert node.process is not None
            try:
                node.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
            raise DemoError(f"{node.name} stopped unexpectedly; its log says:\n{node.log_tail()}")


def build(root: Path) -> Demo:
    return Demo(
        root=root,
        nodes=[Node("Tracker", "refapp", root / "tracker"), Node("Wiki", "refapp", root / "wiki")],
    )


def run(root: Path, *, check: bool = False, out: Callable[[str], None] = print) -> int:
    demo = build(root)
    demo.out = out
    try:
        root.mkdir(parents=True, exist_ok=True)
        with running(demo):
            for step in STEPS:
                step(demo)
            if check:
                demo.out("check passed: every step ran; stopping both instances")
                return 0
            demo.out("Press Ctrl-C to stop both.")
            watch(demo)
    except (DemoError, AppLinksError, OSError) as exc:
        message = exc.message if isinstance(exc, AppLinksError) else str(exc)
        print(f"demo: error: {message}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m applinks.refapp.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("demo-data"), help="where both instances keep data")
    parser.add_argument("--check", action="store_true", help="start both, verify their manifests, stop, exit 0")
    args = parser.parse_args(argv)
    # The demo is self-contained: the operator's APPLINKS_* settings (a database URL, a key file) must not
    # send its instances, or the steps that open them in this process, anywhere else.
    for name in [name for name in os.environ if name.startswith("APPLINKS_")]:
        del os.environ[name]
    return run(args.data_dir, check=args.check, out=lambda line: print(line, flush=True))


if __name__ == "__main__":
    sys.exit(main())
