"""``applinks link list|show|delete|make-primary`` over links arranged with the services API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from applinks.cli.common import CLI_ACTOR
from applinks.domain.link import Link
from tests.unit.cli.conftest import Cli, one_error_line

JIRA_A = "11111111-1111-3111-8111-111111111111"
JIRA_B = "22222222-2222-3222-8222-222222222222"
WIKI = "33333333-3333-3333-8333-333333333333"


@pytest.fixture
def linked(cli: Cli) -> Iterator[Cli]:
    instance = cli.instance()
    try:
        for link_id, type_id, name, url in [
            (JIRA_A, "jira", "Jira A", "http://jira-a.example.test"),
            (JIRA_B, "jira", "Jira B", "http://jira-b.example.test/jira"),
            (WIKI, "confluence", "Wiki", "http://wiki.example.test"),
        ]:
            instance.links.create(Link(link_id, type_id, name, url, url), actor=CLI_ACTOR)
    finally:
        instance.close()
    yield cli


def _primaries(cli: Cli) -> dict[str, bool]:
    return {link["id"]: link["isPrimary"] for link in cli.json("link", "list")}


def test_list_as_json_and_as_a_table(linked: Cli) -> None:
    listed = linked.json("link", "list")
    assert {link["id"]: (link["name"], link["typeId"], link["rpcUrl"]) for link in listed} == {
        JIRA_A: ("Jira A", "jira", "http://jira-a.example.test"),
        JIRA_B: ("Jira B", "jira", "http://jira-b.example.test/jira"),
        WIKI: ("Wiki", "confluence", "http://wiki.example.test"),
    }
    assert _primaries(linked) == {JIRA_A: True, JIRA_B: False, WIKI: True}
    table = linked("link", "list").stdout
    # Piped output keeps whole values: every ID and URL appears unbroken.
    for value in (JIRA_A, JIRA_B, WIKI, "Jira A", "http://jira-b.example.test/jira"):
        assert value in table


def test_empty_list(cli: Cli) -> None:
    assert cli.json("link", "list") == []
    assert "Application links" in cli("link", "list").stdout


def test_show_one_link(linked: Cli) -> None:
    shown = linked.json("link", "show", JIRA_B)
    assert shown == {
        "id": JIRA_B,
        "typeId": "jira",
        "name": "Jira B",
        "displayUrl": "http://jira-b.example.test/jira",
        "rpcUrl": "http://jira-b.example.test/jira",
        "isPrimary": False,
        "isSystem": False,
    }
    table = linked("link", "show", JIRA_B).stdout
    assert "Jira B" in table and "http://jira-b.example.test/jira" in table


def test_make_primary_moves_the_primary_within_its_type(linked: Cli) -> None:
    result = linked("link", "make-primary", JIRA_B)
    assert "'Jira B' is now the primary jira link" in result.stdout
    assert _primaries(linked) == {JIRA_A: False, JIRA_B: True, WIKI: True}


def test_delete_removes_the_link_and_promotes_the_next_primary(linked: Cli) -> None:
    result = linked("link", "delete", JIRA_A)
    assert f"deleted link 'Jira A' ({JIRA_A})" in result.stdout
    assert _primaries(linked) == {JIRA_B: True, WIKI: True}


@pytest.mark.parametrize("command", [["show"], ["delete"], ["make-primary"], ["show", "--json"]])
def test_unknown_link_is_one_clear_error_and_changes_nothing(linked: Cli, command: list[str]) -> None:
    before = linked.json("link", "list")
    result = linked("link", command[0], "no-such-link", *command[1:], ok=False)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "no application link" in line and "no-such-link" in line
    assert result.stdout == ""
    assert linked.json("link", "list") == before


def test_missing_link_id_is_a_usage_error(cli: Cli) -> None:
    result = cli("link", "show", ok=False)
    assert result.exit_code == 2
    assert "Missing argument 'LINK'" in result.stderr  # a link's name or ID
