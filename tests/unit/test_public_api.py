"""``applinks.__all__`` is the public API: sorted, every name importable, the whole error tree exported."""

from __future__ import annotations

import inspect

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
