"""Every byte a database holds, for plant-and-search tests: the SQLite files (with WAL) or a pg_dump."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url


def database_bytes(url: str) -> bytes:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        assert path in files, f"the SQLite file {path} does not exist"
        return b"".join(p.read_bytes() for p in sorted(files))
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    command = ["pg_dump", "--data-only", "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
    command += ["-U", parsed.username or "root", str(parsed.database)]
    return subprocess.run(command, capture_output=True, check=True, timeout=60).stdout
