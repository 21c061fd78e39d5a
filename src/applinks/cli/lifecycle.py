"""Lifecycle commands: ``link create|relocate|edit|check-moved``, ``link delete --both-ends``, entity links."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from applinks.cli.common import (
    CLI_ACTOR,
    LinkRef,
    LinkRefs,
    cli_errors,
    console,
    emit,
    emit_one,
    fail,
    open_instance,
    slow_progress,
    state,
)
from applinks.domain.entity_links import EntityRef
from applinks.errors import CredentialsRequired, RemoteDeleteFailed
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.refapp.host import refapp_host
from applinks.services.lifecycle import EndLevels, level_name
from applinks.services.wizard.model import APPLINKS, MOVED, CreateLinkRequest, CreateLinkResult, SideReport

entity_app = typer.Typer(no_args_is_help=True)
entities_app = typer.Typer(no_args_is_help=True)
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
AsUser = Annotated[
    str | None,
    typer.Option("--as", help="The local user whose access to the remote application is used for the remote call."),
]


def register(app: typer.Typer, link_app: typer.Typer) -> None:
    """Add the lifecycle commands to the ``link`` group (``link_app``) and the entity groups to ``app``."""
    link_app.command("create")(create)
    link_app.command("relocate")(relocate)
    link_app.command("edit")(edit)
    link_app.command("check-moved")(check_moved)
    app.add_typer(entity_app, name="entity-link", help="Entity links (a local entity linked to a remote one).")
    app.add_typer(entities_app, name="entities", help="Entities of the reference application (projects with keys).")


def _user(instance: Instance, name: str | None, why: str) -> HostUser:
    if not name:
        fail(f"{why} calls the remote application as a user: give --as USER (a local user)")
    assert instance.host is not None and name is not None
    user = instance.host.get_user(name)
    if user is None:
        fail(f"there is no local user called {name!r}")
    assert user is not None
    return user


def _warn(message: str) -> None:
    typer.secho("warning: " + message, err=True, fg="yellow")


def _read_password(password: str | None, password_file: Path | None, username: str) -> str:
    if password is not None:
        return password
    if password_file is not None:
        try:
            return password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            fail(f"cannot read the password file {password_file}: {exc.strerror or exc}")
    if not sys.stdin.isatty():
        fail("give the remote administrator's password with --remote-password-file (or --remote-password)")
    answer: str = typer.prompt(f"Password of {username} on the remote application", hide_input=True)
    return answer


def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        return False
    return bool(typer.confirm(question, default=False))


# -- link create ----------------------------------------------------------------------------------------
def create(
    url: Annotated[str, typer.Argument(help="The URL of the application to link to.")],
    name: Annotated[str | None, typer.Option("--name", help="The link's name (default: the remote's).")] = None,
    display_url: Annotated[str | None, typer.Option("--display-url", help="The URL shown to users.")] = None,
    two_way: Annotated[
        bool, typer.Option("--two-way", help="You administer both applications: link both ways with OAuth.")
    ] = False,
    remote_user: Annotated[str | None, typer.Option("--remote-user", help="Remote administrator.")] = None,
    remote_password: Annotated[str | None, typer.Option("--remote-password", help="Their password.")] = None,
    remote_password_file: Annotated[
        Path | None, typer.Option("--remote-password-file", help="Read the remote password from this file.")
    ] = None,
    oauth2: Annotated[
        bool,
        typer.Option(
            "--oauth2", help="Authenticate over OAuth 2.0 links (client ID and secret) instead of OAuth 1.0a."
        ),
    ] = False,
    same_users: Annotated[
        bool,
        typer.Option("--same-users", help="The servers have the same set of users: OAuth with impersonation."),
    ] = False,
    rpc_url: Annotated[
        str | None, typer.Option("--rpc-url", help="The URL by which the remote reaches this application.")
    ] = None,
    app_type: Annotated[
        str | None, typer.Option("--type", help="Application type of a generic (non-applinks) application.")
    ] = None,
    primary: Annotated[bool, typer.Option("--primary", help="Make it the primary link of its type.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Confirm every question of the wizard.")] = False,
    as_json: Json = False,
) -> None:
    """Create a link as the wizard does: check the remote, review, then one-way, two-way or generic."""
    with open_instance() as instance, cli_errors():
        wizard = instance.wizard
        check = wizard.check(url)
        if check.status == MOVED:
            _warn(check.warning)
            if not check.suggested_url or not _confirm(f"Link to {check.suggested_url} instead?", False):
                fail(f"not linked; to link to the new address run: applinks link create {check.suggested_url}")
            assert check.suggested_url is not None
            check = wizard.check(check.suggested_url)
        allow_generic = False
        if check.status != APPLINKS:
            _warn(check.warning)
            allow_generic = _confirm(f"Create a link to {check.url} as a generic application?", yes)
            if not allow_generic:
                fail("not linked (give --yes to create a generic link)")
        confirm_urls = False
        if check.display_url_differs and not display_url:
            assert check.manifest is not None
            confirm_urls = _confirm(
                f"The application reports its URL as {check.manifest.url}, not {check.url}. Use {check.url} for "
                f"server-to-server calls and {check.manifest.url} for users?",
                yes,
            )
            if not confirm_urls:
                fail("not linked (confirm the URLs, give --display-url, or --yes)")
        password = None
        if two_way:
            if not remote_user:
                fail("--two-way needs --remote-user (an administrator of the remote application)")
            assert remote_user is not None
            password = _read_password(remote_password, remote_password_file, remote_user)
        request = CreateLinkRequest(
            url=check.url,
            name=name,
            display_url=display_url,
            type_id=app_type,
            is_primary=primary or None,
            confirm_urls=confirm_urls,
            allow_generic=allow_generic,
            two_way=two_way,
            remote_username=remote_user,
            remote_password=password,
            same_users=same_users,
            custom_rpc_url=rpc_url,
            oauth2=oauth2,
        )
        result = wizard.create(request, actor=CLI_ACTOR)
        _print_result(result, as_json)
        if two_way and not result.authentication_complete:
            again = ["link", "create", check.url, "--two-way", "--remote-user", str(remote_user)]
            again += ["--same-users"] if same_users else []
            again += ["--oauth2"] if oauth2 else []
            _partial(_missing(result), again)


# A command that did part of its work: distinct from failure (1), usage (2) and "moved" (3).
PARTIAL = 4


def _missing(result: CreateLinkResult) -> str:
    """What a two-way creation left undone, in one phrase."""
    remote = result.remote
    if remote is None or remote.link == "not created":
        return "the link on the remote application was not created"
    for name, side in (("the remote application", remote), ("this application", result.local)):
        if side.problems:
            return f"authentication is not fully configured on {name} ({side.problems[0]})"
        if not (side.incoming and side.outgoing):
            return f"authentication is not configured on {name}"
    return "authentication is not configured on both ends"


def _partial(missing: str, command: list[str]) -> None:
    """One line on stderr (what is missing, and the command that completes it), then exit PARTIAL."""
    prefix = ["applinks"] + (["--data-dir", str(state.data_dir)] if state.data_dir is not None else [])
    line = " ".join(shlex.quote(word) for word in prefix + command)
    typer.secho(f"partial: {missing}; to complete it run: {line}", err=True, fg="yellow")
    raise typer.Exit(PARTIAL)


def _level_text(level: dict[str, bool] | None) -> str:
    if not level or not level.get("enabled"):
        return "off"
    if level.get("twoLoImpersonationEnabled"):
        return "OAuth with impersonation"
    return "OAuth"


def _side_text(side: SideReport) -> str:
    text = f"link {side.link}; incoming {_level_text(side.incoming)}, outgoing {_level_text(side.outgoing)}"
    return text + "".join(f"\n    problem: {p}" for p in side.problems)


def _print_result(result: CreateLinkResult, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
        return
    link = result.link
    kind = "two-way" if result.two_way else "generic" if result.generic else "one-way"
    console.print(
        f"created a {kind} link to {link.name!r} ({link.rpc_url}), ID {link.id}", highlight=False, markup=False
    )
    if result.two_way:
        console.print(f"  here: {_side_text(result.local)}", highlight=False, markup=False)
        if result.remote is not None:
            console.print(f"  remote ({result.remote.url}): {_side_text(result.remote)}", highlight=False, markup=False)
    for warning in result.warnings:
        console.print(f"  note: {warning}", highlight=False, markup=False)


# -- link relocate / check-moved / edit / delete --both-ends ------------------------------------------------
def relocate(
    link_id: LinkRef,
    new_url: Annotated[str, typer.Argument(metavar="NEW_URL")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Relocate even if nothing answers at NEW_URL, or a different application does (its "
            "authentication, tokens and entity links are then dropped).",
        ),
    ] = False,
) -> None:
    """Point a link at the new address of its remote application."""
    with open_instance() as instance, cli_errors():
        result = instance.lifecycle.relocate(link_id, new_url, actor=CLI_ACTOR, nowarning=force, force=force)
        link = result.link
        console.print(
            f"{link.name!r} now at {link.rpc_url} (display URL {link.display_url})", highlight=False, markup=False
        )
        for warning in result.warnings:
            if warning != "not checked":
                console.print(f"  note: {warning}", highlight=False, markup=False)
        if not result.probed:
            console.print("  note: nothing answered at the new URL; it was not checked", highlight=False, markup=False)


def _moved_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row for people: the link's name, and for a remote that did not answer, that (not a blank line)."""
    reason = row["reason"] or ""
    if row["unreachable"]:
        reason = f"no answer, so not known ({row['unreachable']})" + (f"; last finding: {reason}" if reason else "")
    elif not row["moved"]:
        reason = "the same application answers at the RPC URL"
    return {
        "link": f"{row['name']}\n{row['linkId']}",
        "moved": "yes" if row["moved"] else "no",
        "reason": reason,
        "suggestedUrl": row["suggestedUrl"],
    }


