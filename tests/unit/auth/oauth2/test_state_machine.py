"""security.md's state-machine property test: any sequence of authorize / exchange / re-exchange / refresh
keeps the authorization server's tokens exactly as a simple model says — a code buys one token family
once (PKCE verifier required when a challenge was sent), a re-exchange revokes that family, a refresh
rotates, and a rotated refresh token presented again revokes its family (SQLite)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from applinks.auth.oauth2.incoming import IssuedClient
from applinks.errors import BearerTokenRefused
from applinks.storage import db
from tests.unit.auth.oauth2.helpers import VERIFIER, Provider, challenge, make_provider

# Hypothesis' state machines take no fixtures: one migrated SQLite database for the module, removed at exit.
_DIR = Path(tempfile.mkdtemp(prefix="applinks-oauth2-sm-"))
_ENGINE = db.make_engine(f"sqlite:///{_DIR / 'sm.sqlite'}")
db.upgrade(_ENGINE)
atexit.register(shutil.rmtree, _DIR, True)
atexit.register(_ENGINE.dispose)


@dataclass
class Family:
    revoked: bool = False
    current: str | None = None  # the access token that should work now


@dataclass
class Code:
    value: str
    pkce: bool
    used: bool = False
    family: Family = field(default_factory=Family)


@dataclass
class Issued:
    access: str
    refresh: str
    family: Family


class TokenMachine(RuleBasedStateMachine):
    codes = Bundle("codes")
    issued = Bundle("issued")

    def __init__(self) -> None:
        super().__init__()
        self.provider: Provider = make_provider(_ENGINE)
        self.client: IssuedClient = self.provider.register("WRITE")
        self.all_issued: list[Issued] = []

    @rule(target=codes, pkce=st.booleans())
    def authorize(self, pkce: bool) -> Code:
        params = {"code_challenge": challenge(), "code_challenge_method": "S256"} if pkce else {}
        return Code(self.provider.code(self.client, **params), pkce)

    @rule(target=issued, code=codes, send_verifier=st.booleans())
    def exchange(self, code: Code, send_verifier: bool) -> Issued:
        extra = {"code_verifier": VERIFIER} if send_verifier and code.pkce else {}
        answer = self.provider.exchange(self.client, code.value, **extra)
        assert isinstance(answer.body, dict)
        if code.used:
            assert answer.status == 400 and answer.body["error"] == "invalid_grant"
            code.family.revoked = True
        elif code.pkce and not send_verifier:
            assert answer.status == 400  # never redeemed without its verifier; the code stays unused
        else:
            assert answer.status == 200, answer.body
            code.used = True
            code.family.current = answer.body["access_token"]
            found = Issued(answer.body["access_token"], answer.body["refresh_token"], code.family)
            self.all_issued.append(found)
            return found
        return Issued("", "", Family(revoked=True))  # nothing issued: a placeholder that refreshes nothing

    @rule(target=issued, token=issued)
    def refresh(self, token: Issued) -> Issued:
        if not token.refresh:
            return token
        answer = self.provider.token(self.client, grant_type="refresh_token", refresh_token=token.refresh)
        assert isinstance(answer.body, dict)
        family = token.family
        if not family.revoked and family.current == token.access:
            assert answer.status == 200, answer.body
            family.current = answer.body["access_token"]
            found = Issued(answer.body["access_token"], answer.body["refresh_token"], family)
            self.all_issued.append(found)
            return found
        assert answer.status == 400 and answer.body["error"] == "invalid_grant"
        family.revoked = True
        return token

    @invariant()
    def tokens_match_the_model(self) -> None:
        for token in self.all_issued:
            should_work = not token.family.revoked and token.family.current == token.access
            try:
                self.provider.resolver.resolve("Bearer " + token.access)
                works = True
            except BearerTokenRefused:
                works = False
            assert works == should_work, token


TokenMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=12, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_token_state_machine = TokenMachine.TestCase
