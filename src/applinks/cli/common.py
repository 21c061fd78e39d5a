"""What every command shares: settings from options and environment, the instance (with the reference
application as its host), clear errors, tables or JSON."""

from __future__ import annotations

import importlib
import json
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import inspect

from applinks.domain.link import Link
from applinks.errors import AppLinksError
from applinks.host import Host, HostUser
from applinks.instance import SERVER_ID, Instance
from applinks.refapp.host import RefappHost
from applinks.settings import Settings
from applinks.storage import db
from applinks.storage.links import list_links
from applinks.storage.properties import get_property
from applinks.storage.tables import instance_properties

console = Console()

# The operator at the command line owns the installation: a system administrator.
CLI_ACTOR = HostUser("cli", "command line", is_admin=True, is_sysadmin=True)


class State:
    data_dir: Path | None = None
    database_url: str | None = None
    app: str | None = None  # --app MODULE:ATTRIBUTE: an embedding host's Host (or a factory of one)


state = State()


def make_settings(**overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if state.data_dir is not None:
        values.setdefault("data_dir", state.data_dir)
    if state.database_url is not None:
        values.setdefault("database_url", state.database_url)
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        fail(f"invalid settings: {problems}")


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr (scripts grep it, people read it) and a non-zero exit code."""
    typer.secho("error: " + " ".join(message.split()), err=True, fg="red")
    raise typer.Exit(code)


def _os_message(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename else reason


@contextmanager
def cli_errors() -> Iterator[None]:
    """Every applinks error (and a file-system error such as an unusable data directory) becomes one clear
    line on stderr and a non-zero exit code, never a traceback."""
    try:
        yield
    except AppLinksError as exc:
        fail(exc.message)
    except OSError as exc:
        fail(_os_message(exc))


def _database_holds_an_instance(settings: Settings) -> bool:
    """Whether an explicitly configured database already holds an instance's identity (its data directory's
    key file may then be what is missing, which opening the instance reports precisely)."""
    if settings.database_url is None:
        return False  # the default SQLite database lives in the (missing or empty) data directory
    engine = db.make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table(instance_properties.name) and get_property(conn, SERVER_ID) is not None
    finally:
        engine.dispose()


def _missing_instance(settings: Settings) -> str | None:
    """Why there is no instance to open here (a missing or empty data directory), or None."""
    data_dir = settings.data_dir
    if not data_dir.exists():
        reason = "no such directory"
    elif data_dir.is_dir() and not any(data_dir.iterdir()):
        reason = "the directory is empty"
    else:
        return None
    if _database_holds_an_instance(settings):
        return None  # a cluster node's database holds it (its key file may live elsewhere: APPLINKS_KEY_FILE)
    return (
        f"there is no applinks instance at {data_dir} ({reason}): check --data-dir (or APPLINKS_DATA_DIR), "
        f"or create one with: applinks --data-dir {data_dir} init"
    )


def require_instance(settings: Settings) -> None:
    """Only ``serve`` and ``init`` create an instance: any other command on a missing or empty data directory
    is a mistake (a mistyped ``--data-dir``), never a new empty instance."""
    missing = _missing_instance(settings)
    if missing is not None:
        fail(missing)


def load_host(spec: str) -> Host:
    """The embedding host's ``Host`` named by ``MODULE:ATTRIBUTE`` (as uvicorn's and Flask's CLIs name an app):
    a ``Host`` object, or a function without arguments that returns one. The module is imported from the
    current directory too, like those CLIs do."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        fail(f"--app {spec!r}: expected MODULE:ATTRIBUTE, e.g. myapp.links:host")
    if "" not in sys.path:
        sys.path.insert(0, "")  # the current directory, where the host's package usually is
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as exc:
        fail(f"--app {spec!r}: cannot import {module_name!r}: {exc}")
    for part in attribute.split("."):
        if not hasattr(found, part):
            fail(f"--app {spec!r}: {module_name!r} has no attribute {attribute!r}")
        found = getattr(found, part)
    # The command line asks a host only for its users (get_user); the web parts of Host are not needed here.
    if not callable(getattr(found, "get_user", None)) and callable(found):
        found = found()
    if not callable(getattr(found, "get_user", None)):
        fail(f"--app {spec!r} is not an applinks Host (an object with get_user), nor a function returning one")
    return cast(Host, found)


