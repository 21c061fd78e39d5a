"""What host code calls linked applications with: ``instance.application_links`` finds links (by ID, by
type, the primary of a type) as ``ApplicationLink`` handles whose request factories make the calls::

    jira = instance.application_links.primary("jira")
    try:
        me = jira.request_factory(user).get_json("/rest/api/2/myself")
    except CredentialsRequired as exc:
        return RedirectResponse(exc.authorisation_uri(callback=this_page))
"""

from __future__ import annotations

from typing import Protocol

from applinks.domain.link import Link
from applinks.outbound.factory import AsyncRequestFactory, RequestFactory
from applinks.outbound.providers.names import ProviderName
from applinks.outbound.service import OutgoingAuth, User


class LinkDirectory(Protocol):
    """The reads of the link registry this API needs (``LinkNotFound`` when a link is missing)."""

    def get(self, link_id: str) -> Link: ...

    def list(self, type_id: str | None = None) -> list[Link]: ...

    def primary(self, type_id: str) -> Link: ...


class ApplicationLink:
    """One link, able to make authenticated calls to the application at its RPC URL."""

    def __init__(self, outgoing: OutgoingAuth, link: Link) -> None:
        self._outgoing = outgoing
        self.link = link

    def __repr__(self) -> str:
        return f"<ApplicationLink {self.link.name!r} {self.link.rpc_url}>"

    @property
    def id(self) -> str:
        return self.link.id

    @property
    def name(self) -> str:
        return self.link.name

    @property
    def type_id(self) -> str:
        return self.link.type_id

    @property
    def rpc_url(self) -> str:
        return self.link.rpc_url

    @property
    def display_url(self) -> str:
        return self.link.display_url

    @property
    def is_primary(self) -> bool:
        return self.link.is_primary

    def request_factory(
        self, user: User = None, provider: str | ProviderName | None = None, *, allow_anonymous: bool = True
    ) -> RequestFactory:
        """Requests as ``user`` (a ``HostUser`` or a name; None for anonymous) with the provider protocol.md §5.4
        chooses, or ``provider`` (a class name or ``oauth``/``2lo``/``2loi``/``basic``/``trusted``/``anonymous``).
        With ``allow_anonymous=False`` a link without usable authentication raises instead of calling
        anonymously."""
        return self._outgoing.request_factory(self.link, user, provider, allow_anonymous=allow_anonymous)

    def async_request_factory(
        self, user: User = None, provider: str | ProviderName | None = None, *, allow_anonymous: bool = True
    ) -> AsyncRequestFactory:
        return self._outgoing.async_request_factory(self.link, user, provider, allow_anonymous=allow_anonymous)

    def act_as(self, username: str, *, local_user: User = None) -> RequestFactory:
        """Requests as the remote user ``username`` (e.g. a service user) for trusted server code: only over
        a link that allows impersonation (``ImpersonationNotAllowed`` otherwise); every request is audited."""
        return self._outgoing.act_as(self.link, username, local_user=local_user)

    def async_act_as(self, username: str, *, local_user: User = None) -> AsyncRequestFactory:
        return self._outgoing.async_act_as(self.link, username, local_user=local_user)


class ApplicationLinks:
    """The link service of the Python API."""

    def __init__(self, links: LinkDirectory, outgoing: OutgoingAuth) -> None:
        self._links = links
        self._outgoing = outgoing

    def _wrap(self, link: Link) -> ApplicationLink:
        return ApplicationLink(self._outgoing, link)

    def get(self, link_id: str) -> ApplicationLink:
        """The link with this ID (``LinkNotFound`` otherwise)."""
        return self._wrap(self._links.get(link_id))

    def all(self) -> list[ApplicationLink]:
        return [self._wrap(link) for link in self._links.list()]

    def of_type(self, type_id: str) -> list[ApplicationLink]:
        """Links of one application type, primary first."""
        found = sorted(self._links.list(type_id), key=lambda link: not link.is_primary)
        return [self._wrap(link) for link in found]

    def primary(self, type_id: str) -> ApplicationLink:
        """The primary link of a type (``LinkNotFound`` when there is none)."""
        return self._wrap(self._links.primary(type_id))
