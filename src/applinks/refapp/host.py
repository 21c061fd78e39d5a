"""``RefappHost``: the reference application as applinks sees it — its users (``Host``) and its entities
(``EntityHost``), both stored in the instance's database. The web app and the command line attach it."""

from __future__ import annotations

from starlette.requests import Request

from applinks.host import HostUser
from applinks.instance import Instance
from applinks.refapp.entities import RefappEntities, entity_type_for
from applinks.refapp.users import UserStore


class RefappHost:
    def __init__(self, users: UserStore, entities: RefappEntities) -> None:
        self.users = users
        self.entities = entities

    @classmethod
    def attach(cls, instance: Instance) -> RefappHost:
        """The reference application's host over ``instance``'s database, made the instance's host."""
        entity_type = entity_type_for(instance.types, instance.settings.application_type)
        settings = instance.settings
        users = UserStore(
            instance.engine,
            settings.base_url,
            idle_timeout=settings.session_idle_timeout,
            max_age=settings.session_max_age,
        )
        # The OAuth provider caches users it resolved: a changed user (locked out, demoted) must not outlive it.
        users.on_change.append(instance.oauth_provider.users.invalidate)
        host = cls(users, RefappEntities(instance.engine, entity_type))
        instance.host = host
        return host

    # -- Host ------------------------------------------------------------------------------------------
    def get_user(self, name: str) -> HostUser | None:
        return self.users.get_user(name)

    def check_password(self, name: str, password: str) -> HostUser | None:
        return self.users.check_password(name, password)

    def current_user(self, request: Request) -> HostUser | None:
        return self.users.current_user(request)

    def login_url(self, next_url: str) -> str:
        return self.users.login_url(next_url)

    def logout_url(self) -> str:
        """Where the layout's Log out button posts (``web.pages.LogoutHost``)."""
        return self.users.logout_url()


def refapp_host(instance: Instance) -> RefappHost:
    """The reference application's host of an instance the reference application built."""
    host = instance.host
    if not isinstance(host, RefappHost):
        raise TypeError(f"{instance.settings.name} is not served by the reference application")
    return host
