"""OAuthProvider: every refusal of protocol.md §5.3 with its wire code, the three modes, the token life
cycle (single use, verifier, expiry, revocation) and the injected clock. Requests are signed by oauthlib."""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oauthlib.oauth1 import SIGNATURE_HMAC, SIGNATURE_PLAINTEXT, SIGNATURE_RSA, Client

from applinks.auth.oauth1.model import Consumer, ConsumerSettings
from applinks.auth.oauth1.signing import SignedRequest
from applinks.auth.oauth1.tokens import resolve_callback
from applinks.auth.oauth1.verify import ACCESS_TOKEN, REQUEST_TOKEN
from applinks.errors import OAuthProblem
from applinks.instance import Instance
from applinks.storage.oauth_nonces import MemoryNonceStore
from tests.integration.oauth1_support import key_pair
from tests.unit.auth.oauth1 import helpers
from tests.unit.auth.oauth1.helpers import SYSADMIN, add_link, sign

URL = "http://127.0.0.1:8990/rest/api/thing"
NOW = 1_800_000_000
SECRET = "hmac-shared-secret"


def _consumer(instance: Instance, **flags: object) -> Consumer:
    link = add_link(instance)
    method = str(flags.pop("signature_method", "RSA-SHA1"))
    extra: dict[str, object] = (
        {"public_key": key_pair().public_pem} if method != "HMAC-SHA1" else {"shared_secret": SECRET}
    )
    consumer, _ = instance.oauth_consumers.set(
        link.id,
        ConsumerSettings(key=f"c-{link.id}", name="Client", signature_method=method, **extra, **flags),  # type: ignore[arg-type]
        actor=SYSADMIN,
    )
    return consumer


def _client(consumer: Consumer, *, at: int = NOW, **kwargs: object) -> Client:
    options: dict[str, object] = {"timestamp": str(at)}
    if consumer.signature_method == "HMAC-SHA1":
        options.update(client_secret=SECRET, signature_method=SIGNATURE_HMAC)
    else:
        options.update(rsa_key=key_pair().private_pem, signature_method=SIGNATURE_RSA)
    options.update(kwargs)
    return Client(consumer.key, **options)  # type: ignore[arg-type]


@pytest.fixture
def provider_at(instance: Instance) -> Instance:
    instance.oauth_provider.clock = lambda: float(NOW)
    return instance


def _problem(instance: Instance, signed: SignedRequest, purpose: str = "resource") -> OAuthProblem:
    with pytest.raises(OAuthProblem) as raised:
        if purpose == "resource":
            instance.oauth_provider.authenticate(signed, instance.host)
        else:
            instance.oauth_provider.verify(signed, purpose)
    return raised.value


def test_two_legged_runs_as_the_executing_user_or_anonymously(provider_at: Instance) -> None:
    instance = provider_at
    with_user = _consumer(instance, two_lo_allowed=True, executing_two_lo_user="alice")
    found = instance.oauth_provider.authenticate(sign(_client(with_user), "GET", URL), instance.host)
    assert (found.user and found.user.name, found.method, found.link_id) == ("alice", "oauth-2lo", with_user.link_id)
    anonymous = _consumer(instance, two_lo_allowed=True)
    found = instance.oauth_provider.authenticate(sign(_client(anonymous), "GET", URL), instance.host)
    assert (found.user, found.method) == (None, "oauth-2lo")
    off = _consumer(instance)
    assert _problem(instance, sign(_client(off), "GET", URL)).problem == "permission_denied"


def test_impersonation_needs_the_flag_and_a_user_who_may_log_in(provider_at: Instance) -> None:
    instance = provider_at
    allowed = _consumer(instance, two_lo_allowed=True, two_lo_impersonation_allowed=True)
    found = instance.oauth_provider.authenticate(
        sign(_client(allowed), "GET", URL + "?xoauth_requestor_id=bob"), instance.host
    )
    assert (found.user and found.user.name, found.method) == ("bob", "oauth-2loi")
    missing = _problem(instance, sign(_client(allowed), "GET", URL + "?xoauth_requestor_id=nobody"))
    disabled = _problem(instance, sign(_client(allowed), "GET", URL + "?xoauth_requestor_id=ghost"))
    assert missing.problem == disabled.problem == "permission_denied"
    assert missing.message == disabled.message  # no user enumeration
    flagless = _consumer(instance, two_lo_allowed=True)
    assert _problem(instance, sign(_client(flagless), "GET", URL + "?xoauth_requestor_id=bob")).problem == (
        "permission_denied"
    )


