"""Tables of the OAuth 1.0a provider: incoming consumers, tokens issued, nonces (created by migration 0002)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from applinks.storage.tables import metadata

# One incoming consumer per link; deleting the link deletes it (and, through it, its tokens).
oauth_consumers = Table(
    "oauth_consumers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("consumer_key", String(255), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("signature_method", String(16), nullable=False),
    Column("public_key", Text, nullable=True),  # base64 SubjectPublicKeyInfo DER (public, not secret)
    Column("shared_secret", Text, nullable=True),  # HMAC secret, encrypted with the instance's SecretBox
    Column("callback", String(2048), nullable=True),
    Column("three_lo_allowed", Boolean, nullable=False, default=True),
    Column("two_lo_allowed", Boolean, nullable=False, default=False),
    Column("executing_two_lo_user", String(255), nullable=True),
    Column("two_lo_impersonation_allowed", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Request and access tokens we issued: only the sha256 of the token is stored; the token secret only for
# HMAC consumers (verification needs it), encrypted. Times are epoch seconds (portable comparisons).
oauth_tokens = Table(
    "oauth_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("consumer_id", Integer, ForeignKey("oauth_consumers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),  # request | access
    Column("state", String(12), nullable=False),  # request: pending|authorized|denied|used; access: active
    Column("secret", Text, nullable=True),
    Column("user_name", String(255), nullable=True),
    Column("callback", String(2048), nullable=True),
    Column("verifier_hash", String(64), nullable=True),
    Column("issued_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    # Added by migration 0009: "1.0" marks a request token issued without oauth_callback (NULL: OAuth 1.0a);
    # an access token's session handle (sha256) and the end of its session, for renewal.
    Column("oauth_version", String(8), nullable=True),
    Column("session_hash", String(64), nullable=True),
    Column("session_expires_at", BigInteger, nullable=True),
    Index("ix_oauth_tokens_user", "user_name"),
    Index("ix_oauth_tokens_expires", "expires_at"),
    Index("ix_oauth_tokens_consumer", "consumer_id"),
)

# Each nonce once per (consumer, token, timestamp): the primary key makes the check one atomic insert.
oauth_nonces = Table(
    "oauth_nonces",
    metadata,
    Column("consumer_key", String(255), nullable=False),
    Column("token_hash", String(64), nullable=False),  # "" for two-legged requests
    Column("timestamp", BigInteger, nullable=False),
    Column("nonce", String(255), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("consumer_key", "token_hash", "timestamp", "nonce", name="pk_oauth_nonces"),
    Index("ix_oauth_nonces_expires", "expires_at"),
)
