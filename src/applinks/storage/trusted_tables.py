"""Tables of Trusted Applications (legacy): applications this instance trusts, and links it sends as.

Created by migration 0004 (its Trusted Applications block)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Table, Text

from applinks.storage.tables import metadata

# Incoming: the remote's published certificate, trusted for one link (deleting the link deletes the trust).
trusted_apps = Table(
    "trusted_apps",
    metadata,
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
    Column("application_id", String(255), nullable=False, unique=True),
    Column("public_key", Text, nullable=False),
    Column("certificate_timeout", Integer, nullable=False),
    Column("ip_patterns", JSON, nullable=False),
    Column("url_patterns", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Outgoing: links whose remote trusts us, so requests to it may carry the Trusted Applications headers.
trusted_apps_outgoing = Table(
    "trusted_apps_outgoing",
    metadata,
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