def test_replays_are_refused_but_a_forged_copy_does_not_burn_the_nonce(provider_at: Instance) -> None:
    instance = provider_at
    consumer = _consumer(instance, two_lo_allowed=True)
    signed = sign(_client(consumer, nonce="n1"), "GET", URL + "?a=1")
    forged = SignedRequest(signed.method, signed.uri, query=(("a", "2"),), header=signed.header)
    problem = _problem(instance, forged)
    assert problem.problem == "signature_invalid" and problem.http_status == 401
    assert "a%3D2" in problem.details["signature_base_string"]
    instance.oauth_provider.authenticate(signed, instance.host)
    replay = _problem(instance, signed)
    assert (replay.problem, replay.http_status) == ("nonce_used", 401)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(min_value=-1000, max_value=1000))
def test_timestamps_are_accepted_within_the_window_only(instance: Instance, offset: int) -> None:
    provider = instance.oauth_provider
    provider.clock = lambda: float(NOW)
    provider.nonces = MemoryNonceStore()
    consumer = instance.oauth_consumers.get("skew") or _skew_consumer(instance)
    signed = sign(_client(consumer, at=NOW + offset), "GET", URL)
    if abs(offset) <= instance.settings.timestamp_window:
        assert provider.authenticate(signed, instance.host).method == "oauth-2lo"
    else:
        problem = _problem(instance, signed)
        assert (problem.problem, problem.http_status) == ("timestamp_refused", 400)
        assert problem.details["acceptable_timestamps"] == f"{NOW - 300}-{NOW + 300}"


def _skew_consumer(instance: Instance) -> Consumer:
    link = add_link(instance)
    consumer, _ = instance.oauth_consumers.set(
        link.id,
        ConsumerSettings(key="skew", public_key=key_pair().public_pem, two_lo_allowed=True),
        actor=SYSADMIN,
    )
    return consumer


def test_refusals_carry_their_wire_codes(provider_at: Instance) -> None:
    instance = provider_at
    rsa = _consumer(instance, two_lo_allowed=True)
    hmac = _consumer(instance, signature_method="HMAC-SHA1", two_lo_allowed=True)
    unknown = Client("nobody", rsa_key=key_pair().private_pem, signature_method=SIGNATURE_RSA, timestamp=str(NOW))
    # No enumeration: an unknown key is answered as a bad signature; the precise problem is its cause.
    refused = _problem(instance, sign(unknown, "GET", URL))
    assert (refused.problem, refused.cause, refused.message) == (
        "signature_invalid",
        "consumer_key_unknown",
        "signature invalid",
    )
    # An HMAC signature (any secret, even empty) sent with an RSA consumer's key: the method is fixed.
    for secret in ("", SECRET):
        switched = Client(rsa.key, client_secret=secret, signature_method=SIGNATURE_HMAC, timestamp=str(NOW))
        refused = _problem(instance, sign(switched, "GET", URL))
        assert (refused.problem, refused.cause) == ("signature_invalid", "signature_method_rejected")
    plaintext = Client(hmac.key, client_secret=SECRET, signature_method=SIGNATURE_PLAINTEXT, timestamp=str(NOW))
    problem = _problem(instance, sign(plaintext, "GET", URL))
    assert (problem.problem, problem.http_status) == ("signature_method_rejected", 400)
    assert instance.oauth_provider.authenticate(sign(_client(hmac), "GET", URL), instance.host).method == "oauth-2lo"
    signed = sign(_client(rsa), "GET", URL)
    old = SignedRequest("GET", URL, header=tuple((k, "2.0" if k == "oauth_version" else v) for k, v in signed.header))
    assert _problem(instance, old).problem == "version_rejected"
    no_nonce = SignedRequest("GET", URL, header=tuple((k, v) for k, v in signed.header if k != "oauth_nonce"))
    problem = _problem(instance, no_nonce)
    assert (problem.problem, problem.details["parameters_absent"]) == ("parameter_absent", "oauth_nonce")
    bad_ts = SignedRequest(
        "GET", URL, header=tuple((k, "soon" if k == "oauth_timestamp" else v) for k, v in signed.header)
    )
    assert _problem(instance, bad_ts).problem == "parameter_rejected"


