"""Tables of OAuth 2.0 links: the authorization server's incoming clients, authorization codes and tokens
issued (migration 0006; JWT bearer columns and the impersonation audit, 0007), and the outgoing side's
per-link configuration, users' tokens and authorisations in progress (0008). Secrets we issue (client
secrets, codes, tokens) are stored only as sha256; secrets we hold are encrypted by the caller."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from applinks.storage.tables import metadata

# An incoming OAuth 2.0 link: an application allowed to ask our users for access. ``link_id`` ties it to an
# application link when it is one half of an OAuth 2.0 application link (deleting the link deletes it).
oauth2_clients = Table(
    "oauth2_clients",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("redirects", JSON, nullable=False),
    Column("scope", String(255), nullable=False),
    Column("user_key", String(255), nullable=False),  # the administrator who registered it
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    # JWT bearer impersonation (RFC 7523, migration 0007): the calling application's ID (the assertions'
    # ``iss``), the public key they must verify with, and whether the link is "same set of users".
    Column("jwt_issuer", String(255), nullable=True),
    Column("jwt_public_key", Text, nullable=True),
    Column("impersonation", Boolean, nullable=False, default=False),
    Index("ix_oauth2_clients_jwt_issuer", "jwt_issuer", unique=True),
)

# Authorization codes: single use. A used code keeps its row (``used_at``) until it expires, so that a second
# redemption is recognised and revokes what the first one issued (its ``family``).
oauth2_codes = Table(
    "oauth2_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("client_id", String(64), ForeignKey("oauth2_clients.id", ondelete="CASCADE"), nullable=False),
    Column("user_name", String(255), nullable=False),
    Column("redirect_uri", String(2048), nullable=True),
    Column("scope", String(255), nullable=False),
    Column("code_challenge", String(128), nullable=True),
    Column("code_challenge_method", String(16), nullable=True),
    Column("family", String(64), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger, nullable=True),
    Index("ix_oauth2_codes_expires", "expires_at"),
)

# One row per access token (with its refresh token, if any). A refresh rotates: the old row is marked
# ``rotated`` and revoked, the new row keeps the ``family``; presenting a rotated refresh token again
# revokes the whole family.
oauth2_tokens = Table(
    "oauth2_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("access_hash", String(64), nullable=False, unique=True),
    Column("refresh_hash", String(64), nullable=True, unique=True),
    Column("client_id", String(64), ForeignKey("oauth2_clients.id", ondelete="CASCADE"), nullable=False),
    Column("user_name", String(255), nullable=False),
    Column("scope", String(255), nullable=False),
    Column("family", String(64), nullable=False),
    Column("grant_type", String(64), nullable=False),
    Column("issued_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("refresh_expires_at", BigInteger, nullable=True),
    Column("rotated", Boolean, nullable=False, default=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Index("ix_oauth2_tokens_family", "family"),
    Index("ix_oauth2_tokens_user", "user_name"),
    Index("ix_oauth2_tokens_client", "client_id"),
)

# Every JWT bearer impersonation: which client, as whom, with which assertion (its ``jti``), when.
oauth2_impersonations = Table(
    "oauth2_impersonations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(64), nullable=False),
    Column("issuer", String(255), nullable=False),
    Column("user_name", String(255), nullable=False),
    Column("jti", String(255), nullable=False),
    Column("at", BigInteger, nullable=False),
    Index("ix_oauth2_impersonations_at", "at"),
)

# -- outgoing OAuth 2.0 links (we are the client; migration 0008) ------------------------------------------

# One outgoing OAuth 2.0 configuration per link: endpoints, our client ID and secret there (the secret
# encrypted with the instance's SecretBox), scopes, and whether we may impersonate (JWT bearer).
oauth2_outgoing = Table(
    "oauth2_outgoing",
    metadata,
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), nullable=False),  # custom | atlassian | google | microsoft
    Column("client_id", String(255), nullable=False),
    Column("client_secret", Text, nullable=False),
    Column("authorize_url", String(2048), nullable=False),
    Column("token_url", String(2048), nullable=False),
    Column("scope", String(1024), nullable=False),
    Column("impersonation", Boolean, nullable=False, default=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Each user's tokens at the remote (encrypted). ``refresh_lease`` is when a refresh in progress (on any
# node) may be presumed dead: one refresh at a time per user and link.
oauth2_outgoing_tokens = Table(
    "oauth2_outgoing_tokens",
    metadata,
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
    Column("user_name", String(255), primary_key=True),
    Column("access_token", Text, nullable=False),
    Column("refresh_token", Text, nullable=True),
    Column("expires_at", BigInteger, nullable=False),
    Column("refresh_lease", BigInteger, nullable=False, default=0),
)

# Authorisations in progress: the state we sent (hashed), the PKCE verifier (encrypted), who started it.
oauth2_outgoing_states = Table(
    "oauth2_outgoing_states",
    metadata,
    Column("state_hash", String(64), primary_key=True),
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), nullable=False),
    Column("user_name", String(255), nullable=False),
    Column("verifier", Text, nullable=False),
    Column("redirect_after", String(2048), nullable=True),
    Column("expires_at", BigInteger, nullable=False),
)
