"""Every command that takes a link accepts its name or its ID; an ambiguous name is refused, listing the links."""

from __future__ import annotations

import pytest

from applinks.cli.common import CLI_ACTOR
from applinks.domain.link import Link
from tests.unit.cli.conftest import Cli, one_error_line

WIKI = "11111111-1111-3111-8111-111111111111"
DOCS = "22222222-2222-3222-8222-222222222222"
DOCS_LOWER = "33333333-3333-3333-8333-333333333333"


@pytest.fixture
def named(cli: Cli) -> Cli:
    instance = cli.instance()
    try:
        for link_id, type_id, name, port in ((WIKI, "refapp", "Wiki", 9), (DOCS, "refapp", "Docs", 10)):
            url = f"http://127.0.0.1:{port}"
            instance.links.create(Link(link_id, type_id, name, url, url), actor=CLI_ACTOR)
        instance.links.create(
            Link(DOCS_LOWER, "generic", "docs", "http://127.0.0.1:11", "http://127.0.0.1:11"), actor=CLI_ACTOR
        )
    finally:
        instance.close()
    return cli


def test_commands_take_a_name(named: Cli) -> None:
    assert named.json("link", "show", "Wiki")["id"] == WIKI
    assert named.json("link", "show", "wiki")["id"] == WIKI  # a unique name, whatever its case
    assert named.json("link", "show", "docs")["id"] == DOCS_LOWER  # the exact name wins over other cases
    assert named.json("link", "show", DOCS)["id"] == DOCS
    assert named.json("link", "auth", "Wiki", "show")["level"] == "disabled"
    assert WIKI in named("legacy", "show", "Wiki").stdout
    assert named.json("link", "edit", "Wiki", "--name", "Wiki 2")["name"] == "Wiki 2"
    named("link", "make-primary", "Docs")
    assert named.json("link", "show", "Docs")["isPrimary"] is True
    assert "deleted link 'Wiki 2'" in named("link", "delete", "wiki 2").stdout
    assert sorted(link["id"] for link in named.json("link", "list")) == [DOCS, DOCS_LOWER]


def test_an_ambiguous_name_lists_the_candidates_and_changes_nothing(named: Cli) -> None:
    for argv in (["link", "delete", "DOCS"], ["link", "show", "DOCS"], ["doctor", "DOCS"]):
        line = one_error_line(named(*argv, ok=False))
        assert "2 links are called 'DOCS'" in line, argv
        assert DOCS in line and DOCS_LOWER in line and "give the link's ID" in line
    assert len(named.json("link", "list")) == 3


def test_an_unknown_name_is_the_command_s_own_error(named: Cli) -> None:
    assert "no application link" in one_error_line(named("link", "show", "Nope", ok=False))
