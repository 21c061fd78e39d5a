"""security.md "secrets … never logged": request tokens, verifiers, codes and client secrets travel in query
strings, and uvicorn's access log prints the full path; every log line is redacted (applinks.redaction)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import httpx2
from uvicorn.logging import AccessFormatter

from applinks.redaction import MASK
from applinks.refapp.app import build_app
from applinks.settings import Settings
from tests.support import Databases, bind_loopback, serve_app

SENTINELS = ("sentinel-token-1f2e", "sentinel-verifier-3d4c", "sentinel-code-5b6a", "sentinel-secret-7980")


def test_the_access_log_and_our_own_lines_carry_no_secret(databases: Databases, tmp_path: Path) -> None:
    sock = bind_loopback()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(data_dir=tmp_path / "data", base_url=base_url, database_url=databases.new_url(migrated=True))
    app = build_app(settings)
    server, thread = serve_app(app, sock, access_log=True, log_level="info")
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)
    ours = io.StringIO()
    ours_handler = logging.StreamHandler(ours)
    logging.getLogger("applinks").addHandler(ours_handler)
    token, verifier, code, secret = SENTINELS
    try:
        with httpx2.Client(base_url=base_url, trust_env=False) as client:
            client.get("/plugins/servlet/oauth/authorize", params={"oauth_token": token})
            client.get("/plugins/servlet/applinks/oauth/login-dance/access", params={"oauth_verifier": verifier})
            client.post(
                "/plugins/servlet/oauth/access-token", params={"oauth_token": token, "oauth_verifier": verifier}
            )
            client.get("/rest/oauth2/latest/token", params={"code": code, "client_secret": secret})
            client.get("/plugins/servlet/applinks/whoami", headers={"Authorization": f'OAuth oauth_token="{token}"'})
    finally:
        access.removeHandler(handler)
        logging.getLogger("applinks").removeHandler(ours_handler)
        server.should_exit = True
        thread.join(timeout=15)
    log = written.getvalue() + ours.getvalue()
    assert "/plugins/servlet/oauth/authorize?oauth_token=" + MASK in log  # the lines are there, redacted
    for sentinel in SENTINELS:
        assert sentinel not in log, log
