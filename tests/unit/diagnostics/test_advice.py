"""The advice table covers every type of protocol.md §7 with its category, and the README shows exactly it."""

from __future__ import annotations

from pathlib import Path

import pytest

from applinks.diagnostics.advice import (
    AUTHENTICATE_LOZENGE,
    CONNECTED,
    ERRORS,
    WARNINGS,
    Category,
    advice_for,
    category_of,
    render_markdown,
)
from applinks.diagnostics.readme import END, START, section_of, synced

README = Path(__file__).resolve().parents[3] / "README.md"

# protocol.md §7, transcribed: the contract the table must honour.
PROTOCOL_TYPES = {
    "CONNECTION_REFUSED": "NETWORK_ERROR",
    "UNKNOWN_HOST": "NETWORK_ERROR",
    "SSL_UNTRUSTED": "NETWORK_ERROR",
    "SSL_HOSTNAME_UNMATCHED": "NETWORK_ERROR",
    "SSL_UNMATCHED": "NETWORK_ERROR",
    "OAUTH_TIMESTAMP_REFUSED": "NETWORK_ERROR",
    "OAUTH_SIGNATURE_INVALID": "NETWORK_ERROR",
    "OAUTH_PROBLEM": "NETWORK_ERROR",
    "UNEXPECTED_RESPONSE": "NETWORK_ERROR",
    "UNEXPECTED_RESPONSE_STATUS": "NETWORK_ERROR",
    "LOCAL_AUTH_TOKEN_REQUIRED": "ACCESS_ERROR",
    "REMOTE_AUTH_TOKEN_REQUIRED": "ACCESS_ERROR",
    "INSUFFICIENT_REMOTE_PERMISSION": "ACCESS_ERROR",
    "NO_REMOTE_APPLINK": "CONFIG_ERROR",
    "AUTH_LEVEL_MISMATCH": "CONFIG_ERROR",
    "NO_OUTGOING_AUTH": "INCOMPATIBLE",
    "REMOTE_VERSION_INCOMPATIBLE": "INCOMPATIBLE",
    "AUTH_LEVEL_UNSUPPORTED": "DEPRECATED",
    "LEGACY_UPDATE": "DEPRECATED",
    "LEGACY_REMOVAL": "DEPRECATED",
    "MANUAL_LEGACY_UPDATE": "DEPRECATED",
    "MANUAL_LEGACY_REMOVAL": "DEPRECATED",
    "MANUAL_LEGACY_REMOVAL_WITH_OLD_EDIT": "DEPRECATED",
    "GENERIC_LINK": "NON_ATLASSIAN",
    "NON_ATLASSIAN": "NON_ATLASSIAN",
    "SYSTEM_LINK": "SYSTEM",
    "DISABLED": "DISABLED",
    "UNKNOWN": "UNKNOWN",
}


@pytest.mark.parametrize(("error_type", "category"), sorted(PROTOCOL_TYPES.items()))
def test_every_protocol_type_has_its_category(error_type: str, category: str) -> None:
    advice = advice_for(error_type)
    assert advice.type == error_type
    assert category_of(error_type) is Category(category)
    assert not advice.extension


def test_types_are_unique_and_extensions_are_marked() -> None:
    names = [a.type for a in ERRORS + WARNINGS]
    assert len(names) == len(set(names))
    extensions = {a.type for a in ERRORS if a.type not in PROTOCOL_TYPES}
    assert extensions and all(advice_for(t).extension for t in extensions)


@pytest.mark.parametrize("advice", ERRORS + WARNINGS, ids=lambda a: a.type)
def test_every_type_explains_and_says_what_to_do(advice: object) -> None:
    from applinks.diagnostics.advice import Advice

    assert isinstance(advice, Advice)
    assert advice.title and advice.explanation.endswith(".")
    assert advice.steps and all(step.strip() for step in advice.steps)


def test_fixes_name_this_products_settings_and_commands() -> None:
    assert "APPLINKS_CA_BUNDLE" in " ".join(advice_for("SSL_UNTRUSTED").steps)
    assert "NTP" in " ".join(advice_for("OAUTH_TIMESTAMP_REFUSED").steps)
    signature = " ".join(advice_for("OAUTH_SIGNATURE_INVALID").steps)
    assert "APPLINKS_BASE_URL" in signature and "proxy" in signature
    assert "applinks link relocate" in " ".join(advice_for("REMOTE_MOVED").steps)
    assert "consumer_key_unknown" in " ".join(advice_for("OAUTH_PROBLEM").steps)


def test_lozenges() -> None:
    assert advice_for("LOCAL_AUTH_TOKEN_REQUIRED").lozenge == AUTHENTICATE_LOZENGE
    assert advice_for("INSUFFICIENT_REMOTE_PERMISSION").lozenge == "ACCESS DENIED"
    assert advice_for("LEGACY_UPDATE").lozenge == "UPGRADE CONFIG"
    assert advice_for("NO_REMOTE_APPLINK").lozenge == "CONFIG ERROR"
    assert advice_for("CLOCK_SKEW").lozenge == CONNECTED


def test_unknown_names_fall_back_to_unknown() -> None:
    assert advice_for("NO_SUCH_TYPE").type == "UNKNOWN"


def test_rendering_lists_every_type_with_its_steps() -> None:
    text = render_markdown()
    for advice in ERRORS + WARNINGS:
        assert f"`{advice.type}`" in text
        for step in advice.steps:
            assert f"- {step}" in text


def test_readme_contains_exactly_the_rendered_section() -> None:
    readme = README.read_text(encoding="utf-8")
    assert START in readme and END in readme, "run: python -m applinks.diagnostics.readme README.md"
    assert section_of(readme) == render_markdown(), "README is stale: python -m applinks.diagnostics.readme README.md"


def test_sync_only_touches_the_text_between_the_markers() -> None:
    before = "# Title\n\nIntro.\n"
    after = "\n## Licence\n"
    stale = f"{before}{START}\nold text\n{END}{after}"
    fresh = synced(stale)
    assert fresh.startswith(before) and fresh.endswith(after)
    assert section_of(fresh) == render_markdown()
    assert synced(fresh) == fresh
    added = synced(before)
    assert added.startswith(before) and section_of(added) == render_markdown()
