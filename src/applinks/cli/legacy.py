"""``applinks legacy …``: Trusted Applications on an existing link (enable, disable, the certificate), what
legacy authentication a link uses, and its migration to OAuth."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from applinks.auth.trusted_apps.service import ConfigureResult, RemoteAdmin
from applinks.cli.common import CLI_ACTOR, LinkRef, cli_errors, console, emit_one, fail, open_instance
from applinks.domain.trusted_apps import DEFAULT_CERTIFICATE_TIMEOUT_MS
from applinks.services.migration import target_level

app = typer.Typer(no_args_is_help=True)
trusted_app = typer.Typer(no_args_is_help=True)
app.add_typer(trusted_app, name="trusted", help="Trusted Applications (legacy) on an existing link.")

Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
RemoteUser = Annotated[
    str | None,
    typer.Option("--remote-user", help="An administrator of the remote application: change its end too."),
]
RemotePassword = Annotated[str | None, typer.Option("--remote-password", help="Their password.")]
RemotePasswordFile = Annotated[
    Path | None, typer.Option("--remote-password-file", help="Read the remote password from this file.")
]


def _remote(user: str | None, password: str | None, password_file: Path | None) -> RemoteAdmin | None:
    if not user:
        if password is not None or password_file is not None:
            fail("a remote password needs --remote-user")
        return None
    if password is None and password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            fail(f"cannot read the password file {password_file}: {exc.strerror or exc}")
    if password is None:
        if not sys.stdin.isatty():
            fail("give the remote administrator's password with --remote-password-file (or --remote-password)")
        password = str(typer.prompt(f"Password of {user} on the remote application", hide_input=True))
    return RemoteAdmin(user, password)


def _print_configure(result: ConfigureResult, as_json: bool) -> None:
    if as_json:
        emit_one(result.to_json(), True)
        return
    state = result.state
    incoming = state.incoming.application_id if state.incoming else "no"
    console.print(f"trusts (incoming): {incoming}", highlight=False)
    console.print(f"sends as users (outgoing): {'yes' if state.outgoing else 'no'}", highlight=False)
    console.print(f"remote end: {result.remote} — {result.message}", highlight=False)


@app.command("certificate")
def certificate() -> None:
    """Print this instance's Trusted Applications certificate (what /admin/appTrustCertificate serves)."""
    with open_instance() as instance:
        sys.stdout.write(instance.trusted_apps.certificate.render() + "\n")


@app.command("show")
def show(link_id: LinkRef, as_json: Json = False) -> None:
    """The legacy authentication a link uses and the OAuth level migration would give it."""
    with open_instance() as instance, cli_errors():
        state = instance.migration.state(link_id)
        trusted = instance.trusted_apps.state(link_id)
        data: dict[str, Any] = {
            **state.to_json(),
            "trustedApplicationId": trusted.incoming.application_id if trusted.incoming else None,
            "migratesTo": target_level(state.names) if state.names else None,
        }
        if as_json:
            emit_one(data, True)
            return
        emit_one(
            {
                "link": link_id,
                "Trusted Applications, incoming": trusted.incoming.application_id if trusted.incoming else "",
                "Trusted Applications, outgoing": state.trusted_outgoing,
                "Basic, outgoing": state.basic_outgoing,
                "migrates to": data["migratesTo"] or "nothing to migrate",
            },
            False,
        )


@trusted_app.command("enable")
def enable(
    link_id: LinkRef,
    remote_user: RemoteUser = None,
    remote_password: RemotePassword = None,
    remote_password_file: RemotePasswordFile = None,
    timeout: Annotated[
        int, typer.Option("--timeout", help="Certificate timeout in milliseconds.")
    ] = DEFAULT_CERTIFICATE_TIMEOUT_MS,
    ip: Annotated[list[str] | None, typer.Option("--ip", help="Allowed sender address pattern (repeatable).")] = None,
    url: Annotated[list[str] | None, typer.Option("--url", help="Allowed path prefix (repeatable).")] = None,
    as_json: Json = False,
) -> None:
    """Enable Trusted Applications both ways on an existing link (legacy: prefer OAuth with impersonation)."""
    remote = _remote(remote_user, remote_password, remote_password_file)
    with open_instance() as instance, cli_errors():
        result = instance.trusted_apps.enable(
            link_id, remote=remote, certificate_timeout_ms=timeout, ip_patterns=ip or [], url_patterns=url or []
        )
        _print_configure(result, as_json)


@trusted_app.command("disable")
def disable(
    link_id: LinkRef,
    remote_user: RemoteUser = None,
    remote_password: RemotePassword = None,
    remote_password_file: RemotePasswordFile = None,
    as_json: Json = False,
) -> None:
    """Remove Trusted Applications from a link (and from the remote end when its administrator is given)."""
    remote = _remote(remote_user, remote_password, remote_password_file)
    with open_instance() as instance, cli_errors():
        _print_configure(instance.trusted_apps.disable(link_id, remote=remote), as_json)


@app.command("migrate")
def migrate(
    link_id: LinkRef,
    remote_user: RemoteUser = None,
    remote_password: RemotePassword = None,
    remote_password_file: RemotePasswordFile = None,
    as_json: Json = False,
) -> None:
    """Migrate legacy authentication to OAuth: Trusted Applications → OAuth with impersonation, Basic → OAuth."""
    remote = _remote(remote_user, remote_password, remote_password_file)
    with open_instance() as instance, cli_errors():
        result = instance.migration.migrate(link_id, actor=CLI_ACTOR, remote=remote)
        if as_json:
            emit_one(result.to_json(), True)
            return
        console.print(f"migrated {', '.join(result.found)} to {result.level}; remote end: {result.remote}")
        for message in result.messages:
            console.print(f"  {message}", highlight=False)
