"""The audit log of outgoing requests made by impersonation or on behalf of another user (no secrets:
the path without its query, never headers or bodies)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from applinks.storage import outbound as repo

log = logging.getLogger("applinks.outbound.audit")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    link_id: str
    link_name: str
    local_user: str | None
    acting_as: str
    provider: str
    method: str
    path: str
    status: int | None
    outcome: str

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.at.isoformat(),
            "linkId": self.link_id,
            "linkName": self.link_name,
            "localUser": self.local_user,
            "actingAs": self.acting_as,
            "provider": self.provider,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "outcome": self.outcome,
        }


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        *,
        link_id: str,
        link_name: str,
        local_user: str | None,
        acting_as: str,
        provider: str,
        method: str,
        path: str,
        status: int | None,
        outcome: str,
    ) -> None:
        values = {
            "link_id": link_id,
            "link_name": link_name[:255],
            "local_user": local_user,
            "acting_as": acting_as,
            "provider": provider,
            "method": method[:16],
            "path": path[:2048],
            "status": status,
            "outcome": outcome[:100],
        }
        try:
            with self.engine.begin() as conn:
                repo.add_audit(conn, values)
        except SQLAlchemyError:
            # The call already happened; losing its record must be loud, not a second failure for the caller.
            log.exception("could not write the audit record of %s %s as %s", method, path, acting_as)
        log.info(
            "outgoing %s %s over %r as %r (local user %r): %s", method, path, link_name, acting_as, local_user, outcome
        )

    def entries(self, link_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        with self.engine.connect() as conn:
            rows = repo.list_audit(conn, link_id, max(1, min(limit, 1000)))
        return [
            AuditEntry(
                repo.as_utc(r.at),
                r.link_id,
                r.link_name,
                r.local_user,
                r.acting_as,
                r.provider,
                r.method,
                r.path,
                r.status,
                r.outcome,
            )
            for r in rows
        ]
