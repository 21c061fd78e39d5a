"""``applinks.__all__`` is the public API: sorted, complete (every public name of the public modules exported or
deliberately private, as httpx's test_exported_members), every name importable, the whole error tree exported."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import applinks
import applinks.errors


def test_all_is_sorted_and_without_duplicates() -> None:
    assert applinks.__all__ == sorted(set(applinks.__all__))


def test_every_name_in_all_is_importable() -> None:
    missing = [name for name in applinks.__all__ if not hasattr(applinks, name)]
    assert missing == []
    namespace: dict[str, object] = {}
    exec("from applinks import *", namespace)  # noqa: S102 - what ``import *`` gives a host is the contract
    assert set(applinks.__all__) <= set(namespace)


def test_every_error_class_is_exported() -> None:
    errors = {
        name
        for name, value in inspect.getmembers(applinks.errors, inspect.isclass)
        if issubclass(value, applinks.errors.AppLinksError) and value.__module__ == "applinks.errors"
    }
    missing = sorted(errors - set(applinks.__all__))
    assert missing == [], f"export these from applinks/__init__.py (and add them to __all__): {missing}"


def test_what_a_host_needs_to_embed_applinks_is_exported() -> None:
    for name in ("create_app", "Settings", "Host", "HostUser", "Instance", "Link", "Manifest", "Principal"):
        assert name in applinks.__all__
    assert applinks.authenticate is applinks.web.deps.authenticate
    assert applinks.create_app is applinks.web.app.create_app


# Names the public modules define that a host never needs; each says why it stays out of ``__all__``.
DELIBERATELY_PRIVATE = {
    "AsyncOutboundClient": "the hardened transport is internal; hosts call through RequestFactory",
    "OutboundClient": "the hardened transport is internal; hosts call through RequestFactory",
    "TransportOptions": "built from Settings by the Instance",
    "CallOptions": "the keyword options of the internal OutboundClient.request",
    "Given": "the keyword collaborators (resolver, transport) of the internal OutboundClient",
    "LinkDirectory": "the registry reads ApplicationLinks needs; the Instance supplies them",
    "NoEntities": "the empty directory of a host without entities",
    "basic_authenticator": "one link of the web layer's authenticator chain",
    "check_may_change": "the system-link rule, applied by the services and the web layer",
    "check_may_create": "the system-link rule, applied by the services",
    "client_address": "rate-limit plumbing of the web layer: whom a request is counted against",
    "carries_credentials": "web-layer plumbing: whether a request needs a thread to authenticate",
    "check_url": "transport internals: the address policy",
    "check_xsrf": "a dependency of applinks' own state-changing routes",
    "entity_directory": "how the instance reads the optional part of a host",
    "host_of": "web-layer plumbing: the Host of the mounted app",
    "limit_link_creation": "rate-limit plumbing of the web layer's link-creation routes",
    "instance_of": "web-layer plumbing: the Instance of the mounted app",
    "is_atlassian": "the lifecycle's choice of 1.0 paths and XML bodies for Atlassian remotes",
    "network_error": "transport internals: maps network failures to typed errors",
    "oauth_problem": "outbound internals: reads an oauth_problem from a response",
    "require_admin_or_link_itself": "guards the remote half of 'delete both ends' only",
    "require_admin_or_own_link_read": "guards a linked peer's read of its own link's authentication only",
    "resolve_url": "factory internals: confines URLs to a link's RPC URL",
    "signature_caller": "rate-limit plumbing: whom failed signatures are counted against",
    "signature_failures_counted": "rate-limit plumbing around signature verification",
    "session_authenticator": "one link of the web layer's authenticator chain",
}


def _public_modules() -> list[str]:
    """The modules ``applinks/__init__.py`` re-exports from: the package's public modules."""
    tree = ast.parse(Path(applinks.__file__).read_text(encoding="utf-8"))
    return sorted(
        {
            node.module
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("applinks.")
        }
    )


def test_every_public_name_of_the_public_modules_is_exported_or_deliberately_private() -> None:
    unexported = []
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            defined_here = getattr(value, "__module__", None) == module_name
            if name.startswith("_") or not defined_here or not (inspect.isclass(value) or inspect.isfunction(value)):
                continue
            if name not in applinks.__all__ and name not in DELIBERATELY_PRIVATE:
                unexported.append(f"{module_name}.{name}")
    assert unexported == [], f"export these from applinks (or list them in DELIBERATELY_PRIVATE): {unexported}"


def test_the_private_list_names_only_names_that_exist() -> None:
    defined = {name for module_name in _public_modules() for name in vars(importlib.import_module(module_name))}
    assert sorted(set(DELIBERATELY_PRIVATE) - defined) == []
    assert sorted(set(DELIBERATELY_PRIVATE) & set(applinks.__all__)) == []
