"""3LO access tokens held per (link, user), encrypted at rest, and the pending login dances that produce
them (bound to a browser by the hash of a random cookie and to the user who started them)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from applinks.crypto import SecretBox, secrets_equal
from applinks.storage import outbound as repo


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AccessToken:
    link_id: str
    user_name: str
    token: str
    secret: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PendingDance:
    link_id: str
    user_name: str
    token_secret: str
    redirect_url: str | None
    created_at: datetime


class TokenStore:
    """Reads and writes ``outbound_tokens`` and ``outbound_dances``; each change is one transaction."""

    def __init__(self, engine: Engine, box: SecretBox, request_token_ttl: int) -> None:
        self.engine = engine
        self.box = box
        self.request_token_ttl = request_token_ttl

    # -- access tokens ---------------------------------------------------------------------------------
    def get(self, link_id: str, user_name: str) -> AccessToken | None:
        with self.engine.connect() as conn:
            row = repo.get_token(conn, link_id, user_name)
        if row is None:
            return None
        return AccessToken(
            link_id, user_name, self.box.decrypt(row.token), self.box.decrypt(row.token_secret), row.created_at
        )

    def has(self, link_id: str, user_name: str) -> bool:
        with self.engine.connect() as conn:
            return repo.get_token(conn, link_id, user_name) is not None

    def delete(self, link_id: str, user_name: str) -> bool:
        with self.engine.begin() as conn:
            return repo.delete_token(conn, link_id, user_name)

    def of_user(self, user_name: str) -> list[AccessToken]:
        with self.engine.connect() as conn:
            rows = repo.tokens_of_user(conn, user_name)
        return [
            AccessToken(r.link_id, user_name, self.box.decrypt(r.token), self.box.decrypt(r.token_secret), r.created_at)
            for r in rows
        ]

    # -- login dances ----------------------------------------------------------------------------------
    def start_dance(
        self,
        browser: str,
        link_id: str,
        user_name: str,
        request_token: str,
        token_secret: str,
        redirect_url: str | None,
    ) -> None:
        """Remember a request token for this browser and user (replacing an older dance for the link)."""
        with self.engine.begin() as conn:
            repo.delete_dances_before(conn, repo.now() - timedelta(seconds=self.request_token_ttl))
            repo.put_dance(
                conn,
                digest(browser),
                link_id,
                {
                    "user_name": user_name,
                    "request_token_hash": digest(request_token),
                    "token_secret": self.box.encrypt(token_secret),
                    "redirect_url": redirect_url,
                },
            )

    def pending(self, browser: str, link_id: str, request_token: str) -> PendingDance | None:
        """The dance this browser started for ``link_id`` if ``request_token`` is the one it was given and it
        has not expired; None otherwise."""
        with self.engine.connect() as conn:
            row = repo.get_dance(conn, digest(browser), link_id)
        if row is None or not secrets_equal(row.request_token_hash, digest(request_token)):
            return None
        created = repo.as_utc(row.created_at)
        if repo.now() - created > timedelta(seconds=self.request_token_ttl):
            return None
        return PendingDance(link_id, row.user_name, self.box.decrypt(row.token_secret), row.redirect_url, created)

    def finish_dance(self, browser: str, link_id: str, user_name: str, token: str, token_secret: str) -> None:
        """Store the access token for (link, user) and forget the dance, in one transaction."""
        with self.engine.begin() as conn:
            repo.put_token(conn, link_id, user_name, self.box.encrypt(token), self.box.encrypt(token_secret))
            repo.delete_dance(conn, digest(browser), link_id)

    def drop_dance(self, browser: str, link_id: str) -> None:
        with self.engine.begin() as conn:
            repo.delete_dance(conn, digest(browser), link_id)