def _dance(instance: Instance, consumer: Consumer, callback: str = "oob") -> tuple[str, str, str]:
    """Request token → approved by alice → (request token, request secret, verifier)."""
    provider = instance.oauth_provider
    verified = provider.verify(sign(_client(consumer, callback_uri=callback), "POST", URL), REQUEST_TOKEN)
    issued = provider.tokens.issue_request_token(verified.consumer, resolve_callback(consumer, callback))
    decision = provider.tokens.approve(issued.token, "alice")
    assert decision.verifier is not None
    return issued.token, issued.secret, decision.verifier


def _exchange(instance: Instance, consumer: Consumer, token: str, secret: str, verifier: str) -> tuple[str, str]:
    signed = sign(
        _client(consumer, resource_owner_key=token, resource_owner_secret=secret, verifier=verifier), "POST", URL
    )
    verified = instance.oauth_provider.verify(signed, ACCESS_TOKEN)
    assert verified.token is not None
    issued = instance.oauth_provider.tokens.exchange(verified.token, verified.consumer, verifier)
    return issued.token, issued.secret


@pytest.mark.parametrize("method", ["RSA-SHA1", "HMAC-SHA1"])
def test_three_legged_life_cycle(provider_at: Instance, method: str) -> None:
    instance = provider_at
    consumer = _consumer(instance, signature_method=method)
    token, secret, verifier = _dance(instance, consumer)
    # A wrong verifier is refused and changes nothing: the right one still works afterwards.
    wrong = sign(_client(consumer, resource_owner_key=token, resource_owner_secret=secret, verifier="x"), "POST", URL)
    verified = instance.oauth_provider.verify(wrong, ACCESS_TOKEN)
    assert verified.token is not None
    with pytest.raises(OAuthProblem, match="verifier") as raised:
        instance.oauth_provider.tokens.exchange(verified.token, consumer, "x")
    assert raised.value.problem == "token_rejected"
    access, access_secret = _exchange(instance, consumer, token, secret, verifier)
    # The request token is single use.
    with pytest.raises(OAuthProblem) as raised:
        _exchange(instance, consumer, token, secret, verifier)
    assert raised.value.problem == "token_used"
    as_user = sign(_client(consumer, resource_owner_key=access, resource_owner_secret=access_secret), "GET", URL)
    found = instance.oauth_provider.authenticate(as_user, instance.host)
    assert (found.user and found.user.name, found.method) == ("alice", "oauth")
    # A request token is no access token, and an access token no request token.
    as_request = sign(_client(consumer, resource_owner_key=token, resource_owner_secret=secret), "GET", URL)
    assert _problem(instance, as_request).problem == "token_rejected"
    # An access token at the access-token endpoint is a renewal, which needs the token's session handle.
    renewal = sign(_client(consumer, resource_owner_key=access, resource_owner_secret=access_secret), "POST", URL)
    renewing = instance.oauth_provider.verify(renewal, ACCESS_TOKEN)
    assert renewing.token is not None
    with pytest.raises(OAuthProblem) as raised:
        instance.oauth_provider.tokens.renew(renewing.token, consumer, None)
    assert raised.value.problem == "parameter_absent"
    # Revoked by the user: rejected; revoking someone else's token does nothing.
    [listed] = instance.oauth_provider.tokens.access_tokens_of("alice")
    assert listed["consumerName"] == "Client"
    assert instance.oauth_provider.tokens.revoke(listed["id"], "bob") is False
    assert instance.oauth_provider.tokens.revoke(listed["id"], "alice") is True
    again = sign(_client(consumer, resource_owner_key=access, resource_owner_secret=access_secret), "GET", URL)
    assert _problem(instance, again).problem == "token_rejected"