@contextmanager
def open_instance(*, create: bool = False, **overrides: Any) -> Iterator[Instance]:
    """The instance of the data directory, with the host of ``--app`` or else the reference application's users
    and entities as its host (the command line opens its data without its web app), so that permission checks
    and remote calls as a user work the same way; ``create`` (``init`` only) makes a new one where there is
    none."""
    with cli_errors():
        settings = make_settings(**overrides)
        if not create:
            require_instance(settings)
        instance = Instance(settings, load_host(state.app) if state.app else None)
        try:
            if instance.host is None:  # no --app: the reference application's users and entities
                RefappHost.attach(instance)
            yield instance
        finally:
            instance.close()


def print_table(table: Table) -> None:
    """Print a table for people; every command's tables go through here."""
    # In a terminal rich fits the table to the screen (cells fold, nothing is cut); piped, it keeps its
    # natural width so that no value is truncated for whoever reads the output.
    if console.is_terminal:
        console.print(table)
        return
    natural = Measurement.get(console, console.options.update_width(1_000_000), table).maximum
    Console(width=max(console.width, natural)).print(table)


def emit(rows: Sequence[dict[str, Any]], columns: Sequence[str], as_json: bool, title: str | None = None) -> None:
    if as_json:
        sys.stdout.write(json.dumps(list(rows), indent=2) + "\n")
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    print_table(table)


def emit_one(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    table = Table(show_header=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in data.items():
        table.add_row(key, _cell(value))
    print_table(table)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def pick_link(links: Sequence[Link], ref: str) -> Link | None:
    """The link ``ref`` names: its ID, else its name (exactly, else ignoring case). Several links called that
    is an error listing them (a command must never act on a guess); none is ``None``."""
    by_id = [link for link in links if link.id == ref]
    if by_id:
        return by_id[0]
    exact = [link for link in links if link.name == ref]
    for named in (exact, exact or [link for link in links if link.name.casefold() == ref.casefold()]):
        if len(named) == 1:
            return named[0]
        if named:
            candidates = ", ".join(f"{link.id} ({link.rpc_url})" for link in named)
            fail(f"{len(named)} links are called {ref!r}: {candidates}; give the link's ID")
    return None


def _link_ids(refs: Sequence[str]) -> list[str]:
    """Names turned into IDs; an unknown name is left as given, for the command's own 'no such link' error."""
    if not refs:
        return []
    with cli_errors():
        settings = make_settings()
        if _missing_instance(settings) is not None:
            return list(refs)  # the command itself reports it (or only shows its help)
        engine = db.make_engine(settings.resolved_database_url)
        try:
            with engine.connect() as conn:
                links = list_links(conn) if inspect(conn).has_table("links") else []
        finally:
            engine.dispose()
    ids = []
    for ref in refs:
        found = pick_link(links, ref)
        ids.append(found.id if found is not None else ref)
    return ids


def _one_link(value: str) -> str:
    return _link_ids([value])[0]


def _many_links(value: list[str] | None) -> list[str] | None:
    return _link_ids(value) if value else value


# A link argument: every command accepts the link's name or its ID (the main callback has run before a
# command's arguments are parsed, so the data directory is known here).
LinkRef = Annotated[str, typer.Argument(metavar="LINK", help="The link's name or ID.", callback=_one_link)]
LinkRefs = Annotated[
    list[str] | None,
    typer.Argument(metavar="[LINK]...", help="Links' names or IDs (default: every link).", callback=_many_links),
]


# A check that answers within this many seconds shows no progress display: it would only flicker.
PROGRESS_DELAY = 1.0


@contextmanager
def slow_progress(
    label: str, total: int, *, on: Console | None = None, delay: float = PROGRESS_DELAY
) -> Iterator[Callable[[], None]]:
    """A progress display on stderr (transient) for checks that take more than ``delay`` seconds; yields the
    function that counts one check done. Quick runs print nothing, and neither does a non-terminal."""
    shown_on = on or Console(stderr=True)
    progress = Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=shown_on, transient=True
    )
    task = progress.add_task(label, total=total)
    timer: threading.Timer | None = None
    if total and delay <= 0:
        progress.start()
    elif total:
        timer = threading.Timer(delay, progress.start)
        timer.daemon = True
        timer.start()
    try:
        yield lambda: progress.advance(task)
    finally:
        if timer is not None:
            timer.cancel()
        progress.stop()
