"""The reference application's users: a ``Host`` over the ``refapp_users`` table, scrypt-hashed passwords."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request

from applinks.errors import Conflict, InvalidInput
from applinks.host import HostUser
from applinks.refapp.sessions import SESSION_ID, SessionStore
from applinks.storage.tables import refapp_users

_N, _R, _P = 2**14, 8, 1
DEFAULT_IDLE_TIMEOUT = 1800
DEFAULT_MAX_AGE = 14 * 24 * 3600


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _scheme, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


# Verified against when the user does not exist, so unknown users take as long as wrong passwords.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


class UserStore:
    """Users of the reference application; implements ``applinks.host.Host``."""

    def __init__(
        self,
        engine: Engine,
        base_url: str = "",
        *,
        idle_timeout: int = DEFAULT_IDLE_TIMEOUT,
        max_age: int = DEFAULT_MAX_AGE,
    ) -> None:
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        self.sessions = SessionStore(engine, idle_timeout=idle_timeout, max_age=max_age)
        # Told the name of a user who changed (applinks caches users: OAuthProvider.users.invalidate).
        self.on_change: list[Callable[[str], None]] = []

    def add(
        self, name: str, password: str, *, full_name: str = "", admin: bool = False, sysadmin: bool = False
    ) -> HostUser:
        name = name.strip()
        if not name or any(c in name for c in ":/\\\n\r\t") or len(name) > 255:
            raise InvalidInput(f"{name!r} is not a valid user name", key="refapp.user.name")
        if not password:
            raise InvalidInput("the password is blank", key="refapp.user.password")
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    refapp_users.insert().values(
                        name=name,
                        full_name=full_name or name,
                        password_hash=hash_password(password),
                        is_admin=admin or sysadmin,
                        is_sysadmin=sysadmin,
                        can_login=True,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"a user called {name!r} already exists", key="refapp.user.exists") from exc
        return HostUser(name, full_name or name, admin or sysadmin, sysadmin, True)

    def set_can_login(self, name: str, allowed: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(refapp_users.update().where(refapp_users.c.name == name).values(can_login=allowed))
        if not allowed:
            self.sessions.end_all(name)
        for hook in self.on_change:
            hook(name)

    def list(self) -> list[HostUser]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(refapp_users).order_by(refapp_users.c.name)).all()
        return [HostUser(r.name, r.full_name, bool(r.is_admin), bool(r.is_sysadmin), bool(r.can_login)) for r in rows]

    # -- Host ----------------------------------------------------------------------------------------
    def get_user(self, name: str) -> HostUser | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(refapp_users).where(refapp_users.c.name == name)).first()
        if r is None:
            return None
        return HostUser(r.name, r.full_name, bool(r.is_admin), bool(r.is_sysadmin), bool(r.can_login))

    def check_password(self, name: str, password: str) -> HostUser | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(refapp_users).where(refapp_users.c.name == name)).first()
        if r is None:
            verify_password(password, _DUMMY_HASH)
            return None
        if not verify_password(password, r.password_hash) or not r.can_login:
            return None
        return HostUser(r.name, r.full_name, bool(r.is_admin), bool(r.is_sysadmin), True)

    def current_user(self, request: Request) -> HostUser | None:
        if "session" not in request.scope:
            return None
        session_id = request.session.get(SESSION_ID)
        if not isinstance(session_id, str):
            return None
        # Looked up in the database on every request: a logout (on any node) ends the session at once.
        name = self.sessions.user_of(session_id)
        if name is None:
            return None
        user = self.get_user(name)
        return user if user is not None and user.can_login else None

    def login_url(self, next_url: str) -> str:
        return f"{self.base_url}/login?" + urlencode({"next": next_url})

    def logout_url(self) -> str:
        """Where the layout's Log out button posts (with the session's CSRF token)."""
        return f"{self.base_url}/logout"
