"""Tables of outgoing authentication (created by migration 0003): per-link provider configuration, the
3LO access tokens held per (link, user), pending login dances, and the audit log of impersonated calls."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from applinks.storage.tables import metadata

# One row per link with any outgoing configuration; secrets (Basic password, shared secret) are encrypted.
outbound_auth = Table(
    "outbound_auth",
    metadata,
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
    Column("three_lo", Boolean, nullable=False, default=False),
    Column("two_lo", Boolean, nullable=False, default=False),
    Column("two_lo_impersonation", Boolean, nullable=False, default=False),
    Column("basic_username", String(255), nullable=True),
    Column("basic_password", Text, nullable=True),
    # Generic (non-applinks) remotes: the consumer key we present and how we sign (protocol.md §6.2).
    Column("consumer_key", String(255), nullable=True),
    Column("shared_secret", Text, nullable=True),
    Column("request_token_url", String(2048), nullable=True),
    Column("access_token_url", String(2048), nullable=True),
    Column("authorize_url", String(2048), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# 3LO access tokens this instance holds for its users (token and secret encrypted with the instance box).
outbound_tokens = Table(
    "outbound_tokens",
    metadata,
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
    Column("user_name", String(255), primary_key=True),
    Column("token", Text, nullable=False),
    Column("token_secret", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_outbound_tokens_user", "user_name"),
)

# A login dance in progress: bound to the browser (hash of a random cookie) and to the user who started it.
# The request token is kept only as a hash: the callback brings it back and must match.
outbound_dances = Table(
    "outbound_dances",
    metadata,
    Column("browser", String(64), primary_key=True),
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
    Column("user_name", String(255), nullable=False),
    Column("request_token_hash", String(64), nullable=False),
    Column("token_secret", Text, nullable=False),
    Column("redirect_url", String(2048), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Outgoing requests made by impersonation or on behalf of another user. No foreign key on purpose: the
# record of what was done outlives the link it was done over.
outbound_audit = Table(
    "outbound_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("link_id", String(64), nullable=False),
    Column("link_name", String(255), nullable=False),
    Column("local_user", String(255), nullable=True),
    Column("acting_as", String(255), nullable=False),
    Column("provider", String(255), nullable=False),
    Column("method", String(16), nullable=False),
    Column("path", String(2048), nullable=False),
    Column("status", Integer, nullable=True),
    Column("outcome", String(100), nullable=False),
    Index("ix_outbound_audit_link", "link_id", "at"),
)
