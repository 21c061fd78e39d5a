"""``applinks users add|list``."""

from __future__ import annotations

from tests.unit.cli.conftest import Cli, one_error_line


def test_users_are_added_with_their_roles_and_listed(cli: Cli) -> None:
    assert "added system administrator root" in cli("users", "add", "root", "--password", "pw", "--sysadmin").stdout
    assert "added administrator ann" in cli("users", "add", "ann", "--password", "pw", "--admin").stdout
    assert "added user bob" in cli("users", "add", "bob", "--password", "pw", "--full-name", "Bob B").stdout
    listed = cli.json("users", "list")
    assert [(u["name"], u["admin"], u["sysadmin"], u["canLogin"]) for u in listed] == [
        ("ann", True, False, True),
        ("bob", False, False, True),
        ("root", True, True, True),
    ]
    assert listed[1]["fullName"] == "Bob B"
    table = cli("users", "list").stdout
    assert all(name in table for name in ("ann", "bob", "root", "Bob B"))


def test_added_password_is_the_one_that_logs_in(cli: Cli) -> None:
    cli("users", "add", "bob", "--password", "s3cret")
    instance = cli.instance()
    try:
        from applinks.refapp.users import UserStore

        store = UserStore(instance.engine)
        assert store.check_password("bob", "s3cret") is not None
        assert store.check_password("bob", "wrong") is None
    finally:
        instance.close()


def test_duplicate_user_is_one_clear_error_and_changes_nothing(cli: Cli) -> None:
    cli("users", "add", "bob", "--password", "first", "--admin")
    result = cli("users", "add", "bob", "--password", "second", ok=False)
    assert result.exit_code == 1
    assert one_error_line(result) == "error: a user called 'bob' already exists"
    assert [(u["name"], u["admin"]) for u in cli.json("users", "list")] == [("bob", True)]


def test_invalid_user_name_and_blank_password_are_refused(cli: Cli) -> None:
    assert "is not a valid user name" in one_error_line(cli("users", "add", "a:b", "--password", "pw", ok=False))
    assert "password is blank" in one_error_line(cli("users", "add", "carol", "--password", "", ok=False))
    assert cli.json("users", "list") == []


def test_empty_user_list_is_an_empty_json_list(cli: Cli) -> None:
    assert cli.json("users", "list") == []