def check_moved(
    link_ids: LinkRefs = None,
    as_json: Json = False,
) -> None:
    """Probe links' RPC URLs and flag those whose remote moved (redirect, or another application there)."""
    with open_instance() as instance, cli_errors():
        service = instance.lifecycle
        ids = link_ids or [link.id for link in instance.links.list()]
        rows = []
        with slow_progress("checking links", len(ids)) as done:
            for link_id in ids:
                rows.append(service.detect_moved(link_id).to_json())
                done()
        if as_json:
            emit(rows, [], True)
        else:
            emit([_moved_row(row) for row in rows], ["link", "moved", "reason", "suggestedUrl"], False, "Moved links")
        if any(row["moved"] for row in rows):
            raise typer.Exit(3)


def edit(
    link_id: LinkRef,
    name: Annotated[str | None, typer.Option("--name")] = None,
    display_url: Annotated[str | None, typer.Option("--display-url")] = None,
    primary: Annotated[bool, typer.Option("--primary", help="Make it the primary link of its type.")] = False,
    incoming: Annotated[
        str | None, typer.Option("--incoming", help="Incoming authentication: disabled | oauth | impersonation.")
    ] = None,
    outgoing: Annotated[
        str | None, typer.Option("--outgoing", help="Outgoing authentication: disabled | oauth | impersonation.")
    ] = None,
    remote_user: Annotated[
        str | None, typer.Option("--remote-user", help="Remote administrator: change the remote end's levels too.")
    ] = None,
    remote_password: Annotated[str | None, typer.Option("--remote-password", help="Their password.")] = None,
    remote_password_file: Annotated[
        Path | None, typer.Option("--remote-password-file", help="Read the remote password from this file.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Change a link's name, display URL, primary flag or authentication levels (on both ends with
    --remote-user, as the wizard does; otherwise it says what to run on the other side)."""
    with open_instance() as instance, cli_errors():
        levels = incoming is not None or outgoing is not None
        link = instance.lifecycle.edit(
            link_id,
            actor=CLI_ACTOR,
            name=name,
            display_url=display_url,
            primary=True if primary else None,
            incoming=None if levels and remote_user else incoming,
            outgoing=None if levels and remote_user else outgoing,
        )
        if not levels:
            emit_one(link.to_v2(), as_json)
            return
        here_in, here_out = instance.lifecycle.levels(link)
        remote_admin = None
        if remote_user:
            remote_admin = (remote_user, _read_password(remote_password, remote_password_file, remote_user))
        # Both directions go to the remote (mirrored): the one not given stays as it is here.
        local, remote = (
            instance.lifecycle.set_levels_both_ends(
                link,
                incoming=incoming or level_name(here_in),
                outgoing=outgoing or level_name(here_out),
                actor=CLI_ACTOR,
                remote_admin=remote_admin,
            )
            if remote_admin
            else (EndLevels(instance.base_url, here_in, here_out), None)
        )
        body = link.to_v2() | {
            "here": {"incoming": level_name(local.incoming), "outgoing": level_name(local.outgoing)},
            "remote": {"incoming": level_name(remote.incoming), "outgoing": level_name(remote.outgoing)}
            if remote
            else None,
        }
        emit_one(body, as_json)
        if remote is None:
            # The other side must mirror us: its incoming is our outgoing and its outgoing our incoming.
            there = (
                f"applinks link edit {instance.application_id} --incoming {level_name(local.outgoing)} "
                f"--outgoing {level_name(local.incoming)}"
            )
            _partial(
                f"only this end was changed; {link.name} ({link.rpc_url}) must mirror it — run there: {there} "
                f"(or PUT {link.rpc_url}/rest/applinks/3.0/status/{instance.application_id}/oauth); or here, with "
                "its administrator's credentials",
                [
                    "link",
                    "edit",
                    link.id,
                    "--incoming",
                    level_name(local.incoming),
                    "--outgoing",
                    level_name(local.outgoing),
                    "--remote-user",
                    "ADMIN",
                ],
            )


def delete_link(link_id: str, *, both_ends: bool, as_user: str | None, yes: bool) -> None:
    """``applinks link delete ID [--both-ends --as USER] [--yes]`` (the command lives in cli/links.py)."""
    with open_instance() as instance, cli_errors():
        caller = _user(instance, as_user, "--both-ends") if both_ends else None
        service = instance.lifecycle
        try:
            result = service.delete(link_id, actor=CLI_ACTOR, both_ends=both_ends, caller=caller)
        except CredentialsRequired as exc:
            # The URI is this instance's login dance: the user opens it in a browser where they are logged in
            # here, allows access at the remote, and the token then held lets the command succeed.
            fail(
                f"{exc.message}. To authenticate, open {exc.authorisation_uri()} in a browser logged in here as "
                f"{as_user}, allow access, then run this command again (or, without a browser session here: "
                f"applinks link auth {link_id} authorise --as {as_user})"
            )
        except RemoteDeleteFailed as exc:
            _warn(exc.message)
            if not _confirm("Delete the local end anyway?", yes):
                fail("nothing was deleted")
            result = service.delete(link_id, actor=CLI_ACTOR, both_ends=True, caller=caller, local_if_remote_fails=True)
        console.print(result.message, highlight=False, markup=False)


# -- entity links ---------------------------------------------------------------------------------------
LocalType = Annotated[str, typer.Argument(metavar="LOCAL_TYPE", help="e.g. refapp.charlie")]
LocalKey = Annotated[str, typer.Argument(metavar="LOCAL_KEY")]
AppId = LinkRef
RemoteType = Annotated[str, typer.Argument(metavar="TYPE", help="The remote entity type.")]
RemoteKey = Annotated[str, typer.Argument(metavar="KEY", help="The remote entity key.")]
Reciprocate = Annotated[bool, typer.Option("--reciprocate", help="Also link (unlink) back on the remote.")]


def _entity_rows(links: list[Any]) -> list[dict[str, Any]]:
    return [link.to_json() for link in links]


@entity_app.command("list")
def entity_list(
    local_type: LocalType,
    local_key: LocalKey,
    type_id: Annotated[str | None, typer.Option("--type")] = None,
    as_json: Json = False,
) -> None:
    """List the entity links of a local entity."""
    with open_instance() as instance, cli_errors():
        found = instance.entity_links.list(CLI_ACTOR, local_type, local_key, type_id)
        emit(_entity_rows(found), ["applicationId", "typeId", "key", "name", "isPrimary"], as_json)


@entity_app.command("add")
def entity_add(
    local_type: LocalType,
    local_key: LocalKey,
    link_id: AppId,
    type_id: RemoteType,
    key: RemoteKey,
    name: Annotated[str | None, typer.Option("--name")] = None,
    reciprocate: Reciprocate = False,
    as_user: AsUser = None,
) -> None:
    """Link a local entity to an entity of a linked application."""
    with open_instance() as instance, cli_errors():
        user = _user(instance, as_user, "--reciprocate") if reciprocate else CLI_ACTOR
        link, created = instance.entity_links.add(
            user, local_type, local_key, EntityRef(link_id, type_id, key, name or ""), reciprocate=reciprocate
        )
        state = "linked" if created else "updated the link of"
        primary = " (primary)" if link.is_primary else ""
        console.print(f"{state} {local_type} {local_key} to {type_id} {key}{primary}", highlight=False, markup=False)


@entity_app.command("delete")
def entity_delete(
    local_type: LocalType,
    local_key: LocalKey,
    link_id: AppId,
    type_id: RemoteType,
    key: RemoteKey,
    reciprocate: Reciprocate = False,
    as_user: AsUser = None,
) -> None:
    """Delete an entity link."""
    with open_instance() as instance, cli_errors():
        user = _user(instance, as_user, "--reciprocate") if reciprocate else CLI_ACTOR
        instance.entity_links.delete(
            user, local_type, local_key, EntityRef(link_id, type_id, key), reciprocate=reciprocate
        )
        console.print(
            f"deleted the link from {local_type} {local_key} to {type_id} {key}", highlight=False, markup=False
        )


@entity_app.command("make-primary")
def entity_primary(
    local_type: LocalType, local_key: LocalKey, link_id: AppId, type_id: RemoteType, key: RemoteKey
) -> None:
    """Make an entity link the primary of its type."""
    with open_instance() as instance, cli_errors():
        instance.entity_links.make_primary(CLI_ACTOR, local_type, local_key, EntityRef(link_id, type_id, key))
        console.print(
            f"{type_id} {key} is now the primary link of {local_type} {local_key}", highlight=False, markup=False
        )


@entities_app.command("add")
def entities_add(
    key: Annotated[str, typer.Argument(help="Capital letters, digits and _, e.g. PROJ.")],
    name: Annotated[str, typer.Argument()],
) -> None:
    """Add an entity (a project) to the reference application."""
    with open_instance() as instance, cli_errors():
        directory = refapp_host(instance).entities
        entity = directory.add(key, name)
        console.print(f"added {directory.entity_type} {entity.key} ({entity.name})", highlight=False, markup=False)


@entities_app.command("list")
def entities_list(as_json: Json = False) -> None:
    """List the reference application's entities."""
    with open_instance() as instance, cli_errors():
        directory = refapp_host(instance).entities
        rows = [{"type": directory.entity_type, "key": e.key, "name": e.name} for e in directory.list()]
        emit(rows, ["type", "key", "name"], as_json, title="Entities")
