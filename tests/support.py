"""Test support: databases per test (SQLite file or a fresh PostgreSQL database), live instances on loopback."""

from __future__ import annotations

import atexit
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI

from applinks.instance import Instance
from applinks.refapp.host import refapp_host
from applinks.settings import Settings

PG_ADMIN_URL = os.environ.get("APPLINKS_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("APPLINKS_TEST_REDIS", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("APPLINKS_REQUIRE_SERVICES") == "1"


def service_missing(what: str, reason: str) -> None:
    """Skip with a clear reason, or fail when CI requires the services."""
    message = f"{what} is not available ({reason})"
    if REQUIRE_SERVICES:
        pytest.fail(message + " and APPLINKS_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


def redis_prefix() -> Iterator[tuple[str, str]]:
    """``(url, prefix)`` of the test Redis with a key prefix of this test's own; its keys are deleted after.
    Skips (or fails under APPLINKS_REQUIRE_SERVICES=1) when no Redis answers."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        service_missing(f"Redis at {REDIS_URL}", str(exc))
    prefix = f"applinks-test-{uuid.uuid4().hex[:12]}"
    try:
        yield REDIS_URL, prefix
    finally:
        for key in client.scan_iter(match=f"*{prefix}*", count=500):
            client.delete(key)
        client.close()


def _pg_admin() -> Any:
    import sqlalchemy

    engine = sqlalchemy.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except sqlalchemy.exc.OperationalError as exc:
        engine.dispose()
        service_missing("PostgreSQL at 127.0.0.1:5432", str(exc.orig).strip().splitlines()[0])
    return engine


class _Templates:
    """One migrated database per backend and test process, copied for each test that wants a migrated one:
    copying is several times faster than creating and migrating (the suite makes thousands of databases).
    Each copy is a new database, so no test sees another's rows."""

    def __init__(self) -> None:
        self.sqlite: Path | None = None
        self.pg_name: str | None = None

    def sqlite_copy(self, target: Path) -> None:
        import sqlite3
        import tempfile

        from applinks.storage import db

        if self.sqlite is None:
            path = Path(tempfile.mkdtemp(prefix="applinks-tmpl-")) / "template.sqlite"
            engine = db.make_engine(f"sqlite:///{path}")
            db.upgrade(engine)
            engine.dispose()
            self.sqlite = path
        with sqlite3.connect(self.sqlite) as source, sqlite3.connect(target) as copy:
            source.backup(copy)

    def pg_template(self, admin: Any) -> str:
        if self.pg_name is None:
            from sqlalchemy import text

            from applinks.storage import db

            name = f"applinks_tmpl_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            engine = db.make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
            db.upgrade(engine)
            engine.dispose()
            self.pg_name = name
            atexit.register(self._drop_pg)
        return self.pg_name

    def _drop_pg(self) -> None:
        import sqlalchemy

        engine = sqlalchemy.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
        except sqlalchemy.exc.SQLAlchemyError:
            pass  # the server went away first; nothing else to clean
        finally:
            engine.dispose()


_templates = _Templates()


class Databases:
    """Creates database URLs for one test and removes every database it created afterwards."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self.tmp_path = tmp_path
        self._pg: Any = None
        self._created: list[str] = []

    def new_url(self, *, migrated: bool = False) -> str:
        """A new, empty database; ``migrated`` gives one already at the newest schema revision."""
        if self.backend == "sqlite":
            path = self.tmp_path / f"db-{uuid.uuid4().hex[:8]}.sqlite"
            if migrated:
                _templates.sqlite_copy(path)
            return f"sqlite:///{path}"
        if self._pg is None:
            self._pg = _pg_admin()
        from sqlalchemy import text

        name = f"applinks_test_{uuid.uuid4().hex[:12]}"
        template = f' TEMPLATE "{_templates.pg_template(self._pg)}"' if migrated else ""
        with self._pg.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
        self._created.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def drop_all(self) -> None:
        if self._pg is None:
            return
        from sqlalchemy import text

        with self._pg.connect() as conn:
            for name in self._created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._pg.dispose()


@dataclass
class LiveInstance:
    """A reference application served by uvicorn on a loopback port, with an admin user."""

    url: str
    settings: Settings
    app: FastAPI
    server: uvicorn.Server
    thread: threading.Thread
    admin: tuple[str, str] = ("admin", "admin-pw")
    users: dict[str, str] = field(default_factory=dict)

    @property
    def instance(self) -> Instance:
        instance: Instance = self.app.state.instance
        return instance

    @property
    def application_id(self) -> str:
        return self.instance.application_id

    def client(self, auth: tuple[str, str] | str | None = "admin", **kwargs: Any) -> httpx2.Client:
        """An httpx2 client on this instance; ``auth`` is ``"admin"``, a (user, password) pair, or None."""
        basic = self.admin if auth == "admin" else auth
        return httpx2.Client(
            base_url=self.url, auth=basic if isinstance(basic, tuple) else None, trust_env=False, timeout=30, **kwargs
        )

    def add_user(self, name: str, password: str, *, admin: bool = False, sysadmin: bool = False) -> None:
        refapp_host(self.instance).users.add(name, password, admin=admin, sysadmin=sysadmin)
        self.users[name] = password

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def bind_loopback(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    return sock


def serve_app(app: Any, sock: socket.socket, **config: Any) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve an ASGI app on a pre-bound socket in a thread; returns once it accepts connections. ``config``
    overrides uvicorn options (e.g. ``lifespan="off"``, TLS files)."""
    # h11, as `applinks serve` runs: it keeps header names as the app gives them (WWW-Authenticate).
    options: dict[str, Any] = {"log_level": "warning", "lifespan": "on", "access_log": False, "http": "h11", **config}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    ready = threading.Event()
    original_startup = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets=sockets)
        ready.set()

    server.startup = startup  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    if not ready.wait(timeout=20):
        raise RuntimeError("the test server did not start")
    return server, thread


InstanceFactory = Callable[..., LiveInstance]


def start_instance(
    databases: Databases,
    tmp_path: Path,
    *,
    name: str = "Tracker",
    app_type: str = "refapp",
    host: str = "127.0.0.1",
    **settings_overrides: Any,
) -> LiveInstance:
    from applinks.refapp.app import build_app

    sock = bind_loopback(host)
    port = sock.getsockname()[1]
    data_dir = tmp_path / f"{name.lower().replace(' ', '-')}-{port}"
    settings = Settings(
        data_dir=data_dir,
        base_url=f"http://{host}:{port}",
        name=name,
        application_type=app_type,
        database_url=databases.new_url(migrated=True),
        **settings_overrides,
    )
    app = build_app(settings)
    live = LiveInstance(settings.base_url, settings, app, *serve_app(app, sock))
    live.add_user(*live.admin, sysadmin=True)
    return live


def start_node(database_url: str, tmp_path: Path, *, name: str = "Node", **settings_overrides: Any) -> LiveInstance:
    """One node of a cluster: a reference instance on its own loopback port, on a database other nodes share,
    with the key file every node shares (``tmp_path / "cluster.key"``; the first node creates it)."""
    from applinks.refapp.app import build_app

    sock = bind_loopback()
    port = sock.getsockname()[1]
    settings = Settings(
        data_dir=tmp_path / f"{name.lower().replace(' ', '-')}-{port}",
        base_url=f"http://127.0.0.1:{port}",
        name=name,
        database_url=database_url,
        key_file=tmp_path / "cluster.key",
        **settings_overrides,
    )
    app = build_app(settings)
    live = LiveInstance(settings.base_url, settings, app, *serve_app(app, sock))
    if refapp_host(live.instance).users.get_user(live.admin[0]) is None:
        live.add_user(*live.admin, sysadmin=True)
    return live


def instance_factory(databases: Databases, tmp_path: Path) -> Iterator[InstanceFactory]:
    started: list[LiveInstance] = []

    def make(**kwargs: Any) -> LiveInstance:
        live = start_instance(databases, tmp_path, **kwargs)
        started.append(live)
        return live

    yield make
    for live in started:
        live.stop()
