"""Rows of the issue whose feature is not built yet: printed so the table shows every target."""

from __future__ import annotations

from benchmarks.harness import Row


def run(*, quick: bool = False) -> list[Row]:
    del quick
    return [
        Row("OAuth 2.0 bearer-token request vs anonymous", None, "req/s", 0.9, at_most=False),
        Row("OAuth 2.0 outgoing call with cached JWT-bearer token vs fixed bearer header", None, "req/s", 1.1, True),
        Row(
            "cluster: signed requests over 2 nodes (PostgreSQL + Redis) vs 1 node",
            None,
            "req/s",
            1.0,
            False,
            note="the issue sets no target: report the ratio and what limits it",
        ),
    ]
