"""The link registry rules (protocol.md §4) on the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from applinks.domain.link import Link
from applinks.domain.manifest import Manifest
from applinks.errors import DuplicateLink, InvalidInput, LinkNotFound, NameTaken, PermissionDenied, SelfLink
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.services.registry import (
    LinkUpdate,
    clean_name,
    next_free_name,
    normalise_url,
    remote_display_url,
)
from applinks.settings import Settings

ADMIN = HostUser("alice", is_admin=True)
SYSADMIN = HostUser("root", is_admin=True, is_sysadmin=True)


# -- pure helpers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://wiki.test", "http://wiki.test"),
        ("  https://wiki.test/confluence/  ", "https://wiki.test/confluence"),
        ("http://127.0.0.1:8090/", "http://127.0.0.1:8090"),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("", "applinks.url.blank"),
        ("   ", "applinks.url.blank"),
        (None, "applinks.url.blank"),
        ("ftp://wiki.test", "applinks.url.scheme"),
        ("javascript:alert(1)", "applinks.url.scheme"),
        ("wiki.test", "applinks.url.scheme"),
        ("http://", "applinks.url.invalid"),
        ("http://[::1", "applinks.url.invalid"),
        ("http://wiki.test:99999", "applinks.url.invalid"),
        ("http://bob@wiki.test", "applinks.url.userinfo"),
        ("http://bob:pw@wiki.test", "applinks.url.userinfo"),
        ("http://wiki.test/a b", "applinks.url.invalid"),
        ("http://wiki.test/\x00", "applinks.url.invalid"),
        ("http://wiki.test/?q=1", "applinks.url.invalid"),
        ("http://wiki.test/#top", "applinks.url.invalid"),
        ("http://wiki.test/" + "a" * 2048, "applinks.url.invalid"),
    ],
)
def test_normalise_url_refuses(url: str | None, key: str) -> None:
    with pytest.raises(InvalidInput) as info:
        normalise_url(url)
    assert info.value.key == key
    assert info.value.message


def test_next_free_name() -> None:
    assert next_free_name("Wiki", set()) == "Wiki"
    assert next_free_name("Wiki", {"Wiki"}) == "Wiki - 2"
    assert next_free_name("Wiki", {"Wiki", "Wiki - 2"}) == "Wiki - 3"
    assert next_free_name("Wiki", {"Wiki", "Wiki - 3"}) == "Wiki - 2"


def test_next_free_name_stays_within_the_column() -> None:
    long = "n" * 255
    found = next_free_name(long, {long})
    assert len(found) == 255
    assert found.endswith(" - 2")


@pytest.mark.parametrize("name", ["", "   ", "tab\there", "nul\x00", "x" * 256])
def test_clean_name_refuses(name: str) -> None:
    with pytest.raises(InvalidInput):
        clean_name(name)


def test_remote_display_url_falls_back_for_unusable_urls() -> None:
    def manifest(url: str) -> Manifest:
        return Manifest(id="x", name="x", type_id="refapp", url=url)

    assert remote_display_url(manifest("http://wiki.test/"), "http://rpc.test") == "http://wiki.test"
    for bad in ("javascript:alert(1)", "data:text/html,x", "http://u@wiki.test", "//wiki.test"):
        assert remote_display_url(manifest(bad), "http://rpc.test") == "http://rpc.test"


# -- the service on both backends ---------------------------------------------------------------------------
@pytest.fixture
def instance(settings: Settings) -> Iterator[Instance]:
    found = Instance(settings)
    yield found
    found.close()


def link(n: int, type_id: str = "refapp", name: str = "Wiki", **kwargs: object) -> Link:
    return Link(
        id=f"id-{n}",
        type_id=type_id,
        name=name,
        display_url=f"http://wiki{n}.test",
        rpc_url=f"http://wiki{n}.test",
        **kwargs,  # type: ignore[arg-type]
    )


def test_names_are_deduplicated(instance: Instance) -> None:
    names = [instance.links.create(link(n), actor=ADMIN).name for n in range(3)]
    assert names == ["Wiki", "Wiki - 2", "Wiki - 3"]


def test_first_of_type_is_primary_and_make_primary_clears_others(instance: Instance) -> None:
    a = instance.links.create(link(1), actor=ADMIN)
    b = instance.links.create(link(2), actor=ADMIN)
    jira = instance.links.create(link(3, type_id="jira"), actor=ADMIN)
    assert (a.is_primary, b.is_primary, jira.is_primary) == (True, False, True)
    instance.links.make_primary(b.id, actor=ADMIN)
    assert instance.links.primary("refapp").id == b.id
    assert not instance.links.get(a.id).is_primary
    assert instance.links.primary("jira").id == jira.id


def test_creating_as_primary_takes_over(instance: Instance) -> None:
    a = instance.links.create(link(1), actor=ADMIN)
    b = instance.links.create(link(2, is_primary=True), actor=ADMIN)
    assert b.is_primary
    assert not instance.links.get(a.id).is_primary


def test_deleting_primary_promotes_the_next(instance: Instance) -> None:
    a = instance.links.create(link(1), actor=ADMIN)
    b = instance.links.create(link(2), actor=ADMIN)
    instance.links.delete(a.id, actor=ADMIN)
    assert instance.links.primary("refapp").id == b.id
    instance.links.delete(b.id, actor=ADMIN)
    with pytest.raises(LinkNotFound):
        instance.links.primary("refapp")


def test_duplicates_and_self_link(instance: Instance) -> None:
    instance.links.create(link(1), actor=ADMIN)
    with pytest.raises(DuplicateLink):
        instance.links.create(link(1), actor=ADMIN)
    same_url = link(2)
    same_url.rpc_url = "http://wiki1.test/"
    with pytest.raises(DuplicateLink):
        instance.links.create(same_url, actor=ADMIN)
    me = link(3)
    me.id = instance.application_id
    with pytest.raises(SelfLink):
        instance.links.create(me, actor=ADMIN)
    assert [x.id for x in instance.links.list()] == ["id-1"]


def test_update_rules(instance: Instance) -> None:
    a = instance.links.create(link(1, name="A"), actor=ADMIN)
    instance.links.create(link(2, name="B"), actor=ADMIN)
    with pytest.raises(NameTaken):
        instance.links.update(a.id, LinkUpdate(name="B"), actor=ADMIN)
    with pytest.raises(InvalidInput) as info:
        instance.links.update(a.id, LinkUpdate(rpc_url="http://elsewhere.test"), actor=ADMIN)
    assert info.value.key == "applinks.rpcurl.immutable"
    with pytest.raises(InvalidInput):
        instance.links.update(a.id, LinkUpdate(type_id="jira"), actor=ADMIN)
    # The same RPC URL (trailing slash aside) and the link's own name are not changes.
    same = instance.links.update(a.id, LinkUpdate(name="A", rpc_url="http://wiki1.test/"), actor=ADMIN)
    assert same.name == "A"
    renamed = instance.links.update(a.id, LinkUpdate(name="  C  ", display_url="http://c.test/"), actor=ADMIN)
    assert (renamed.name, renamed.display_url) == ("C", "http://c.test")
    assert instance.links.get(a.id).name == "C"


def test_system_links_need_a_sysadmin(instance: Instance) -> None:
    with pytest.raises(PermissionDenied):
        instance.links.create(link(1, is_system=True), actor=ADMIN)
    system = instance.links.create(link(1, is_system=True), actor=SYSADMIN)
    with pytest.raises(PermissionDenied):
        instance.links.update(system.id, LinkUpdate(name="x"), actor=ADMIN)
    with pytest.raises(PermissionDenied):
        instance.links.delete(system.id, actor=ADMIN)
    assert instance.links.update(system.id, LinkUpdate(name="x"), actor=SYSADMIN).name == "x"
    instance.links.delete(system.id, actor=SYSADMIN)
    assert instance.links.list() == []


@pytest.mark.parametrize("bad", ["nul\x00", "x" * 100, ""])
def test_unusable_ids_are_simply_not_found(instance: Instance, bad: str) -> None:
    with pytest.raises(LinkNotFound):
        instance.links.get(bad)
    with pytest.raises(LinkNotFound):
        instance.links.delete(bad, actor=ADMIN)
    with pytest.raises(LinkNotFound):
        instance.links.primary(bad)
    assert instance.links.list(bad) == []