def test_undecided_denied_and_expired_request_tokens(provider_at: Instance) -> None:
    instance = provider_at
    consumer = _consumer(instance)
    tokens = instance.oauth_provider.tokens
    pending = tokens.issue_request_token(consumer, "oob")
    signed = sign(_client(consumer, resource_owner_key=pending.token, verifier="v"), "POST", URL)
    verified = instance.oauth_provider.verify(signed, ACCESS_TOKEN)
    assert verified.token is not None
    with pytest.raises(OAuthProblem) as raised:
        tokens.exchange(verified.token, consumer, "v")
    assert raised.value.problem == "permission_unknown"
    tokens.deny(pending.token)
    denied = tokens.lookup(pending.token)
    assert denied is not None
    with pytest.raises(OAuthProblem) as raised:
        tokens.exchange(denied, consumer, "v")
    assert raised.value.problem == "permission_denied"
    # Ten minutes later the request token has expired (the clock is injected; the client signs "then").
    fresh = tokens.issue_request_token(consumer, "oob")
    later = NOW + instance.settings.request_token_ttl + 1
    instance.oauth_provider.clock = lambda: float(later)
    late = sign(_client(consumer, at=later, resource_owner_key=fresh.token, verifier="v"), "POST", URL)
    problem = _problem(instance, late, ACCESS_TOKEN)
    assert (problem.problem, problem.http_status) == ("token_expired", 401)


def test_access_tokens_expire_and_their_users_must_still_log_in(provider_at: Instance) -> None:
    instance = provider_at
    consumer = _consumer(instance)
    access, _ = _exchange(instance, consumer, *_dance(instance, consumer))
    later = NOW + instance.settings.access_token_ttl + 1
    instance.oauth_provider.clock = lambda: float(later)
    expired = sign(_client(consumer, at=later, resource_owner_key=access), "GET", URL)
    assert _problem(instance, expired).problem == "token_expired"
    instance.oauth_provider.clock = lambda: float(NOW)
    original = helpers.USERS["alice"]
    helpers.USERS["alice"] = helpers.HostUser("alice", can_login=False)
    try:
        assert _problem(instance, sign(_client(consumer, resource_owner_key=access), "GET", URL)).problem == (
            "permission_denied"
        )
    finally:
        helpers.USERS["alice"] = original


@pytest.mark.parametrize(
    "given",
    [
        "http://127.0.0.1:9/cb/",
        "http://good@127.0.0.1:9/cb",
        "http://127.0.0.1:9/%63b",
        "http://127.0.0.1:10/cb",
        "https://127.0.0.1:9/cb",
        "http://127.0.0.1:9/cb?x=" + "a" * 3000,
        "javascript:alert(1)",
        "http://127.0.0.1:9/cb#frag",
    ],
)
def test_only_the_registered_callback_is_accepted(given: str) -> None:
    registered = Consumer(link_id="l", key="k", name="n", callback="http://127.0.0.1:9/cb", id=1)
    with pytest.raises(OAuthProblem) as raised:
        resolve_callback(registered, given)
    assert (raised.value.problem, raised.value.details["parameters_rejected"]) == (
        "parameter_rejected",
        "oauth_callback",
    )


def test_callback_resolution() -> None:
    registered = Consumer(link_id="l", key="k", name="n", callback="http://127.0.0.1:9/cb")
    open_consumer = Consumer(link_id="l", key="k", name="n")
    assert resolve_callback(registered, "http://127.0.0.1:9/cb") == "http://127.0.0.1:9/cb"
    assert resolve_callback(registered, "oob") == "http://127.0.0.1:9/cb"
    assert resolve_callback(open_consumer, "OOB") == "oob"
    assert resolve_callback(open_consumer, "https://client.test/back?x=1") == "https://client.test/back?x=1"
    with pytest.raises(OAuthProblem) as raised:
        resolve_callback(open_consumer, "")
    assert raised.value.problem == "parameter_absent"


def test_the_default_clock_is_the_system_clock(instance: Instance) -> None:
    assert abs(instance.oauth_provider.now() - time.time()) < 5


