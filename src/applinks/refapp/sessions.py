"""Server-side sessions of the reference application (security.md: logout must end a session).

The signed session cookie carries only a random session ID; the session itself is a row in the shared
database (``refapp_sessions``, keyed by the ID's SHA-256), so every node of a cluster sees a logout at once.
A session ends on logout, after ``idle_timeout`` seconds without a request, or ``max_age`` seconds after
login, and a login always starts a new one (no session fixation)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, select, update

from applinks.storage.tables import refapp_sessions

SESSION_ID = "sid"
# last_seen is written at most this often per session: a request does not cost a write each time.
TOUCH_INTERVAL = 30


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SessionStore:
    """Sessions in the database: start, look up (sliding idle expiry), end one, end all of a user."""

    def __init__(
        self,
        engine: Engine,
        *,
        idle_timeout: int,
        max_age: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.idle_timeout = idle_timeout
        self.max_age = max_age
        self.clock = clock

    def start(self, user_name: str) -> str:
        """A new session for ``user_name``; returns the ID the cookie carries."""
        session_id = secrets.token_urlsafe(32)
        now = int(self.clock())
        with self.engine.begin() as conn:
            conn.execute(
                refapp_sessions.insert().values(
                    id_hash=_hash(session_id), user_name=user_name, created_at=now, last_seen=now
                )
            )
            # Old sessions are swept on login, so the table does not grow without bound.
            conn.execute(delete(refapp_sessions).where(refapp_sessions.c.last_seen < now - self.idle_timeout))
        return session_id

    def user_of(self, session_id: str) -> str | None:
        """The user of a live session, or None (unknown, ended, idle too long or too old)."""
        key = _hash(session_id)
        now = int(self.clock())
        with self.engine.connect() as conn:
            row = conn.execute(select(refapp_sessions).where(refapp_sessions.c.id_hash == key)).first()
        if row is None:
            return None
        if now - row.last_seen > self.idle_timeout or now - row.created_at > self.max_age:
            self.end(session_id)
            return None
        if now - row.last_seen >= TOUCH_INTERVAL:
            with self.engine.begin() as conn:
                conn.execute(update(refapp_sessions).where(refapp_sessions.c.id_hash == key).values(last_seen=now))
        user_name: str = row.user_name
        return user_name

    def end(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(refapp_sessions).where(refapp_sessions.c.id_hash == _hash(session_id)))

    def end_all(self, user_name: str) -> int:
        """End every session of a user (password change, account disabled); returns how many."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(refapp_sessions).where(refapp_sessions.c.user_name == user_name))
        return int(result.rowcount or 0)
