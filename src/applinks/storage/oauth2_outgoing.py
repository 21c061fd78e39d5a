"""Repository of outgoing OAuth 2.0 links: the per-link client configuration, each user's tokens and the
authorisations in progress. Values arrive encrypted where they are secret (the caller holds the box);
the refresh lease is one conditional UPDATE, so one node at a time refreshes a user's token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, delete, select, update

from applinks.storage.oauth2_tables import oauth2_outgoing, oauth2_outgoing_states, oauth2_outgoing_tokens


@dataclass(frozen=True, slots=True)
class OutgoingRow:
    link_id: str
    kind: str
    client_id: str
    client_secret: str  # encrypted
    authorize_url: str
    token_url: str
    scope: str
    impersonation: bool


@dataclass(frozen=True, slots=True)
class TokenRow:
    link_id: str
    user_name: str
    access_token: str  # encrypted
    refresh_token: str | None  # encrypted
    expires_at: int
    refresh_lease: int


@dataclass(frozen=True, slots=True)
class StateRow:
    link_id: str
    user_name: str
    verifier: str  # encrypted
    redirect_after: str | None
    expires_at: int


class OAuth2OutgoingRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- configuration ---------------------------------------------------------------------------------

    def save(self, row: OutgoingRow, now: int) -> None:
        values: dict[str, Any] = {
            "kind": row.kind,
            "client_id": row.client_id,
            "client_secret": row.client_secret,
            "authorize_url": row.authorize_url,
            "token_url": row.token_url,
            "scope": row.scope,
            "impersonation": row.impersonation,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(oauth2_outgoing).where(oauth2_outgoing.c.link_id == row.link_id).values(**values)
            )
            if not changed.rowcount:
                conn.execute(oauth2_outgoing.insert().values(link_id=row.link_id, **values))
            # New endpoints or credentials: the tokens of the old ones are of no use.
            conn.execute(delete(oauth2_outgoing_tokens).where(oauth2_outgoing_tokens.c.link_id == row.link_id))

    def get(self, link_id: str) -> OutgoingRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(oauth2_outgoing).where(oauth2_outgoing.c.link_id == link_id)).first()
        if row is None:
            return None
        return OutgoingRow(
            row.link_id,
            row.kind,
            row.client_id,
            row.client_secret,
            row.authorize_url,
            row.token_url,
            row.scope,
            bool(row.impersonation),
        )

    def all(self) -> list[OutgoingRow]:
        with self.engine.connect() as conn:
            ids = [r.link_id for r in conn.execute(select(oauth2_outgoing.c.link_id))]
        return [row for row in (self.get(i) for i in ids) if row is not None]

    def remove(self, link_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(delete(oauth2_outgoing_tokens).where(oauth2_outgoing_tokens.c.link_id == link_id))
            conn.execute(delete(oauth2_outgoing_states).where(oauth2_outgoing_states.c.link_id == link_id))
            result = conn.execute(delete(oauth2_outgoing).where(oauth2_outgoing.c.link_id == link_id))
        return bool(result.rowcount)

    # -- tokens ----------------------------------------------------------------------------------------

    def token(self, link_id: str, user_name: str) -> TokenRow | None:
        query = select(oauth2_outgoing_tokens).where(
            and_(oauth2_outgoing_tokens.c.link_id == link_id, oauth2_outgoing_tokens.c.user_name == user_name)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return TokenRow(
            row.link_id, row.user_name, row.access_token, row.refresh_token, int(row.expires_at), int(row.refresh_lease)
        )

    def put_token(
        self, link_id: str, user_name: str, *, access_token: str, refresh_token: str | None, expires_at: int
    ) -> None:
        """Store (or replace) a user's tokens; releases any refresh lease."""
        values = {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_at": expires_at,
            "refresh_lease": 0,
        }
        where = and_(oauth2_outgoing_tokens.c.link_id == link_id, oauth2_outgoing_tokens.c.user_name == user_name)
        with self.engine.begin() as conn:
            if not conn.execute(update(oauth2_outgoing_tokens).where(where).values(**values)).rowcount:
                conn.execute(oauth2_outgoing_tokens.insert().values(link_id=link_id, user_name=user_name, **values))

    def take_refresh_lease(self, link_id: str, user_name: str, *, now: int, until: int, seen_expiry: int) -> bool:
        """Claim the right to refresh this token: True for exactly one caller while the token is the one it
        saw (``seen_expiry``) and nobody else holds a live lease."""
        where = and_(
            oauth2_outgoing_tokens.c.link_id == link_id,
            oauth2_outgoing_tokens.c.user_name == user_name,
            oauth2_outgoing_tokens.c.expires_at == seen_expiry,
            oauth2_outgoing_tokens.c.refresh_lease < now,
        )
        with self.engine.begin() as conn:
            result = conn.execute(update(oauth2_outgoing_tokens).where(where).values(refresh_lease=until))
        return result.rowcount == 1

    def delete_token(self, link_id: str, user_name: str) -> bool:
        where = and_(oauth2_outgoing_tokens.c.link_id == link_id, oauth2_outgoing_tokens.c.user_name == user_name)
        with self.engine.begin() as conn:
            return bool(conn.execute(delete(oauth2_outgoing_tokens).where(where)).rowcount)

    # -- authorisations in progress -------------------------------------------------------------------

    def add_state(self, state_hash: str, row: StateRow, now: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(oauth2_outgoing_states).where(oauth2_outgoing_states.c.expires_at < now))
            conn.execute(
                oauth2_outgoing_states.insert().values(
                    state_hash=state_hash,
                    link_id=row.link_id,
                    user_name=row.user_name,
                    verifier=row.verifier,
                    redirect_after=row.redirect_after,
                    expires_at=row.expires_at,
                )
            )

    def take_state(self, state_hash: str) -> StateRow | None:
        """The authorisation in progress with this state, removed (a state is used once)."""
        where = oauth2_outgoing_states.c.state_hash == state_hash
        with self.engine.begin() as conn:
            row = conn.execute(select(oauth2_outgoing_states).where(where)).first()
            if row is None or not conn.execute(delete(oauth2_outgoing_states).where(where)).rowcount:
                return None
        return StateRow(row.link_id, row.user_name, row.verifier, row.redirect_after, int(row.expires_at))