def test_oauth_1_0_request_token_without_callback_needs_no_verifier(provider_at: Instance) -> None:
    """protocol.md §10 (RequestTokenServlet, AccessTokenServlet): no oauth_callback → OAuth 1.0 token."""
    instance = provider_at
    consumer = _consumer(instance)
    tokens = instance.oauth_provider.tokens
    issued = tokens.issue_request_token(consumer, None)
    decision = tokens.approve(issued.token, "alice")
    assert decision.verifier is None and decision.redirect is None
    record = tokens.lookup(issued.token)
    assert record is not None
    access = tokens.exchange(record, consumer, None)
    assert access.session_handle and access.authorization_expires_in and access.authorization_expires_in > 0
    # A 1.0a token still needs its verifier.
    token, _secret, _verifier = _dance(instance, consumer)
    found = tokens.lookup(token)
    assert found is not None
    with pytest.raises(OAuthProblem) as raised:
        tokens.exchange(found, consumer, None)
    assert raised.value.problem == "parameter_absent"


def test_access_token_renewal_with_the_session_handle(provider_at: Instance) -> None:
    """protocol.md §10 (AccessTokenServlet): the reply carries oauth_session_handle and
    oauth_authorization_expires_in; the handle renews the token, the old one goes."""
    instance = provider_at
    consumer = _consumer(instance)
    tokens = instance.oauth_provider.tokens
    token, secret, verifier = _dance(instance, consumer)
    signed = sign(
        _client(consumer, resource_owner_key=token, resource_owner_secret=secret, verifier=verifier), "POST", URL
    )
    verified = instance.oauth_provider.verify(signed, ACCESS_TOKEN)
    assert verified.token is not None
    first = tokens.exchange(verified.token, consumer, verifier)
    form = dict(parse_qsl(first.form()))
    assert form["oauth_session_handle"] == first.session_handle
    assert int(form["oauth_authorization_expires_in"]) > int(form["oauth_expires_in"]) > 0
    record = tokens.lookup(first.token)
    assert record is not None and first.session_handle is not None
    with pytest.raises(OAuthProblem) as raised:
        tokens.renew(record, consumer, "not-the-handle")
    assert raised.value.problem == "token_rejected"
    with pytest.raises(OAuthProblem) as raised:
        tokens.renew(dataclasses.replace(record, session_expires_at=0), consumer, first.session_handle)
    assert raised.value.problem == "permission_denied"
    second = tokens.renew(record, consumer, first.session_handle)
    assert second.token != first.token and second.session_handle == first.session_handle
    assert tokens.lookup(first.token) is None
    renewed = tokens.lookup(second.token)
    assert renewed is not None and renewed.user_name == "alice"
    with pytest.raises(OAuthProblem) as raised:  # the old token cannot be renewed twice
        tokens.renew(record, consumer, first.session_handle)
    assert raised.value.problem == "token_rejected"


class _CountingHost(helpers.FakeHost):
    def __init__(self) -> None:
        self.lookups = 0

    def get_user(self, name: str) -> helpers.HostUser | None:
        self.lookups += 1
        return helpers.USERS.get(name)


def test_users_are_looked_up_once_until_the_host_says_one_changed(provider_at: Instance) -> None:
    instance = provider_at
    host = _CountingHost()
    consumer = _consumer(instance, two_lo_allowed=True, two_lo_impersonation_allowed=True)

    def as_bob() -> str:
        found = instance.oauth_provider.authenticate(
            sign(_client(consumer), "GET", URL + "?xoauth_requestor_id=bob"), host
        )
        return found.user.name if found.user else ""

    assert (as_bob(), as_bob(), host.lookups) == ("bob", "bob", 1)
    original = helpers.USERS["bob"]
    helpers.USERS["bob"] = helpers.HostUser("bob", can_login=False)
    try:
        instance.oauth_provider.users.invalidate("bob")  # what a host calls when it disables a user
        with pytest.raises(OAuthProblem) as refused:
            as_bob()
        assert (refused.value.problem, host.lookups) == ("permission_denied", 2)
    finally:
        helpers.USERS["bob"] = original
