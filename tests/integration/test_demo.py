"""``python -m applinks.refapp.demo``: two reference instances as real processes, their logins printed, stopped
cleanly."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from applinks.instance import Instance
from applinks.refapp import demo
from applinks.refapp.users import UserStore
from applinks.settings import Settings
from tests.integration.processes import Child

LOGIN_LINE = re.compile(r"^\s+(Tracker|Wiki)\s+(http://127\.0\.0\.1:\d+)\s+log in as admin / (\S+)\s+\(data: (.+)\)$")


def _logins(lines: list[str]) -> dict[str, tuple[str, str, str]]:
    return {m[1]: (m[2], m[3], m[4]) for line in lines if (m := LOGIN_LINE.match(line))}


def _refused(url: str) -> bool:
    try:
        httpx2.get(url + "/rest/applinks/1.0/manifest", trust_env=False, timeout=5)
    except httpx2.ConnectError:
        return True
    return False


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    for child in started:
        child.kill()


def _start(children: list[Child], *args: str, env: dict[str, str] | None = None) -> Child:
    child = Child.start([sys.executable, "-m", "applinks.refapp.demo", *args], env)
    children.append(child)
    return child


def test_check_starts_both_verifies_prints_logins_and_stops(tmp_path: Path, children: list[Child]) -> None:
    root = tmp_path / "demo-data"
    # The operator's own settings do not leak into the demo's self-contained instances.
    elsewhere = {"APPLINKS_DATABASE_URL": "postgresql://root@127.0.0.1:1/nowhere", "APPLINKS_NAME": "Elsewhere"}
    child = _start(children, "--check", "--data-dir", str(root), env=elsewhere)
    assert child.process.wait(timeout=120) == 0, child.rest()
    output = child.rest()
    logins = _logins(output)
    assert set(logins) == {"Tracker", "Wiki"}, output
    assert logins["Tracker"][0] != logins["Wiki"][0]
    assert "check passed: every step ran; stopping both instances" in output
    admin_page = logins["Wiki"][0] + "/plugins/servlet/applinks/listApplicationLinks"
    assert f"  Administration → Application links of Wiki: {admin_page}" in output
    # The lifecycle area's step: linked two-way, then an authenticated call as the demo user.
    assert "  Wiki called Tracker's whoami as alice by impersonation; Tracker answered 'alice'" in output
    for name, (url, password, data_dir) in logins.items():
        assert _refused(url), f"{name} still answers after the demo ended"
        assert data_dir == str(root / name.lower())
        # The printed password is the admin's, and is kept (0600) for the next run.
        instance = Instance(Settings(data_dir=Path(data_dir)), migrate=False)
        try:
            assert UserStore(instance.engine).check_password("admin", password) is not None
        finally:
            instance.close()
        state = Path(data_dir) / "demo.json"
        assert json.loads(state.read_text())["password"] == password
        assert state.stat().st_mode & 0o077 == 0

    again = _start(children, "--check", "--data-dir", str(root))
    assert again.process.wait(timeout=120) == 0, again.rest()
    assert {name: login[1] for name, login in _logins(again.rest()).items()} == {
        name: login[1] for name, login in logins.items()
    }


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_demo_runs_until_stopped_and_its_logins_work(tmp_path: Path, children: list[Child], stop_signal: int) -> None:
    child = _start(children, "--data-dir", str(tmp_path / "demo-data"))
    child.wait_for("Press Ctrl-C to stop both.")
    logins = _logins(child.seen)
    assert set(logins) == {"Tracker", "Wiki"}, child.seen
    ids = set()
    for name, (url, password, _) in logins.items():
        with httpx2.Client(base_url=url, auth=("admin", password), trust_env=False, timeout=30) as client:
            assert client.get("/plugins/servlet/applinks/whoami").text == "admin"
            manifest = client.get("/rest/applinks/1.0/manifest", headers={"Accept": "application/json"}).json()
        assert (manifest["name"], manifest["url"]) == (name, url)
        ids.add(manifest["id"])
    assert len(ids) == 2
    child.process.send_signal(stop_signal)
    assert child.process.wait(timeout=60) == 0, child.rest()
    assert "stopping…" in child.rest()
    assert all(_refused(url) for url, _, _ in logins.values())


def test_a_step_can_be_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Later features add steps; each sees the started instances and can leave notes for the report."""
    seen: list[str] = []

    def extra_step(state: demo.Demo) -> None:
        for node in state.nodes:
            seen.append(str(state.client.get(node.url + "/rest/applinks/3.0/capabilities").status_code))
        state.extras.setdefault("notes", []).append("extra step ran")

    steps = [step for step in demo.STEPS if step is not demo.link_two_way]  # faster without linking
    steps.insert(steps.index(demo.report), extra_step)
    monkeypatch.setattr(demo, "STEPS", steps)
    printed: list[str] = []
    assert demo.run(tmp_path / "demo-data", check=True, out=printed.append) == 0
    assert seen == ["200", "200"]
    assert "  extra step ran" in printed


def test_a_failing_step_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "STEPS", [step for step in demo.STEPS if step is not demo.link_two_way])
    root = tmp_path / "demo-data"
    assert demo.run(root, check=True, out=lambda line: None) == 0  # creates both instances
    (root / "wiki" / "secret.key").unlink()  # the Wiki's secrets can no longer be read
    assert demo.run(root, check=True, out=lambda line: None) == 1
    error = capsys.readouterr().err
    assert error.startswith("demo: error: ")
    assert "key file" in error


def test_the_report_prints_a_working_command_line_for_each_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make demo` prints the exact `applinks --data-dir …` command for each instance; pasted as printed, with
    no APPLINKS_* exported, it talks to that instance (the base URL and name the server stored)."""
    printed: list[str] = []
    answers: dict[str, str] = {}

    def paste_the_commands(state: demo.Demo) -> None:
        for node in state.nodes:
            [line] = [line for line in printed if line.strip().startswith(node.name + " ") and "--data-dir" in line]
            command = line.strip().removeprefix(node.name).strip()
            env = {k: v for k, v in os.environ.items() if not k.startswith("APPLINKS_")}
            ran = subprocess.run(
                [*shlex.split(command), "--json"], capture_output=True, text=True, env=env, check=False
            )
            assert ran.returncode == 0, ran.stderr
            answers[node.name] = json.loads(ran.stdout)["baseUrl"] + " " + json.loads(ran.stdout)["manifest"]["name"]
            assert answers[node.name] == f"{node.url} {node.name}"

    steps = [step for step in demo.STEPS if step is not demo.link_two_way]  # faster without linking
    steps.append(paste_the_commands)
    monkeypatch.setattr(demo, "STEPS", steps)
    assert demo.run(tmp_path / "demo-data", check=True, out=printed.append) == 0
    assert sorted(answers) == ["Tracker", "Wiki"]
