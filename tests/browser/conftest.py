"""Browser tests: Debian's Chromium driven by Playwright, headless, against live instances on loopback.

One browser and one pair of instances (Wiki, Tracker) per module; every test gets a fresh browser context and
leaves no links behind. Screenshots of the main pages go to ``test-output/browser/`` on every run.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import Databases, LiveInstance, service_missing, start_instance

CHROMIUM = os.environ.get("APPLINKS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "browser"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} is missing; apt-get install -y chromium")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        service_missing("Playwright", "pip install playwright")
    # Assertions wait for a condition (e.g. the background diagnostics' lozenge), never for a fixed time; a
    # loaded CI machine gets the same 20 s as every other browser action.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveInstance, LiveInstance]]:
    """Wiki (where the admin works) and Tracker, each with its admin (a system administrator)."""
    tmp = tmp_path_factory.mktemp("browser")
    databases = Databases("sqlite", tmp)
    # Loopback http: OAuth 2.0 clients may be registered over http only when allowed for development.
    wiki = start_instance(databases, tmp, name="Wiki", monitor_interval=0, oauth2_allow_http=True)
    tracker = start_instance(databases, tmp, name="Tracker", monitor_interval=0, oauth2_allow_http=True)
    yield wiki, tracker
    for live in (wiki, tracker):
        live.stop()
    databases.drop_all()


@pytest.fixture
def wiki(pair: tuple[LiveInstance, LiveInstance]) -> Iterator[LiveInstance]:
    yield pair[0]


@pytest.fixture
def tracker(pair: tuple[LiveInstance, LiveInstance]) -> Iterator[LiveInstance]:
    yield pair[1]


@pytest.fixture(autouse=True)
def no_links_left(pair: tuple[LiveInstance, LiveInstance]) -> Iterator[None]:
    """Tests share the pair: each one starts and ends with no links on either instance."""
    yield
    for live in pair:
        instance = live.instance
        admin = instance.host.get_user("admin") if instance.host else None
        assert admin is not None
        for link in instance.links.list():
            instance.oauth2_outgoing.remove(link.id)
            instance.links.delete(link.id, actor=admin)
        for client in instance.oauth2_clients.all():
            instance.oauth2_clients.delete(client.id)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh context (no cookies); a JavaScript dialog anywhere fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.dialogs = dialogs
    errors: list[str] = []
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    opened.console_errors = errors
    yield opened
    context.close()
    assert dialogs == [], f"a JavaScript dialog opened: {dialogs}"


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot under test-output/browser/ (written on every run)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: Any, live: LiveInstance, user: tuple[str, str] | None = None) -> None:
    name, password = user or live.admin
    page.goto(live.url + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live.url + "/")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core (vendored from the npm package, served by the test itself) on the current page: serious and
    critical violations of WCAG 2 A/AA."""
    # Evaluated through the DevTools protocol: the page's CSP (no inline script) stays in force for the page.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})).violations"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def free_port_url() -> str:
    """A loopback URL where nothing listens (the port was bound once and released)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
