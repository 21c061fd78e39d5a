"""``applinks oauth info`` and ``applinks oauth consumer set|show|delete LINK``: incoming OAuth 1.0a consumers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from applinks.auth.oauth1.model import RSA_SHA1, ConsumerSettings
from applinks.cli.common import CLI_ACTOR, LinkRef, cli_errors, console, emit_one, fail, open_instance

app = typer.Typer(no_args_is_help=True)
consumer_app = typer.Typer(no_args_is_help=True)
app.add_typer(consumer_app, name="consumer", help="The incoming OAuth consumer of a link.")


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")


@app.command("info")
def info(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """This instance as an OAuth consumer (what /plugins/servlet/oauth/consumer-info publishes)."""
    with open_instance() as instance, cli_errors():
        own = instance.oauth_consumers.consumer_info()
        emit_one(
            {"key": own.key, "name": own.name, "description": own.description, "publicKey": own.public_key}, as_json
        )


@consumer_app.command("set")
def set_consumer(
    link_id: LinkRef,
    key: Annotated[str | None, typer.Option("--key", help="The consumer key.")] = None,
    name: Annotated[str | None, typer.Option("--name")] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    signature_method: Annotated[
        str, typer.Option("--signature-method", help="RSA-SHA1, RSA-SHA256, RSA-SHA512 or HMAC-SHA1.")
    ] = RSA_SHA1,
    public_key: Annotated[str | None, typer.Option("--public-key", help="PEM or base64 DER public key.")] = None,
    public_key_file: Annotated[Path | None, typer.Option("--public-key-file", help="A file holding it.")] = None,
    shared_secret: Annotated[
        str | None,
        typer.Option("--shared-secret", envvar="APPLINKS_OAUTH_SHARED_SECRET", help="HMAC-SHA1 shared secret."),
    ] = None,
    shared_secret_file: Annotated[Path | None, typer.Option("--shared-secret-file")] = None,
    callback: Annotated[str | None, typer.Option("--callback", help="The registered callback URL.")] = None,
    three_lo: Annotated[bool, typer.Option("--3lo/--no-3lo", help="Allow 3-legged OAuth.")] = True,
    two_lo: Annotated[bool, typer.Option("--2lo/--no-2lo", help="Allow 2-legged OAuth.")] = False,
    executing_user: Annotated[
        str | None, typer.Option("--executing-user", help="The user 2-legged requests run as.")
    ] = None,
    impersonation: Annotated[
        bool, typer.Option("--impersonation/--no-impersonation", help="Allow 2-legged OAuth with impersonation.")
    ] = False,
    auto_configure: Annotated[
        bool, typer.Option("--auto-configure", help="Take key and public key from the remote's consumer-info.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Register (or replace) the incoming OAuth consumer of a link."""
    with open_instance() as instance, cli_errors():
        service = instance.oauth_consumers
        if auto_configure:
            consumer = service.configure_from_remote(
                link_id,
                actor=CLI_ACTOR,
                three_lo_allowed=three_lo,
                two_lo_allowed=two_lo,
                executing_two_lo_user=executing_user,
                two_lo_impersonation_allowed=impersonation,
            )
        else:
            if not key:
                fail("--key is required (or use --auto-configure)")
            secret_text = _read(shared_secret_file)
            consumer, _created = service.set(
                link_id,
                ConsumerSettings(
                    key=key,
                    name=name,
                    description=description,
                    signature_method=signature_method,
                    public_key=_read(public_key_file) or public_key,
                    shared_secret=secret_text.strip() if secret_text else shared_secret,
                    callback=callback,
                    three_lo_allowed=three_lo,
                    two_lo_allowed=two_lo,
                    executing_two_lo_user=executing_user,
                    two_lo_impersonation_allowed=impersonation,
                ),
                actor=CLI_ACTOR,
            )
        if as_json:
            emit_one(consumer.to_json(), True)
        else:
            console.print(f"incoming consumer {consumer.key!r} ({consumer.signature_method}) set", highlight=False)


@consumer_app.command("show")
def show_consumer(
    link_id: LinkRef,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the incoming OAuth consumer of a link (never its shared secret)."""
    with open_instance() as instance, cli_errors():
        link = instance.links.get(link_id)
        consumer = instance.oauth_consumers.for_link(link.id)
        if consumer is None:
            fail(f"the link {link.name!r} has no incoming OAuth consumer")
        emit_one(consumer.to_json(), as_json)


@consumer_app.command("delete")
def delete_consumer(link_id: LinkRef) -> None:
    """Remove the incoming OAuth consumer of a link and every token issued to it."""
    with open_instance() as instance, cli_errors():
        if not instance.oauth_consumers.delete(link_id, actor=CLI_ACTOR):
            fail("the link has no incoming OAuth consumer")
        console.print("incoming consumer deleted", highlight=False)
